"""CellLayer: the base of SimpleRNN, LSTM and GRU, an RNN around the cell it makes."""

from kerasette import regularizers
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.rnn.rnn import RNN

#: The cell's arguments that the layer shows as its own attributes (``layer.units``).
CELL_ATTRIBUTES = (
    "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
    "reset_after", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
)


class CellLayer(RNN):
    """An :class:`RNN` that makes its own cell of ``cell_class`` from the cell's arguments;
    its config is the cell's arguments and the RNN's (no ``"cell"``), as Keras 3 writes
    ``SimpleRNN``, ``LSTM`` and ``GRU`` configs.

    Subclasses set ``cell_class``, ``cell_name`` (the cell's name, Keras's: weights lie
    under it) and ``config_leaves_out`` (cell arguments Keras leaves out of the layer's
    config)."""

    cell_class = None
    cell_name = None
    config_leaves_out = ()

    def __init__(self, cell_arguments, activity_regularizer=None, **kwargs):
        # Keras's cuDNN switch: there is no cuDNN path here, the arithmetic is the same
        kwargs.pop("use_cudnn", None)
        cell = self.cell_class(**cell_arguments, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True), name=self.cell_name,
                               implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", *self.config_leaves_out):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _cell_attribute(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}``.")


for _name in CELL_ATTRIBUTES:
    setattr(CellLayer, _name, _cell_attribute(_name))
