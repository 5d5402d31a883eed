"""The trainer's handling of what users pass to ``fit``/``evaluate``/``predict``.

Bad input fails early with a clear error that says what was wrong, where, and what would
be right: a wrong input shape (the model or layer and both shapes), x and y of different
lengths, unknown string identifiers (the valid names listed), integer labels with a
categorical loss, NaN in the data, ``fit`` before ``compile``, ``predict`` on the wrong
rank; counts that are not positive integers (``batch_size=0``, ``steps=2.5``), class labels
outside the model's classes, strings in the data, no samples, ``Input((-1,))``. The
exception types are Keras 3's (``ValueError``).

Then the ways of feeding data, checked with numbers: generators and ``PyDataset``
(the same weights as the same batches from arrays), ``validation_split`` and
``validation_data``, ``class_weight`` and ``sample_weight``, ``steps_per_epoch``,
``initial_epoch``, the single-batch methods; and what each ``verbose`` level prints.

Errors are checked on every backend (they are raised before anything is compiled). The
data-feeding checks are backend-independent code and run on numpy, except a few that
also run on JAX, where the train step is jit-compiled (several seconds per model).
"""

import io
import math

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers, ops


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same seed, so its numbers repeat run after run."""
    keras.utils.set_random_seed(2024)


@pytest.fixture
def numpy_backend():
    with keras.backend.use("numpy") as active:
        yield active


def classifier(name="clf"):
    return keras.Sequential([keras.Input((6,), name="features"),
                             layers.Dense(5, activation="relu", name="hidden"),
                             layers.Dense(3, activation="softmax", name="probs")], name=name)


def compiled(model=None, optimizer=None, **kwargs):
    model = model or classifier()
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.1),
                  **{"loss": "sparse_categorical_crossentropy", **kwargs})
    return model


def data(n=40, seed=0):
    g = np.random.default_rng(seed)
    return g.normal(size=(n, 6)).astype("float32"), g.integers(0, 3, size=n)


def cross_entropy(probabilities, labels):
    return -np.log(probabilities[np.arange(len(labels)), labels])


def iterations(model):
    return int(ops.convert_to_numpy(model.optimizer.iterations))


# ============================================================================ errors
def test_wrong_input_shape_names_the_model_and_both_shapes(backend):
    x, y = data()
    model = compiled()
    with pytest.raises(ValueError) as info:
        model.fit(x[:, :5], y, verbose=0)
    # the shape of the batch that was refused (the first: 32 samples)
    message = str(info.value)
    assert '"clf"' in message and "(None, 6)" in message and "(32, 5)" in message
    with pytest.raises(ValueError, match=r"\(None, 6\).*\(10, 5\)"):
        model.predict(x[:10, :5], verbose=0)


def test_wrong_input_shape_names_the_layer_and_both_shapes(backend):
    x, _ = data()
    hidden = layers.Dense(4, name="hidden")
    hidden(x)  # built for 6 features
    with pytest.raises(ValueError) as info:
        hidden(x[:, :5])
    message = str(info.value)
    assert '"hidden"' in message and "6" in message and "(40, 5)" in message

    # in a graph, the error comes when the graph is built, naming the layer
    shared = layers.Dense(4, name="shared")
    shared(keras.Input((6,)))
    with pytest.raises(ValueError) as info:
        shared(keras.Input((5,)))
    assert '"shared"' in str(info.value) and "(None, 5)" in str(info.value)
    with pytest.raises(ValueError) as info:
        layers.Add(name="sum")([keras.Input((3,)), keras.Input((4,))])
    assert '"sum"' in str(info.value) and "(None, 3)" in str(info.value) and "(None, 4)" in str(info.value)


def test_x_and_y_of_different_lengths(backend):
    x, y = data()
    with pytest.raises(ValueError) as info:
        compiled().fit(x, y[:35], verbose=0)
    message = str(info.value)
    assert "x" in message and "y" in message and "40" in message and "35" in message
    with pytest.raises(ValueError, match="40.*35|35.*40"):
        compiled().evaluate(x, y[:35], verbose=0)
    with pytest.raises(ValueError, match="sample_weight"):
        compiled().fit(x, y, sample_weight=np.ones(10), verbose=0)


@pytest.mark.parametrize("what, make, valid", [
    ("optimizer", lambda: compiled(optimizer="adamm"), ["adam", "sgd", "rmsprop"]),
    ("loss", lambda: compiled(loss="msee").fit(*data(), verbose=0),
     ["mean_squared_error", "sparse_categorical_crossentropy"]),
    ("metric", lambda: compiled(metrics=["acuracy"]).fit(*data(), verbose=0),
     ["accuracy", "sparse_categorical_accuracy"]),
    ("activation", lambda: layers.Dense(3, activation="rellu"), ["relu", "softmax"]),
    ("initializer", lambda: layers.Dense(3, kernel_initializer="glorot"), ["glorot_uniform"]),
], ids=["optimizer", "loss", "metric", "activation", "initializer"])
def test_unknown_string_identifier_lists_the_valid_names(backend, what, make, valid):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert what in message.lower()
    for name in valid:
        assert name in message, f"{name!r} missing from: {message}"


def test_integer_labels_with_categorical_crossentropy(backend):
    x, y = data()
    model = compiled(loss="categorical_crossentropy")
    with pytest.raises(ValueError) as info:
        model.fit(x, y, verbose=0)
    message = str(info.value)
    assert "sparse_categorical_crossentropy" in message
    assert "(40,)" in message or "(8,)" in message or "(32,)" in message
    # the fixes the message suggests both work
    compiled(loss="sparse_categorical_crossentropy").fit(x, y, verbose=0)
    compiled(loss="categorical_crossentropy").fit(x, keras.utils.to_categorical(y, 3), verbose=0)


def test_nan_or_infinity_in_the_data_is_named(backend):
    x, y = data()
    bad_x = x.copy()
    bad_x[7, 2] = np.nan
    with pytest.raises(ValueError, match=r"x contains nan at index \(7, 2\) \(sample 7\)"):
        compiled().fit(bad_x, y, verbose=0)
    bad_y = y.astype("float32")
    bad_y[3] = np.inf
    with pytest.raises(ValueError, match=r"y contains inf .*sample 3"):
        compiled().fit(x, bad_y, verbose=0)
    with pytest.raises(ValueError, match=r"validation x contains nan .*sample 7"):
        compiled().fit(x, y, validation_data=(bad_x, y), verbose=0)
    # validation_split: the sample's own index, before the split
    late = x.copy()
    late[37, 0] = np.nan
    with pytest.raises(ValueError, match=r"x contains nan .*sample 37"):
        compiled().fit(late, y, validation_split=0.25, verbose=0)
    with pytest.raises(ValueError, match=r"x contains nan"):
        compiled().evaluate(bad_x, y, verbose=0)


def test_training_or_evaluating_before_compile(backend):
    x, y = data()
    model = classifier()
    for method, call in [("fit", lambda: model.fit(x, y, verbose=0)),
                         ("evaluate", lambda: model.evaluate(x, y, verbose=0)),
                         ("train_on_batch", lambda: model.train_on_batch(x, y)),
                         ("test_on_batch", lambda: model.test_on_batch(x, y))]:
        with pytest.raises(ValueError, match=rf"compile.*{method}|{method}.*compile"):
            call()
    # predicting needs no compile (as in Keras)
    direct = ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(model.predict(x, verbose=0), direct, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), direct, rtol=1e-6)


def test_predict_on_the_wrong_rank(backend):
    x, _ = data()
    model = classifier()
    for bad in (x[0], x[:5, :, None].repeat(2, axis=2), x[:10].reshape(10, 2, 3)):
        with pytest.raises(ValueError) as info:
            model.predict(bad, verbose=0)
        message = str(info.value)
        assert "rank" in message and str(tuple(bad.shape)) in message and '"clf"' in message


def test_mismatched_structures_are_named(backend):
    x, y = data()
    with pytest.raises(ValueError, match=r"no targets y"):
        compiled().fit(x, verbose=0)
    a = keras.Input((6,), name="a")
    two = keras.Model(a, [layers.Dense(1, name="first")(a), layers.Dense(1, name="second")(a)])
    two.compile(optimizer="sgd", loss=["mse", "mse", "mse"])
    with pytest.raises(ValueError) as info:
        two.fit(x, [y, y], verbose=0)
    assert "3" in str(info.value) and "2 outputs" in str(info.value)
    two.compile(optimizer="sgd", loss={"first": "mse", "third": "mse"})
    with pytest.raises(ValueError, match="third"):
        two.fit(x, [y, y], verbose=0)
    model = classifier()
    with pytest.raises(ValueError, match=r"expects 4 weight arrays, got 3"):
        model.set_weights(model.get_weights()[:3])
    wrong = [w.T if w.ndim == 2 else w for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"hidden/kernel.*\(6, 5\).*\(5, 6\)"):
        model.set_weights(wrong)


def test_generator_or_dataset_arguments_that_cannot_apply(numpy_backend):
    x, y = data()
    batches = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8))
    with pytest.raises(ValueError, match="do not pass y"):
        compiled().fit(batches, y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        compiled().fit(((x, y) for _ in range(2)), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split.*1\.5"):
        compiled().fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="validation_data"):
        compiled().fit(x, y, validation_data=(x,), verbose=0)


# ============================================================================ data feeding
def _fit_arrays(x, y, batch_size=8, epochs=2, loss="sparse_categorical_crossentropy", **kwargs):
    keras.utils.set_random_seed(1)
    model = compiled(loss=loss)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
                        **kwargs)
    return model, history


def test_generator_gives_the_same_training_as_arrays(numpy_backend):
    x, y = data()
    reference, reference_history = _fit_arrays(x, y)

    def batches():
        while True:
            for start in range(0, 40, 8):
                yield x[start:start + 8], y[start:start + 8]

    keras.utils.set_random_seed(1)
    model = compiled()
    history = model.fit(batches(), steps_per_epoch=5, epochs=2, verbose=0)
    assert iterations(model) == 10
    for mine, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(history.history["loss"], reference_history.history["loss"], rtol=1e-6)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset_gives_the_same_training_as_arrays(numpy_backend):
    x, y = data(n=37)  # the last batch has 5 samples
    reference, reference_history = _fit_arrays(x, y, epochs=3)
    keras.utils.set_random_seed(1)
    model = compiled(metrics=["accuracy"])
    dataset = Batches(x, y, batch_size=8)
    history = model.fit(dataset, epochs=3, shuffle=False, verbose=0,
                        validation_data=Batches(x[:16], y[:16], batch_size=8))
    assert iterations(model) == 15 and dataset.epochs_ended == 3
    for mine, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(history.history["loss"], reference_history.history["loss"], rtol=1e-6)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # evaluate and predict take a PyDataset too
    loss, accuracy = model.evaluate(Batches(x, y, batch_size=8), verbose=0)
    assert loss == pytest.approx(model.evaluate(x, y, batch_size=8, verbose=0)[0], rel=1e-6)
    assert model.predict(Batches(x, y, batch_size=8), verbose=0).shape == (37, 3)


def test_validation_split_holds_out_the_last_samples(backend):
    x, y = data()
    model, history = _fit_arrays(x, y, epochs=1, validation_split=0.25)
    assert iterations(model) == 4  # 30 training samples in batches of 8
    # the validation figures are those of the final weights on the last 10 samples
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[30:], y[30:], verbose=0), rel=1e-5)
    # ... and the same as passing those samples as validation_data
    same, same_history = _fit_arrays(x[:30], y[:30], epochs=1, validation_data=(x[30:], y[30:]))
    np.testing.assert_allclose(same_history.history["val_loss"], history.history["val_loss"],
                               rtol=1e-6)
    for mine, expected in zip(same.get_weights(), model.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=1e-6)


def test_class_weight_and_sample_weight_scale_each_sample_loss(numpy_backend):
    x, y = data()
    class_weight = {0: 2.0, 1: 0.5, 2: 1.0}
    per_sample = np.array([class_weight[label] for label in y], dtype="float32")

    # the loss is the weighted sum over the batch divided by the batch size (Keras)
    model = compiled()
    losses = cross_entropy(model.predict(x, verbose=0), y)
    first = model.train_on_batch(x, y, class_weight=class_weight)
    assert first == pytest.approx(float(np.mean(per_sample * losses)), rel=1e-5)
    model = compiled()
    assert model.test_on_batch(x, y, sample_weight=per_sample) == pytest.approx(
        float(np.mean(per_sample * cross_entropy(model.predict(x, verbose=0), y))), rel=1e-5)

    # class_weight is sample_weight looked up by label
    by_class, _ = _fit_arrays(x, y, class_weight=class_weight)
    by_sample, _ = _fit_arrays(x, y, sample_weight=per_sample)
    unweighted, _ = _fit_arrays(x, y)
    for a, b, c in zip(by_class.get_weights(), by_sample.get_weights(), unweighted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not np.allclose(by_class.get_weights()[0], unweighted.get_weights()[0])

    # with one-hot labels, class_weight looks the class up the same way
    one_hot, _ = _fit_arrays(x, keras.utils.to_categorical(y, 3), class_weight=class_weight,
                             loss="categorical_crossentropy")
    for a, b in zip(one_hot.get_weights(), by_class.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    # zero weights: nothing to learn, the weights stay (plain SGD)
    keras.utils.set_random_seed(1)
    frozen = compiled()
    before = frozen.get_weights()
    history = frozen.fit(x, y, sample_weight=np.zeros(40, "float32"), epochs=1, verbose=0)
    assert history.history["loss"] == [0.0]
    for a, b in zip(frozen.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_steps_per_epoch_with_arrays_stops_at_the_end_of_the_data(numpy_backend):
    """As Keras 3: epochs of steps_per_epoch batches continue through the data but stop at
    its end (with a warning); the next epoch starts a new pass."""
    x, y = data()
    keras.utils.set_random_seed(1)
    model = compiled()
    with pytest.warns(UserWarning, match=r"ran out of data; interrupting after 2 batch\(es\), "
                                         r"short of steps_per_epoch=3"):
        history = model.fit(x, y, batch_size=8, epochs=2, steps_per_epoch=3, shuffle=False,
                            verbose=0)
    assert iterations(model) == 5 and len(history.history["loss"]) == 2
    # 3 + 2 batches of eight: one pass over the 40 samples, the weights of one whole epoch
    keras.utils.set_random_seed(1)
    reference = compiled()
    reference.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for mine, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=1e-7)


def test_initial_epoch_resumes_the_count(numpy_backend, capsys):
    x, y = data()
    model = compiled()
    history = model.fit(x, y, batch_size=8, epochs=5, initial_epoch=3, verbose=2)
    assert history.epoch == [3, 4]
    assert iterations(model) == 10 and len(history.history["loss"]) == 2
    out = capsys.readouterr().out
    assert "Epoch 4/5" in out and "Epoch 5/5" in out and "Epoch 1/5" not in out


def test_single_batch_methods(backend):
    x, y = data(n=16)
    model = compiled(metrics=["accuracy"])
    probabilities = model.predict_on_batch(x)
    assert isinstance(probabilities, np.ndarray) and probabilities.shape == (16, 3)
    expected_loss = float(np.mean(cross_entropy(probabilities, y)))
    expected_accuracy = float(np.mean(probabilities.argmax(axis=1) == y))
    loss, accuracy = model.test_on_batch(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert accuracy == pytest.approx(expected_accuracy)
    # train_on_batch reports the batch before its update, then moves the weights
    before = model.get_weights()
    assert model.train_on_batch(x, y, return_dict=True) == pytest.approx(
        {"loss": expected_loss, "accuracy": expected_accuracy}, rel=1e-5)
    assert iterations(model) == 1
    assert not np.allclose(model.get_weights()[0], before[0])
    assert model.test_on_batch(x, y)[0] < expected_loss


def test_one_sgd_step_of_train_on_batch_by_hand(backend):
    g = np.random.default_rng(3)
    x = g.normal(size=(8, 3)).astype("float32")
    y = g.normal(size=(8, 2)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    kernel, bias = model.get_weights()
    residual = x @ kernel + bias - y
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(float(np.mean(residual ** 2)), rel=1e-5)
    # mean over batch and outputs: d/dW = 2 x^T r / (8 * 2)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * 2 * x.T @ residual / 16, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(new_bias, bias - 0.1 * 2 * residual.sum(axis=0) / 16, rtol=1e-5,
                               atol=1e-6)


# ============================================================================ verbose
def _epoch_lines(out):
    return [line for line in out.splitlines() if line.strip()]


def test_verbose_0_prints_nothing(numpy_backend, capsys):
    x, y = data()
    model = compiled(metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("verbose", [2, 1, "auto"])
def test_verbose_prints_one_line_per_epoch_when_not_a_terminal(numpy_backend, capsys, verbose):
    """verbose=2 always, and verbose=1 when stdout is not a terminal (a log file, CI): the
    "Epoch i/N" header and one line of logs per epoch, nothing per step."""
    x, y = data()
    model = compiled(metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=8, verbose=verbose, validation_split=0.2)
    captured = capsys.readouterr()
    lines = _epoch_lines(captured.out)
    assert len(lines) == 6, captured.out
    assert "\r" not in captured.out and captured.err == ""
    for epoch in range(3):
        header, logs = lines[2 * epoch], lines[2 * epoch + 1]
        assert header == f"Epoch {epoch + 1}/3"
        assert logs.startswith("4/4 - ")  # 32 training samples: 4 steps, reported once
        for key in ("accuracy: ", "loss: ", "val_accuracy: ", "val_loss: "):
            assert key in logs


def test_verbose_evaluate_and_predict_print_one_line(numpy_backend, capsys):
    x, y = data()
    model = compiled(metrics=["accuracy"])
    model.evaluate(x, y, batch_size=8, verbose=1)
    lines = _epoch_lines(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0].startswith("5/5 - ") and "loss: " in lines[0]
    model.predict(x, batch_size=8, verbose=1)
    lines = _epoch_lines(capsys.readouterr().out)
    assert len(lines) == 1 and lines[0].startswith("5/5 - ")


def test_verbose_1_on_a_terminal_draws_a_live_bar(numpy_backend, capsys):
    """On a terminal, verbose=1 shows a bar per epoch (tqdm) that ends with the epoch's logs."""
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    x, y = data()
    terminal = Terminal()
    model = compiled(metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=1,
              callbacks=[keras.callbacks.ProgbarLogger(stream=terminal)])
    text = terminal.getvalue()
    assert capsys.readouterr().out == ""  # all of it went to the given stream
    assert text.count("Epoch ") == 2 and "\r" in text
    final_lines = [part for part in text.split("\r") if "5/5" in part]
    assert len(final_lines) == 2 and all("loss: " in part and "accuracy: " in part
                                         for part in final_lines)


