"""DropoutRNNCell: the dropout masks of a recurrent cell, one per layer call."""

from kerasette import ops


class DropoutRNNCell:
    """Dropout masks for a recurrent cell (a mixin, as Keras 3's ``DropoutRNNCell``).

    A cell that mixes it in has ``dropout``, ``recurrent_dropout`` and ``seed_generator``.
    A mask is drawn the first time it is asked for and then reused at every timestep, so
    each timestep of a sequence drops the same units; the RNN layer draws the masks before
    its loop and forgets them after the call (the next batch draws new ones). A cell with
    ``dropout_mask_count`` set (one mask per gate, Keras's ``implementation=1``) gets a
    tuple of that many masks.
    """

    def _create_dropout_mask(self, step_input, rate):
        ones = ops.ones_like(step_input)
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return ops.dropout(ones, rate, seed=self.seed_generator)
        return tuple(ops.dropout(ones, rate, seed=self.seed_generator) for _ in range(count))

    def get_dropout_mask(self, step_input):
        """The mask of the inputs, shaped like one timestep ``step_input``; None without
        dropout."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        """The mask of the previous output, shaped like ``step_input``; None without
        recurrent dropout."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input,
                                                                     self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        """Forgets the inputs' mask: the next call draws a new one."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        """Forgets the recurrent mask: the next call draws a new one."""
        self._recurrent_dropout_mask = None
