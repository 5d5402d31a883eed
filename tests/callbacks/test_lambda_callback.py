"""LambdaCallback: each hook calls its function with the hook's arguments."""

import kerasette as keras
from callback_helpers import make_data, make_model


def test_every_hook_is_called_with_its_arguments(backend):
    calls = []

    def recorder(name):
        return lambda *args: calls.append((name, args))
    hooks = ["on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
             "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
             "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
             "on_predict_batch_begin", "on_predict_batch_end"]
    callback = keras.callbacks.LambdaCallback(**{name: recorder(name) for name in hooks})
    x, y = make_data(samples=40)
    model = make_model()
    history = model.fit(x, y, epochs=2, batch_size=16, validation_data=(x[:8], y[:8]),
                        verbose=0, callbacks=[callback])
    count = {name: sum(1 for c in calls if c[0] == name) for name in hooks}
    assert count["on_train_begin"] == count["on_train_end"] == 1
    assert count["on_epoch_begin"] == count["on_epoch_end"] == 2
    assert count["on_train_batch_begin"] == count["on_train_batch_end"] == 2 * 3  # ceil(40/16)
    assert count["on_test_begin"] == count["on_test_end"] == 2
    assert count["on_test_batch_end"] == 2
    epoch_ends = [args for name, args in calls if name == "on_epoch_end"]
    assert [args[0] for args in epoch_ends] == [0, 1]
    assert [args[1]["loss"] for args in epoch_ends] == history.history["loss"]
    assert [args[0] for name, args in calls if name == "on_train_batch_end"] == [0, 1, 2] * 2
    calls.clear()
    model.predict(x, batch_size=20, verbose=0, callbacks=[callback])
    assert [name for name, _ in calls] == ["on_predict_begin", "on_predict_batch_begin",
                                           "on_predict_batch_end", "on_predict_batch_begin",
                                           "on_predict_batch_end", "on_predict_end"]
    assert calls[2][1][1]["outputs"].shape == (20, 3)