# ============================================================================ bad arguments
# (method, argument, bad values): each must be refused before any step runs, naming the
# argument and the value; a silent fallback (0 -> 32, 2.5 -> 2, -1 -> one sample short)
# would train or score on other data than asked for
BAD_ARGUMENTS = [
    ("predict", "batch_size", [-1, 0, 2.5, True, "4"]),
    ("predict", "steps", [-1, 0, 2.5, False]),
    ("evaluate", "batch_size", [-1, 0, 2.5, True]),
    ("evaluate", "steps", [-1, 0, 1.0]),
    ("fit", "batch_size", [-1, 0, 2.5, True]),
    ("fit", "steps_per_epoch", [-1, 0, 2.5]),
    ("fit", "validation_steps", [-1, 0, 2.5]),
    ("fit", "validation_batch_size", [-1, 0, 2.5]),
    ("fit", "validation_freq", [0, -2, 1.5]),
    ("fit", "epochs", [-1, 2.5, True, "3"]),
    ("fit", "initial_epoch", [-1, 0.5, None]),
]


@pytest.mark.parametrize("method, argument, values", BAD_ARGUMENTS,
                         ids=[f"{m}-{a}" for m, a, _ in BAD_ARGUMENTS])
def test_bad_counts_are_refused_naming_the_argument(backend, method, argument, values):
    x, y = data(n=10)
    model = compiled()
    before = model.get_weights()
    for value in values:
        kwargs = {argument: value, "verbose": 0}
        if method == "fit" and argument.startswith("validation"):
            kwargs["validation_data"] = (x, y)
        call = {"predict": lambda: model.predict(x, **kwargs),
                "evaluate": lambda: model.evaluate(x, y, **kwargs),
                "fit": lambda: model.fit(x, y, **kwargs)}[method]
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert f"{method}()" in message and argument in message and repr(value) in message, message
        expected = "non-negative integer" if argument in ("epochs", "initial_epoch") else (
            "positive integer")
        assert expected in message, message
    # nothing was trained
    for after, weights in zip(model.get_weights(), before):
        np.testing.assert_array_equal(after, weights)


