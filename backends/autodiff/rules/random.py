"""Random ops: SeedGenerator, normal, uniform, truncated_normal, randint, dropout, shuffle.

Not tape primitives (a draw has no gradient): composites that draw with the
array module's own generator, ``xp.random.default_rng((seed, counter))``, seeded
from the state that :func:`backends.seed.resolve_seed` gives for the ``seed``
argument (an int: the same numbers every call; a SeedGenerator: advanced by
each call; None: the global generator). ``dropout`` is differentiable in its
input: the input times a constant mask.
"""

import math

from ... import config
from ...seed import SeedGenerator as _SeedGenerator, resolve_seed
from ...variable import Variable
from ..registry import defcomposite
from ..tensor import Tensor


def _draw(F, seed, draw, *inputs):
    """``draw(xp, rng, *inputs)`` with a fresh generator ``rng`` of ``F.xp`` seeded from the
    state that ``seed`` gives, as a tensor. The draw is an :meth:`nograd` call on the
    state, so a jit replay draws again from the state it is given (an int seed's fixed
    state gives the same numbers, as eagerly)."""
    def fn(xp, state, *inputs):
        rng = xp.random.default_rng((int(state[0]), int(state[1])))
        return draw(xp, rng, *inputs)
    return F.nograd(fn, resolve_seed(seed, F), *inputs)


def _shape(shape):
    return (int(shape),) if isinstance(shape, int) else tuple(int(n) for n in shape)


def _float_dtype(F, op, dtype):
    """``dtype`` (default floatx) as a name, checked to be a float dtype."""
    if dtype is None:
        dtype = config.floatx()
    elif not isinstance(dtype, str):
        dtype = F.xp.dtype(dtype).name
    if not dtype.startswith(("float", "bfloat")):
        raise ValueError(f"{op}: dtype must be a float dtype, got {dtype!r}; "
                         "use randint for integers.")
    return dtype


def _draw_dtype(dtype):
    """The dtype numpy's generator draws in: float32 or float64 (others are cast after)."""
    return "float64" if dtype == "float64" else "float32"


def _affine(sample, scale, shift, dtype):
    """``sample * scale + shift`` in ``dtype`` (raw arrays or Python numbers)."""
    out = sample * scale + shift
    return out.astype(dtype, copy=False) if hasattr(out, "astype") else out


@defcomposite("SeedGenerator")
def SeedGenerator(F, seed=None):
    """A stateful source of seeds owned by this backend (see :class:`backends.seed.SeedGenerator`)."""
    return _SeedGenerator(seed, backend=F)


@defcomposite("normal")
def normal(F, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of a normal distribution with ``mean`` and ``stddev``."""
    dtype = _float_dtype(F, "normal", dtype)
    shape = _shape(shape)

    def draw(xp, rng, stddev, mean):
        return _affine(rng.standard_normal(shape, dtype=_draw_dtype(dtype)), stddev, mean, dtype)
    return _draw(F, seed, draw, stddev, mean)


@defcomposite("uniform")
def uniform(F, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniform in ``[minval, maxval)``."""
    dtype = _float_dtype(F, "uniform", dtype)
    shape = _shape(shape)

    def draw(xp, rng, minval, maxval):
        return _affine(rng.random(shape, dtype=_draw_dtype(dtype)), maxval - minval, minval,
                       dtype)
    return _draw(F, seed, draw, minval, maxval)


@defcomposite("truncated_normal")
def truncated_normal(F, shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, each redrawn until it lies within two standard deviations of the mean."""
    dtype = _float_dtype(F, "truncated_normal", dtype)
    shape = _shape(shape)

    def draw(xp, rng, stddev, mean):
        sample = rng.standard_normal(math.prod(shape), dtype=_draw_dtype(dtype))
        # Redraw the ~4.6% outside [-2, 2], round after round, until none is left: a loop
        # over rounds (a handful), never over elements.
        outside = xp.flatnonzero(xp.abs(sample) > 2)
        while outside.size:
            sample[outside] = rng.standard_normal(outside.size, dtype=sample.dtype)
            outside = outside[xp.abs(sample[outside]) > 2]
        return _affine(sample.reshape(shape), stddev, mean, dtype)
    return _draw(F, seed, draw, stddev, mean)


@defcomposite("randint")
def randint(F, shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in ``[minval, maxval)``."""
    low, high, shape = int(minval), int(maxval), _shape(shape)
    return _draw(F, seed, lambda xp, rng: rng.integers(low, high, size=shape, dtype=dtype))


@defcomposite("dropout")
def dropout(F, inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with a ``rate`` fraction of entries zeroed and the rest scaled by
    ``1 / (1 - rate)``. ``noise_shape`` (None entries: the input's size) gives the mask's
    shape, broadcast over the input: a size-1 axis shares one draw along it."""
    inputs = F.convert_to_tensor(inputs)
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1], got {rate}.")
    shape = inputs.shape
    if noise_shape is None:
        noise_shape = shape
    else:
        if len(noise_shape) != len(shape):
            raise ValueError(f"dropout: noise_shape {tuple(noise_shape)} needs one entry per axis "
                             f"of the input (shape {shape}).")
        noise_shape = tuple(n if d is None else int(d) for d, n in zip(noise_shape, shape))
    keep, dtype = 1.0 - rate, inputs.dtype

    def draw(xp, rng):
        mask = (rng.random(noise_shape, dtype="float32") < keep).astype(dtype)
        if keep > 0:
            mask *= 1.0 / keep
        return mask
    # a constant mask: the gradient flows through the multiply to the kept entries only
    return F.multiply(inputs, _draw(F, seed, draw))


@defcomposite("shuffle")
def shuffle(F, x, axis=0, seed=None):
    """``x`` with each 1-D slice along ``axis`` permuted independently (as Keras's numpy and
    jax backends do): an argsort of uniform keys gives one random order per slice."""
    x = F.convert_to_tensor(x)
    shape = x.shape
    order = _draw(F, seed, lambda xp, rng: xp.argsort(rng.random(shape), axis=axis))
    return F.take_along_axis(x, order, axis=axis)
