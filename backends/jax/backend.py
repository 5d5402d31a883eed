"""JaxBackend: the contract implemented with ``jax.numpy``, ``jax.lax`` and ``jax.nn``.

The ops live in the modules of :mod:`~kerasette.backends.jax.ops` (one per family)
and in :mod:`~kerasette.backends.jax.arrays`; each module lists its contract names
in ``__all__`` and they are bound here as static methods. This class adds what
needs the backend object itself: the random ops (their seeds), SeedGenerator,
Variable, and the autodiff transformations; the control-flow ops and
``custom_gradient`` come from :mod:`~kerasette.backends.jax.control_flow`.
"""

import functools

import jax
from jax import lax

from .. import masking
from .. import seed as seeding
from ..interface import Backend
from ..tape_base import check_differentiable_argument
from ..variable import Variable
from . import arrays, ops, recording
from .control_flow import ControlFlow
from .convert import as_input, tensor
from .ops import random
from .tape import GradientTape


class JaxBackend(ControlFlow, Backend):
    """The jax backend: native tensors are ``jax.Array``; gradients come from JAX.

    Example:
        >>> from kerasette.backends.jax import backend as jb
        >>> jb.softmax(jb.convert_to_tensor([1.0, 2.0]))
    """

    name = "jax"
    compiles_steps = True

    # ------------------------------------------------------------------ random
    def SeedGenerator(self, seed=None):
        return seeding.SeedGenerator(seed, backend=self)

    def _seed_state(self, seed):
        """The uint32 state ``[seed, counter]`` for a random op's ``seed`` argument."""
        return seeding.resolve_seed(seed, self)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        return random.normal(self._seed_state(seed), shape, mean, stddev, dtype)

    def uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        return random.uniform(self._seed_state(seed), shape, minval, maxval, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        return random.truncated_normal(self._seed_state(seed), shape, mean, stddev, dtype)

    def randint(self, shape, minval, maxval, dtype="int32", seed=None):
        return random.randint(self._seed_state(seed), shape, minval, maxval, dtype)

    def dropout(self, inputs, rate, noise_shape=None, seed=None):
        if isinstance(rate, (int, float)) and rate in (0, 1):  # no draw: Keras's shortcuts
            return random.dropout(inputs, rate, noise_shape, None)
        return random.dropout(inputs, rate, noise_shape, self._seed_state(seed))

    def shuffle(self, x, axis=0, seed=None):
        return random.shuffle(self._seed_state(seed), x, axis)

    # ------------------------------------------------------------------ autodiff
    def stop_gradient(self, x):
        x = tensor(as_input(x))
        y = lax.stop_gradient(x)
        if y is x and recording.tapes:
            # a tape tracks tensors by identity: the result must be a new tensor
            y = jax.numpy.array(x, copy=True)
        return y

    def value_and_grad(self, fn, argnums=0, has_aux=False):
        """``jax.value_and_grad``; the differentiated arguments' leaves are converted first
        (Variables read, Python floats to floatx). The auxiliary outputs keep their masks
        (:mod:`~kerasette.backends.masking`), as on the other backends."""
        transformed = jax.value_and_grad(_with_aux_masks(fn) if has_aux else fn,
                                         argnums=argnums, has_aux=has_aux)

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            result = transformed(*_convert_arguments(args, argnums), **kwargs)
            if not has_aux:
                return result
            (value, aux), grads = result
            return (value, _attach_aux_masks(aux)), grads

        return wrapped

    def grad(self, fn, argnums=0, has_aux=False):
        """``jax.grad``; arguments converted as in :meth:`value_and_grad`, whose note on
        masks holds here too."""
        transformed = jax.grad(_with_aux_masks(fn) if has_aux else fn, argnums=argnums,
                               has_aux=has_aux)

        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            result = transformed(*_convert_arguments(args, argnums), **kwargs)
            return (result[0], _attach_aux_masks(result[1])) if has_aux else result

        return wrapped

    def GradientTape(self, persistent=False, watch_accessed_variables=True):
        return GradientTape(persistent=persistent,
                            watch_accessed_variables=watch_accessed_variables)

    def Variable(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", name=None):
        return Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                        autocast=autocast, aggregation=aggregation, name=name, backend=self)

    def jit(self, fn, static_argnums=None, donate_argnums=None):
        return jax.jit(fn, static_argnums=static_argnums, donate_argnums=donate_argnums)


def _with_aux_masks(fn):
    """``fn`` returning ``(value, (aux, masks))``: the masks attached to the leaves of its
    auxiliary output travel with it, since JAX hands back new arrays for the aux output
    (where the masks attached to the traced ones are not)."""
    @functools.wraps(fn)
    def with_masks(*args, **kwargs):
        value, aux = fn(*args, **kwargs)
        return value, (aux, [masking.get_keras_mask(leaf)
                             for leaf in jax.tree_util.tree_leaves(aux)])
    return with_masks


def _attach_aux_masks(aux_and_masks):
    """The aux output of :func:`_with_aux_masks`'s function, its masks attached again."""
    aux, masks = aux_and_masks
    for leaf, mask in zip(jax.tree_util.tree_leaves(aux), masks):
        if mask is not None:
            masking.set_keras_mask(leaf, mask)
    return aux


def _convert_arguments(args, argnums):
    """``args`` with the leaves of the differentiated ones as jax arrays (floating ones:
    an integer leaf raises TypeError, with the same words as on the numpy backend)."""
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    for p in positions:
        if p >= len(args):
            raise ValueError(f"value_and_grad: argnums={argnums} but the function was called "
                             f"with {len(args)} positional arguments.")

        def convert(leaf, p=p):
            leaf = leaf if isinstance(leaf, jax.Array) else tensor(as_input(leaf))
            check_differentiable_argument(arrays.dtype(leaf), p, argnums)
            return leaf

        args[p] = jax.tree_util.tree_map(convert, args[p],
                                         is_leaf=lambda leaf: isinstance(leaf, Variable))
    return args


def _bind_ops(cls):
    """Binds every op module's ``__all__`` as static methods, with the contract's docs."""
    for module in (arrays, *ops.MODULES):
        for name in module.__all__:
            fn = getattr(module, name)
            if not fn.__doc__:
                fn.__doc__ = getattr(Backend, name).__doc__
            setattr(cls, name, staticmethod(fn))


_bind_ops(JaxBackend)