def test_numpy_integers_are_integers(numpy_backend):
    x, y = data(n=10)
    model = compiled()
    expected = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_array_equal(
        model.predict(x, batch_size=np.int64(4), steps=np.int32(3), verbose=0), expected)
    assert model.evaluate(x, y, batch_size=np.int16(4), verbose=0) == pytest.approx(
        model.evaluate(x, y, batch_size=4, verbose=0), rel=1e-6)
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(x, y, batch_size=np.int64(4), epochs=np.int64(3),
                            initial_epoch=np.int8(1), steps_per_epoch=np.uint8(2),
                            validation_data=(x, y), validation_freq=np.int64(2),
                            validation_batch_size=np.int32(5), validation_steps=np.int64(1),
                            verbose=0)
    # three batches a pass, two an epoch: epoch 1 is the pass's last batch, epoch 2 two more
    assert history.epoch == [1, 2] and iterations(model) == 3
    assert len(history.history["val_loss"]) == 1  # epoch 2 only (the second of every two)
    # epochs=0 (or initial_epoch >= epochs) is a valid fit that trains nothing, as in Keras
    assert model.fit(x, y, epochs=0, verbose=0).epoch == [] and iterations(model) == 3


def test_steps_past_the_end_of_arrays_stop_evaluate_and_predict(numpy_backend):
    """More ``steps`` than the arrays have batches: every sample once (Keras 3), never a
    wrap-around that repeats rows in the predictions or counts samples twice in the loss."""
    x, y = data(n=10)
    model = compiled()
    everything = model.predict(x, batch_size=4, verbose=0)
    with pytest.warns(UserWarning, match=r"after 3 batch\(es\), short of steps=5"):
        more = model.predict(x, batch_size=4, steps=5, verbose=0)
    np.testing.assert_array_equal(more, everything)
    np.testing.assert_array_equal(model.predict(x, batch_size=4, steps=2, verbose=0),
                                  everything[:8])
    with pytest.warns(UserWarning, match=r"after 3 batch\(es\), short of steps=5"):
        loss = model.evaluate(x, y, batch_size=4, steps=5, verbose=0)
    assert loss == pytest.approx(float(np.mean(cross_entropy(everything, y))), rel=1e-5)


