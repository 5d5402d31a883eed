"""A cap on the weights layers may create, set while a model file is being loaded.

A ``.keras`` file's config says how big each layer is; its weights file holds the numbers.
Building the model from the config comes first, so a few bytes of hostile config
(``"units": 4000000000``) could make the loader allocate gigabytes before any weight shape is
checked. While :func:`limit` is active, :meth:`Layer.add_weight` charges each new weight's
size here, before its initializer allocates anything, and refuses weights past the budget.

It lives on the ground floor with deserialization, below the layers that consult it: loading
(:mod:`kerasette.saving`, on the top floor) sets the budget around building a model from its
config, and layers only charge it, so neither floor imports the other.
"""

import contextlib
import contextvars

import numpy as np

_remaining = contextvars.ContextVar("kerasette_weight_budget", default=None)


class WeightBudgetExceeded(ValueError):
    """A layer asked for more weight elements than the file being loaded stores."""


@contextlib.contextmanager
def limit(elements):
    """Within the block, layers may create at most ``elements`` weight elements in all."""
    token = _remaining.set([int(elements), int(elements)])
    try:
        yield
    finally:
        _remaining.reset(token)


def charge(shape, layer_name, weight_name):
    """Counts a new weight of ``shape`` against the active budget (no-op when none is set)."""
    budget = _remaining.get()
    if budget is None:
        return
    size = int(np.prod(shape, dtype=np.float64)) if shape else 1
    if size > budget[0]:
        raise WeightBudgetExceeded(
            f'Layer "{layer_name}" asks for a weight "{weight_name}" of shape {tuple(shape)} '
            f"({size} elements), but the file being loaded holds only {budget[1]} weight "
            "elements in all: its config and its weights disagree."
        )
    budget[0] -= size
