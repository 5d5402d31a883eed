"""ConvLSTM2D: a convolutional LSTM over sequences of 2-D inputs."""

from kerasette.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM2D(ConvLSTM):
    """A convolutional LSTM (Shi et al., 2015) over inputs
    ``(batch, time, *2 spatial sizes, channels)`` (``channels_last``), or channels
    before the spatial axes (``channels_first``); Keras 3's ``keras.layers.ConvLSTM2D``.

    Args:
        filters: the channels of the output and of each state.
        kernel_size, strides, padding, data_format, dilation_rate: the input convolution's
            (the recurrent one has the same kernel size, stride 1 and "same" padding).
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias, *_regularizer,
            activity_regularizer, *_constraint, dropout, recurrent_dropout, seed: as
            :class:`LSTM`'s.
        return_sequences, return_state, go_backwards, stateful, unroll: as :class:`RNN`.
    """

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(2, filters, kernel_size, **kwargs)
