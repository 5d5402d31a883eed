"""Random initializers: normal, uniform, truncated normal, variance scaling, orthogonal.

Every draw is made on the host from a numpy ``Generator`` and returned as a
numpy array of the requested dtype, so the same seed gives bit-identical
initial weights on every backend. Values are drawn and scaled in the requested
dtype (float32 for float16 and bfloat16, which the generator cannot draw), in
place: making a kernel takes about the kernel's own memory, never a float64
copy twice its size. Which generator:

- ``seed=None``: kerasette's global numpy generator, reset by
  :func:`kerasette.utils.set_random_seed`; each call draws new values.
- an int: a fresh generator seeded with it on every call, so every call gives
  the same values (as in Keras 3: two layers given the same seeded instance
  start with identical weights).
- a :class:`~kerasette.random.SeedGenerator`: a generator seeded with its
  state, which each call advances, so calls differ but are reproducible.

The distributions and the fan computations are Keras 3's; the random
numbers themselves are not (numpy's generator is not JAX's or TensorFlow's).
"""

import math

import numpy as np

from kerasette.backends.seed import SeedGenerator
from kerasette.initializers.initializer import Initializer, numpy_dtype
from kerasette.utils.seeds import global_generator

# Standard deviation of a unit normal truncated to [-2, 2]; variance scaling divides by it
# so that the truncated distribution has the stddev asked for (Keras's constant).
TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978


class RandomInitializer(Initializer):
    """Base class of the initializers that draw random numbers; holds the ``seed``.

    Args:
        seed: None, an int, or a :class:`~kerasette.random.SeedGenerator` (see the
            module documentation for what each gives).
    """

    def __init__(self, seed=None):
        if isinstance(seed, dict):  # a serialized SeedGenerator, as Keras writes it
            seed = SeedGenerator(int(seed.get("config", seed)["seed"]))
        if seed is not None and (isinstance(seed, bool) or
                                 not isinstance(seed, (int, np.integer, SeedGenerator))):
            raise ValueError(
                f"{type(self).__name__}: seed must be None, an int or a SeedGenerator, got "
                f"{seed!r} of type {type(seed).__name__}."
            )
        self.seed = int(seed) if isinstance(seed, (int, np.integer)) else seed

    def _generator(self):
        """The numpy generator this call draws from."""
        if self.seed is None:
            return global_generator()
        if isinstance(self.seed, SeedGenerator):
            state = self.seed.state.numpy()
            self.seed.next()
            return np.random.default_rng([int(v) for v in state])
        return np.random.default_rng(self.seed % 2**64)

    def get_config(self):
        seed = self.seed
        if isinstance(seed, SeedGenerator):
            seed = {"module": "keras.random", "class_name": "SeedGenerator",
                    "config": seed.get_config(), "registered_name": None}
        return {"seed": seed}


# the truncated normal looks for values to redraw this many at a time, so that its
# temporaries stay small beside the kernel
_TRUNCATION_CHUNK = 1 << 16


def _shape(shape):
    return tuple(int(n) for n in shape)


def _draw_dtype(dtype):
    """The dtype numpy's generator draws in for a result of ``dtype``: float64 or float32."""
    return np.dtype("float64") if dtype == np.float64 else np.dtype("float32")


def _standard_normal(generator, shape, dtype):
    return generator.standard_normal(size=_shape(shape), dtype=_draw_dtype(dtype))


def _uniform(generator, shape, dtype, low, high):
    """Samples uniform on ``[low, high)``, made in place (``Generator.uniform`` draws only
    float64)."""
    values = generator.random(size=_shape(shape), dtype=_draw_dtype(dtype))
    values *= high - low
    values += low
    return values


def _truncated_standard_normal(generator, shape, dtype):
    """Unit normal samples, each one outside [-2, 2] redrawn until it falls inside."""
    values = _standard_normal(generator, shape, dtype)
    flat = values.reshape(-1)  # a view: redraws land in ``values``
    for start in range(0, flat.size, _TRUNCATION_CHUNK):
        chunk = flat[start:start + _TRUNCATION_CHUNK]
        outside = np.flatnonzero(np.abs(chunk) > 2.0)
        while outside.size:
            redrawn = generator.standard_normal(size=outside.size, dtype=values.dtype)
            chunk[outside] = redrawn
            outside = outside[np.abs(redrawn) > 2.0]
    return values


def _scaled(values, scale, shift, dtype):
    """``shift + scale * values`` in place, as ``dtype``."""
    values *= scale
    if shift:
        values += shift
    return values.astype(dtype, copy=False)


