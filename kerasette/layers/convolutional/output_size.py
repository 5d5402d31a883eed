"""The spatial output sizes of convolutions and pooling windows, from static shapes.

Each function takes one spatial size (None when unknown, giving None) and
follows the sizes the ``conv``/``conv_transpose``/pooling ops produce
(TensorFlow's "same": ``ceil(size / stride)``).
"""


def conv_output_length(size, window, stride, padding, dilation=1):
    """Positions of a window of ``window`` cells (dilated by ``dilation``) moved by ``stride``
    over ``size`` cells: ``floor((size - dilated) / stride) + 1`` for "valid",
    ``ceil(size / stride)`` for "same" and "causal" (the input is padded)."""
    if size is None:
        return None
    dilated = (window - 1) * dilation + 1
    if padding == "valid":
        return (size - dilated) // stride + 1
    return (size + stride - 1) // stride


def conv_transpose_output_length(size, window, stride, padding, output_padding=None,
                                 dilation=1):
    """The spatial size of a transposed convolution, as Keras computes it:
    ``(size - 1) * stride + max(dilated, stride)`` for "valid" and ``size * stride`` for
    "same"; with ``output_padding``, ``(size - 1) * stride + dilated + output_padding``
    ("valid") or ``(size - 1) * stride + dilated % 2 + output_padding`` ("same")."""
    if size is None:
        return None
    dilated = (window - 1) * dilation + 1
    if padding == "valid":
        extra = max(dilated, stride) - dilated if output_padding is None else output_padding
        return (size - 1) * stride + dilated + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + dilated % 2 + output_padding


def spatial_axes(rank, data_format):
    """The indices of the spatial axes of a ``rank + 2``-dimensional input."""
    start = 1 if data_format == "channels_last" else 2
    return tuple(range(start, start + rank))


def channel_axis(data_format):
    """-1 for channels_last, 1 for channels_first."""
    return -1 if data_format == "channels_last" else 1


def with_spatial(input_shape, sizes, channels, data_format):
    """``(batch, *sizes, channels)`` or ``(batch, channels, *sizes)``."""
    if data_format == "channels_last":
        return (input_shape[0],) + tuple(sizes) + (channels,)
    return (input_shape[0], channels) + tuple(sizes)
