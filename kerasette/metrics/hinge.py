"""Hinge metrics: the mean hinge, squared hinge and categorical hinge losses over samples."""

from kerasette.losses.hinge import categorical_hinge, hinge, squared_hinge
from kerasette.metrics.reduction import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """The mean hinge loss ``maximum(1 - y_true * y_pred, 0)`` (labels -1/1 or 0/1).

    Args:
        name: the metric's name (default ``"hinge"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)



class SquaredHinge(MeanMetricWrapper):
    """The mean squared hinge loss. Arguments as :class:`Hinge`."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)



class CategoricalHinge(MeanMetricWrapper):
    """The mean categorical hinge loss. Arguments as :class:`Hinge`."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)

