"""The one trainer: ``compile``, ``fit``, ``evaluate``, ``predict`` for every backend.

Each step is a stateless function of (variable values, batch) returning the
logs and the new values (the pattern of Keras 3's JAX trainer):

- the train step maps the model's variables to the given values in a
  :class:`~kerasette.StatelessScope`, runs the model and the loss, takes the
  gradient with ``ops.value_and_grad``, applies the optimizer's update rule
  (``optimizer.stateless_apply``) and updates the metrics, collecting every
  assignment instead of performing it;
- with ``jit_compile`` (the default, ``"auto"``) the whole step goes through the
  backend's ``jit``: on JAX ``jax.jit``; on numpy and cupy the engine records the step
  once per input signature (forward, the tape's backward, the optimizer update) and
  replays that schedule of array calls after (``backends/autodiff/trace.py``), falling
  back to the eager step, with a warning, where a value is read on the host;
  ``run_eagerly=True`` runs the step eagerly, gradients from the engine's tape.

The new values are written back into the Variables after each step, so
callbacks and user code always see the current weights.

Under a distribution (:mod:`kerasette.distribution`) the backend's engine splits each
batch over the devices and lays out the step's state as the variables' layouts say; the
train step averages its gradients over the processes where the engine needs it (NCCL on
cupy; on JAX the compiled step's all-reduce is XLA's).

Keras 3's customization points sit on this one step (see :meth:`Trainer.train_step`):
``compute_loss`` and ``compute_metrics`` are what the default steps call, so overriding
them changes what ``fit`` minimizes and reports; a ``train_step``/``test_step``/
``predict_step`` of the model's own replaces the step, either stateless
(``(state, data) -> (logs, state)``, Keras's JAX form: compiled as the default step is) or
stateful (``(data) -> logs``, Keras's TensorFlow/torch form: run eagerly on the variables
themselves, on every backend, JAX included).
"""

import inspect
import threading
import warnings
import weakref

import numpy as np

from kerasette import backend as kbackend
from kerasette import ops
from kerasette.backends import tree
from kerasette.backends.variable import StatelessScope
from kerasette.distribution import distribution_lib
from kerasette.layers.layer import _overrides, check_state_values
from kerasette.layers.tracking import no_tracking, unique, untracked
from kerasette.serialization import serialize_keras_object
from kerasette.trainers import data_adapters
from kerasette.trainers.loss_and_metrics import CompileLoss, CompileMetrics
from kerasette.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight

# the names of the groups of a step's state, by kind of step (Keras 3's JAX trainer's)
_STATE_GROUPS = {
    "train": ("trainable_variables", "non_trainable_variables", "optimizer_variables",
              "metrics_variables"),
    "test": ("trainable_variables", "non_trainable_variables", "metrics_variables"),
    "predict": ("trainable_variables", "non_trainable_variables"),
}

# while a default step calls an overridden compute_loss: the per-output losses that the
# trainer's own compute_loss computed (when the override calls it), for the output trackers
_step_losses = threading.local()


