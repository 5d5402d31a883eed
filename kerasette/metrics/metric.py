"""``Metric``: the base class of every metric, with its state in non-trainable Variables.

A metric accumulates state over batches (``update_state``), reports it
(``result``) and starts afresh (``reset_state``). Its state lives only in
:class:`kerasette.Variable` objects made with :meth:`Metric.add_variable`, and
every change goes through ``assign``/``assign_add``. That is what lets the
trainer run ``update_state`` as a pure function: inside a
:class:`kerasette.StatelessScope` the variables read the values it maps them
to, and the assignments are collected instead of applied
(:meth:`Metric.stateless_update_state`). ``update_state`` and ``result`` use
:mod:`kerasette.ops` only, with no Python branch on tensor values, so they run
on every backend and inside ``jax.jit``.
"""

from kerasette import initializers, ops
from kerasette.backends import config
from kerasette.backends.variable import StatelessScope, Variable
from kerasette.utils.naming import auto_name, to_snake_case


class Metric:
    """Base class of metrics: subclass it, make state with ``add_variable``,
    implement ``update_state`` and ``result``.

    Args:
        name: the metric's name (default: the snake-cased class name, made unique).
        dtype: the dtype of the state and the result (default ``floatx()``).

    Example:
        >>> class Total(Metric):
        ...     def __init__(self, name="total"):
        ...         super().__init__(name=name)
        ...         self.total = self.add_variable((), "zeros", name="total")
        ...     def update_state(self, values):
        ...         self.total.assign_add(ops.sum(values))
        ...     def result(self):
        ...         return ops.convert_to_tensor(self.total)
    """

    def __init__(self, name=None, dtype=None):
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._dtype = dtype or config.floatx()

    # -- state -----------------------------------------------------------
    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A new non-trainable Variable of this metric's state.

        Args:
            shape: the variable's shape (a tuple; ``()`` for a scalar).
            initializer: ``"zeros"``, ``"ones"``, another initializer name, or
                a callable ``initializer(shape, dtype)``.
            dtype: the variable's dtype (default: the metric's dtype).
            aggregation: how replicas would combine it (kept for Keras compatibility).
            name: the variable's name (its path is ``"{metric name}/{name}"``).
        """
        self._check_super_called()
        dtype = dtype or self.dtype
        shape = tuple(int(n) for n in shape)
        variable = Variable(initializers.get(initializer), shape=shape, dtype=dtype,
                            trainable=False, aggregation=aggregation, name=name or "variable")
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Same as :meth:`add_variable` (Keras's older name)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self):
        """The state Variables: this metric's, then those of the metrics it holds."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    @property
    def dtype(self):
        """The dtype of the state and the result (a string such as ``"float32"``)."""
        return self._dtype

    def build(self, y_true_shape, y_pred_shape):
        """Makes the state that depends on the input shapes (``F1Score``, multi-label ``AUC``).

        ``update_state`` calls it on first use; call it beforehand to have every
        variable exist before a stateless (jit-compiled) update. Metrics whose
        state does not depend on shapes do nothing here.
        """

    # -- the three things a metric does ----------------------------------
    def update_state(self, *args, **kwargs):
        """Accumulates the statistics of one batch; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        """The metric's value from the accumulated state; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Sets every state variable back to zeros."""
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))

    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)``, then ``result()``."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # -- pure-function forms, for jit-compiled steps ---------------------
    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """The new state values after ``update_state(*args, **kwargs)`` from ``metric_variables``.

        ``metric_variables`` are values for :attr:`variables`, in order; they
        are read instead of the variables, which are left unchanged.
        """
        self._check_state_values(metric_variables)
        with StatelessScope(zip(self.variables, metric_variables)) as scope:
            self.update_state(*args, **kwargs)
        return [_scope_value(scope, v, old) for v, old in zip(self.variables, metric_variables)]

    def stateless_result(self, metric_variables):
        """``result()`` computed from the state values ``metric_variables``."""
        self._check_state_values(metric_variables)
        with StatelessScope(zip(self.variables, metric_variables)):
            return self.result()

    def stateless_reset_state(self):
        """The state values ``reset_state()`` would set."""
        with StatelessScope() as scope:
            self.reset_state()
        return [_scope_value(scope, v, v.value) for v in self.variables]

    # -- config ------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as a JSON-friendly dict (Keras 3's keys)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """A new metric from the dict :meth:`get_config` returned."""
        return cls(**config)

    # -- bookkeeping -----------------------------------------------------
    def __setattr__(self, name, value):
        # metrics held as attributes contribute their variables (Keras's tracking)
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            if not any(m is value for m in self._metrics):
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() "
                               "before making state or being called.")

    def _check_state_values(self, metric_variables):
        if len(metric_variables) != len(self.variables):
            raise ValueError(
                f"{type(self).__name__} {self.name!r} has {len(self.variables)} state variables "
                f"({', '.join(v.name for v in self.variables)}); got {len(metric_variables)} values."
            )

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _scope_value(scope, variable, default):
    value = scope.get_current_value(variable)
    return default if value is None else value

