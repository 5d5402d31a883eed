"""Metric-learning losses: Circle loss on L2-normalized embeddings.

A metric-learning loss compares every embedding of the batch with every reference embedding
(by default the batch itself): pairs with the same label should be close, pairs with
different labels far apart. The model ends without an activation, in a
``UnitNormalization`` layer, so that a dot product is a cosine similarity.
"""

from kerasette import ops
from kerasette.backends.masking import set_keras_mask
from kerasette.losses.loss import LossFunctionWrapper


def same_label_masks(labels, reference_labels, remove_diagonal=True):
    """Boolean ``(positive, negative)`` masks of shape ``(len(labels), len(reference_labels))``:
    pairs with the same label, and pairs with different labels. With ``remove_diagonal``,
    pair ``(i, i)`` (an embedding with itself) is not a positive."""
    labels = ops.reshape(labels, (-1, 1))
    reference_labels = ops.reshape(reference_labels, (1, -1))
    positive = ops.equal(labels, reference_labels)
    negative = ops.logical_not(positive)
    if remove_diagonal:
        rows, columns = ops.shape(labels)[0], ops.shape(reference_labels)[1]
        positive = ops.logical_and(positive,
                                   ops.logical_not(ops.eye(rows, columns, dtype="bool")))
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """The Circle loss (Sun et al., 2020) of each embedding against the reference embeddings.

    Each pair's cosine distance is weighted by how far it is from its optimum (distance
    ``-margin`` for a positive, ``1 + margin`` for a negative), and the positives' and
    negatives' weighted distances are combined by ``softplus(logsumexp + logsumexp)``.

    Args:
        y_true: integer labels, shape ``(batch,)``.
        y_pred: L2-normalized embeddings, shape ``(batch, dim)``.
        ref_labels, ref_embeddings: the references (default: the batch itself).
        remove_diagonal: whether an embedding paired with itself is left out of the positives.
        gamma: the scale of the similarities (default 80).
        margin: the relaxation margin (default 0.4).

    Returns:
        One loss per sample, shape ``(batch,)``; a sample whose loss is 0 carries a mask that
        leaves it out of the batch mean, as in Keras 3.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.reshape(ops.convert_to_tensor(y_true), (-1,)), "int32")
    ref_embeddings = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")

    distances = ops.maximum(
        ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref_embeddings))), 0.0)
    positive, negative = same_label_masks(y_true, ref_labels, remove_diagonal)
    dtype = ops.dtype(distances)
    positive_weights = ops.maximum(
        ops.multiply(ops.add(margin, distances), ops.cast(positive, dtype)), 0.0)
    negative_weights = ops.maximum(
        ops.multiply(ops.subtract(1.0 + margin, distances), ops.cast(negative, dtype)), 0.0)
    positive_terms = ops.multiply(-gamma, ops.multiply(positive_weights,
                                                       ops.subtract(margin, distances)))
    negative_terms = ops.multiply(gamma, ops.multiply(negative_weights,
                                                      ops.subtract(1.0 - margin, distances)))
    # a row without positives (or negatives) gives logsumexp(-inf...) = -inf, whose softplus
    # term vanishes
    positive_loss = ops.logsumexp(ops.where(positive, positive_terms, float("-inf")), axis=1)
    negative_loss = ops.logsumexp(ops.where(negative, negative_terms, float("-inf")), axis=1)
    loss = ops.softplus(ops.add(positive_loss, negative_loss))
    # a sample already satisfied (loss 0) is left out of the mean, as Keras 3 does
    set_keras_mask(loss, ops.greater(loss, 0.0))
    return loss


class Circle(LossFunctionWrapper):
    """The Circle loss between integer labels and L2-normalized embeddings (see :func:`circle`).

    Args:
        gamma: the scale of the similarities (default 80).
        margin: the relaxation margin (default 0.4).
        remove_diagonal: whether an embedding paired with itself is left out of the positives.
        reduction, name, dtype: as :class:`~kerasette.losses.MeanSquaredError`.

    Example:
        >>> model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8),
        ...                           keras.layers.UnitNormalization()])
        >>> model.compile(optimizer="adam", loss=keras.losses.Circle())
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal
