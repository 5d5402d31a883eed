"""Random ops: SeedGenerator, normal, uniform, truncated_normal, randint, dropout, shuffle.

Composites (a draw has no gradient) around one primitive, ``random_draw``: a draw from a
generator seeded by the state that :func:`backends.seed.resolve_seed` gives for the
``seed`` argument (an int: the same numbers every call; a SeedGenerator: advanced by each
call; None: the global generator). ``dropout`` is differentiable in its input: the input
times a constant mask.

The generator is the primitive's to choose. The generic one, :class:`CounterGenerator`,
computes its numbers from the state where the state lives, with array ops (Philox, a
counter-based generator): on a GPU a draw never reads the state back to the host. The
numpy backend overrides it with numpy's own generator (``backends/numpy/fast_paths.py``),
faster on a CPU, where reading the state costs nothing.
"""

import math

from ... import config
from ...seed import SeedGenerator as _SeedGenerator, resolve_seed
from ..registry import defcomposite, defop

# Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
# its multipliers and key increments
_PHILOX_M = (0xD2511F53, 0xCD9E8D57)
_PHILOX_W = (0x9E3779B9, 0xBB67AE85)
_MASK32 = 0xFFFFFFFF
# rounds of redrawing in truncated_normal: an entry is still outside [-2, 2] after them
# with probability 0.0455 ** 7 (4e-10), and is then clipped to the bound
_TRUNCATED_ROUNDS = 6


class CounterGenerator:
    """numpy's ``Generator`` methods that the random ops use (``random``,
    ``standard_normal``, ``integers``), computed with ``xp``'s array ops from a state of
    two 32-bit words, wherever the state lives: the state is Philox's key, the position
    of each number its counter. Two generators on the same state give the same numbers;
    each call of one generator continues where the last ended."""

    def __init__(self, xp, state):
        self.xp = xp
        state = xp.asarray(state).astype(xp.uint64)
        self.key = (state[0], state[1])
        self.blocks = 0  # counters used so far (four 32-bit numbers each)

    def bits(self, count):
        """``count`` uniform 32-bit integers (as uint64)."""
        xp = self.xp
        blocks = -(-count // 4)
        c0 = xp.arange(self.blocks, self.blocks + blocks, dtype=xp.uint64)
        self.blocks += blocks
        c1 = c0 >> 32
        c0 = c0 & _MASK32
        c2 = c3 = xp.zeros_like(c0)
        k0, k1 = self.key
        for _ in range(10):
            p0, p1 = c0 * _PHILOX_M[0], c2 * _PHILOX_M[1]
            c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0, p1 & _MASK32,
                              (p0 >> 32) ^ c3 ^ k1, p0 & _MASK32)
            k0, k1 = (k0 + _PHILOX_W[0]) & _MASK32, (k1 + _PHILOX_W[1]) & _MASK32
        return xp.stack([c0, c1, c2, c3], axis=-1).reshape(-1)[:count]

    def random(self, size=None, dtype="float64"):
        """Uniform in ``[0, 1)``: 24 random bits for float32, 53 for float64."""
        xp, shape = self.xp, _size(size)
        count = math.prod(shape)
        if xp.dtype(dtype) == xp.float32:
            return ((self.bits(count) >> 8).astype(xp.float32) * 2.0 ** -24).reshape(shape)
        words = self.bits(2 * count)
        high, low = (words[:count] >> 5).astype(xp.float64), (words[count:] >> 6).astype(xp.float64)
        return ((high * 2.0 ** 26 + low) * 2.0 ** -53).reshape(shape)

    def standard_normal(self, size=None, dtype="float64"):
        """Normal samples (Box-Muller on pairs of uniforms)."""
        xp, shape = self.xp, _size(size)
        count = math.prod(shape)
        pairs = -(-count // 2)
        u1 = 1.0 - self.random(pairs, dtype)  # in (0, 1]: a finite logarithm
        u2 = self.random(pairs, dtype)
        radius = xp.sqrt(-2.0 * xp.log(u1))
        angle = (2.0 * math.pi) * u2
        samples = xp.concatenate([radius * xp.cos(angle), radius * xp.sin(angle)])
        return samples[:count].astype(dtype, copy=False).reshape(shape)

    def integers(self, low, high, size=None, dtype="int64"):
        """Integers uniform in ``[low, high)`` (from 53 random bits: no visible bias for a
        range below 2**32)."""
        xp = self.xp
        offsets = xp.floor(self.random(size, "float64") * (high - low))
        return (offsets + low).astype(dtype)


def _size(size):
    if size is None:
        return ()
    return (int(size),) if isinstance(size, int) else tuple(int(n) for n in size)


@defop("random_draw", inputs="sequence", differentiable=False)
def random_draw(xp, arrays, draw, generator=None):
    """``draw(xp, rng, *inputs)`` for ``arrays = [state, *inputs]``, with ``rng`` a
    generator seeded by ``state``: ``generator(xp, state)``, :class:`CounterGenerator`
    unless a backend binds its own."""
    state, inputs = arrays[0], arrays[1:]
    return draw(xp, (generator or CounterGenerator)(xp, state), *inputs)


def _draw(F, seed, draw, *inputs):
    """``draw(xp, rng, *inputs)`` with a fresh generator ``rng`` seeded from the state that
    ``seed`` gives, as a tensor. The draw is a ``random_draw`` op on the state, so a jit
    replay draws again from the state it is given (an int seed's fixed state gives the
    same numbers, as eagerly). Python numbers among ``inputs`` are passed as they are."""
    arrays = [resolve_seed(seed, F)]
    positions = []
    for index, value in enumerate(inputs):
        if not isinstance(value, (int, float)):
            arrays.append(value)
            positions.append(index)
    if len(positions) == len(inputs):
        return F.random_draw(arrays, draw)
    constants = {i: v for i, v in enumerate(inputs) if i not in positions}

    def with_constants(xp, rng, *dynamic):
        values = dict(constants, **dict(zip(positions, dynamic)))
        return draw(xp, rng, *(values[i] for i in range(len(inputs))))
    return F.random_draw(arrays, with_constants)


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
        sample = rng.standard_normal(shape, dtype=_draw_dtype(dtype))
        # Redraw the ~4.6% outside [-2, 2], a fixed number of rounds: how many are left
        # is never read back (on a GPU, a host synchronisation); see _TRUNCATED_ROUNDS
        for _ in range(_TRUNCATED_ROUNDS):
            redraw = rng.standard_normal(shape, dtype=sample.dtype)
            sample = xp.where(xp.abs(sample) > 2, redraw, sample)
        return _affine(xp.clip(sample, -2, 2), stddev, mean, dtype)
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
