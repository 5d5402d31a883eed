"""The Keras 3 developer guides "Customizing what happens in fit()" (the TensorFlow/torch
form and the JAX form) and "Writing a training loop from scratch", as short scripts.

Each script is written here (not copied from the guides) to exercise what the guide
teaches: a ``train_step`` with the compiled loss and metrics, one with metrics of its own,
sample weights, a ``test_step``, a GAN trained by two optimizers, and hand-written loops.

Two forms of a step, as Keras 3 has them:

- the stateful ``train_step(self, data)`` of the TensorFlow/torch guides: ``GradientTape``,
  ``optimizer.apply``, ``metric.update_state``; it runs on kerasette's every backend, but
  Keras on JAX cannot run it, so its reference is the equivalent stateless step run by Keras;
- the stateless ``train_step(self, state, data)`` of the JAX guide, written once against a
  module ``K`` and run by Keras (JAX backend) and by kerasette on each backend.

Every kerasette run starts from Keras's initial weights (``set_weights``) and sees the same
batches (``shuffle=False``); logs and weights agree to float32 round-off: ``RTOL``, ``ATOL``.
"""

import functools

import numpy as np
import pytest

import kerasette

# Keras 3.15's Variable.__array__ predates numpy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

# float32 on both sides, a few Adam steps: only the order of the arithmetic differs
RTOL, ATOL = 1e-4, 1e-5

_rng = np.random.default_rng(7)
X = _rng.normal(size=(32, 6)).astype("float32")
Y = _rng.normal(size=(32, 1)).astype("float32")
SW = _rng.uniform(0.2, 1.0, size=(32,)).astype("float32")
BATCH, EPOCHS = 16, 2  # two steps per epoch: the metrics must be reset between epochs


def _value_and_grad(K):
    """The gradient transform a JAX-style step uses: ``jax.value_and_grad`` under Keras,
    kerasette's own on every backend (JAX's on the jax backend)."""
    if K is kerasette:
        return kerasette.ops.value_and_grad
    import jax
    return jax.value_and_grad


# ---------------------------------------------------------------------------- the models
@functools.cache
def regressor(K):
    """A two-layer regressor, subclassed (built by calling it) so that both libraries build
    it the same way."""

    class Regressor(K.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = K.layers.Dense(4, activation="tanh")
            self.head = K.layers.Dense(1)

        def call(self, x, training=False):
            return self.head(self.hidden(x))

    return Regressor


def stateless_metric_logs(model, metrics_variables, loss, y, y_pred, sample_weight):
    """Every metric of ``model.metrics`` updated from its own slice of ``metrics_variables``:
    a tracker named "loss" with the batch loss, the others with the targets and predictions.
    Returns the logs and the new metric values (the JAX guide's bookkeeping)."""
    logs, new_values, start = {}, [], 0
    for metric in model.metrics:
        values = metrics_variables[start:start + len(metric.variables)]
        start += len(metric.variables)
        if metric.name == "loss":
            values = metric.stateless_update_state(values, loss)
        else:
            values = metric.stateless_update_state(values, y, y_pred, sample_weight=sample_weight)
        logs[metric.name] = metric.stateless_result(values)
        new_values.extend(values)
    logs["batch_loss"] = loss  # the last batch's: a log of the step's own, not a metric's
    return logs, new_values


@functools.cache
def own_metrics(K):
    """What the guides' lower-level models add (a mixin): a loss tracker, an MAE metric and a
    loss function of their own, the metrics listed in ``metrics`` so that fit and evaluate
    reset them."""

    class OwnMetrics:
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.loss_tracker = K.metrics.Mean(name="loss")
            self.mae_metric = K.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = K.losses.MeanSquaredError()

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    return OwnMetrics


@functools.cache
def stateless_models(K):
    """The JAX guide's models for library ``K``: ``Compiled`` uses the loss and metrics given
    to ``compile``; ``OwnMetrics`` keeps a loss tracker and an MAE metric of its own."""
    value_and_grad = _value_and_grad(K)

    class Compiled(regressor(K)):
        def loss_and_updates(self, trainable, non_trainable, metrics_variables, x, y,
                             sample_weight, training):
            y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                        training=training)
            loss, (_, non_trainable, metrics_variables) = self.stateless_compute_loss(
                trainable, non_trainable, metrics_variables, x=x, y=y, y_pred=y_pred,
                sample_weight=sample_weight, training=training)
            return loss, (y_pred, non_trainable, metrics_variables)

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            x, y, sample_weight = K.utils.unpack_x_y_sample_weight(data)
            gradient_fn = value_and_grad(self.loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable, metrics_variables)), grads = gradient_fn(
                trainable, non_trainable, metrics_variables, x, y, sample_weight, True)
            trainable, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable)
            logs, metrics_variables = stateless_metric_logs(
                self, metrics_variables, loss, y, y_pred, sample_weight)
            return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)

        def test_step(self, state, data):
            trainable, non_trainable, metrics_variables = state
            x, y, sample_weight = K.utils.unpack_x_y_sample_weight(data)
            loss, (y_pred, non_trainable, metrics_variables) = self.loss_and_updates(
                trainable, non_trainable, metrics_variables, x, y, sample_weight, False)
            logs, metrics_variables = stateless_metric_logs(
                self, metrics_variables, loss, y, y_pred, sample_weight)
            return logs, (trainable, non_trainable, metrics_variables)

    class OwnMetrics(own_metrics(K), Compiled):
        def loss_and_updates(self, trainable, non_trainable, metrics_variables, x, y,
                             sample_weight, training):
            y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                        training=training)
            loss = self.loss_fn(y, y_pred, sample_weight=sample_weight)
            return loss, (y_pred, non_trainable, metrics_variables)

    return {"compiled": Compiled, "own_metrics": OwnMetrics}


