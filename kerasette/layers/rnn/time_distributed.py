"""TimeDistributed: applies a layer to every timestep of a sequence."""

from kerasette import ops
from kerasette.layers.core.wrapper import Wrapper
from kerasette.layers.layer import _accepts_training, _mask_parameters


class TimeDistributed(Wrapper):
    """Applies ``layer`` to each timestep of ``(batch, time, ...)`` inputs: slice ``t`` of
    the output is ``layer(inputs[:, t])`` (Keras 3's ``keras.layers.TimeDistributed``).

    The layer runs once per timestep, as in Keras, so a layer whose result depends on the
    whole batch (``BatchNormalization`` while training) sees one timestep at a time.

    Args:
        layer: the layer to apply; its input is one timestep ``(batch, ...)``.

    Example:
        >>> layer = kerasette.layers.TimeDistributed(kerasette.layers.Dense(8))
        >>> layer(np.zeros((32, 10, 16), "float32")).shape
        (32, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f'TimeDistributed "{self.name}" needs inputs of rank 3 or more '
                             f"(batch, time, ...), got input shape {input_shape}.")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        super().build(self._child_input_shape(input_shape))

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_input_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def call(self, inputs, training=None, mask=None):
        if mask is not None and tuple(ops.shape(mask)[:2]) != tuple(ops.shape(inputs)[:2]):
            raise ValueError(f'TimeDistributed "{self.name}": the mask\'s first two dimensions '
                             f"(batch, time) must be the inputs', got mask shape "
                             f"{ops.shape(mask)} for inputs of shape {ops.shape(inputs)}.")
        kwargs = {}
        if _accepts_training(self.layer):
            kwargs["training"] = training
        takes_mask = _mask_parameters(self.layer)[0] and mask is not None
        step_masks = ops.unstack(mask, axis=1) if takes_mask else None
        outputs = []
        for t, step in enumerate(ops.unstack(inputs, axis=1)):
            if takes_mask:
                kwargs["mask"] = step_masks[t]
            outputs.append(self.layer.call(step, **kwargs))
        return ops.stack(outputs, axis=1)
