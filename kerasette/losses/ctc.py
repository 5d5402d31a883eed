"""The connectionist temporal classification (CTC) loss, for sequence models whose outputs
are not aligned with their labels (speech, handwriting): ``ops.ctc_loss`` with the blank at
class 0 and the lengths read from the data, as Keras 3's ``keras.losses.CTC``."""

from kerasette import ops
from kerasette.losses.loss import Loss, LossFunctionWrapper


def ctc(y_true, y_pred):
    """The CTC loss of each sequence.

    Args:
        y_true: integer labels, shape ``(batch, max_label_length)``; 0 is the blank and pads
            the labels (a sequence's label count is its number of non-zero entries).
        y_pred: logits (not softmax outputs), shape ``(batch, max_time, classes)``; every
            frame counts.

    Returns:
        One loss per sequence, shape ``(batch,)``.
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    if ops.ndim(y_true) != 2:
        raise ValueError(f"ctc expects y_true of shape (batch, max_label_length) holding integer "
                         f"labels, got shape {ops.shape(y_true)}.")
    if ops.ndim(y_pred) != 3:
        raise ValueError(f"ctc expects y_pred (logits) of shape (batch, max_time, classes), got "
                         f"shape {ops.shape(y_pred)}.")
    batch, time = ops.shape(y_pred)[:2]
    label_length = ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1)
    frames = ops.full((batch,), time, dtype="int32")
    return ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_length, frames, mask_index=0)


class CTC(LossFunctionWrapper):
    """The CTC loss (see :func:`ctc`): ``y_true`` integer labels padded with the blank 0,
    ``y_pred`` logits ``(batch, max_time, classes)``.

    Args:
        reduction, name, dtype: as :class:`~kerasette.losses.MeanSquaredError`.

    Example:
        >>> model.compile(optimizer="adam", loss=keras.losses.CTC())
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        # labels (batch, length) against logits (batch, time, classes): no rank matching
        return ctc(y_true, y_pred)

    def get_config(self):
        return Loss.get_config(self)
