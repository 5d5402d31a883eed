"""Losses (``keras.losses``): classes that reduce over the batch, and per-sample functions.

``kerasette.losses.get("mse")`` returns the function :func:`mean_squared_error`;
``get("MeanSquaredError")`` an instance of the class. Names, arguments,
defaults and numbers follow Keras 3.

Example::

    from kerasette import losses
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    value = loss(y_true, logits, sample_weight=weights)
"""

from kerasette.losses.ctc import CTC, ctc
from kerasette.losses.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from kerasette.losses.loss import Loss, LossFunctionWrapper, serialize_callable
from kerasette.losses.metric_learning import Circle, circle
from kerasette.losses.probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from kerasette.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from kerasette.losses.segmentation import Dice, Tversky, dice, tversky
from kerasette.serialization.identifiers import deserialize_object, get_object

# short names, as Keras 3 exports them (keras.losses.mse is mean_squared_error)
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

ALL_OBJECTS = (
    Loss, LossFunctionWrapper,
    # probabilistic
    KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
    SparseCategoricalCrossentropy,
    # regression
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    # hinge
    Hinge, SquaredHinge, CategoricalHinge,
    # segmentation, metric learning, sequences
    Dice, Tversky, Circle, CTC,
    # the per-sample functions
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber,
    hinge, squared_hinge, categorical_hinge, categorical_generalized_cross_entropy,
    dice, tversky, circle, ctc,
)

#: every name :func:`get` and :func:`deserialize` accept
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "cce": categorical_crossentropy, "CCE": categorical_crossentropy,
    "scce": sparse_categorical_crossentropy, "SCCE": sparse_categorical_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh,
})


def serialize(loss):
    """The config of a :class:`Loss` instance or a loss function, in Keras 3's format.

    Example:
        >>> serialize(MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    return serialize_callable(loss)


def deserialize(name, custom_objects=None):
    """The loss a config (or a name) describes; the reverse of :func:`serialize`.

    Args:
        name: a config dict from :func:`serialize`, or a loss name.
        custom_objects: name -> class or function, for custom losses.
    """
    return deserialize_object(name, ALL_OBJECTS_DICT, "loss", custom_objects)


def get(identifier):
    """The loss ``identifier`` names: a function, or a :class:`Loss` instance.

    Args:
        identifier: None; a name (``"mse"``, ``"categorical_crossentropy"``,
            ``"CategoricalCrossentropy"``); a config dict
            (``{"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}``);
            a function; a Loss class (instantiated) or instance.

    Raises:
        ValueError: for an unknown name (the message lists the valid names) or
            an identifier that is not a loss.

    Example:
        >>> get("mse") is mean_squared_error
        True
    """
    return get_object(identifier, ALL_OBJECTS_DICT, "loss")


__all__ = sorted({obj.__name__ for obj in ALL_OBJECTS} | {
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD",
    "kullback_leibler_divergence", "logcosh", "get", "serialize", "deserialize"})