class Trainer:
    """Training, evaluation and inference for :class:`~kerasette.Model` (mixed into it)."""

    @no_tracking
    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._output_loss_trackers = []
        self._output_loss_positions = []  # each tracker's output, by index
        self._steps = {}
        self._recheck_variables = {}
        self._in_fit = False
        self.jit_compile = False
        self.run_eagerly = False
        # where fit() starts; a callback may move it in on_train_begin (BackupAndRestore)
        self._initial_epoch = None
        self._initial_step = 0
        self._shuffle_seed = None
        # what make_train_function & co. made (Keras 3's JAX trainer's attributes)
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        Args:
            optimizer: name or optimizer instance (default "rmsprop").
            loss: name, function or Loss; a list or dict for several outputs.
            loss_weights: weights of each output's loss in the total.
            metrics: names or Metric objects ("accuracy" is resolved from the shapes); a list
                per output or a dict for several outputs.
            weighted_metrics: metrics that take the sample weights into account.
            run_eagerly: never compile the step.
            jit_compile: "auto" (or True) compiles the step: ``jax.jit`` on JAX, a recorded
                and replayed schedule on numpy and cupy. False runs it eagerly.
            auto_scale_loss: under the "mixed_float16" policy, wrap the optimizer in a
                :class:`kerasette.optimizers.LossScaleOptimizer` (as Keras 3 does).
        """
        from kerasette import metrics as metrics_module
        from kerasette import optimizers
        optimizer = optimizers.get(optimizer)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16" and optimizer
                is not None and not isinstance(optimizer, optimizers.LossScaleOptimizer)):
            optimizer = optimizers.LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
        self.optimizer = optimizer  # tracked: saved at "optimizer"
        with untracked(self):  # the rest is the trainer's own state
            self.loss = loss
            output_names = self._output_names_for_compile()
            self._compile_loss = (CompileLoss(loss, loss_weights, output_names)
                                  if loss is not None else None)
            self._compile_metrics = (CompileMetrics(metrics, weighted_metrics, output_names)
                                     if metrics or weighted_metrics else None)
            self._loss_tracker = metrics_module.Mean(name="loss")
            self._output_loss_trackers = []
            self._output_loss_positions = []
            self.run_eagerly = bool(run_eagerly)
            if jit_compile == "auto":
                jit_compile = not self.run_eagerly and kbackend.get_backend().compiles_steps
            self.jit_compile = bool(jit_compile) and not self.run_eagerly
            self._steps = {}
            self.train_function = self.test_function = self.predict_function = None
            self.compiled = True

    def get_compile_config(self):
        """What ``compile`` was given, serialized as Keras 3 writes it in a ``.keras`` file's
        ``compile_config`` (None when the model is not compiled)."""
        if not self.compiled:
            return None
        from kerasette import losses, metrics, optimizers
        compile_loss, compile_metrics = self._compile_loss, self._compile_metrics
        return {
            "optimizer": optimizers.serialize(self.optimizer),
            "loss": _serialized(self.loss, losses.serialize),
            "loss_weights": serialize_keras_object(
                compile_loss._loss_weights if compile_loss is not None else None),
            "metrics": _serialized(compile_metrics._metrics if compile_metrics else None,
                                   metrics.serialize),
            "weighted_metrics": _serialized(
                compile_metrics._weighted_metrics if compile_metrics else None,
                metrics.serialize),
            "run_eagerly": bool(self.run_eagerly),
            "steps_per_execution": 1,
            "jit_compile": self._jit_compile_setting(),
        }

    def _jit_compile_setting(self):
        """``jit_compile`` as a file should say: True when the steps are compiled, False when
        they cannot be (run_eagerly) or were refused on a backend that compiles them, and
        "auto" otherwise (a backend without a compiler, whose "auto" became False): so that
        Keras, loading the file on JAX, compiles the steps again."""
        if self.jit_compile:
            return True
        if self.run_eagerly or kbackend.get_backend().compiles_steps:
            return False
        return "auto"

    def compile_from_config(self, config):
        """Compiles the model as ``config`` (:meth:`get_compile_config`'s output, a file's
        ``compile_config``) says, then creates the optimizer's state when the model is built
        (so that saved state can be loaded). Objects are looked up as by
        :func:`~kerasette.saving.deserialize_keras_object` (registered ones and those of an
        active :func:`~kerasette.saving.custom_object_scope`).

        Raises:
            ValueError: ``config`` is not a dict, or names an unknown object.
        """
        from kerasette import losses, metrics, optimizers
        if not isinstance(config, dict):
            raise ValueError(f"compile_config must be a JSON object, got "
                             f"{type(config).__name__}.")
        optimizer = config.get("optimizer", "rmsprop")
        if isinstance(optimizer, dict):
            optimizer = optimizers.deserialize(optimizer)
        jit_compile = config.get("jit_compile", "auto")
        self.compile(
            optimizer=optimizer,
            loss=_deserialized(config.get("loss"), losses.deserialize),
            loss_weights=config.get("loss_weights"),
            metrics=_deserialized(config.get("metrics"), metrics.deserialize),
            weighted_metrics=_deserialized(config.get("weighted_metrics"), metrics.deserialize),
            run_eagerly=bool(config.get("run_eagerly", False)),
            # a file says True when it was compiled where jit exists (Keras on JAX); here that
            # means: compile where the active backend can
            jit_compile="auto" if jit_compile in (True, "auto") else False,
        )
        if self.built and self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _output_names_for_compile(self):
        names = getattr(self, "output_names", None)
        try:
            return list(names) if names else []
        except TypeError:
            return []

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f'Model "{self.name}" must be compiled before {method}(): call '
                f"model.compile(optimizer=..., loss=...) first."
            )

    # ------------------------------------------------------------------ losses and metrics
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The loss ``fit`` minimizes for one batch: the compiled loss plus every loss added
        by layers (``add_loss``, weight regularization).

        Override it to change the loss of the default steps (``fit`` and ``evaluate``
        report what it returns); call it from a ``train_step`` of your own.

        Args:
            x: the inputs.
            y: the targets.
            y_pred: the model's outputs for ``x``.
            sample_weight: the weight of each sample, or None.
            training: whether the step trains (``evaluate`` passes False). An override may
                leave it out of its signature (Keras 3 before 3.3).

        Example:
            >>> class Model(kerasette.Model):
            ...     def compute_loss(self, x, y, y_pred, sample_weight, training=True):
            ...         loss = super().compute_loss(x, y, y_pred, sample_weight, training)
            ...         return loss + 0.1 * ops.mean(ops.abs(y_pred))
        """
        total, per_output = self._compute_loss_parts(x, y, y_pred, sample_weight)
        seen = getattr(_step_losses, "per_output", None)
        if seen is not None:  # a default step whose compute_loss is overridden asks for them
            seen.append(per_output)
        return total

    def _compute_loss_parts(self, x, y, y_pred, sample_weight):
        total, per_output = None, []
        if self._compile_loss is not None:
            if y is None:
                raise ValueError(
                    f'Model "{self.name}" was compiled with a loss but received no targets y.'
                )
            total, per_output = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            total = extra if total is None else ops.add(total, extra)
        if total is None:
            raise ValueError(
                f'Model "{self.name}" has no loss to optimize: pass loss= to compile() or add '
                "losses in the model with add_loss()."
            )
        return total, per_output

    def _step_loss(self, x, y, y_pred, sample_weight, training):
        """``(total loss, each output's loss)`` for a default step: computed directly when
        :meth:`compute_loss` is the trainer's own; else the override's loss, with the
        per-output losses of the ``super().compute_loss`` it called (none if it did not)."""
        if not _overrides_trainer(self, "compute_loss"):
            return self._compute_loss_parts(x, y, y_pred, sample_weight)
        _step_losses.per_output = seen = []
        try:
            loss = self._call_compute_loss(x, y, y_pred, sample_weight, training)
        finally:
            _step_losses.per_output = None
        return loss, (seen[-1] if seen else [])

    def _call_compute_loss(self, x, y, y_pred, sample_weight, training):
        """:meth:`compute_loss`, without ``training`` for an override that takes none."""
        if "training" in _parameters(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables,
                               metrics_variables, x=None, y=None, y_pred=None,
                               sample_weight=None, training=True):
        """:meth:`compute_loss` as a pure function of the given variable values (Keras 3's, for
        a stateless ``train_step``): regularization losses read ``trainable_variables``.

        Returns:
            ``(loss, (trainable_variables, non_trainable_variables, metrics_variables))``,
            the last two as the loss computation left them. No variable changes.
        """
        groups = [("trainable_variables", self.trainable_variables, trainable_variables),
                  ("non_trainable_variables", self.non_trainable_variables,
                   non_trainable_variables),
                  ("metrics_variables", self.metrics_variables, metrics_variables)]
        mapping = []
        for argument, variables, values in groups:
            check_state_values(self, "stateless_compute_loss", argument, variables, values)
            mapping.extend(zip(variables, values))
        with StatelessScope(mapping) as scope:
            loss = self._call_compute_loss(x, y, y_pred, sample_weight, training)
        return loss, (trainable_variables,
                      _values_after(scope, groups[1][1], non_trainable_variables),
                      _values_after(scope, groups[2][1], metrics_variables))

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics with one batch and returns the logs of every metric
        (:meth:`get_metrics_result`); the default steps call it after the loss tracker's
        update. Override it to update metrics of your own (held as attributes, so they are
        in :attr:`metrics` and reset each epoch) and to choose what ``fit`` reports.

        Example:
            >>> class Model(kerasette.Model):
            ...     def compute_metrics(self, x, y, y_pred, sample_weight=None):
            ...         logs = super().compute_metrics(x, y, y_pred, sample_weight)
            ...         self.peak.update_state(ops.max(y_pred))
            ...         return {**logs, "peak": self.peak.result()}
        """
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """``{name: value}`` of every metric in :attr:`metrics` (the compiled metrics by their
        own names)."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    @property
    def metrics(self):
        """The metrics ``fit``/``evaluate`` reset and report, in Keras's order: the loss, the
        compiled metrics as one group named "compile_metrics" (its ``metrics`` lists them),
        the loss of each output when several outputs have one, then the metrics held in the
        model's attributes (``self.loss_tracker = keras.metrics.Mean(name="loss")``) and in
        those of its layers (not those of a model inside it: it has a trainer of its own).
        Override it to list the metrics a custom step updates."""
        result = [self._loss_tracker] if self._loss_tracker is not None else []
        if self._compile_metrics is not None:
            result.append(self._compile_metrics)
        result.extend(self._output_loss_trackers)
        result.extend(self._tracked_metrics)
        pending = list(self._layers)
        while pending:
            layer = pending.pop(0)
            if not isinstance(layer, Trainer):
                result.extend(layer._tracked_metrics)
                pending.extend(layer._layers)
        return unique(result)

    @property
    def metrics_names(self):
        """``[m.name for m in model.metrics]``, e.g. ``["loss", "compile_metrics"]`` as in Keras 3;
        ``evaluate(..., return_dict=True)`` names every value."""
        return [m.name for m in self.metrics]

    @property
    def metrics_variables(self):
        """The state variables of :attr:`metrics`, metric by metric: the last part of a
        stateless step's state."""
        return [v for m in self.metrics for v in m.variables]

    def reset_metrics(self):
        """Resets every metric of :attr:`metrics` (``fit`` calls it at each epoch's start,
        ``evaluate`` at its start)."""
        for metric in self.metrics:
            metric.reset_state()

    def _update_metrics(self, x, y, y_pred, sample_weight, loss, per_output):
        batch_size = _batch_size(x)
        self._loss_tracker.update_state(loss, sample_weight=batch_size)
        if per_output:  # none when an overridden compute_loss did not call super()'s
            for tracker, index in zip(self._output_loss_trackers, self._output_loss_positions):
                tracker.update_state(per_output[index], sample_weight=batch_size)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _flatten_metrics_in_order(self, logs):
        """The values of ``logs`` as ``evaluate`` returns them (Keras's order): those named by
        the metrics in :attr:`metrics` (the compiled group by its members' own names), then
        the rest by name; a single value alone."""
        names = []
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics):
                names.extend(m.name for m in metric.metrics)
            else:
                names.append(metric.name)
        values = [logs[name] for name in names if name in logs]
        values += [logs[key] for key in sorted(logs) if key not in names]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ building for a step
    def _build_for_data(self, x, y):
        """Builds the model, the compiled losses and metrics and the optimizer from one batch."""
        if self._compile_metrics is not None and self._compile_metrics.built and (
                self._compile_loss is None or self._compile_loss.built) and (
                self.optimizer is None or self.optimizer.built):
            return
        y_pred = self._output_placeholder(x)
        if y_pred is None and _overrides(self, "call"):  # subclassed: known by running it
            with StatelessScope([(v, v.value) for v in self.variables]):
                y_pred = self(x, training=False)
        # without a call (a GAN trained by its own train_step) there are no outputs to
        # build the compiled losses and metrics for; a call of it would say so
        if y is not None and y_pred is not None:
            if self._compile_loss is not None and not self._compile_loss.built:
                self._compile_loss.build(y, y_pred)
                self._make_output_loss_trackers()
            if self._compile_metrics is not None and not self._compile_metrics.built:
                self._compile_metrics.build(y, y_pred)
                # one throw-away update creates the state some metrics make lazily (F1Score,
                # multi-label AUC), so no variable is born inside a compiled step
                with StatelessScope([(v, v.value) for v in self.metrics_variables]):
                    self._compile_metrics.update_state(y, y_pred, None)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _output_placeholder(self, x):
        """Zeros shaped as the model's outputs for the batch ``x``, read from a functional
        model's symbolic outputs without running it (Keras 3 builds the losses and metrics
        symbolically too; on JAX, running the model eagerly compiles each op on its own,
        some 0.3 s for an MLP). None when they are not known that way: a subclassed model,
        a Sequential model not built yet, or an output of unknown size."""
        from kerasette.models.functional import Functional
        functional = self if isinstance(self, Functional) else getattr(self, "_functional", None)
        if not isinstance(functional, Functional):
            return None
        from kerasette.layers.layer import _shapes_of
        # the checks a call makes first: a wrong input shape is refused here, in the words
        # it would get from model(x), before any step is compiled
        inputs = self._flatten_inputs(x) if isinstance(x, dict) and self is functional else x
        self._assert_input_compatibility(_shapes_of(inputs))
        specs, treedef = tree.flatten(functional._outputs_struct)
        batch = _batch_size(x)
        shapes = [(batch,) + tuple(spec.shape[1:]) for spec in specs]
        if any(d is None for shape in shapes for d in shape):
            return None
        return tree.unflatten(treedef, [ops.zeros(shape, dtype=spec.dtype)
                                        for shape, spec in zip(shapes, specs)])

    @no_tracking
    def _make_output_loss_trackers(self):
        """One "{output}_loss" Mean per output that has a loss, when at least two have one (as
        Keras); in the order of the ``loss`` dict when one was given, else the outputs'."""
        from kerasette import metrics as metrics_module
        names = self._compile_loss.output_names
        with_loss = [n for n, loss in zip(names, self._compile_loss.losses) if loss is not None]
        if len(with_loss) < 2:
            with_loss = []
        if isinstance(self.loss, dict):
            with_loss = [n for n in self.loss if n in with_loss]
        self._output_loss_trackers = [metrics_module.Mean(name=f"{n}_loss") for n in with_loss]
        self._output_loss_positions = [names.index(n) for n in with_loss]

    def _step_variables(self, kind):
        """The variables a step of ``kind`` reads and updates, grouped as its state is (Keras
        3's order): trainable, non-trainable, the optimizer's (train only), the metrics'
        (train and test)."""
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        if kind == "predict":
            return (trainable, non_trainable)
        if kind == "test":
            return (trainable, non_trainable, self.metrics_variables)
        return (trainable, non_trainable, list(self.optimizer.variables), self.metrics_variables)

    def _state(self, kind):
        entry = self._steps[kind]
        values = _values_of(entry["variables"])
        if entry["distributed"] is None:
            return values
        # under a distribution each value is laid out as its variable's layout says, and
        # kept so: the next step finds it laid out (a value loaded or assigned since is not)
        values = entry["distributed"].state(values)
        _write_values(entry["variables"], values)
        return values

    def _set_state(self, kind, values):
        _write_values(self._steps[kind]["variables"], values)

    def _get_step(self, kind, x, y):
        """The function that runs a step of ``kind``, ``(state, data) -> (outputs, new
        state)`` (None for a stateful override, which runs as it is), made when first
        needed: the model, its losses, metrics and optimizer are built from the batch
        ``(x, y)`` first."""
        entry = self._steps.get(kind)
        if entry is not None and not self._recheck_variables.get(kind, True):
            return entry["function"]
        # once per fit/evaluate/predict call: a layer frozen or unfrozen since the step was made
        # changes which variables the step updates, so the step is made again
        self._recheck_variables[kind] = False
        trainable = self.trainable_variables
        form = self._step_form(kind)
        current = distribution_lib.distribution()
        if entry is not None and entry["trainable_ids"] == [id(v) for v in trainable] and (
                entry["form"] == form) and entry["distribution"] is current:
            return entry["function"]
        self._build_for_data(x, y)
        variables = self._step_variables(kind)
        distributed = distribution_lib.for_step(variables)
        if form is None:
            function = self._default_step_function(kind, variables)
        elif form == "stateless":
            function = getattr(self, f"{kind}_step")
        else:  # stateful: it reads and assigns the variables themselves, eagerly
            function = None
        if self.jit_compile and function is not None and (
                distributed is None or distributed.compiles):
            # the training step's state goes in and comes out updated: letting XLA reuse the
            # old buffers for the new values saves a copy of every weight and slot per step
            # (the old values are replaced by _set_state right after the call). A step of the
            # user's keeps its buffers: a state it returns wrongly is refused after the call,
            # and the model must still hold its weights then.
            donate = kind == "train" and form is None
            function = ops.jit(function, donate_argnums=0 if donate else None)
        self._steps[kind] = {"function": function, "variables": variables, "form": form,
                             "trainable_ids": [id(v) for v in variables[0]],
                             "distribution": current, "distributed": distributed}
        return function

    def _default_step_function(self, kind, variables):
        """The trainer's own step of ``kind`` for ``variables`` (:meth:`_step_variables`)."""
        if kind == "train":
            trainable, non_trainable, _, metric_vars = variables
            return self._make_train_step(trainable, non_trainable, metric_vars)
        if kind == "test":
            return self._make_test_step(*variables)
        return self._make_predict_step(*variables)

    def _step_form(self, kind):
        """How ``{kind}_step`` runs: None for the trainer's own, "stateful" for an override
        taking ``(data)``, "stateless" for one taking ``(state, data)`` (read from its
        signature; ``*args`` counts as stateless, the form ``super()`` passes on)."""
        step = getattr(self, f"{kind}_step")
        if getattr(step, "__func__", None) is getattr(Trainer, f"{kind}_step"):
            return None
        form = _form_of(step)
        if form is None:
            raise TypeError(
                f'Model "{self.name}": {kind}_step must take one batch, {kind}_step(self, data) '
                f"(stateful), or a state and a batch, {kind}_step(self, state, data) "
                f"(stateless); got {kind}_step{inspect.signature(step)}."
            )
        return form

    # ------------------------------------------------------------------ the stateless steps
    def _make_train_step(self, trainable, non_trainable, metric_vars):
        def train_step(state, data):
            trainable_values, non_trainable_values, optimizer_values, metric_values = state
            x, y, sample_weight = data

            def loss_fn(trainable_values):
                mapping = list(zip(trainable, trainable_values))
                mapping += list(zip(non_trainable, non_trainable_values))
                with StatelessScope(mapping) as scope:
                    y_pred = self(x, training=True)
                    loss, per_output = self._step_loss(x, y, y_pred, sample_weight, True)
                new_non_trainable = _values_after(scope, non_trainable, non_trainable_values)
                # the gradient of the scaled loss (a LossScaleOptimizer's scale is state)
                with StatelessScope(list(zip(self.optimizer.variables, optimizer_values))):
                    scaled_loss = self.optimizer.scale_loss(loss)
                return scaled_loss, (loss, y_pred, per_output, new_non_trainable)

            (_, (loss, y_pred, per_output, new_non_trainable)), grads = ops.value_and_grad(
                loss_fn, has_aux=True)(trainable_values)
            grads = distribution_lib.reduce_gradients(grads)  # the global batch's, if split
            new_trainable, new_optimizer = self.optimizer.stateless_apply(
                optimizer_values, grads, trainable_values)
            with StatelessScope(list(zip(metric_vars, metric_values))) as scope:
                logs = self._update_metrics(x, y, y_pred, sample_weight, loss, per_output)
            new_metrics = _values_after(scope, metric_vars, metric_values)
            return logs, (new_trainable, new_non_trainable, new_optimizer, new_metrics)
        return train_step

    def _make_test_step(self, trainable, non_trainable, metric_vars):
        def test_step(state, data):
            trainable_values, non_trainable_values, metric_values = state
            x, y, sample_weight = data
            mapping = list(zip(trainable, trainable_values)) + list(zip(non_trainable, non_trainable_values))
            with StatelessScope(mapping):
                y_pred = self(x, training=False)
                loss, per_output = self._step_loss(x, y, y_pred, sample_weight, False)
            with StatelessScope(list(zip(metric_vars, metric_values))) as scope:
                logs = self._update_metrics(x, y, y_pred, sample_weight, loss, per_output)
            return logs, (trainable_values, non_trainable_values,
                          _values_after(scope, metric_vars, metric_values))
        return test_step

    def _make_predict_step(self, trainable, non_trainable):
        def predict_step(state, x):
            trainable_values, non_trainable_values = state
            mapping = list(zip(trainable, trainable_values)) + list(zip(non_trainable, non_trainable_values))
            with StatelessScope(mapping):
                return self(x, training=False)
        return predict_step

    @no_tracking
    def _recheck(self):
        """Called when fit, evaluate or predict starts: see :meth:`_get_step`."""
        self._recheck_variables = {}

    def _run_step(self, kind, batch):
        x, y, sample_weight = batch
        function = self._get_step(kind, x, y)
        entry = self._steps[kind]
        if entry["distributed"] is not None:  # each process feeds its rows to its devices
            x, y, sample_weight = entry["distributed"].batch((x, y, sample_weight))
        if entry["form"] is not None:
            return self._run_custom_step(kind, entry, x, y, sample_weight)
        if kind == "predict":
            return function(self._state(kind), x)
        # labels and weights enter the step as tensors: they were checked on the host
        # before it (_check_class_labels), so the losses need not check them again each step
        y, sample_weight = _host_to_tensors(y), _host_to_tensors(sample_weight)
        logs, new_state = function(self._state(kind), (x, y, sample_weight))
        self._set_state(kind, new_state)
        return logs

    def _run_custom_step(self, kind, entry, x, y, sample_weight):
        """Runs the user's ``{kind}_step`` on one batch, given as Keras gives it (``x``,
        ``(x, y)`` or ``(x, y, sample_weight)``, as tensors); returns its logs (outputs for
        predict), a stateless step's new state written into the variables."""
        data = pack_x_y_sample_weight(_host_to_tensors(x), _host_to_tensors(y),
                                      _host_to_tensors(sample_weight))
        stateful = entry["form"] == "stateful"
        if stateful:
            outputs = getattr(self, f"{kind}_step")(data)
        else:
            state = self._state(kind)
            result = entry["function"](state, data)
            outputs, new_state = self._check_stateless_result(kind, entry, result)
            self._set_state(kind, (state[0], new_state) if kind == "predict" else new_state)
        if kind == "predict":
            return outputs
        if not isinstance(outputs, dict):
            signature = f"{kind}_step(data)" if stateful else f"{kind}_step(state, data)"
            where = "" if stateful else " as the first item of (logs, state)"
            raise TypeError(
                f'Model "{self.name}": {signature} returned a {type(outputs).__name__}; it must '
                f'return a dict of logs{where}, {{"loss": value, "metric name": value, ...}} '
                "(e.g. {m.name: m.result() for m in self.metrics})."
            )
        return _flat_logs(outputs)

    def _check_stateless_result(self, kind, entry, result):
        """``(outputs, new state)`` from what a stateless ``{kind}_step`` returned, after
        checking that the state has the groups and sizes of the state it was given."""
        signature = f"{kind}_step(state, data)"
        groups = _STATE_GROUPS[kind]
        expected = entry["variables"]
        if kind == "predict":  # it returns the non-trainable values alone
            groups, expected = groups[1:], expected[1:]
        what = "(logs, state)" if kind != "predict" else "(outputs, non_trainable_variables)"
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise ValueError(
                f'Model "{self.name}": {signature} must return {what}; got '
                f"{_describe(result)}."
            )
        outputs, state = result
        if kind == "predict":
            state = (state,)
        elif not isinstance(state, (tuple, list)) or len(state) != len(groups):
            raise ValueError(
                f'Model "{self.name}": {signature} must return the new state as '
                f"{len(groups)} groups ({', '.join(groups)}), the structure of the state it "
                f"was given; got {_describe(state)}."
            )
        for name, values, variables in zip(groups, state, expected):
            if not isinstance(values, (tuple, list)) or len(values) != len(variables):
                raise ValueError(
                    f'Model "{self.name}": {signature} must return {name} as a list of '
                    f"{len(variables)} values (one per variable of model.{name}, in order); "
                    f"got {_describe(values)}."
                )
        return outputs, state[0] if kind == "predict" else state

    # ------------------------------------------------------------------ the steps users override
    def train_step(self, *args):
        """One training step on one batch: what ``fit`` and ``train_on_batch`` run.

        Override it to change what ``fit`` does, in either of Keras 3's two forms (told apart
        by the override's signature):

        - ``train_step(self, data)``, stateful (Keras's TensorFlow and torch form): ``data``
          is the batch as ``fit`` got it, ``x``, ``(x, y)`` or ``(x, y, sample_weight)``
          (:func:`kerasette.utils.unpack_x_y_sample_weight` takes it apart). Compute the
          gradients with :class:`kerasette.GradientTape` (or ``ops.value_and_grad``), apply
          them with ``self.optimizer.apply(grads, self.trainable_variables)``, update the
          metrics and return a dict of logs (``{m.name: m.result() for m in self.metrics}``).
          It runs eagerly, on every backend.
        - ``train_step(self, state, data)``, stateless (Keras's JAX form): ``state`` is
          ``(trainable_variables, non_trainable_variables, optimizer_variables,
          metrics_variables)``, lists of values in the order of ``self.trainable_variables``,
          ``self.non_trainable_variables``, ``self.optimizer.variables`` and
          :attr:`metrics_variables`. Use :meth:`stateless_call`,
          :meth:`stateless_compute_loss`, ``self.optimizer.stateless_apply`` and
          ``metric.stateless_update_state``; return ``(logs, new_state)``, the state in the
          same structure. It is compiled as the default step is (``jit_compile``).

        The default (the trainer's own compiled step: :meth:`compute_loss`, the gradient,
        the optimizer, :meth:`compute_metrics`) can be called from an override as
        ``super().train_step(data)`` or ``super().train_step(state, data)``.
        """
        return self._default_step("train", args)

    def test_step(self, *args):
        """One evaluation step on one batch: what ``evaluate`` and ``test_on_batch`` run.

        Override it as :meth:`train_step`: ``test_step(self, data)`` returns a dict of logs;
        ``test_step(self, state, data)``, with ``state`` ``(trainable_variables,
        non_trainable_variables, metrics_variables)``, returns ``(logs, new_state)``.
        """
        return self._default_step("test", args)

    def predict_step(self, *args):
        """The model's outputs for one batch: what ``predict`` and ``predict_on_batch`` run
        (``predict`` concatenates them along the first axis).

        Override it as :meth:`train_step`: ``predict_step(self, data)`` returns the outputs;
        ``predict_step(self, state, data)``, with ``state`` ``(trainable_variables,
        non_trainable_variables)``, returns ``(outputs, non_trainable_variables)``.
        """
        return self._default_step("predict", args)

    def _default_step(self, kind, args):
        """The trainer's own step of ``kind``, stateless given ``(state, data)``, or on the
        model's variables given ``(data)`` (``super().train_step(data)`` from a stateful
        override)."""
        if len(args) not in (1, 2):
            raise TypeError(f'Model "{self.name}": {kind}_step takes (data) or (state, data); '
                            f"got {len(args)} arguments.")
        x, y, sample_weight = unpack_x_y_sample_weight(args[-1])
        variables = self._step_variables(kind)
        function = self._default_step_function(kind, variables)
        stateless = len(args) == 2
        state = args[0] if stateless else _values_of(variables)
        if kind == "predict":
            outputs = function(state, x)
            return (outputs, state[1]) if stateless else outputs
        logs, new_state = function(state, (x, y, sample_weight))
        if stateless:
            return logs, new_state
        _write_values(variables, new_state)
        return logs

    @no_tracking
    def make_train_function(self, force=False):
        """Makes ``self.train_function`` (once, or again with ``force``), the training step
        in the form of Keras 3's JAX trainer: ``train_function(state, iterator)`` runs
        :meth:`train_step` on ``next(iterator)`` (a batch ``x``, ``(x, y)`` or ``(x, y,
        sample_weight)``) from ``state`` = the values of (``trainable_variables``,
        ``non_trainable_variables``, ``optimizer.variables``, :attr:`metrics_variables`) and
        returns ``(logs, new_state)``; the model's variables are left holding the new state.
        The state's arrays may be reused for the new one (JAX donates them, as Keras does).
        ``fit`` makes it; the model is built by its first call. Returns the function."""
        if self.train_function is None or force:
            self.train_function = self._make_function("train")
        return self.train_function

    @no_tracking
    def make_test_function(self, force=False):
        """Makes ``self.test_function(state, iterator)``, as :meth:`make_train_function`;
        the state is (``trainable_variables``, ``non_trainable_variables``,
        :attr:`metrics_variables`)."""
        if self.test_function is None or force:
            self.test_function = self._make_function("test")
        return self.test_function

    @no_tracking
    def make_predict_function(self, force=False):
        """Makes ``self.predict_function(state, iterator)``, as :meth:`make_train_function`;
        the state is (``trainable_variables``, ``non_trainable_variables``) and it returns
        ``(outputs, new_state)``."""
        if self.predict_function is None or force:
            self.predict_function = self._make_function("predict")
        return self.predict_function

    def _make_function(self, kind):
        def function(state, iterator):
            x, y, sample_weight = unpack_x_y_sample_weight(next(iterator))
            self._get_step(kind, x, y)  # builds the model and the step on first use
            variables = self._steps[kind]["variables"]
            _write_values(variables, state)
            outputs = self._run_step(kind, (x, y, sample_weight))
            return outputs, _values_of(variables)
        function.__name__ = f"{kind}_function"
        return function

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains the model for ``epochs`` epochs; returns a :class:`~kerasette.callbacks.History`.

        ``x``, ``y``: numpy arrays (lists or dicts of them for several inputs or outputs), or
        ``x`` a generator / PyDataset yielding ``(x, y[, sample_weight])`` batches.
        ``validation_split`` holds out the last fraction of the arrays (before shuffling);
        ``validation_data`` is ``(x_val, y_val[, sample_weight])`` or a generator.

        Bad arguments are refused before any step, never replaced: ``batch_size``,
        ``steps_per_epoch``, ``validation_steps``, ``validation_batch_size`` and
        ``validation_freq`` must be positive integers, ``epochs`` and ``initial_epoch``
        non-negative ones (numpy integers count, bools do not); integer class labels of a
        sparse categorical loss must be classes of the model's output.

        Shuffling is reproducible and resumable: one seed is drawn from numpy's global
        generator when ``fit`` starts (so ``kerasette.utils.set_random_seed`` fixes it) and
        epoch ``k``'s order is a function of (that seed, ``k``) alone. A callback may move the
        start in ``on_train_begin`` (``BackupAndRestore`` does, to resume an interrupted run
        at the epoch and batch it had reached).
        """
        self._recheck()
        from kerasette.callbacks import CallbackList
        self._assert_compiled("fit")
        self.make_train_function()
        check_count = data_adapters.check_count
        batch_size = check_count(batch_size, "batch_size", "fit")
        epochs = check_count(epochs, "epochs", "fit", minimum=0, allow_none=False)
        initial_epoch = check_count(initial_epoch, "initial_epoch", "fit", minimum=0,
                                    allow_none=False)
        steps_per_epoch = check_count(steps_per_epoch, "steps_per_epoch", "fit")
        validation_steps = check_count(validation_steps, "validation_steps", "fit")
        validation_batch_size = check_count(validation_batch_size, "validation_batch_size", "fit")
        validation_freq = check_count(validation_freq, "validation_freq", "fit", allow_none=False)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapters.split_validation(
                x, y, sample_weight, validation_split)
        # under a distribution every process shuffles alike (process 0's seed)
        self._shuffle_seed = distribution_lib.shared_seed(
            int(np.random.randint(0, 2**31 - 1)))
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
            steps_per_epoch=steps_per_epoch, class_weight=class_weight, seed=self._shuffle_seed)
        steps = getattr(adapter, "steps_per_epoch", None)
        callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=epochs, steps=steps)
        validation = None
        if validation_data is not None:
            validation = self._validation_adapter(validation_data, validation_batch_size or batch_size,
                                                  validation_steps)
        seekable = hasattr(adapter, "seek")
        if seekable:
            # build the model, its metrics and the optimizer before the callbacks start, so a
            # callback can read or restore every variable (Keras 3 builds symbolically here)
            first = next(iter(adapter.epoch()), None)
            if first is not None:
                self._get_step("train", first[0], first[1])
        self._check_class_labels(adapter)
        if validation is not None:
            self._check_class_labels(validation, "validation ")
        self.stop_training = False
        self._initial_epoch, self._initial_step = None, 0
        self._in_fit = True
        epoch_logs = {}
        finished = False
        try:
            callback_list.on_train_begin()
            if self._initial_epoch is not None:
                initial_epoch = self._initial_epoch
            first_step = self._initial_step
            if seekable:
                adapter.seed = self._shuffle_seed
                adapter.seek(initial_epoch, first_step)
            for epoch in range(initial_epoch, epochs):
                if first_step == 0:
                    self.reset_metrics()  # a resumed epoch keeps the metric state it restored
                callback_list.on_epoch_begin(epoch)
                logs = None
                ran = first_step
                for step, batch in enumerate(self._batches(adapter), start=first_step):
                    callback_list.on_train_batch_begin(step)
                    logs = self._run_step("train", batch)
                    ran += 1
                    callback_list.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                first_step = 0
                if ran == 0:
                    warnings.warn("The training data ran out: no batch in this epoch; training "
                                  "stops.", stacklevel=2)
                    break
                epoch_logs = _pythonify(logs if logs is not None else self.get_metrics_result())
                if validation is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_adapter(validation, callback_list)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
            finished = True
        finally:
            self._in_fit = False
            self._initial_epoch, self._initial_step = None, 0
            if not finished:
                callback_list._on_train_failed()  # e.g. BackupAndRestore unlocks its folder
            if epochs > 0 and self.optimizer is not None and self.optimizer.built:
                # with use_ema, the weights become their moving averages (as Keras 3)
                self.optimizer.finalize_variable_values(self.trainable_weights)
        if finished:
            callback_list.on_train_end(logs=epoch_logs)
        return callback_list.history

    def _check_class_labels(self, adapter, role=""):
        """Refuses integer class labels outside ``[0, classes)`` of a sparse categorical loss,
        checked once per call on the host arrays before any step: inside a step they would
        give a finite, wrong loss (0.0 for -1), and checking them there would cost a
        device-to-host read per step on a GPU. A generator's or PyDataset's labels are
        checked batch by batch as they arrive, still on the host (:meth:`_batches`)."""
        if isinstance(adapter, data_adapters.ArrayDataAdapter) and adapter.y is not None:
            self._check_labels_of(adapter.y, f"{role}y", adapter.first_batch())

    def _check_labels_of(self, labels, what, batch):
        """The check of :meth:`_check_class_labels` on ``labels``. The number of classes is the
        size of the model's output on the loss's class axis (the model and its losses are
        built from ``batch``, an ``(x, y, ...)`` batch of the data, if they are not yet)."""
        if self._compile_loss is None or labels is None:
            return
        if not self._compile_loss.built:
            self._build_for_data(batch[0], batch[1])
        self._compile_loss.check_class_labels(labels, what)

    def _batches(self, adapter):
        """The batches of one epoch of ``adapter``, a generator's or PyDataset's with their
        labels checked (arrays were checked once, before the first step)."""
        per_batch = not isinstance(adapter, data_adapters.ArrayDataAdapter)
        for index, batch in enumerate(adapter.epoch()):
            if per_batch:
                self._check_labels_of(batch[1], f"y (batch {index})", batch)
            yield batch

    def _validation_adapter(self, validation_data, batch_size, steps):
        if data_adapters.is_sequence(validation_data) or data_adapters.is_generator(validation_data):
            return data_adapters.get_data_adapter(validation_data, steps_per_epoch=steps,
                                                  role="validation ")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "validation_data must be (x_val, y_val), (x_val, y_val, sample_weight) or a "
                f"generator; got {type(validation_data).__name__} of length "
                f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}."
            )
        x_val, y_val, sw_val = data_adapters.unpack(tuple(validation_data))
        return data_adapters.get_data_adapter(x_val, y_val, sw_val, batch_size=batch_size,
                                              steps_per_epoch=steps, role="validation ")

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics on the given data. Returns a float when the loss is the only
        value, else a list in the order of ``metrics_names`` (a dict with ``return_dict``).

        ``batch_size`` and ``steps`` must be positive integers (or None); ``steps`` beyond
        the end of arrays stops there (with a warning): every sample counts once."""
        kwargs.pop("_use_cached_eval_dataset", None)  # Keras 3's internal flag
        if kwargs:  # (a ValueError in Keras 3, e.g. for Keras 2's workers=)
            raise ValueError(f"evaluate(): argument(s) not recognized: {kwargs}")
        self._recheck()
        from kerasette.callbacks import CallbackList
        self._assert_compiled("evaluate")
        self.make_test_function()
        batch_size = data_adapters.check_count(batch_size, "batch_size", "evaluate")
        steps = data_adapters.check_count(steps, "steps", "evaluate")
        adapter = data_adapters.get_data_adapter(x, y, sample_weight, batch_size=batch_size,
                                                 steps_per_epoch=steps, method="evaluate")
        self._check_class_labels(adapter)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1,
                                     steps=getattr(adapter, "steps_per_epoch", None))
        logs = self._evaluate_adapter(adapter, callback_list)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def _evaluate_adapter(self, adapter, callback_list):
        if hasattr(adapter, "seek"):
            adapter.seek(0)  # each evaluation starts at the first batch (Keras 3 resets too)
        self.reset_metrics()
        callback_list.on_test_begin()
        logs = None
        for step, batch in enumerate(self._batches(adapter)):
            callback_list.on_test_batch_begin(step)
            logs = self._run_step("test", batch)
            callback_list.on_test_batch_end(step, logs)
        logs = _pythonify(logs)
        callback_list.on_test_end(logs)
        return logs

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on ``x`` as numpy arrays (every sample, the last partial batch
        included), in the structure of the model's outputs. ``batch_size`` and ``steps`` must
        be positive integers (or None); ``steps`` beyond the end of arrays stops there (with a
        warning), so no sample is predicted twice. No samples at all is a ``ValueError``."""
        self._recheck()
        self.make_predict_function()
        from kerasette.callbacks import CallbackList
        batch_size = data_adapters.check_count(batch_size, "batch_size", "predict")
        steps = data_adapters.check_count(steps, "steps", "predict")
        adapter = data_adapters.get_data_adapter(x, None, None, batch_size=batch_size,
                                                 steps_per_epoch=steps, check_values=False,
                                                 method="predict")
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1,
                                     steps=getattr(adapter, "steps_per_epoch", None))
        callback_list.on_predict_begin()
        outputs = []
        for step, batch in enumerate(adapter.epoch()):
            callback_list.on_predict_batch_begin(step)
            output = self._run_step("predict", batch)
            output = tree.map_structure(distribution_lib.to_numpy, output)
            outputs.append(output)
            callback_list.on_predict_batch_end(step, {"outputs": output})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict() received no data.")
        leaves = [tree.flatten(o)[0] for o in outputs]
        treedef = tree.flatten(outputs[0])[1]
        return tree.unflatten(treedef, [np.concatenate(parts, axis=0) for parts in zip(*leaves)])

    # ------------------------------------------------------------------ single batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss and metrics of that batch (metrics
        reset first, as in Keras 3)."""
        self._recheck()
        self._assert_compiled("train_on_batch")
        adapter = data_adapters.get_data_adapter(x, y, sample_weight, batch_size=_num(x),
                                                 class_weight=class_weight, method="train_on_batch")
        self._check_class_labels(adapter)
        self.reset_metrics()
        logs = _pythonify(self._run_step("train", next(adapter.epoch())))
        return self._format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of one batch (metrics reset first)."""
        self._recheck()
        self._assert_compiled("test_on_batch")
        adapter = data_adapters.get_data_adapter(x, y, sample_weight, batch_size=_num(x),
                                                 method="test_on_batch")
        self._check_class_labels(adapter)
        self.reset_metrics()
        logs = _pythonify(self._run_step("test", next(adapter.epoch())))
        return self._format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as numpy arrays."""
        self._recheck()
        x = data_adapters.standardize(x)
        output = self._run_step("predict", (x, None, None))
        return tree.map_structure(ops.convert_to_numpy, output)

    def _format_logs(self, logs, return_dict):
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)