# ============================================================================ bad labels
def test_class_labels_out_of_range_are_refused(backend):
    """Labels outside [0, classes) in a sparse categorical cross-entropy: PyTorch raises, and
    so do we, from the host arrays before any step (a finite loss, 0.0 for -1, otherwise)."""
    x, y = data()
    for bad_label, sample in ((-1, 5), (3, 12), (1.5, 0)):
        labels = y.astype("float32" if bad_label == 1.5 else "int64")
        labels[sample] = bad_label
        for loss in ("sparse_categorical_crossentropy",
                     keras.losses.SparseCategoricalCrossentropy()):
            model = compiled(loss=loss)
            before = model.get_weights()
            with pytest.raises(ValueError) as info:
                model.fit(x, labels, verbose=0)
            message = str(info.value)
            assert f"label {bad_label}" in message and f"sample {sample}" in message, message
            assert "3 classes" in message and "[0, 2]" in message, message
            for after, weights in zip(model.get_weights(), before):
                np.testing.assert_array_equal(after, weights)
            with pytest.raises(ValueError, match=rf"label {bad_label}.*3 classes"):
                model.evaluate(x, labels, verbose=0)
        with pytest.raises(ValueError, match=rf"validation y.*label {bad_label}.*3 classes"):
            compiled().fit(x, y, validation_data=(x, labels), verbose=0)
        with pytest.raises(ValueError, match=rf"label {bad_label}.*3 classes"):
            compiled().fit(x, labels[:, None], verbose=0)  # (n, 1) labels alike


