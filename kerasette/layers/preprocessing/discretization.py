"""Discretization: buckets continuous values by bin boundaries, given or learned by ``adapt``."""

import numpy as np

from kerasette import ops
from kerasette.layers.layer import Layer, _keras_tensors_from_shapes
from kerasette.layers.preprocessing.category_encoding import (
    _refuse_sparse,
    encode_categorical_inputs,
    encoded_shape,
)
from kerasette.layers.preprocessing.host_layer import adapt_batches

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Buckets each value: bin ``i`` holds ``bin_boundaries[i-1] <= x < bin_boundaries[i]``.

    Runs inside compiled train steps on every backend. The boundaries are part of the
    config (after ``adapt`` too), as in Keras 3; the layer has no weights.

    Args:
        bin_boundaries: the sorted boundaries (``len + 1`` bins, the first one below the
            first boundary).
        num_bins: instead of boundaries, the number of bins ``adapt`` finds as quantiles.
        epsilon: the error tolerance of ``adapt``'s approximate quantiles (default 0.01).
        output_mode: ``"int"`` (the bin index, int32), ``"one_hot"``, ``"multi_hot"`` or
            ``"count"`` (see ``CategoryEncoding``).
        sparse: only False.

    Example:
        >>> layer = kerasette.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
        [[0, 2, 3, 1], [1, 3, 2, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f'Discretization "{self.name}": unknown output_mode '
                             f"{output_mode!r}; expected one of {OUTPUT_MODES}.")
        _refuse_sparse(self, sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f'Discretization "{self.name}": num_bins must be >= 0, got '
                             f"{num_bins}.")
        if (num_bins is None) == (bin_boundaries is None):
            raise ValueError(f'Discretization "{self.name}": pass either bin_boundaries or '
                             f"num_bins (got bin_boundaries={bin_boundaries}, "
                             f"num_bins={num_bins}).")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self._summary = None  # adapt's running quantile summary (values, weights)

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def adapt(self, data, steps=None):
        """Learns ``num_bins - 1`` boundaries as approximate quantiles of ``data`` (an array, or
        an iterable of batches: a list is one, as in Keras), with Keras 3's mergeable summaries: the same data gives the
        same boundaries."""
        if self.num_bins is None:
            raise ValueError(f'Discretization "{self.name}" was given bin_boundaries; create it '
                             "with num_bins to adapt it.")
        self._summary = np.zeros((2, 0), dtype="float32")
        # as Keras 3, a list is a list of batches (each summarized, then merged)
        for batch in adapt_batches(data, steps, lists_are_batches=True):
            values = np.asarray(ops.convert_to_numpy(batch) if ops.is_tensor(batch) else batch,
                                dtype="float32")
            self._summary = _merge(_summarize(values, self.epsilon), self._summary, self.epsilon)
        self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f'Discretization "{self.name}" has no bin boundaries: pass '
                             "bin_boundaries or call adapt() before using it.")
        inputs = ops.convert_to_tensor(inputs)
        boundaries = ops.convert_to_tensor(np.asarray(self.bin_boundaries, dtype="float32"))
        # the bin of x is the number of boundaries <= x (numpy's digitize, right=False)
        above = ops.greater_equal(ops.expand_dims(ops.cast(inputs, "float32"), -1), boundaries)
        indices = ops.sum(ops.cast(above, "int32"), axis=-1)
        return encode_categorical_inputs(indices, self.output_mode, self._depth(),
                                         self.output_dtype)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        return _keras_tensors_from_shapes(self.compute_output_shape(inputs.shape),
                                          self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        # an adapted layer's config holds both: the boundaries win, num_bins is kept
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            del config["bin_boundaries"]
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


# Approximate quantiles, the algorithm of Keras 3 (so that adapt gives Keras's boundaries):
# a summary is (values, weights); a batch is summarized by about 1/epsilon of its sorted
# values, each weighing the number of values it stands for, and summaries are merged and
# re-compressed by interpolating their cumulative weights.

def _summarize(values, epsilon):
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.full_like(kept, step)])


def _merge(first, second, epsilon):
    merged = np.concatenate((first, second), axis=1)
    return _compress(merged[:, np.argsort(merged[0])], epsilon)


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    values = np.interp(targets, fractions, summary[0])
    cumulative = np.interp(targets, fractions, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack((values, weights)).astype("float32")
