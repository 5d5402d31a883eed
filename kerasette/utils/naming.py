"""Automatic names: ``dense``, ``dense_1``, ... as Keras gives them."""

import re
from collections import defaultdict

_counts = defaultdict(int)


def to_snake_case(name):
    """``"BatchNormalization"`` -> ``"batch_normalization"``; ``"Conv2D"`` -> ``"conv2d"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def auto_name(prefix):
    """A name unique in this process (until :func:`reset_names`): ``prefix``, ``prefix_1``, ..."""
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset_names():
    """Starts the numbering afresh (``kerasette.utils.clear_session``)."""
    _counts.clear()