def test_class_labels_out_of_range_from_a_generator(numpy_backend):
    """A generator's labels are checked batch by batch as they arrive, before each step."""
    x, y = data()
    labels = y.copy()
    labels[10] = 3  # batch 1, sample 2
    model = compiled()
    batches = ((x[i:i + 8], labels[i:i + 8]) for i in range(0, 40, 8))
    with pytest.raises(ValueError, match=r"y \(batch 1\) has label 3 \(sample 2\).*3 classes"):
        model.fit(batches, epochs=1, verbose=0)
    assert iterations(model) == 1  # batch 0 trained, batch 1 refused
    with pytest.raises(ValueError, match=r"y \(batch 1\) has label 3 \(sample 2\)"):
        model.evaluate(Batches(x, labels, batch_size=8), verbose=0)


def test_class_labels_out_of_range_name_the_output(backend):
    x, y = data()
    a = keras.Input((6,), name="features")
    kind = layers.Dense(4, activation="softmax", name="kind")(a)
    size = layers.Dense(1, name="size")(a)
    model = keras.Model(a, {"kind": kind, "size": size})
    model.compile(optimizer="sgd", loss={"kind": "sparse_categorical_crossentropy", "size": "mse"})
    # "size" is a regression target: 7.0 is no class, and not checked as one
    targets = {"kind": np.where(y == 2, 4, y), "size": np.full(40, 7.0, "float32")}
    with pytest.raises(ValueError) as info:
        model.fit(x, targets, verbose=0)
    message = str(info.value)
    assert '"kind"' in message and "label 4" in message and "4 classes" in message, message