@functools.cache
def stateful_models():
    """The TensorFlow/torch guide's models (kerasette only: Keras on JAX runs no stateful
    step), the twins of :func:`stateless_models`. ``steps`` counts the calls of each step."""
    K = kerasette

    class Compiled(regressor(K)):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.steps = {"train": 0, "test": 0}

        def batch_loss(self, x, y, y_pred, sample_weight):
            return self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)

        def train_step(self, data):
            self.steps["train"] += 1
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                (x, y), sample_weight = data, None
            with K.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.batch_loss(x, y, y_pred, sample_weight)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            return self.update_metrics(loss, y, y_pred, sample_weight)

        def test_step(self, data):
            self.steps["test"] += 1
            x, y, sample_weight = K.utils.unpack_x_y_sample_weight(data)
            y_pred = self(x, training=False)
            loss = self.batch_loss(x, y, y_pred, sample_weight)
            return self.update_metrics(loss, y, y_pred, sample_weight)

        def update_metrics(self, loss, y, y_pred, sample_weight):
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            logs = {metric.name: metric.result() for metric in self.metrics}
            logs["batch_loss"] = loss
            return logs

    class OwnMetrics(own_metrics(K), Compiled):
        def batch_loss(self, x, y, y_pred, sample_weight):
            return self.loss_fn(y, y_pred, sample_weight=sample_weight)

    return {"compiled": Compiled, "own_metrics": OwnMetrics}


# ---------------------------------------------------------------------------- the runs
# Both cases train with sample weights and compute the same numbers: the compiled "mse" loss
# and weighted "mae" metric in "compiled", a MeanSquaredError and a MeanAbsoluteError of the
# model's own in "own_metrics". So one Keras run, of the stateless "compiled" model, is the
# reference of all four kerasette runs (JAX's compile time is spent on kerasette's runs).
def _compile(K, model, case, jit_compile="auto"):
    optimizer = K.optimizers.Adam(learning_rate=0.05)
    if case == "own_metrics":
        model.compile(optimizer=optimizer, jit_compile=jit_compile)
    else:
        model.compile(optimizer=optimizer, loss="mse", weighted_metrics=["mae"],
                      jit_compile=jit_compile)


def _run(K, model, case, initial=None, jit_compile="auto"):
    """Builds ``model``, compiles it for ``case``, fits it and evaluates it; returns what a
    user would look at: the History, the evaluation and the weights before and after."""
    model(X[:1])
    if initial is not None:
        model.set_weights(initial)
    record = {"initial": model.get_weights()}
    _compile(K, model, case, jit_compile)
    history = model.fit(X, Y, sample_weight=SW, batch_size=BATCH, epochs=EPOCHS, shuffle=False,
                        verbose=0)
    record["history"] = history.history
    record["evaluate"] = model.evaluate(X, Y, sample_weight=SW, batch_size=BATCH, verbose=0,
                                        return_dict=True)
    record["weights"] = model.get_weights()
    return record


