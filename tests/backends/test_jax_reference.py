"""The independent reference (``jax_reference.py``) against the real Keras 3 on JAX.

The gradient suites trust ``jax_reference`` for conv, conv_transpose, depthwise and
separable convolution and pooling; here its values are compared with ``keras.ops``
itself over every geometry those suites use (strides, dilation, groups, "same" and
"valid", output_padding, 1-D to 3-D, both data formats), so the reference's Keras
semantics are checked by Keras, not by kerasette.
"""

import itertools

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax_reference as ref  # noqa: E402
from op_specs import SPECS  # noqa: E402


def image(rng, spatial, channels, data_format, batch=2):
    shape = ((batch, *spatial, channels) if data_format == "channels_last"
             else (batch, channels, *spatial))
    return rng.standard_normal(shape).astype("float32")


def keras_pool(keras, name, x, pool_size, strides=None, padding="valid", data_format=None):
    """``keras.ops.<name>`` with ``strides`` given explicitly: Keras documents that they
    default to ``pool_size``, but its JAX backend (3.15) widens that default twice and
    fails, so the reference's own default is checked against the documented one."""
    strides = pool_size if strides is None else strides
    return getattr(keras.ops, name)(x, pool_size, strides, padding, data_format)


def assert_same(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, Keras {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-5, err_msg=what)


# ---------------------------------------------------------------------------- the suites' cases
WINDOWED = ("conv", "conv_transpose", "max_pool", "average_pool")


@pytest.mark.parametrize("case", [c for op in WINDOWED for c in SPECS[op] if c.call is None],
                         ids=lambda c: c.id)
def test_every_windowed_cross_check_case_matches_keras(keras, case):
    args = case.inputs("float32")
    if case.op in ("max_pool", "average_pool"):
        expected = keras_pool(keras, case.op, *args, **case.kwargs)
    else:
        expected = getattr(keras.ops, case.op)(*args, **case.kwargs)
    assert_same(ref.OPS[case.op](*args, **case.kwargs), expected, case.id)


# ---------------------------------------------------------------------------- wider grids
FORMATS = ("channels_last", "channels_first")


@pytest.mark.parametrize("n, padding, data_format, geometry", list(itertools.product(
    (1, 2, 3), ("valid", "same"), FORMATS, [(1, 1), (2, 1), (1, 2), (3, 1)])), ids=str)
def test_conv_depthwise_and_separable_match_keras(keras, n, padding, data_format, geometry):
    strides, dilation = geometry
    rng = np.random.default_rng(n * 100 + strides * 10 + dilation)
    x = image(rng, (7, 6, 5)[:n], 4, data_format)
    kernel = rng.standard_normal((3, 2, 2)[:n] + (2, 6)).astype("float32")  # 2 groups
    options = dict(strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation)
    assert_same(ref.conv(x, kernel, **options), keras.ops.conv(x, kernel, **options), "conv")
    depthwise = rng.standard_normal((3, 2, 2)[:n] + (4, 2)).astype("float32")
    pointwise = rng.standard_normal((1,) * n + (8, 3)).astype("float32")
    assert_same(ref.depthwise_conv(x, depthwise, **options),
                keras.ops.depthwise_conv(x, depthwise, **options), "depthwise_conv")
    if strides == 1 or dilation == 1:  # Keras's separable_conv refuses both above 1
        assert_same(ref.separable_conv(x, depthwise, pointwise, **options),
                    keras.ops.separable_conv(x, depthwise, pointwise, **options),
                    "separable_conv")


# The output size and padding are worked out per spatial dimension, alike for every n; a
# 2-D case's first dimension is its 1-D twin's (same size, kernel size, stride, dilation,
# padding, output_padding and data format) and its second runs a kernel one cell smaller.
# So the 1-D cases keep one kernel size, over every geometry: they check the 1-D layout.
@pytest.mark.parametrize("n, padding, output_padding, geometry, kernel_size", [
    case for case in itertools.product(
        (1, 2), ("valid", "same"), (None, 0, 1), [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2)],
        [3, 4, 1, 2])
    if not (case[2] and case[2] >= case[3][0])  # output_padding below the stride
    and (case[0] == 2 or case[4] == 3)], ids=str)
def test_conv_transpose_matches_keras(keras, n, padding, output_padding, geometry, kernel_size):
    strides, dilation = geometry
    rng = np.random.default_rng(kernel_size * 7 + strides)
    data_format = FORMATS[(kernel_size + strides) % 2]  # both, without doubling the cases
    x = image(rng, (5, 4)[:n], 3, data_format)
    kernel = rng.standard_normal((kernel_size, kernel_size - 1 or 1)[:n] + (2, 3))
    kernel = kernel.astype("float32")
    options = dict(strides=strides, padding=padding, output_padding=output_padding,
                   data_format=data_format, dilation_rate=dilation)
    assert_same(ref.conv_transpose(x, kernel, **options),
                keras.ops.conv_transpose(x, kernel, **options), f"conv_transpose {options}")


@pytest.mark.parametrize("n, padding, data_format, geometry", list(itertools.product(
    (1, 2, 3), ("valid", "same"), FORMATS,
    [(2, None), (3, None), (2, 1), (3, 2), (2, 3), ((2, 3, 1), (1, 2, 2))])), ids=str)
def test_pooling_matches_keras(keras, n, padding, data_format, geometry):
    pool_size, strides = geometry
    if not isinstance(pool_size, int):
        pool_size, strides = pool_size[:n], strides[:n]
    x = image(np.random.default_rng(n), (7, 6, 5)[:n], 3, data_format)
    for name in ("max_pool", "average_pool"):
        expected = keras_pool(keras, name, x, pool_size, strides, padding, data_format)
        assert_same(ref.OPS[name](x, pool_size, strides, padding, data_format), expected,
                    f"{name}(pool_size={pool_size}, strides={strides}, {padding})")
