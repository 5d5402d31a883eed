"""SpatialDropout1D, SpatialDropout2D and SpatialDropout3D: dropout of whole feature maps."""

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.core.dropout import Dropout
from kerasette.layers.input_spec import InputSpec


class _SpatialDropout(Dropout):
    """Dropout that zeroes whole channels: one draw per (sample, channel), shared by every
    position of the ``rank`` spatial axes (neighbouring positions of a feature map are
    strongly correlated, so dropping single ones barely regularizes). The identity at
    inference.

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        data_format: "channels_last" or "channels_first" (default
            ``kerasette.config.image_data_format()``; 1-D inputs are always channels_last).
        seed: an int for reproducible masks.
        name, dtype: as every layer's (Keras's spatial dropouts take no other keyword).
    """

    rank = None

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs):
        shape = ops.shape(inputs)
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * self.rank
        return (shape[0],) + (1,) * self.rank + (shape[-1],)

    def get_config(self):
        # Keras's config, no more: its constructor takes no other keyword (no trainable)
        return {"rate": self.rate, "seed": self.seed, "name": self.name,
                "dtype": super().get_config()["dtype"], "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` while training: each sample's
    channel is zeroed at every step or kept (scaled by ``1 / (1 - rate)``) at every step.

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        seed: an int for reproducible masks.
    """

    rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, data_format="channels_last", seed=seed, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's SpatialDropout1D takes none
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of images while training (one draw per sample and channel,
    shared by every pixel).

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        data_format: "channels_last" or "channels_first".
        seed: an int for reproducible masks.
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole feature maps of volumes while training (one draw per sample and channel,
    shared by every cell).

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        data_format: "channels_last" or "channels_first".
        seed: an int for reproducible masks.
    """

    rank = 3