def test_ignore_class_labels_are_allowed(numpy_backend):
    x, y = data()
    labels = y.copy()
    labels[::4] = -1
    model = compiled(loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=-1))
    kept = labels != -1
    expected = float(np.mean(cross_entropy(model.predict(x, verbose=0)[kept], labels[kept])))
    assert model.evaluate(x, labels, batch_size=40, verbose=0) == pytest.approx(expected, rel=1e-5)
    labels[1] = 3  # still out of range
    with pytest.raises(ValueError, match=r"label 3 .*sample 1"):
        model.fit(x, labels, verbose=0)


# ============================================================================ bad data
def test_python_lists_are_arrays(backend):
    """Nested lists of numbers are one array (as ``np.asarray``): the same training as the
    arrays; a list of arrays stays a list of inputs."""
    x, y = data(n=16)
    model = compiled()
    np.testing.assert_allclose(model.predict(x.tolist(), verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert model.evaluate(x.tolist(), y.tolist(), verbose=0) == pytest.approx(
        model.evaluate(x, y, verbose=0), rel=1e-6)
    keras.utils.set_random_seed(1)
    from_lists = compiled()
    from_lists.fit(x.tolist(), tuple(y.tolist()), batch_size=8, shuffle=False, verbose=0)
    keras.utils.set_random_seed(1)
    from_arrays = compiled()
    from_arrays.fit(x, y, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(from_lists.get_weights(), from_arrays.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)

    left, right = keras.Input((4,), name="left"), keras.Input((2,), name="right")
    joined = keras.Model([left, right], layers.Dense(1, name="out")(
        layers.Concatenate()([left, right])))
    expected = joined.predict([x[:, :4], x[:, 4:]], verbose=0)
    assert expected.shape == (16, 1)
    np.testing.assert_allclose(joined.predict([x[:, :4], x[:, 4:].tolist()], verbose=0), expected,
                               rtol=1e-6)


def test_strings_and_objects_are_refused_naming_the_input(backend):
    x, y = data(n=10)
    words = np.array([["a"] * 6] * 10)
    with pytest.raises(ValueError, match=r"x has dtype <U1 \(strings\)"):
        compiled().fit(words, y, verbose=0)
    with pytest.raises(ValueError, match=r"y has dtype <U3 \(strings\)"):
        compiled().fit(x, np.array(["cat"] * 10), verbose=0)
    with pytest.raises(ValueError, match=r"x has dtype object"):
        classifier().predict(x.astype(object), verbose=0)
    with pytest.raises(ValueError, match=r"validation x has dtype <U1"):
        compiled().fit(x, y, validation_data=(words, y), verbose=0)
    left, right = keras.Input((4,)), keras.Input((2,))
    joined = keras.Model([left, right], layers.Concatenate()([left, right]))
    with pytest.raises(ValueError, match=r"x\[1\] has dtype <U1"):
        joined.predict([x[:, :4], words[:, :2]], verbose=0)
    with pytest.raises(ValueError, match=r"x is a nested list .*not one array"):
        classifier().predict([[0.0] * 6, [0.0] * 5], verbose=0)  # ragged rows


def test_no_samples_is_an_error(backend):
    x, y = data()
    model = compiled()
    for method, call in [("fit", lambda: model.fit(x[:0], y[:0], verbose=0)),
                         ("evaluate", lambda: model.evaluate(x[:0], y[:0], verbose=0)),
                         ("predict", lambda: model.predict(x[:0], verbose=0)),
                         ("train_on_batch", lambda: model.train_on_batch(x[:0], y[:0])),
                         ("test_on_batch", lambda: model.test_on_batch(x[:0], y[:0]))]:
        with pytest.raises(ValueError, match=rf"{method}\(\) received no samples: x has shape "
                                             r"\(0, 6\)"):
            call()
    with pytest.raises(ValueError, match=r"fit\(\) received no samples: validation x"):
        model.fit(x, y, validation_data=(x[:0], y[:0]), verbose=0)
    with pytest.raises(ValueError, match=r"predict\(\) received no samples: x has shape \(0,\)"):
        model.predict([], verbose=0)
    assert iterations(model) == 0


def test_input_shape_must_be_sizes_or_none(backend):
    for shape, bad in [((-1,), "-1"), ((28, -1), "-1"), ((2.5,), "2.5"), (("3",), "'3'"),
                       ((True, 2), "True")]:
        with pytest.raises(ValueError) as info:
            keras.Input(shape, name="pixels")
        message = str(info.value)
        assert '"pixels"' in message and str(shape) in message and bad in message, message
        assert "None" in message  # says how to write an unknown size
    with pytest.raises(ValueError, match=r"-4"):
        keras.Input((3,), batch_size=-4)
    with pytest.raises(ValueError, match=r"\(None, -1\)"):
        keras.Input(batch_shape=(None, -1))
    # None (unknown), 0 (an empty axis, as Keras) and numpy integers are sizes
    assert keras.Input((None, 0, np.int64(3))).shape == (None, None, 0, 3)
    assert keras.Input((3,), batch_size=np.int32(8)).shape == (8, 3)
