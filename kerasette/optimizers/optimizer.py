"""``Optimizer``: the base class of every optimizer (Keras 3 ``keras.optimizers.Optimizer``).

An optimizer is ``build(variables)`` (its slots, made with
:meth:`Optimizer.add_variable_from_reference`) plus one ``update_step`` written
with :mod:`kerasette.ops`; everything else lives here, once: skipping missing
gradients, loss-scale undoing, clipping, decoupled weight decay, gradient
accumulation, the moving average of the weights (EMA), constraints, the step
counter and the pure :meth:`Optimizer.stateless_apply` the trainer compiles.

Nothing on the update path looks at a tensor's value from Python (no ``if`` on
a tensor, no ``convert_to_numpy``): the same code runs eagerly on numpy and
inside ``jax.jit``. Choices that Keras makes with ``ops.cond`` are made with
``ops.where`` here, which computes both sides and keeps one; that is what
Keras's own JAX optimizer does.

Optimizer state never decays into denormal floats: every value written to a
slot through :meth:`Optimizer.assign` (and ``assign_add``/``assign_sub``) goes
through :func:`flush_denormals`.
"""

import copy
import functools
import re
import warnings

import numpy as np

from kerasette import ops
from kerasette.backends.config import floatx
from kerasette.backends.variable import StatelessScope, Variable
from kerasette.optimizers.schedules import learning_rate_schedule
from kerasette.serialization import deserialize_keras_object, serialize_keras_object
from kerasette.utils.naming import auto_name, to_snake_case

#: smallest normal number of each dtype whose denormals are flushed. Only float32 and
#: float64: numpy computes both on the CPU's vector units, where many CPUs (Intel's in
#: particular) take a slow microcode path for every denormal operand or result.
#: float16/bfloat16 arithmetic is emulated through float32 there, and float16's smallest
#: normal (6.1e-5) is large enough that flushing would change an optimizer's results.
_SMALLEST_NORMAL = {"float32": float(np.finfo(np.float32).tiny),
                    "float64": float(np.finfo(np.float64).tiny)}


def flush_denormals(x):
    """``x`` with every value smaller in magnitude than its dtype's smallest normal set to 0.

    Denormal (subnormal) floats appear when optimizer state decays geometrically, as
    Adam's first moment does for a weight whose gradient is always zero (a blank
    border pixel): ``m <- 0.9 m`` falls below 1.2e-38 some 800 steps after the last
    non-zero gradient and stays denormal for ~150 more (the second moment, at 0.999 a
    step, for far longer). Arithmetic on denormals is many times slower on many CPUs
    (measured: a numpy Adam step 2.3x slower by epoch 4 of Fashion-MNIST), so every
    optimizer flushes its state through this one function. Normal values are returned
    unchanged; dtypes other than float32 and float64 are returned as they are.

    Cost: four elementwise passes, about 0.16 ms on a 784x512 float32 slot in numpy
    (``benchmarks/bench_optimizers.py``); under ``jax.jit`` XLA fuses it into the update.

    Args:
        x: a tensor.

    Example:
        >>> flush_denormals(ops.convert_to_tensor([1e-39, 1e-30], dtype="float32"))
        # [0., 1e-30]
    """
    dtype = ops.dtype(x)
    tiny = _SMALLEST_NORMAL.get(dtype)
    if tiny is None:
        return x
    # times a 0/1 mask rather than `where`: exact (x * 1 == x, NaN stays NaN) and about
    # twice as fast in numpy, whose `where` is slow
    return ops.multiply(x, ops.cast(ops.greater_equal(ops.abs(x), tiny), dtype))


