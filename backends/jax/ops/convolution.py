"""Convolution: ``conv`` and ``conv_transpose`` with ``lax``'s convolutions, as Keras 3's jax
backend computes them.

Layouts (Keras's): inputs ``(batch, *spatial, channels)`` (channels_last) or
``(batch, channels, *spatial)``; a conv kernel ``(*kernel_spatial, channels // groups,
filters)``, a transposed-conv kernel ``(*kernel_spatial, filters, channels)``.
``padding="same"`` is TensorFlow's (XLA's): ``ceil(size / stride)`` outputs, the odd
padding cell at the end.
"""

from jax import lax

from ... import config
from ...geometry import check_padding, spatial_tuple
from ..convert import tensor
from ..dispatch import op

__all__ = ["conv", "conv_transpose"]


@op("inputs", "kernel")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    inputs, kernel, data_format, n = _operands("conv", inputs, kernel, data_format)
    strides = spatial_tuple(strides, n, "strides", "conv")
    dilation_rate = spatial_tuple(dilation_rate, n, "dilation_rate", "conv")
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    per_group, filters = kernel.shape[-2:]
    if per_group == 0 or channels % per_group or filters % (channels // per_group):
        raise ValueError(
            f"conv: the input has {channels} channels and the kernel {kernel.shape} expects "
            f"{per_group} per group; the channels must be a multiple of kernel.shape[-2] and "
            f"the filters ({filters}) a multiple of the number of groups.")
    result = lax.conv_general_dilated(
        inputs, kernel, strides, check_padding("conv", padding).upper(), rhs_dilation=dilation_rate,
        dimension_numbers=_dimension_numbers(n, data_format),
        feature_group_count=channels // per_group)
    if result.size == 0 and inputs.size != 0:
        raise ValueError(
            f"conv: the output is empty: inputs of shape {inputs.shape} are smaller than the "
            f"kernel {kernel.shape} (dilation_rate {dilation_rate}) with padding {padding!r}.")
    return result


@op("inputs", "kernel")
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution with Keras's output size: per spatial dimension
    ``(n - 1) * stride + max(k, stride)`` for "valid", ``n * stride`` for "same"; with
    ``output_padding``, ``(n - 1) * stride + k + output_padding`` ("valid") or
    ``(n - 1) * stride + k % 2 + output_padding`` ("same"), ``k`` the dilated kernel size."""
    inputs, kernel, data_format, n = _operands("conv_transpose", inputs, kernel, data_format)
    strides = spatial_tuple(strides, n, "strides", "conv_transpose")
    dilation_rate = spatial_tuple(dilation_rate, n, "dilation_rate", "conv_transpose")
    padding = check_padding("conv_transpose", padding).upper()
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if channels != kernel.shape[-1]:
        raise ValueError(
            f"conv_transpose: the input has {channels} channels but the kernel {kernel.shape} "
            f"expects {kernel.shape[-1]} (its last dimension; the layout is "
            "(*kernel_spatial, filters, channels)).")
    if output_padding is None or isinstance(output_padding, int):
        output_padding = (output_padding,) * n
    pads = [transpose_padding(k, s, d, padding, extra) for k, s, d, extra
            in zip(kernel.shape[:-2], strides, dilation_rate, output_padding)]
    return lax.conv_transpose(inputs, kernel, strides, pads, rhs_dilation=dilation_rate,
                              dimension_numbers=_dimension_numbers(n, data_format),
                              transpose_kernel=True)


def transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    """Keras's ``(left, right)`` padding of the stride-dilated input of a transposed
    convolution along one dimension (``lax.conv_transpose``'s explicit padding).

    The output then has ``(n - 1) * stride + left + right - k + 2`` positions, ``k`` the
    dilated kernel size; Keras chooses left and right to give the sizes documented on
    :func:`conv_transpose`.
    """
    k = (kernel_size - 1) * dilation + 1
    if padding == "VALID":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    if output_padding is None:
        total = stride + k - 2  # output size n * stride
    else:
        total = k + k % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


def _operands(name, inputs, kernel, data_format):
    """Validated ``(inputs, kernel, data_format, number of spatial dims)``; the inputs are
    cast to the kernel's dtype, as Keras computes."""
    inputs, kernel = tensor(inputs), tensor(kernel)
    data_format = config.standardize_data_format(data_format)
    n = kernel.ndim - 2
    if inputs.ndim != kernel.ndim or not 1 <= n <= 3:
        raise ValueError(
            f"{name}: expected inputs of rank 3 to 5 (batch, spatial..., channels) and a kernel "
            f"of the same rank, got inputs of shape {inputs.shape} and kernel of shape "
            f"{kernel.shape}.")
    if inputs.dtype != kernel.dtype:
        inputs = inputs.astype(kernel.dtype)
    return inputs, kernel, data_format, n


def _dimension_numbers(n, data_format):
    """``lax`` dimension numbers for Keras layouts: the kernel's last axis is the output
    feature axis, the one before it the input feature axis."""
    spatial = tuple(range(1, n + 1)) if data_format == "channels_last" else tuple(range(2, n + 2))
    channel = n + 1 if data_format == "channels_last" else 1
    layout = (0, channel) + spatial
    return lax.ConvDimensionNumbers(lhs_spec=layout, rhs_spec=(n + 1, n) + tuple(range(n)),
                                    out_spec=layout)