@functools.cache
def keras_run(keras):
    """Keras (JAX) running the stateless "compiled" model, once per session."""
    keras.utils.set_random_seed(0)
    return _run(keras, stateless_models(keras)["compiled"](), "compiled")


def assert_same_record(ours, theirs):
    assert ours["history"].keys() == theirs["history"].keys()
    for key in theirs["history"]:
        np.testing.assert_allclose(ours["history"][key], theirs["history"][key],
                                   rtol=RTOL, atol=ATOL, err_msg=f"History[{key!r}]")
    assert ours["evaluate"].keys() == theirs["evaluate"].keys()
    for key in theirs["evaluate"]:
        np.testing.assert_allclose(ours["evaluate"][key], theirs["evaluate"][key],
                                   rtol=RTOL, atol=ATOL, err_msg=f"evaluate()[{key!r}]")
    for mine, reference in zip(ours["weights"], theirs["weights"]):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL)
    changed = [not np.allclose(a, b) for a, b in zip(ours["weights"], ours["initial"])]
    assert all(changed), "training left some weights unchanged"


# ------------------------------------------------------------ train_step, metrics, weights
@pytest.mark.parametrize("case", ["compiled", "own_metrics"])
def test_stateful_train_and_test_steps(backend, keras, case):
    """The TensorFlow/torch guide: ``train_step(self, data)`` with ``GradientTape`` and
    ``optimizer.apply`` (the compiled loss via ``compute_loss`` and sample weights, or a loss
    and metrics of the model's own listed in ``metrics``), ``test_step(self, data)``: fit
    and evaluate run them (eagerly) and report what the equivalent stateless steps report
    on Keras, the metrics reset at each epoch."""
    theirs = keras_run(keras)
    model = stateful_models()[case]()
    ours = _run(kerasette, model, case, initial=theirs["initial"])
    assert model.steps == {"train": EPOCHS * len(X) // BATCH, "test": len(X) // BATCH}
    assert_same_record(ours, theirs)


@pytest.mark.parametrize("case", ["compiled", "own_metrics"])
def test_stateless_train_and_test_steps(backend, keras, case):
    """The JAX guide: ``train_step(self, state, data)`` and ``test_step(self, state, data)``
    with ``stateless_call``, ``stateless_compute_loss``, ``value_and_grad`` and
    ``optimizer.stateless_apply``, run by kerasette as by Keras: compiled (``jax.jit``, a
    recorded schedule on numpy) in the "compiled" case, eagerly (``jit_compile=False``) in
    the other, so that both paths run (and JAX compiles one model only)."""
    theirs = keras_run(keras)
    ours = _run(kerasette, stateless_models(kerasette)[case](), case, initial=theirs["initial"],
                jit_compile="auto" if case == "compiled" else False)
    assert ours["history"]["batch_loss"], "the step's own log is missing: was it run?"
    assert_same_record(ours, theirs)


# ---------------------------------------------------------------------------- a GAN
# "images" of 6 values; a batch of 8 real and 8 generated ones gives the discriminator the
# shapes of the regressor above (JAX compiles each op once per shape: the tests share them)
GAN_REAL = np.random.default_rng(3).normal(size=(16, 6)).astype("float32")
GAN_LATENT = np.random.default_rng(4).normal(size=(16, 3)).astype("float32")
GAN_BATCH = 8


def gan_parts(K):
    generator = K.Sequential([K.Input((3,)), K.layers.Dense(6)], name="generator")
    discriminator = K.Sequential([K.Input((6,)), K.layers.Dense(4, activation="tanh"),
                                  K.layers.Dense(1)], name="discriminator")
    return generator, discriminator


def gan_labels(K, batch):
    """Fake images first, labelled 1; real ones labelled 0 (the guide's convention)."""
    return K.ops.concatenate([K.ops.ones((batch, 1)), K.ops.zeros((batch, 1))], axis=0)


class GAN(kerasette.Model):
    """The guide's GAN, stateful: a discriminator step then a generator step per batch, each
    with its own optimizer; the latent points come with the data, so that the run is
    deterministic. No ``call``: fit needs none for a model with its own ``train_step``."""

    def __init__(self, generator, discriminator):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.d_loss_tracker = kerasette.metrics.Mean(name="d_loss")
        self.g_loss_tracker = kerasette.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, data):
        real, latent = data
        batch = kerasette.ops.shape(real)[0]
        images = kerasette.ops.concatenate([self.generator(latent), real], axis=0)
        with kerasette.GradientTape() as tape:
            d_loss = self.loss_fn(gan_labels(kerasette, batch), self.discriminator(images))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        with kerasette.GradientTape() as tape:
            predictions = self.discriminator(self.generator(latent))
            g_loss = self.loss_fn(kerasette.ops.zeros((batch, 1)), predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def keras_gan_loop(keras):
    """The same GAN algorithm written as a stateless loop on Keras (the JAX training-loop
    guide's tools): the initial weights, the per-batch losses and the final weights."""
    import jax
    keras.utils.set_random_seed(0)
    generator, discriminator = gan_parts(keras)
    initial = (generator.get_weights(), discriminator.get_weights())
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    d_optimizer = keras.optimizers.Adam(learning_rate=0.05)
    g_optimizer = keras.optimizers.Adam(learning_rate=0.02)
    d_optimizer.build(discriminator.trainable_variables)
    g_optimizer.build(generator.trainable_variables)
    g_state = [v.value for v in generator.trainable_variables]
    d_state = [v.value for v in discriminator.trainable_variables]
    g_opt_state = [v.value for v in g_optimizer.variables]
    d_opt_state = [v.value for v in d_optimizer.variables]

    def d_loss_fn(d_values, images, labels):
        predictions, _ = discriminator.stateless_call(d_values, [], images)
        return loss_fn(labels, predictions)

    def g_loss_fn(g_values, d_values, latent):
        fake, _ = generator.stateless_call(g_values, [], latent)
        predictions, _ = discriminator.stateless_call(d_values, [], fake)
        return loss_fn(keras.ops.zeros((len(latent), 1)), predictions)

    @jax.jit
    def gan_step(state, real, latent):
        g_state, d_state, g_opt_state, d_opt_state = state
        fake, _ = generator.stateless_call(g_state, [], latent)
        images = keras.ops.concatenate([fake, real], axis=0)
        d_loss, grads = jax.value_and_grad(d_loss_fn)(d_state, images,
                                                      gan_labels(keras, len(real)))
        d_state, d_opt_state = d_optimizer.stateless_apply(d_opt_state, grads, d_state)
        g_loss, grads = jax.value_and_grad(g_loss_fn)(g_state, d_state, latent)
        g_state, g_opt_state = g_optimizer.stateless_apply(g_opt_state, grads, g_state)
        return (d_loss, g_loss), (g_state, d_state, g_opt_state, d_opt_state)

    d_losses, g_losses = [], []
    state = (g_state, d_state, g_opt_state, d_opt_state)
    for start in range(0, len(GAN_REAL), GAN_BATCH):
        (d_loss, g_loss), state = gan_step(state, GAN_REAL[start:start + GAN_BATCH],
                                           GAN_LATENT[start:start + GAN_BATCH])
        d_losses.append(float(d_loss))
        g_losses.append(float(g_loss))
    g_state, d_state = state[:2]
    final = ([np.asarray(v) for v in g_state], [np.asarray(v) for v in d_state])
    return initial, d_losses, g_losses, final


@functools.cache
def _keras_gan(keras):
    return keras_gan_loop(keras)


def test_gan_with_two_optimizers(backend, keras):
    """A stateful ``train_step`` that trains two sub-models with two optimizers: both sets of
    weights move, and the reported losses (each a mean over the epoch's batches) and the final
    weights are those of the same algorithm written as a stateless loop on Keras."""
    (g_initial, d_initial), d_losses, g_losses, (g_final, d_final) = _keras_gan(keras)
    generator, discriminator = gan_parts(kerasette)
    generator.set_weights(g_initial)
    discriminator.set_weights(d_initial)
    gan = GAN(generator, discriminator)
    gan.compile(d_optimizer=kerasette.optimizers.Adam(learning_rate=0.05),
                g_optimizer=kerasette.optimizers.Adam(learning_rate=0.02),
                loss_fn=kerasette.losses.BinaryCrossentropy(from_logits=True))
    history = gan.fit(GAN_REAL, GAN_LATENT, batch_size=GAN_BATCH, epochs=1, shuffle=False,
                      verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    np.testing.assert_allclose(history.history["d_loss"], [np.mean(d_losses)], rtol=RTOL)
    np.testing.assert_allclose(history.history["g_loss"], [np.mean(g_losses)], rtol=RTOL)
    for mine, initial, reference in zip(generator.get_weights() + discriminator.get_weights(),
                                        g_initial + d_initial, g_final + d_final):
        assert not np.allclose(mine, initial), "a weight of the GAN did not move"
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL)
    assert gan.d_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy() == 2


# ---------------------------------------------------------- a training loop from scratch
def sequential(K):
    return K.Sequential([K.Input((6,)), K.layers.Dense(4, activation="tanh"), K.layers.Dense(1)])


def stateless_loop(K, model, jit):
    """The JAX training-loop guide's loop for library ``K``: a stateless step (gradients from
    ``value_and_grad`` through ``stateless_call``, ``optimizer.stateless_apply``, the metric
    through ``stateless_update_state``), compiled with ``jit``; the new state is written back
    into the model at the end. Returns the per-batch losses and the metric's result."""
    loss_fn = K.losses.MeanSquaredError()
    metric = K.metrics.MeanAbsoluteError()
    optimizer = K.optimizers.Adam(learning_rate=0.05)
    optimizer.build(model.trainable_variables)

    def loss_and_updates(trainable, non_trainable, metric_values, x, y):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        metric_values = metric.stateless_update_state(metric_values, y, y_pred)
        return loss_fn(y, y_pred), (non_trainable, metric_values)

    gradient_fn = _value_and_grad(K)(loss_and_updates, has_aux=True)

    @jit
    def train_step(state, data):
        trainable, non_trainable, optimizer_values, metric_values = state
        (loss, (non_trainable, metric_values)), grads = gradient_fn(
            trainable, non_trainable, metric_values, *data)
        trainable, optimizer_values = optimizer.stateless_apply(optimizer_values, grads,
                                                                trainable)
        return loss, (trainable, non_trainable, optimizer_values, metric_values)

    state = tuple([v.value for v in variables] for variables in (
        model.trainable_variables, model.non_trainable_variables, optimizer.variables,
        metric.variables))
    losses = []
    for _ in range(EPOCHS):
        for start in range(0, len(X), BATCH):
            loss, state = train_step(state, (X[start:start + BATCH], Y[start:start + BATCH]))
            losses.append(float(loss))
    for variable, value in zip(model.trainable_variables, state[0]):
        variable.assign(value)
    for variable, value in zip(metric.variables, state[3]):
        variable.assign(value)
    return losses, float(metric.result())


@functools.cache
def _keras_loop(keras):
    import jax
    keras.utils.set_random_seed(0)
    model = sequential(keras)
    initial = model.get_weights()
    losses, mae = stateless_loop(keras, model, jax.jit)
    return initial, losses, mae, model.get_weights()


def test_training_loop_with_gradient_tape(backend, keras):
    """"Writing a training loop from scratch" with ``GradientTape``: the tape's gradients,
    ``optimizer.apply`` and ``metric.update_state`` give the losses, metric and weights of the
    JAX guide's stateless loop on Keras."""
    initial, keras_losses, keras_mae, keras_weights = _keras_loop(keras)
    K = kerasette
    model = sequential(K)
    model.set_weights(initial)
    loss_fn, metric = K.losses.MeanSquaredError(), K.metrics.MeanAbsoluteError()
    optimizer = K.optimizers.Adam(learning_rate=0.05)
    losses = []
    for _ in range(EPOCHS):
        for start in range(0, len(X), BATCH):
            x, y = X[start:start + BATCH], Y[start:start + BATCH]
            with K.GradientTape() as tape:
                y_pred = model(x, training=True)
                loss = loss_fn(y, y_pred)
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
            metric.update_state(y, y_pred)
            losses.append(float(loss))
    np.testing.assert_allclose(losses, keras_losses, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(float(metric.result()), keras_mae, rtol=RTOL)
    for mine, reference in zip(model.get_weights(), keras_weights):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL)


def test_stateless_training_loop(backend, keras):
    """The JAX guide's stateless loop, run by kerasette (compiled with ``ops.jit``: ``jax.jit``
    on jax, a recorded schedule on numpy) as by Keras."""
    initial, keras_losses, keras_mae, keras_weights = _keras_loop(keras)
    model = sequential(kerasette)
    model.set_weights(initial)
    losses, mae = stateless_loop(kerasette, model, kerasette.ops.jit)
    np.testing.assert_allclose(losses, keras_losses, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(mae, keras_mae, rtol=RTOL)
    for mine, reference in zip(model.get_weights(), keras_weights):
        np.testing.assert_allclose(mine, reference, rtol=RTOL, atol=ATOL)