def _values_of(groups):
    """The current values of groups of variables, as a tuple of lists (a step's state)."""
    return tuple([v.value for v in group] for group in groups)


def _write_values(groups, values):
    """Makes groups of variables hold ``values`` (a step's new state; None leaves one as it
    is). The values were made by a step from the variables' own, so they are set directly,
    without ``assign``'s checks."""
    for group, new_values in zip(groups, values):
        for variable, value in zip(group, new_values):
            if value is not None:
                variable._value = value


def _overrides_trainer(model, method):
    return getattr(type(model), method) is not getattr(Trainer, method)


_PARAMETERS = weakref.WeakKeyDictionary()


def _parameters(function):
    """The parameter names of ``function`` (remembered: asked once per step)."""
    names = _PARAMETERS.get(function)
    if names is None:
        names = _PARAMETERS[function] = tuple(inspect.signature(function).parameters)
    return names


_FORMS = weakref.WeakKeyDictionary()


def _form_of(step):
    """"stateful" for a step taking ``(data)``, "stateless" for ``(state, data)`` or
    ``*args``, None for neither (``step`` bound: ``self`` is not counted)."""
    function = getattr(step, "__func__", step)
    form = _FORMS.get(function, False)
    if form is not False:
        return form
    parameters = list(inspect.signature(step).parameters.values())
    positional = [p for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    if len(required) == 1:
        form = "stateful"
    elif len(required) == 2 or (not required and variadic):
        form = "stateless"
    else:
        form = None
    _FORMS[function] = form
    return form


def _flat_logs(logs):
    """``logs`` with every nested dict (the "compile_metrics" group's result) merged into
    the top level, as Keras flattens them."""
    if not any(isinstance(value, dict) for value in logs.values()):
        return logs
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(_flat_logs(value))
        else:
            flat[key] = value
    return flat


def _describe(value):
    """A short description of a step's return value for an error message."""
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _values_after(scope, variables, old_values):
    """The values ``variables`` hold at the end of ``scope`` (the old ones if not assigned)."""
    result = []
    for variable, old in zip(variables, old_values):
        value = scope.get_current_value(variable)
        result.append(old if value is None else value)
    return result


def _batch_size(x):
    first = tree.flatten(x)[0][0]
    return ops.shape(first)[0]


def _num(x):
    return data_adapters.num_samples(data_adapters.standardize(x), "x")


def _pythonify(logs):
    if logs is None:
        return {}
    return {key: float(ops.convert_to_numpy(logs[key])) for key in sorted(logs)}


def _serialized(value, serialize_one):
    """``value`` (a compile argument) with every object serialized; names, numbers, and the
    lists and per-output dicts holding them are kept as they are."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {key: _serialized(item, serialize_one) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialized(item, serialize_one) for item in value]
    return serialize_one(value)


def _deserialized(value, deserialize_one):
    """``value`` with every serialized object (a dict with "class_name") created; lists and
    per-output dicts are walked, names are left to ``compile`` to resolve."""
    if isinstance(value, dict) and "class_name" in value:
        return deserialize_one(value)
    if isinstance(value, dict):
        return {key: _deserialized(item, deserialize_one) for key, item in value.items()}
    if isinstance(value, list):
        return [_deserialized(item, deserialize_one) for item in value]
    return value


def _host_to_tensors(value):
    """The numpy arrays in ``value`` (an array, None, or a list or dict of them) as the
    backend's tensors; anything else as it is."""
    if isinstance(value, np.ndarray):
        return ops.convert_to_tensor(value)
    if value is None:
        return None
    return tree.map_structure(
        lambda v: ops.convert_to_tensor(v) if isinstance(v, np.ndarray) else v, value)