class RandomNormal(RandomInitializer):
    """Samples from a normal distribution (Keras 3 ``keras.initializers.RandomNormal``).

    Args:
        mean: the mean.
        stddev: the standard deviation.
        seed: None, an int or a SeedGenerator.

    Example:
        >>> values = kerasette.initializers.RandomNormal(stddev=1.0, seed=1)((2, 2))
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = numpy_dtype(dtype, type(self).__name__, kinds="f")
        values = _standard_normal(self._generator(), shape, dtype)
        return _scaled(values, self.stddev, self.mean, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Samples from a normal distribution truncated to two standard deviations around the mean
    (values outside are redrawn; Keras 3 ``keras.initializers.TruncatedNormal``).

    Args:
        mean: the mean of the normal distribution before truncation.
        stddev: its standard deviation before truncation (the truncated values spread
            about 12% less).
        seed: None, an int or a SeedGenerator.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = numpy_dtype(dtype, type(self).__name__, kinds="f")
        values = _truncated_standard_normal(self._generator(), shape, dtype)
        return _scaled(values, self.stddev, self.mean, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples from a uniform distribution on ``[minval, maxval)``
    (Keras 3 ``keras.initializers.RandomUniform``).

    Args:
        minval: the lower bound (inclusive).
        maxval: the upper bound (exclusive).
        seed: None, an int or a SeedGenerator.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = numpy_dtype(dtype, type(self).__name__, kinds="f")
        values = _uniform(self._generator(), shape, dtype, self.minval, self.maxval)
        return values.astype(dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None):
    """``(fan_in, fan_out)`` of a weight of ``shape``, as Keras 3 computes them.

    - scalar: (1, 1); vector ``(n,)``: (n, n); matrix ``(n_in, n_out)``: (n_in, n_out);
    - convolution kernel ``(*spatial, in_channels, out_channels)``: each channel count
      times the receptive field size ``prod(spatial)``;
    - with both ``input_axes`` and ``output_axes``: the products of those axes' sizes.
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        fan_out = math.prod(shape[axis] for axis in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field_size = math.prod(shape[:-2])
    return shape[-2] * receptive_field_size, shape[-1] * receptive_field_size


class VarianceScaling(RandomInitializer):
    """Samples scaled to the weight's fan-in and fan-out (Keras 3
    ``keras.initializers.VarianceScaling``).

    With ``n`` the fan-in (``mode="fan_in"``), the fan-out (``"fan_out"``) or
    their mean (``"fan_avg"``), at least 1:

    - ``distribution="truncated_normal"`` (also ``"normal"``): a normal truncated at two
      standard deviations, whose standard deviation *after* truncation is
      ``sqrt(scale / n)`` (the stddev before truncation is that divided by 0.8796...);
    - ``"untruncated_normal"``: a normal with stddev ``sqrt(scale / n)``;
    - ``"uniform"``: uniform on ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal" or "uniform".
        seed: None, an int or a SeedGenerator.
        input_axes, output_axes: optional axes that make up the fan-in and fan-out.

    Example:
        >>> init = kerasette.initializers.VarianceScaling(scale=2.0, mode="fan_in")
        >>> kernel = init((3, 3, 16, 32))   # stddev sqrt(2 / (3 * 3 * 16))
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: scale must be a positive float, got {scale!r}.")
        if mode not in self.MODES:
            raise ValueError(
                f"VarianceScaling: unknown mode {mode!r}; expected one of {', '.join(self.MODES)}."
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(
                f"VarianceScaling: unknown distribution {distribution!r}; expected one of "
                f"{', '.join(self.DISTRIBUTIONS)}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def scaled_variance(self, shape):
        """``scale / n``: the variance of the values drawn for ``shape``."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return self.scale / max(1.0, n)

    def __call__(self, shape, dtype=None):
        dtype = numpy_dtype(dtype, type(self).__name__, kinds="f")
        variance = self.scaled_variance(shape)
        generator = self._generator()
        if self.distribution == "truncated_normal":
            values = _truncated_standard_normal(generator, shape, dtype)
            values *= math.sqrt(variance) / TRUNCATED_STDDEV_CORRECTION
        elif self.distribution == "untruncated_normal":
            values = _standard_normal(generator, shape, dtype)
            values *= math.sqrt(variance)
        else:
            limit = math.sqrt(3.0 * variance)
            values = _uniform(generator, shape, dtype, -limit, limit)
        return values.astype(dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the class."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self._scale, mode=self._mode, distribution=self._distribution,
                         seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": RandomInitializer.get_config(self)["seed"],
                "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: uniform on ``[-limit, limit]`` with
    ``limit = sqrt(6 / (fan_in + fan_out))`` (Keras 3 ``keras.initializers.GlorotUniform``).
    The default kernel initializer of Dense and convolution layers.

    Args:
        seed: None, an int or a SeedGenerator.
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``
    (Keras 3 ``keras.initializers.GlorotNormal``).

    Args:
        seed: None, an int or a SeedGenerator.
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with stddev ``sqrt(1 / fan_in)``; pairs with ``selu``
    (Keras 3 ``keras.initializers.LecunNormal``).

    Args:
        seed: None, an int or a SeedGenerator.
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: uniform on ``[-limit, limit]`` with ``limit = sqrt(3 / fan_in)``
    (Keras 3 ``keras.initializers.LecunUniform``).

    Args:
        seed: None, an int or a SeedGenerator.
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with stddev ``sqrt(2 / fan_in)``; pairs with ``relu``
    (Keras 3 ``keras.initializers.HeNormal``).

    Args:
        seed: None, an int or a SeedGenerator.
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform: uniform on ``[-limit, limit]`` with ``limit = sqrt(6 / fan_in)``
    (Keras 3 ``keras.initializers.HeUniform``).

    Args:
        seed: None, an int or a SeedGenerator.
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (Keras 3 ``keras.initializers.Orthogonal``).

    The QR decomposition of a matrix of unit normal samples, with the signs fixed so
    that the distribution is uniform over orthogonal matrices. A shape
    ``(d0, ..., dn-1, dn)`` is treated as a ``(d0 * ... * dn-1, dn)`` matrix and reshaped:
    with fewer rows than columns the rows are orthonormal, otherwise the columns.

    Args:
        gain: a factor applied to the matrix.
        seed: None, an int or a SeedGenerator.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        dtype = numpy_dtype(dtype, type(self).__name__, kinds="f")
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs a shape of rank 2 or more, got {shape} "
                f"(rank {len(shape)})."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        # drawn in the kernel's dtype like every other draw; numpy's QR itself works on
        # float64 copies whatever it is given, so it needs several times the kernel's size
        q, r = np.linalg.qr(_standard_normal(self._generator(),
                                             (max(rows, cols), min(rows, cols)), dtype))
        q *= np.sign(np.diag(r))
        del r
        q *= self.gain
        if rows < cols:
            q = np.ascontiguousarray(q.T)
        return q.astype(dtype, copy=False).reshape(shape)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
