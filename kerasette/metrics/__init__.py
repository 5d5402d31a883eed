"""Metrics (``keras.metrics``): stateful measures of a model's quality, accumulated over batches.

``kerasette.metrics.get("mse")`` returns a :class:`MeanSquaredError` instance
(Keras 3 resolves every metric name to a class). The per-sample functions
(``binary_accuracy``, ``categorical_accuracy``, ``mean_squared_error``, ...)
are exported too. ``"accuracy"`` in ``compile(metrics=[...])`` is resolved by
the trainer from the shapes of labels and predictions.

Example::

    from kerasette import metrics
    m = metrics.AUC()
    m.update_state(y_true, y_score)
    m.result()
"""

from kerasette.losses.hinge import categorical_hinge, hinge, squared_hinge
from kerasette.losses.probabilistic import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from kerasette.losses.regression import (
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from kerasette.losses.loss import serialize_callable
from kerasette.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from kerasette.metrics.confusion import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from kerasette.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from kerasette.metrics.f_score import F1Score, FBetaScore
from kerasette.metrics.hinge import CategoricalHinge, Hinge, SquaredHinge
from kerasette.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from kerasette.metrics.metric import Metric
from kerasette.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from kerasette.metrics.reduction import Mean, MeanMetricWrapper, Sum
from kerasette.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
from kerasette.utils.naming import to_snake_case
from kerasette.serialization.identifiers import deserialize_object, get_object

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    # regression
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    # correlation
    PearsonCorrelation, ConcordanceCorrelation,
    # segmentation
    IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
    # classification
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives,
    TruePositives,
    # hinge
    Hinge, SquaredHinge, CategoricalHinge,
    # probabilistic
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    # accuracy
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    # F-scores
    F1Score, FBetaScore,
)

#: every name :func:`get` and :func:`deserialize` accept: class names, their
#: snake_case forms (``"binary_accuracy"``) and Keras's short aliases
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
})

#: the per-sample functions a ``MeanMetricWrapper`` config may name
METRIC_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, hinge, squared_hinge, categorical_hinge,
    pearson_correlation, concordance_correlation,
)}


def _function_by_config(config, custom_objects=None):
    """The per-sample function a serialized ``fn`` names (built-in functions only)."""
    return deserialize_object(config, METRIC_FUNCTIONS, "metric function", custom_objects)


def serialize(metric):
    """The config of a :class:`Metric` instance or a metric function, in Keras 3's format."""
    return serialize_callable(metric)


def deserialize(config, custom_objects=None):
    """The metric a config (or a name) describes; the reverse of :func:`serialize`.

    Args:
        config: a config dict from :func:`serialize`, or a metric name.
        custom_objects: name -> class or function, for custom metrics.
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        return _function_by_config(config, custom_objects)
    return deserialize_object(config, ALL_OBJECTS_DICT, "metric", custom_objects)


def get(identifier):
    """The metric ``identifier`` names: a :class:`Metric` instance, or a function as given.

    Args:
        identifier: None; a name (``"mse"``, ``"auc"``, ``"BinaryAccuracy"``,
            ``"binary_accuracy"``); a config dict; a function; a Metric class
            (instantiated) or instance.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or
            an identifier that is not a metric.

    Example:
        >>> type(get("mse")).__name__
        'MeanSquaredError'
    """
    return get_object(identifier, ALL_OBJECTS_DICT, "metric")


__all__ = sorted({cls.__name__ for cls in ALL_OBJECTS} | set(METRIC_FUNCTIONS)
                 | {"get", "serialize", "deserialize"})
