"""Masking: marks the timesteps whose features all equal a padding value as masked."""

from kerasette import ops
from kerasette.backends.masking import set_keras_mask
from kerasette.layers.layer import Layer


class Masking(Layer):
    """Masks the timesteps of a ``(batch, timesteps, features)`` input whose features all
    equal ``mask_value``: their outputs are 0, and the output carries the mask
    ``(batch, timesteps)`` (False at those timesteps), which the layers after it that
    support masking pass on, and mask-aware layers and compiled losses and metrics honour.

    Args:
        mask_value: the padding value (default 0.0).

    Example:
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0]]], "float32")
        >>> layer = kerasette.layers.Masking(mask_value=0.0)
        >>> layer.compute_mask(x)   # [[True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """True at the timesteps with at least one feature other than ``mask_value``."""
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        mask = self.compute_mask(inputs)
        outputs = ops.where(ops.expand_dims(mask, -1), inputs, ops.zeros_like(inputs))
        # the mask is at hand: attached here, it is not computed a second time
        set_keras_mask(outputs, mask)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
