"""The customization points of the trainer: ``train_step``/``test_step``/``predict_step`` in
their two forms, ``compute_loss``/``compute_metrics`` used by the default steps,
``metrics``, ``stateless_call``, ``make_train_function`` and the errors of a step that
returns the wrong thing. Keras 3 (JAX backend) is the reference where a number is compared;
the longer guide scripts are in ``tests/guides/test_customizing_fit.py``."""

import numpy as np
import pytest

import kerasette

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

RTOL, ATOL = 1e-4, 1e-5
_rng = np.random.default_rng(11)
X = _rng.normal(size=(16, 3)).astype("float32")
Y = _rng.normal(size=(16, 1)).astype("float32")


def functional_dense(K, name="model"):
    inputs = K.Input((3,))
    return K.Model(inputs, K.layers.Dense(1)(inputs), name=name)


def subclass_of(K, **methods):
    """A one-Dense subclassed model of library ``K`` with ``methods`` added."""
    def __init__(self, **kwargs):
        K.Model.__init__(self, **kwargs)
        self.dense = K.layers.Dense(1)

    def call(self, x, training=False):
        return self.dense(x)

    return type("Custom", (K.Model,), {"__init__": __init__, "call": call, **methods})


def _fit(K, model, initial=None, epochs=2, **compile_kwargs):
    model(X[:1])
    if initial is not None:
        model.set_weights(initial)
    compile_kwargs.setdefault("loss", "mse")
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.1), **compile_kwargs)
    history = model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    return history.history, model.get_weights()


def _assert_same_run(ours, theirs):
    (our_history, our_weights), (their_history, their_weights) = ours, theirs
    assert our_history.keys() == their_history.keys()
    for key in their_history:
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=RTOL, atol=ATOL,
                                   err_msg=key)
    for mine, reference in zip(our_weights, their_weights):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------- errors
def test_a_train_step_that_returns_no_dict_is_refused(backend):
    def train_step(self, data):
        x, y = data
        return kerasette.ops.mean(self(x))  # a tensor, not {"name": value}

    model = subclass_of(kerasette, train_step=train_step)(name="no_dict")
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r'"no_dict".*train_step\(data\) returned a \w+.*dict'):
        model.fit(X, Y, epochs=1, verbose=0)


def test_a_stateless_step_that_returns_a_wrong_state_is_refused(backend):
    def short_state(self, state, data):
        return {}, state[:3]  # the optimizer's or the metrics' values are missing

    def short_group(self, state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        return {}, (trainable[:1], non_trainable, optimizer_values, metric_values)

    def logs_only(self, state, data):
        return {"loss": 0.0}

    cases = [(short_state, r"4 groups.*got a tuple of 3 items"),
             (short_group, r"trainable_variables.*2 values.*got a list of 1 items"),
             (logs_only, r"\(logs, state\)")]
    for train_step, message in cases:
        model = subclass_of(kerasette, train_step=train_step)(name="bad_state")
        model.compile(optimizer="sgd", loss="mse", jit_compile=False)
        with pytest.raises(ValueError, match=r'"bad_state".*train_step\(state, data\).*' + message):
            model.fit(X, Y, epochs=1, verbose=0)


def test_a_step_of_neither_form_is_refused():
    def train_step(self, state, data, extra):
        return {}, state

    model = subclass_of(kerasette, train_step=train_step)(name="odd")
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r'"odd".*train_step\(self, data\).*'
                                        r'train_step\(self, state, data\)'):
        model.fit(X, Y, epochs=1, verbose=0)


# ------------------------------------------------------------ super() from either form
def test_super_steps_from_either_form_are_the_default_steps():
    """An override may add to the default step: ``super().train_step(data)`` from a stateful
    override, ``super().train_step(state, data)`` from a stateless one (likewise
    ``test_step``); fit and evaluate then give exactly what the default steps give. (The
    dispatch is the same Python on every backend: the default one runs it.)"""
    calls = []

    def stateful(kind):
        def step(self, data):
            calls.append(kind)
            return getattr(super(type(self), self), f"{kind}_step")(data)
        return step

    def stateless(kind):
        def step(self, state, data):
            calls.append(kind)
            return getattr(super(type(self), self), f"{kind}_step")(state, data)
        return step

    def run(model):
        history, weights = _fit(kerasette, model, initial, metrics=["mae"])
        return history, weights, model.evaluate(X, Y, batch_size=8, verbose=0)

    kerasette.utils.set_random_seed(1)
    reference = subclass_of(kerasette)()
    reference(X[:1])
    initial = reference.get_weights()
    reference = run(reference)
    for train_step, test_step in [(stateful("train"), stateless("test")),
                                  (stateless("train"), stateful("test"))]:
        calls.clear()
        ours = run(subclass_of(kerasette, train_step=train_step, test_step=test_step)())
        _assert_same_run(ours[:2], reference[:2])
        np.testing.assert_allclose(ours[2], reference[2], rtol=1e-6)
        assert "train" in calls and "test" in calls