class Optimizer:
    """Base class of the optimizers (Keras 3 ``keras.optimizers.Optimizer``).

    A new optimizer overrides ``__init__`` (its hyperparameters), ``build`` (its
    slots), ``update_step`` (its update rule, with ops and :meth:`assign`,
    :meth:`assign_add`, :meth:`assign_sub`) and ``get_config``::

        class SignSGD(Optimizer):
            def update_step(self, gradient, variable, learning_rate):
                learning_rate = ops.cast(learning_rate, variable.dtype)
                self.assign_sub(variable, learning_rate * ops.sign(gradient))

    Args:
        learning_rate: a float, a :class:`~kerasette.optimizers.schedules.LearningRateSchedule`
            (evaluated at :attr:`iterations`), or a callable of no arguments.
        weight_decay: if set, every variable ``w`` becomes ``w - w * weight_decay *
            learning_rate`` before the update (decoupled weight decay).
        clipnorm: if set, each gradient is scaled so that its L2 norm is at most this.
        clipvalue: if set, each gradient is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are scaled together so that their
            global L2 norm is at most this. At most one of the three clipping
            arguments may be set.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: the average's momentum: ``average <- m * average + (1 - m) * w``.
        ema_overwrite_frequency: with ``use_ema``, overwrite the weights with their
            average every this many steps; None: only at :meth:`finalize_variable_values`.
        loss_scale_factor: gradients are divided by this before the update (the loss
            is multiplied by it in :meth:`scale_loss`).
        gradient_accumulation_steps: an int >= 2: the variables change only every this
            many steps, with the average of the gradients since the last change.
        name: the optimizer's name (default: its class name in snake_case).
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            renamed = " (Keras 3 calls `lr` `learning_rate`)" if "lr" in kwargs else ""
            raise ValueError(
                f"{type(self).__name__}: argument(s) not recognized: {kwargs}{renamed}")
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._check_arguments()
        self.built = False
        self._variables = []          # iterations, learning rate, then slots, in creation order
        self._slot_ids = set()        # ids of the slots whose values are flushed
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._iterations = self._make_variable(0, (), "int32", "iteration")
        self._variables.append(self._iterations)
        self._learning_rate = None
        self.learning_rate = learning_rate

    def _check_arguments(self):
        steps = self.gradient_accumulation_steps
        if steps is not None and (not isinstance(steps, int) or steps < 2):
            raise ValueError(
                f"{type(self).__name__}: gradient_accumulation_steps must be an integer >= 2, "
                f"got {steps!r}."
            )
        if self.use_ema:
            if not 0 <= self.ema_momentum <= 1:
                raise ValueError(f"{type(self).__name__}: ema_momentum must be in [0, 1], "
                                 f"got {self.ema_momentum!r}.")
            frequency = self.ema_overwrite_frequency
            if frequency is not None and (not isinstance(frequency, int) or frequency < 1):
                raise ValueError(f"{type(self).__name__}: ema_overwrite_frequency must be an "
                                 f"integer >= 1 or None, got {frequency!r}.")
        clipping = {"clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                    "global_clipnorm": self.global_clipnorm}
        if sum(value is not None for value in clipping.values()) > 1:
            given = ", ".join(f"{k}={v}" for k, v in clipping.items() if v is not None)
            raise ValueError(f"{type(self).__name__}: only one of clipnorm, clipvalue and "
                             f"global_clipnorm can be set, got {given}.")

    # ------------------------------------------------------------------ variables
    def _make_variable(self, initializer, shape, dtype, name, aggregation="none"):
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=False,
                            aggregation=aggregation, name=name)
        variable.path = f"{self.name}/{name}"
        return variable

    @property
    def iterations(self):
        """The number of optimizer steps taken (an int32 Variable); with gradient
        accumulation, the number of actual updates (``iterations // steps``)."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations, self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self):
        """The optimizer's state, in a stable order: ``iterations``, the learning rate
        (when it is a float), then the slots in the order :meth:`build` made them
        (Keras 3's order, so saved optimizer state moves between the two)."""
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     name=None):
        """Adds a slot: a non-trainable Variable of the optimizer's state.

        Args:
            shape: its shape.
            initializer: an initializer or its name (default ``"zeros"``).
            dtype: its dtype (default ``floatx()``).
            aggregation: kept for Keras compatibility.
            name: its name.
        """
        from kerasette import initializers
        variable = self._make_variable(initializers.get(initializer), tuple(shape),
                                       dtype or floatx(), name or "variable", aggregation)
        self._variables.append(variable)
        self._slot_ids.add(id(variable))
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Adds a slot with the shape and dtype of ``reference_variable``, named
        ``{reference path with / as _}_{name}`` (``dense_kernel_momentum``), as Keras 3."""
        reference = getattr(reference_variable, "path", None) or str(reference_variable.name)
        reference = reference.replace("/", "_").replace(":", "_")
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype,
                                 name=f"{reference}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per trainable variable for each name in ``name`` (a str or a list).

        Slots are made variable by variable, all names for a variable together (Keras's
        order). Returns a list of slots, or for a list of names a tuple of lists.
        """
        names = [name] if isinstance(name, str) else list(name)
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, slot_name in enumerate(names):
                slots[i].append(self.add_variable_from_reference(variable, slot_name, initializer))
        return slots[0] if isinstance(name, str) else slots

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_undoable", False):
            cls.build = _undoable(build)

    def _unbuild(self):
        """Takes back :meth:`build`: the slots, the variables it was built for and ``built``
        return to what they were just before the build (a failed load of optimizer state
        into an optimizer it had to build leaves the optimizer as it found it)."""
        before = self.__dict__.get("_state_before_build")
        if before is None:
            return
        vars(self).clear()
        vars(self).update(before)

    def build(self, variables):
        """Creates the optimizer's state for ``variables`` (the trainable variables).

        Subclasses add their slots after calling ``super().build(variables)``.
        """
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._trainable_variables = variables
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[id(variable)]

    # ------------------------------------------------------------------ the learning rate
    @property
    def learning_rate(self):
        """The current learning rate: a Variable, or a schedule's value at ``iterations``.

        Settable: ``optimizer.learning_rate = 0.01`` writes the Variable (the value a
        compiled train step reads next time); assigning a schedule replaces it.
        """
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        previous = self._learning_rate
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Variable)):
            self._learning_rate = learning_rate
            if isinstance(previous, Variable):
                self._variables.remove(previous)
            return
        if isinstance(previous, learning_rate_schedule.LearningRateSchedule):
            raise TypeError(
                f"{type(self).__name__} was created with a LearningRateSchedule as its "
                "learning_rate, so its learning rate cannot be set to a number; create the "
                "optimizer with a float learning_rate to make it settable."
            )
        if isinstance(learning_rate, (bool, np.bool_)) or not (
                isinstance(learning_rate, (int, float, np.number, Variable))
                or ops.is_tensor(learning_rate)):
            raise ValueError(
                f"{type(self).__name__}: learning_rate must be a float, a LearningRateSchedule "
                "or a callable of no arguments returning the learning rate, got "
                f"{learning_rate!r}."
            )
        if isinstance(previous, Variable):
            previous.assign(learning_rate)
            return
        self._learning_rate = self._make_variable(learning_rate, (), floatx(), "learning_rate")
        self._variables.insert(1, self._learning_rate)

    # ------------------------------------------------------------------ writing state
    def assign(self, variable, value):
        """Sets ``variable`` (a slot or a trainable variable) to ``value``; a slot's
        value is flushed of denormals first (:func:`flush_denormals`)."""
        if id(variable) in self._slot_ids:
            value = flush_denormals(value)
        variable.assign(value)

    def assign_add(self, variable, value):
        """Adds ``value`` to ``variable`` (through :meth:`assign`)."""
        self.assign(variable, ops.add(variable, value))

    def assign_sub(self, variable, value):
        """Subtracts ``value`` from ``variable`` (through :meth:`assign`)."""
        self.assign(variable, ops.subtract(variable, value))

    # ------------------------------------------------------------------ applying gradients
    def update_step(self, gradient, variable, learning_rate):
        """The update rule for one variable: reads its slots, writes them and ``variable``."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    def apply_gradients(self, grads_and_vars):
        """Applies ``[(gradient, variable), ...]``; returns :attr:`iterations`."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates the trainable variables with ``grads`` (one per variable, None to skip).

        Args:
            grads: the gradients, in the order of ``trainable_variables``.
            trainable_variables: the variables; needed on the first call (it builds the
                optimizer), else the ones the optimizer was built with.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}.apply(grads) without variables needs a built "
                    "optimizer: call optimizer.build(trainable_variables) first, or pass "
                    "apply(grads, trainable_variables)."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    f"{type(self).__name__}.apply: got {len(grads)} gradients for the "
                    f"{len(self._trainable_variables)} variables the optimizer was built with."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            for variable in trainable_variables:
                if id(variable) not in self._trainable_variables_indices:
                    raise ValueError(
                        f"{type(self).__name__} was built for other variables than "
                        f"{getattr(variable, 'path', variable)!r}; create a new optimizer for "
                        "a new set of variables."
                    )
        grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, self.loss_scale_factor) for g in grads]
        if self.gradient_accumulation_steps:
            self._accumulate_and_update(grads, trainable_variables)
        else:
            self._update(grads, trainable_variables)
        if self.use_ema:
            self._update_moving_average()
        for variable in trainable_variables:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                variable.assign(constraint(variable))
        self._iterations.assign(ops.add(self._iterations, 1))

    def _update(self, grads, trainable_variables):
        """Clipping, weight decay and the update rule of every variable."""
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(trainable_variables)
        self._update_variables(grads, trainable_variables, self.learning_rate)

    def _update_variables(self, grads, trainable_variables, learning_rate):
        """Runs :meth:`update_step` for each variable (Nadam adds a shared step first)."""
        for gradient, variable in zip(grads, trainable_variables):
            self.update_step(gradient, variable, learning_rate)

    def _accumulate_and_update(self, grads, trainable_variables):
        # Keras's JAX optimizer's method: run the update on the averaged gradients every
        # step, then keep its result only on every `steps`-th step. Selecting with
        # `where` instead of branching keeps the step one pure, compilable function.
        steps = self.gradient_accumulation_steps
        is_update_step = ops.equal(ops.mod(ops.add(self._iterations, 1), steps), 0)
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)]
                        for v in trainable_variables]
        sums = [ops.add(g, ops.cast(a, ops.dtype(g))) for g, a in zip(grads, accumulators)]
        old_trainable = [v.value for v in trainable_variables]
        old_state = [v.value for v in self._variables]
        self._update([ops.divide(s, steps) for s in sums], trainable_variables)
        for variable, old in zip(trainable_variables + self._variables,
                                 old_trainable + old_state):
            if variable.value is not old:  # written by the update: keep it on update steps
                variable.assign(ops.where(is_update_step, variable.value, old))
        for accumulator, total in zip(accumulators, sums):
            self.assign(accumulator, ops.where(is_update_step, ops.zeros_like(total), total))

    def _filter_empty_gradients(self, grads, trainable_variables):
        kept = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not kept:
            raise ValueError(f"{type(self).__name__}: no gradients provided for any variable "
                             "(every gradient is None).")
        if len(kept) < len(grads):
            missing = [getattr(v, "path", v.name)
                       for g, v in zip(grads, trainable_variables) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a "
                          "`loss` argument?", stacklevel=3)
        return [g for g, _ in kept], [v for _, v in kept]

    # ------------------------------------------------------------------ clipping and decay
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, gradient):
        squared_norm = ops.sum(ops.square(gradient), keepdims=True)
        positive = ops.greater(squared_norm, 0)
        # sqrt only where positive, so that a zero gradient has a finite derivative
        norm = ops.where(positive, ops.sqrt(ops.where(positive, squared_norm, 1.0)), squared_norm)
        return ops.divide(ops.multiply(gradient, self.clipnorm),
                          ops.maximum(norm, self.clipnorm))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts variables from weight decay (call before the optimizer is built).

        Args:
            var_list: Variables to exempt.
            var_names: strings; a variable whose name contains one of them is exempt
                (``var_names=["bias"]``).
        """
        if self.built:
            raise ValueError("exclude_from_weight_decay() can only be called before the "
                             "optimizer is built.")
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(map(re.escape, set(var_names)))) if var_names else None)

    def _use_weight_decay(self, variable):
        if id(variable) in getattr(self, "_exclude_from_weight_decay", ()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        return pattern is None or pattern.search(variable.name) is None

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                learning_rate = ops.cast(self.learning_rate, variable.dtype)
                weight_decay = ops.cast(self.weight_decay, variable.dtype)
                variable.assign(ops.subtract(
                    variable, ops.multiply(ops.multiply(variable, weight_decay), learning_rate)))

    # ------------------------------------------------------------------ moving average (EMA)
    def _update_moving_average(self):
        # the first step copies the weights; later steps average
        not_first_step = ops.not_equal(self.iterations, 0)
        for variable, average in zip(self._trainable_variables,
                                     self._model_variables_moving_average):
            momentum = ops.multiply(ops.cast(not_first_step, variable.dtype), self.ema_momentum)
            self.assign(average, ops.add(ops.multiply(momentum, average),
                                         ops.multiply(ops.subtract(1, momentum), variable)))
        if self.ema_overwrite_frequency:
            overwrite = ops.equal(
                ops.mod(ops.add(self.iterations, 1), self.ema_overwrite_frequency), 0)
            for variable, average in zip(self._trainable_variables,
                                         self._model_variables_moving_average):
                variable.assign(ops.where(overwrite, average.value, variable.value))

    def finalize_variable_values(self, var_list):
        """At the end of training: with ``use_ema``, sets ``var_list`` to their averages."""
        if not self.use_ema:
            return
        if len(var_list) != len(self._model_variables_moving_average):
            raise ValueError(
                f"{type(self).__name__}.finalize_variable_values: got {len(var_list)} variables, "
                f"the optimizer averages {len(self._model_variables_moving_average)}."
            )
        for variable, average in zip(var_list, self._model_variables_moving_average):
            variable.assign(average.value)

    # ------------------------------------------------------------------ the pure step
    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """:meth:`apply` as a pure function of values, for compiled train steps.

        Args:
            optimizer_variables: the values of :attr:`variables`, in order.
            grads: one gradient per trainable variable (None to skip).
            trainable_variables: the values of the variables the optimizer was built with.

        Returns:
            ``(new_trainable_values, new_optimizer_values)``, lists in the same orders.
            Neither the optimizer's Variables nor the model's are changed.
        """
        if not self.built:
            raise ValueError(f"{type(self).__name__}.stateless_apply needs a built optimizer: "
                             "call optimizer.build(trainable_variables) first.")
        variables = self.variables
        if len(optimizer_variables) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.stateless_apply: got {len(optimizer_variables)} "
                f"optimizer values for its {len(variables)} variables."
            )
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                f"{type(self).__name__}.stateless_apply: got {len(trainable_variables)} "
                f"trainable values; the optimizer was built with "
                f"{len(self._trainable_variables)} variables."
            )
        mapping = list(zip(self._trainable_variables, trainable_variables))
        mapping += list(zip(variables, optimizer_variables))
        with StatelessScope(mapping) as scope:
            self.apply(grads)
        return ([scope.get_current_value(v) for v in self._trainable_variables],
                [scope.get_current_value(v) for v in variables])

    def scale_loss(self, loss):
        """``loss`` times ``loss_scale_factor`` (unchanged when it is None)."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, self.loss_scale_factor)
        return loss

    # ------------------------------------------------------------------ saving
    def set_weights(self, weights):
        """Sets :attr:`variables` from a list of arrays (same order and shapes)."""
        if not self.built:
            raise ValueError(f"{type(self).__name__}.set_weights: the optimizer is not built; "
                             "call optimizer.build(trainable_variables) first.")
        if len(weights) != len(self.variables):
            raise ValueError(f"{type(self).__name__}.set_weights: got {len(weights)} arrays for "
                             f"{len(self.variables)} variables.")
        for variable, weight in zip(self.variables, weights):
            if tuple(np.shape(weight)) != variable.shape:
                raise ValueError(f"Optimizer variable {variable.path!r} has shape "
                                 f"{variable.shape}, got an array of shape {np.shape(weight)}.")
            variable.assign(weight)

    def _saveable_children(self):
        """Nothing is saved below an optimizer in a weights file: its slots are its own
        variables (see :meth:`kerasette.layers.Layer._saveable_children`)."""
        return []

    def save_own_variables(self, store):
        """Writes :attr:`variables` to ``store`` under "0", "1", ... (Keras 3's layout)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Reads :attr:`variables` back from ``store`` (warns and skips on a count mismatch)."""
        if len(store.keys()) != len(self.variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self.variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables."
                + (" The optimizer has not been built yet." if not self.built else ""),
                stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(store[str(i)])

    # ------------------------------------------------------------------ config
    def get_config(self):
        """The constructor arguments, JSON-serializable (Keras 3's keys)."""
        if isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.numpy())
        else:  # a schedule (or a registered callable)
            learning_rate = serialize_keras_object(self._learning_rate)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """An optimizer (without state) from :meth:`get_config`'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def global_norm(values):
    """The L2 norm of all of ``values`` together (None entries skipped)."""
    squared = [ops.sum(ops.square(v)) for v in values if v is not None]
    return ops.sqrt(ops.sum(ops.stack(squared)))


def clip_by_global_norm(values, clip_norm):
    """``values`` scaled together so that their global norm is at most ``clip_norm``.

    A non-finite norm makes every value NaN, as Keras 3 (and TensorFlow) do.
    """
    norm = global_norm(values)
    scale = ops.multiply(clip_norm, ops.minimum(ops.divide(1.0, norm), 1.0 / clip_norm))
    scale = ops.add(scale, ops.subtract(norm, norm))  # NaN when the norm is inf or NaN
    return [None if v is None else ops.multiply(v, ops.cast(scale, ops.dtype(v)))
            for v in values]


def _undoable(build):
    """``build`` that remembers the optimizer's attributes as they were before it (each list,
    dict and set copied, as ``build`` appends slots to them), for :meth:`Optimizer._unbuild`.
    Only the outermost of the nested ``super().build`` calls remembers."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        if self.built or self.__dict__.get("_building"):
            return build(self, *args, **kwargs)
        before = {name: copy.copy(value) if isinstance(value, (list, dict, set)) else value
                  for name, value in vars(self).items() if name != "_state_before_build"}
        self._building = True
        try:
            result = build(self, *args, **kwargs)
        finally:
            del self._building
        self._state_before_build = before
        return result
    wrapper._undoable = True
    return wrapper


Optimizer.build = _undoable(Optimizer.build)
