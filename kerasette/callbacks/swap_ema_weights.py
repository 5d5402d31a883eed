"""SwapEMAWeights: evaluate and predict with the optimizer's moving average of the weights."""

from kerasette.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's exponential moving average (EMA) of
    them while the model is evaluated or predicts, and back afterwards (Keras 3).

    The optimizer must keep the average: ``use_ema=True`` (for a ``LossScaleOptimizer``, its
    inner optimizer). Validation during ``fit`` then measures the averaged weights.

    Args:
        swap_on_epoch: also hold the averaged weights between epochs, from each epoch's
            end to the next one's start, so that callbacks after this one (a
            ``ModelCheckpoint``) see and save them; after the last epoch the model keeps
            them, and the average is set to them.

    Example:
        >>> model.compile(optimizer=keras.optimizers.SGD(use_ema=True), loss="mse")
        >>> model.fit(x, y, validation_data=(xv, yv),
        ...           callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
        ...                      keras.callbacks.ModelCheckpoint("best.keras")])
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._averages_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False) or not hasattr(
                optimizer, "_model_variables_moving_average"):
            raise ValueError(
                "SwapEMAWeights needs an optimizer that keeps a moving average of the weights: "
                f"create it with use_ema=True (got {type(optimizer).__name__} with use_ema="
                f"{getattr(optimizer, 'use_ema', None)}), and train before evaluating.")
        return optimizer

    def _swap(self):
        optimizer = self._optimizer()
        for variable, average in zip(optimizer._trainable_variables,
                                     optimizer._model_variables_moving_average):
            # values are immutable tensors: the swap moves references, no copies
            current = variable.value
            variable.assign(average.value)
            average.assign(current)
        self._averages_in_model = not self._averages_in_model

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._averages_in_model:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._averages_in_model:
            self._swap()
            if epoch == self.params["epochs"] - 1:
                # training is over: the model keeps the averages, and the average is them
                optimizer = self._optimizer()
                for variable, average in zip(optimizer._trainable_variables,
                                             optimizer._model_variables_moving_average):
                    average.assign(variable.value)

    def on_test_begin(self, logs=None):
        if not self._averages_in_model:
            self._swap()

    def on_test_end(self, logs=None):
        if self._averages_in_model:
            self._swap()

    def on_predict_begin(self, logs=None):
        if not self._averages_in_model:
            self._swap()

    def on_predict_end(self, logs=None):
        if self._averages_in_model:
            self._swap()