# ------------------------------------------------------------ compute_loss, compute_metrics
def _keras_and_ours(keras, methods, **compile_kwargs):
    """The same subclassed model, with ``methods(K)`` overriding the trainer's, fitted by
    Keras and by kerasette from the same initial weights: ``(ours, our run, theirs, their
    run)``."""
    keras.utils.set_random_seed(0)
    theirs = subclass_of(keras, **methods(keras))()
    theirs(X[:1])
    initial = theirs.get_weights()
    their_run = _fit(keras, theirs, **compile_kwargs)
    ours = subclass_of(kerasette, **methods(kerasette))()
    our_run = _fit(kerasette, ours, initial, **compile_kwargs)
    return ours, our_run, theirs, their_run


def test_compute_loss_and_compute_metrics_overrides_are_what_fit_uses(backend, keras):
    """The default steps minimize and report what an overridden ``compute_loss`` returns, and
    report what an overridden ``compute_metrics`` returns (here with a metric of the model's
    own, listed in ``metrics`` after the compiled ones), as Keras's do."""
    def methods(K):
        def __init__(self, **kwargs):
            K.Model.__init__(self, **kwargs)
            self.dense = K.layers.Dense(1)
            self.largest = K.metrics.Mean(name="largest")

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = K.Model.compute_loss(self, x, y, y_pred, sample_weight, training=training)
            return loss + 0.5 * K.ops.mean(K.ops.abs(y_pred))

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            logs = K.Model.compute_metrics(self, x, y, y_pred, sample_weight)
            self.largest.update_state(K.ops.max(y_pred))
            logs["largest"] = self.largest.result()
            return logs
        return {"__init__": __init__, "compute_loss": compute_loss,
                "compute_metrics": compute_metrics}

    ours_model, ours, theirs_model, theirs = _keras_and_ours(keras, methods, metrics=["mae"])
    _assert_same_run(ours, theirs)
    assert ours_model.metrics_names == theirs_model.metrics_names == [
        "loss", "compile_metrics", "largest"]


def test_compute_loss_override_without_training_argument():
    """An override written before Keras 3.3 added ``training`` still works."""
    def compute_loss(self, x, y, y_pred, sample_weight):
        return kerasette.ops.mean(kerasette.ops.abs(y - y_pred))

    model = subclass_of(kerasette, compute_loss=compute_loss)()
    history, _ = _fit(kerasette, model, epochs=1)
    y_pred = model.predict(X, verbose=0)
    assert history["loss"][0] > 0
    assert abs(model.evaluate(X, Y, verbose=0) - np.mean(np.abs(Y - y_pred))) < 1e-5


# ---------------------------------------------------------------------------- stateless_call
def test_stateless_call_matches_keras(backend, keras):
    """``stateless_call`` returns the outputs and the new non-trainable values (BatchNorm's
    moving statistics in training), with ``return_losses`` the losses of the call, and
    changes no variable."""
    def build(K):
        inputs = K.Input((3,))
        hidden = K.layers.Dense(4, kernel_regularizer=K.regularizers.L2(0.1))(inputs)
        outputs = K.layers.BatchNormalization()(hidden)
        return K.Model(inputs, outputs)

    keras.utils.set_random_seed(0)
    theirs = build(keras)
    ours = build(kerasette)
    ours.set_weights(theirs.get_weights())
    results = []
    for model in (ours, theirs):
        before = model.get_weights()
        trainable = [v.value * 2 for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        outputs, new_non_trainable, losses = model.stateless_call(
            trainable, non_trainable, X, training=True, return_losses=True)
        results.append((outputs, new_non_trainable, losses))
        for unchanged, value in zip(before, model.get_weights()):
            np.testing.assert_array_equal(unchanged, value)
    (our_out, our_state, our_losses), (their_out, their_state, their_losses) = results
    np.testing.assert_allclose(np.asarray(our_out), np.asarray(their_out), rtol=RTOL, atol=ATOL)
    assert len(our_state) == len(their_state) == 2
    for mine, reference in zip(our_state, their_state):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(reference), rtol=RTOL, atol=ATOL)
    assert len(our_losses) == len(their_losses) == 1
    np.testing.assert_allclose(float(our_losses[0]), float(their_losses[0]), rtol=RTOL)
    trainable = [v.value for v in ours.trainable_variables]
    non_trainable = [v.value for v in ours.non_trainable_variables]
    outputs, state = ours.stateless_call(trainable, non_trainable, X)
    assert len(state) == 2 and tuple(np.shape(outputs)) == (16, 4)
    with pytest.raises(ValueError, match=r'"functional.*trainable_variables.*4 values.*got 1'):
        ours.stateless_call(trainable[:1], non_trainable, X)


