"""JaxBackend: the contract implemented with ``jax.numpy``, ``jax.lax`` and ``jax.nn``.

The ops live in the modules of :mod:`~kerasette.backends.jax.ops` (one per family)
and in :mod:`~kerasette.backends.jax.arrays`; each module lists its contract names
in ``__all__`` and they are bound here as static methods. This class adds what
needs the backend object itself: the random ops (their seeds), SeedGenerator,
Variable, and the autodiff transformations; the control-flow ops and
``custom_gradient`` come from :mod:`~kerasette.backends.jax.control_flow`.
"""

import functools
import inspect

import jax
from jax import lax

from .. import ctc, image, masking
from .. import seed as seeding
from ..interface import Backend
from ..tape_base import check_differentiable_argument
from ..variable import Variable
from . import arrays, ops, recording
from .control_flow import ControlFlow
from .convert import as_input, tensor
from .distribution import JaxDistribution
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
    distribution_engine = JaxDistribution()

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

    # ------------------------------------------------------------------ CTC
    # written once with contract ops (backends/ctc.py): here its scan is a lax.scan. Called
    # eagerly, the dozens of small ops would each be dispatched (and compiled) by JAX one by
    # one, so the whole function is jit-compiled then; while a GradientTape records, it runs
    # op by op so that the tape sees every op
    def ctc_loss(self, target, output, target_length, output_length, mask_index=0):
        if recording.tapes:
            return ctc.ctc_loss(self, target, output, target_length, output_length, mask_index)
        return self._compiled_ctc("loss")(target, output, target_length, output_length,
                                          mask_index)

    def ctc_decode(self, inputs, sequence_lengths, strategy="greedy", beam_width=100,
                   top_paths=1, merge_repeated=True, mask_index=0):
        if strategy != "greedy" or recording.tapes:  # beam search runs on the host
            return ctc.ctc_decode(self, inputs, sequence_lengths, strategy, beam_width,
                                  top_paths, merge_repeated, mask_index)
        return self._compiled_ctc("greedy")(inputs, sequence_lengths, "greedy", beam_width,
                                            top_paths, merge_repeated, mask_index)

    @functools.cache
    def _compiled_ctc(self, which):
        if which == "loss":
            return jax.jit(functools.partial(ctc.ctc_loss, self), static_argnums=(4,))
        return jax.jit(functools.partial(ctc.ctc_decode, self), static_argnums=(2, 3, 4, 5, 6))

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
    for name, fn in image.SHARED_OPS.items():
        setattr(cls, name, _shared_image_op(fn))


def _shared_image_op(fn):
    """An image op written once with contract ops (``backends/image.py``), as a method. Like
    CTC's: called eagerly, it is jit-compiled as a whole (once per static arguments) rather
    than dispatched op by op; while a GradientTape records, it runs op by op."""
    parameters = inspect.signature(fn)
    tensors = image.TENSOR_ARGUMENTS.get(fn.__name__, ("images",))
    compiled = {}

    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        if recording.tapes:
            return fn(self, *args, **kwargs)
        bound = parameters.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments[next(iter(parameters.parameters))]
        static = tuple((k, _hashable(v)) for k, v in arguments.items() if k not in tensors)
        key = (self, static)
        if key not in compiled:
            def run(*values, static=dict(static)):
                return fn(self, **dict(zip(tensors, values)), **static)
            compiled[key] = jax.jit(run)
        return compiled[key](*(as_input(arguments[name]) for name in tensors))
    return method


def _hashable(value):
    # lists in static arguments (kernel sizes, ...) as tuples: jit caches by hash
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


_bind_ops(JaxBackend)
