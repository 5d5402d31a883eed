"""StackedRNNCells: several recurrent cells run as one, each feeding the next."""

from kerasette import ops
from kerasette.layers.layer import Layer
from kerasette.serialization.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)


class StackedRNNCells(Layer):
    """Cells stacked into one cell: at each timestep the first cell's output is the second
    one's input, and so on; the states are one list per cell (Keras 3's
    ``keras.layers.StackedRNNCells``).

    Args:
        cells: the cells, first (closest to the inputs) first.

    Example:
        >>> cells = [kerasette.layers.LSTMCell(8), kerasette.layers.GRUCell(4)]
        >>> rnn = kerasette.layers.RNN(kerasette.layers.StackedRNNCells(cells))
        >>> rnn(np.zeros((2, 10, 5), "float32")).shape
        (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if (not callable(getattr(cell, "call", None))
                    or getattr(cell, "state_size", None) is None):
                raise ValueError(f'StackedRNNCells "{self.name}": every cell needs a call '
                                 f"method and a state_size attribute, got {cell!r}.")
        self.cells = list(cells)

    @property
    def state_size(self):
        """One entry per cell: its ``state_size``."""
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        """The last cell's output size."""
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        """One list of initial states per cell (zeros unless the cell says)."""
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                initial = make(batch_size=batch_size)
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) \
                    else [cell.state_size]
                initial = [ops.zeros((batch_size, size), dtype=self.compute_dtype)
                           for size in sizes]
            states.append(list(initial) if isinstance(initial, (list, tuple)) else [initial])
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            input_shape = (input_shape[0], _output_size(cell))

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            cell_states = list(cell_states) if isinstance(cell_states, (list, tuple)) \
                else [cell_states]
            if isinstance(cell, Layer):
                inputs, cell_states = cell(inputs, cell_states, training=training)
            else:
                inputs, cell_states = cell.call(inputs, cell_states)
            new_states.append(list(cell_states) if isinstance(cell_states, (list, tuple))
                              else [cell_states])
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_keras_object(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_keras_object(cell, custom_objects=custom_objects)
                 for cell in config.pop("cells")]
        return cls(cells, **config)


def _output_size(cell):
    """A cell's output size: ``output_size``, else its (first) state size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