# ------------------------------------------------------------ predict_step, make_*_function
def test_predict_step_in_either_form(backend, keras):
    def stateful(self, data):
        x, _, _ = kerasette.utils.unpack_x_y_sample_weight(data)
        return {"doubled": self(x) * 2.0}

    def stateless_for(K):
        def stateless(self, state, data):
            trainable, non_trainable = state
            outputs, non_trainable = self.stateless_call(trainable, non_trainable, data)
            return {"doubled": outputs * 2.0}, non_trainable
        return stateless

    keras.utils.set_random_seed(0)
    theirs = subclass_of(keras, predict_step=stateless_for(keras))()
    theirs(X[:1])
    expected = theirs.predict(X, batch_size=8, verbose=0)
    for predict_step in (stateful, stateless_for(kerasette)):
        ours = subclass_of(kerasette, predict_step=predict_step)()
        ours(X[:1])
        ours.set_weights(theirs.get_weights())
        result = ours.predict(X, batch_size=8, verbose=0)
        assert set(result) == {"doubled"}
        np.testing.assert_allclose(result["doubled"], expected["doubled"], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(ours.predict_on_batch(X)["doubled"], expected["doubled"],
                                   rtol=RTOL, atol=ATOL)


def test_make_train_function_is_keras_jax_trainers(backend, keras):
    """``make_train_function()`` sets ``model.train_function(state, iterator)``, which takes
    one batch from the iterator and returns ``(logs, new_state)``; the state is the values
    of the trainable, non-trainable, optimizer and metric variables, in Keras's order."""
    results = []
    for K in (keras, kerasette):
        K.utils.set_random_seed(0)
        model = functional_dense(K)
        model.compile(optimizer=K.optimizers.Adam(learning_rate=0.1), loss="mse",
                      metrics=["mae"])
        if K is kerasette:
            model.set_weights(results[0][2])
        weights = model.get_weights()
        model.fit(X, Y, epochs=0, verbose=0)  # builds the metrics and the optimizer
        model.make_train_function()
        state = tuple([v.value for v in group] for group in (
            model.trainable_variables, model.non_trainable_variables,
            model.optimizer.variables, model.metrics_variables))
        logs, new_state = model.train_function(state, iter([(X, Y)]))
        results.append(({k: float(np.asarray(v)) for k, v in _flat(logs).items()},
                        [len(group) for group in new_state], weights,
                        [np.asarray(v) for v in new_state[0]]))
    (their_logs, their_sizes, _, their_new), (our_logs, our_sizes, _, our_new) = results
    assert our_sizes == their_sizes
    assert our_logs.keys() == their_logs.keys()
    for key in their_logs:
        np.testing.assert_allclose(our_logs[key], their_logs[key], rtol=RTOL, atol=ATOL)
    for mine, reference in zip(our_new, their_new):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL)


def _flat(logs):
    flat = {}
    for key, value in logs.items():
        flat.update(_flat(value) if isinstance(value, dict) else {key: value})
    return flat


def test_pack_and_unpack_x_y_sample_weight(keras):
    for data in [X, (X,), (X, Y), (X, Y, Y[:, 0]), [X, Y]]:
        ours = kerasette.utils.unpack_x_y_sample_weight(data)
        theirs = keras.utils.unpack_x_y_sample_weight(data)
        assert [o is t for o, t in zip(ours, theirs)] == [True] * 3
    for args in [(X,), ((X, X),), (X, Y), (X, Y, Y)]:
        ours = kerasette.utils.pack_x_y_sample_weight(*args)
        theirs = keras.utils.pack_x_y_sample_weight(*args)
        assert type(ours) is type(theirs)
        assert len(tree_leaves(ours)) == len(tree_leaves(theirs))
    with pytest.raises(ValueError, match="x, \\(x,\\), \\(x, y\\) or \\(x, y, sample_weight\\)"):
        kerasette.utils.unpack_x_y_sample_weight((X, Y, Y, Y))


def tree_leaves(value):
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in tree_leaves(item)]
    return [value]
