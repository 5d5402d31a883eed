"""Layer: the base class of every layer and model.

A layer is ``build(input_shape)`` (create weights with :meth:`Layer.add_weight`)
plus ``call(inputs)`` written with :mod:`kerasette.ops` only, so it runs on
every backend. Sublayers, Variables, SeedGenerators, metrics and optimizers assigned as
attributes (directly, or inside lists, tuples and dicts) are tracked when assigned: see
:mod:`kerasette.layers.tracking`.

Calling a layer on symbolic tensors (``keras.Input``) builds a functional
graph instead of computing: see :mod:`kerasette.models.functional`.

Masks (Keras 3's masking): a layer's output may carry a boolean mask of its timesteps
(``kerasette.backend.get_keras_mask(y)``, or ``y._keras_mask`` where the tensor type takes
it), made by :meth:`Layer.compute_mask` when the layer ``supports_masking``. A call reads
the masks attached to its inputs and

- passes them to ``call`` when ``call`` takes ``mask`` (one tensor argument) or
  ``<argument>_mask`` (several, e.g. ``query_mask``): the hook for layers that consume
  masks (recurrent and attention layers);
- attaches ``compute_mask(inputs, previous_mask)`` to the outputs when the layer
  ``supports_masking``; a layer that does not drops the mask, with a warning.

Symbolic calls do the same, so a KerasTensor carries its mask as a KerasTensor.
"""

import contextlib
import functools
import inspect
import threading
import warnings

import numpy as np

from kerasette import dtype_policies, ops
from kerasette.backends import tree
from kerasette.backends.config import floatx
from kerasette.backends.masking import get_keras_mask, leaves_with_none, masks_of, set_keras_mask
from kerasette.backends.seed import SeedGenerator
from kerasette.backends.variable import (AutocastScope, StatelessScope, Variable,
                                         current_autocast_scope)
from kerasette.layers.input_spec import assert_input_compatibility
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.node import Node
from kerasette.layers.tracking import no_tracking, tracked_objects, tracker_of, unique, untracked
from kerasette.metrics.metric import Metric
from kerasette.optimizers.optimizer import Optimizer
from kerasette.serialization import weight_budget
from kerasette.utils.naming import auto_name, to_snake_case

_context = threading.local()


class CallContext:
    """State shared by the nested layer calls of one outermost call: the training flag and
    the losses added with ``add_loss``."""

    def __init__(self, training):
        self.training = training


def current_call_context():
    """The :class:`CallContext` of the outermost layer call in progress, or None."""
    return getattr(_context, "call", None)


class Layer:
    """The class from which all layers inherit (Keras 3 ``keras.layers.Layer``).

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name (default: the class name in snake_case, made unique).
        dtype: the dtype policy (:class:`kerasette.dtype_policies.DTypePolicy`), its name
            (``"mixed_float16"``) or a dtype (``"float32"``): the dtypes of the layer's
            computations and of its weights (default: the global policy,
            :func:`kerasette.mixed_precision.set_global_policy`).
        autocast: under a mixed policy, cast floating inputs to the compute dtype and read
            the layer's float variables as it inside ``call`` (default True).
        activity_regularizer: a penalty on the layer's output, divided by the batch size
            (as in Keras 3) and added to the loss.
        input_shape, input_dim, batch_size: for the first layer of a Sequential model.

    Attributes:
        supports_masking: whether the layer attaches :meth:`compute_mask`'s mask to its
            outputs (default: True when the class defines ``compute_mask``); a layer that
            keeps the timesteps as they are sets it to True to pass its input's mask on.

    Example:
        >>> class Linear(kerasette.layers.Layer):
        ...     def __init__(self, units=32, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = units
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1], self.units),
        ...                                  initializer="glorot_uniform")
        ...         self.b = self.add_weight(shape=(self.units,), initializer="zeros")
        ...     def call(self, inputs):
        ...         return ops.matmul(inputs, self.w) + self.b
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            cls.build = _marking_built(build)

    @no_tracking
    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_size = kwargs.pop("batch_size", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        kwargs.pop("input_dtype", None)
        kwargs.pop("dynamic", None)
        if kwargs:  # (a ValueError in Keras 3, e.g. for Keras 2's W_regularizer=)
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if input_shape is not None:
            warnings.warn(
                f"{type(self).__name__}: the `input_shape`/`input_dim` argument of a layer is "
                "discouraged in Keras 3; start a Sequential model with `keras.Input(shape)` "
                "instead.", stacklevel=4)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype_policy = dtype
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = _overrides(self, "compute_mask")
        self._own_trainable = []
        self._own_non_trainable = []
        self._regularized = []  # (variable, regularizer)
        self._losses = []
        self._inbound_nodes = []
        self._build_shapes = None
        from kerasette import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", name=None):
        """Creates a weight Variable owned by this layer.

        Args:
            shape: the weight's shape (default ``()``).
            initializer: name or initializer object (default "glorot_uniform" for floats,
                "zeros" otherwise).
            dtype: default the layer's variable dtype (float32 under a mixed policy).
            trainable: whether training updates it.
            regularizer: a penalty on its value added to the layer's losses.
            constraint: a function applied to the value after each optimizer update.
            name: the variable's name.
        """
        from kerasette import initializers, regularizers, constraints
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if _is_float(dtype) else "zeros"
        initializer = initializers.get(initializer)
        name = name or f"variable_{len(self._own_trainable) + len(self._own_non_trainable)}"
        weight_budget.charge(shape, self.name, name)
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                            autocast=autocast, aggregation=aggregation, name=name)
        variable.path = f"{self.name}/{name}"
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint) if constraint is not None else None
        (self._own_trainable if trainable else self._own_non_trainable).append(variable)
        if variable.regularizer is not None:
            self._regularized.append(variable)
        return variable

    # ------------------------------------------------------------------ dtypes
    @property
    def dtype_policy(self):
        """The layer's :class:`kerasette.dtype_policies.DTypePolicy`. Settable, with a
        policy, its name or a dtype (before the layer is built, to change the weights'
        dtype)."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        with untracked(self):
            self._dtype_policy = _policy_of(value, self)

    @property
    def dtype(self):
        """The dtype of the layer's weights (Keras 3: the policy's ``variable_dtype``)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype the layer computes in: its floating inputs are cast to it."""
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        """The dtype the layer creates its weights in."""
        return self._dtype_policy.variable_dtype

    def _autocasting(self):
        """The AutocastScope a call of this layer runs in (Keras 3's rules): a mixed policy
        opens one at its compute dtype; inside another layer's, a layer of another compute
        dtype opens its own, and one that does not autocast (or computes in integers) turns
        autocasting off."""
        current = current_autocast_scope()
        compute = self.compute_dtype
        if current is not None:
            if not self.autocast or not _is_float(compute):
                return AutocastScope(None)
            if current.dtype != compute:
                return AutocastScope(compute)
        elif compute != self.variable_dtype:
            return AutocastScope(compute)
        return contextlib.nullcontext()

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        tracker = self.__dict__.get("_tracker") or tracker_of(self)
        if not tracker.paused:
            tracker.note(name, value, _STATE_TYPES)

    def __delattr__(self, name):
        super().__delattr__(name)
        tracker_of(self).forget(name)

    def _saveable_children(self):
        """``(attribute, value)`` pairs that a Keras 3 weights file walks below this layer, in
        Keras's order: the tracked attributes, sorted by name with private (``_``) names last.
        :mod:`kerasette.saving.object_paths` turns them into paths, asking each object rather
        than testing its class."""
        values = dict(tracker_of(self).values(self))
        return [(name, values[name]) for name in sorted(values, key=_private_last)]

    def _tracked(self):
        """Sublayers, extra Variables, SeedGenerators and metrics held in tracked attributes,
        each once, in assignment order."""
        layers, variables, seeds, metrics = [], [], [], []
        for item in tracked_objects(tracker_of(self), self):
            if isinstance(item, Layer):
                if item is not self:
                    layers.append(item)
            elif isinstance(item, Variable):
                variables.append(item)
            elif isinstance(item, SeedGenerator):
                seeds.append(item)
            elif isinstance(item, Metric):
                metrics.append(item)
        return unique(layers), unique(variables), unique(seeds), unique(metrics)

    @property
    def _layers(self):
        """The direct sublayers (models add those of their structure)."""
        return self._tracked()[0]

    @property
    def _tracked_metrics(self):
        """The metrics held in this layer's attributes (``self.loss_tracker = Mean()``)."""
        return self._tracked()[3]

    def _own_variables(self):
        trainable = list(self._own_trainable)
        non_trainable = list(self._own_non_trainable)
        extra = self._tracked()[1]
        known = {id(v) for v in trainable + non_trainable}
        for v in extra:
            if id(v) not in known:
                (trainable if v.trainable else non_trainable).append(v)
        return trainable, non_trainable

    @property
    def weights(self):
        """Every weight of the layer and its sublayers: own trainable, own non-trainable,
        then each sublayer's, without duplicates."""
        trainable, non_trainable = self._own_variables()
        result = trainable + non_trainable
        for layer in self._layers:
            result.extend(layer.weights)
        return unique(result)

    @property
    def trainable_weights(self):
        """The weights training updates (none when ``trainable`` is False)."""
        if not self.trainable:
            return []
        trainable, _ = self._own_variables()
        result = [v for v in trainable if v.trainable]
        for layer in self._layers:
            result.extend(layer.trainable_weights)
        return unique(result)

    @property
    def non_trainable_weights(self):
        """The weights training leaves alone (all of them when ``trainable`` is False)."""
        if not self.trainable:
            return self.weights
        trainable, non_trainable = self._own_variables()
        result = [v for v in trainable if not v.trainable] + non_trainable
        for layer in self._layers:
            result.extend(layer.non_trainable_weights)
        return unique(result)

    @property
    def variables(self):
        """All state: the weights plus the random generators' states."""
        return unique(self.weights + self._seed_states())

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """Non-trainable weights plus the random generators' states (the state a stateless
        train step threads through)."""
        return unique(self.non_trainable_weights + self._seed_states())

    def _seed_states(self):
        states = [seed.state for seed in self._tracked()[2]]
        for layer in self._layers:
            states.extend(layer._seed_states())
        return states

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezes or unfreezes the layer and all its sublayers."""
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def get_weights(self):
        """The weights' values as a list of numpy arrays."""
        return [np.array(v.numpy()) for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays, in the order of :attr:`weights`."""
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(
                f'Layer "{self.name}" expects {len(mine)} weight arrays, got {len(weights)}.'
            )
        for variable, value in zip(mine, weights):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f'Layer "{self.name}" weight "{variable.path}" has shape {variable.shape}, '
                    f"got a value of shape {value.shape}."
                )
            variable.assign(value)

    def save_own_variables(self, store):
        """Writes this layer's own variables (not its sublayers') to ``store`` as "0", "1",
        ...: the trainable ones, then the non-trainable ones (Keras 3's layout).

        Override it together with :meth:`load_own_variables` to save a layer's state in
        another form; ``model.save`` calls it for every layer.
        """
        trainable, non_trainable = self._own_variables()
        for index, variable in enumerate(trainable + non_trainable):
            store[str(index)] = variable

    def load_own_variables(self, store):
        """Sets this layer's own variables from ``store`` (what :meth:`save_own_variables`
        wrote), after checking their number, shapes and dtypes (ValueError naming the layer,
        the variable and both shapes otherwise)."""
        trainable, non_trainable = self._own_variables()
        variables = trainable + non_trainable
        self._check_load_own_variables(store)
        for index, variable in enumerate(variables):
            variable.assign(store[str(index)])

    def _check_load_own_variables(self, store):
        """Raises ValueError unless ``store`` fits this layer's own variables (reads no data)."""
        from kerasette.saving.weights_store import check_variables
        trainable, non_trainable = self._own_variables()
        where = getattr(store, "path", None)
        owner = f'layer "{self.name}"' + (f" ({where})" if where else "")
        check_variables(owner, trainable + non_trainable, store)

    def count_params(self):
        """Total number of scalars in the weights."""
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" is not built yet, so its weights do not exist: call it on '
                "data or call build(input_shape) first."
            )
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss):
        """Adds a scalar loss (a regularization term) computed in ``call``; the trainer adds it
        to the model's loss."""
        self._losses.append(loss)

    @property
    def losses(self):
        """Losses added during the last call, plus weight regularization penalties."""
        result = list(self._losses)
        for variable in self._regularized:
            result.append(variable.regularizer(variable))
        for layer in self._layers:
            result.extend(layer.losses)
        return result

    def _clear_losses(self):
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    # ------------------------------------------------------------------ building and calling
    def build(self, input_shape):
        """Creates the weights, given the input shape. Called once, by the first ``__call__``."""
        self.built = True

    # the default build creates nothing; sublayers build themselves when called
    build._builds_by_calling = True

    def call(self, *args, **kwargs):
        """The layer's computation, with :mod:`kerasette.ops`. Subclasses implement it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (None for unknown sizes)."""
        raise NotImplementedError

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs, given the inputs and their mask (``previous_mask``: a
        boolean tensor such as ``(batch, timesteps)``, a structure of them for a structure of
        inputs, or None). Used when :attr:`supports_masking` is True; the default passes
        ``previous_mask`` on. Layers that make a mask (``Embedding(mask_zero=True)``,
        ``Masking``) or change the timesteps override it; return None for no mask.

        Example:
            >>> class TemporalSplit(kerasette.layers.Layer):
            ...     def call(self, inputs):
            ...         return ops.split(inputs, 2, axis=1)
            ...     def compute_mask(self, inputs, mask=None):
            ...         return None if mask is None else ops.split(mask, 2, axis=1)
        """
        return previous_mask

    def compute_output_spec(self, *args, **kwargs):
        """The output as KerasTensors, for symbolic inputs. Uses :meth:`compute_output_shape`
        when the layer defines it, else runs ``call`` on zeros."""
        first = args[0] if args else next(iter(kwargs.values()))
        if _overrides(self, "compute_output_shape"):
            shapes = self.compute_output_shape(_shapes_of(first))
            return _keras_tensors_from_shapes(shapes, self.compute_dtype)
        return self._output_spec_by_running(args, kwargs)

    def _output_spec_by_running(self, args, kwargs):
        """Runs ``call`` on zeros twice, with unknown sizes set to two different values; output
        dimensions that change are unknown (None). Outputs that come with a mask (a sublayer
        made one) give symbolic outputs with a mask."""
        def run(c_args, c_kwargs):
            with _CallScope(training=False, layer=self), self._autocasting():
                return self.call(*c_args, **_with_training(self, c_kwargs, False))
        return self._spec_by_running(run, args, kwargs)

    def _spec_by_running(self, run, args, kwargs):
        """The symbolic result of ``run(args, kwargs)`` for symbolic ``args``/``kwargs``: run
        twice on stand-ins (zeros, and ones for boolean tensors such as masks, carrying the
        masks their KerasTensors carry), with unknown sizes set to 2, then 3; dimensions
        that change are unknown (None). No variable changes value."""
        results = []
        for size in (2, 3):
            def concrete(x):
                if not isinstance(x, KerasTensor):
                    return x
                shape = tuple(size if d is None else d for d in x.shape)
                value = (ops.ones(shape, dtype="bool") if x.dtype == "bool"
                         else ops.zeros(shape, dtype=x.dtype))
                if isinstance(x._keras_mask, KerasTensor):
                    set_keras_mask(value, concrete(x._keras_mask))
                return value
            c_args = tree.map_structure(concrete, args)
            c_kwargs = tree.map_structure(concrete, kwargs)
            with StatelessScope([(v, v.value) for v in self.variables]):
                results.append(run(c_args, c_kwargs))
        flat_a, treedef = tree.flatten(results[0])
        flat_b = tree.flatten(results[1])[0]
        specs = [_spec_of(a, b) for a, b in zip(flat_a, flat_b)]
        for spec, a, b in zip(specs, flat_a, flat_b):
            mask_a, mask_b = get_keras_mask(a), get_keras_mask(b)
            if mask_a is not None and mask_b is not None:
                spec._keras_mask = _spec_of(mask_a, mask_b)
        return tree.unflatten(treedef, specs)

    def __call__(self, *args, **kwargs):
        if not args and not kwargs:
            raise ValueError(f'Layer "{self.name}" was called without inputs.')
        flat = tree.flatten((args, kwargs))[0]
        if any(isinstance(x, KerasTensor) for x in flat):
            return self._symbolic_call(args, kwargs)
        if args:
            args = (self._convert_inputs(args[0]),) + tuple(args[1:])
        first = args[0] if args else next(iter(kwargs.values()))
        shapes = _shapes_of(first)
        self._maybe_build(shapes)
        self._assert_input_compatibility(shapes)

        outer = current_call_context()
        training = kwargs.get("training")
        if training is None and outer is not None:
            training = outer.training
        if _accepts_training(self):
            kwargs = dict(kwargs)
            kwargs["training"] = training if training is not None else _default_training(self)
        else:
            kwargs.pop("training", None)
        if outer is None:
            self._clear_losses()
        else:
            self._losses.clear()
        kwargs, previous_mask = self._with_input_masks(args, kwargs, first)
        with _CallScope(training=training, layer=self), self._autocasting():
            outputs = self.call(*args, **kwargs)
        if self.activity_regularizer is not None:
            for output in tree.flatten(outputs)[0]:
                penalty = self.activity_regularizer(output)
                if ops.ndim(output) > 0:
                    # per sample, as Keras 3: the penalty's weight does not grow with the
                    # batch size (an empty batch adds 0)
                    batch_size = max(ops.shape(output)[0], 1)
                    penalty = ops.divide(penalty, ops.cast(batch_size, ops.dtype(penalty)))
                self.add_loss(penalty)
        self._attach_output_masks(first, outputs, previous_mask, self.compute_mask,
                                  stacklevel=3)
        return outputs

    # ------------------------------------------------------------------ masks
    def _with_input_masks(self, args, kwargs, first):
        """``(kwargs, previous_mask)``: ``kwargs`` with the mask arguments of ``call`` that
        were not given filled from the masks attached to the inputs (``mask`` when ``call``
        has one tensor argument; ``<argument>_mask`` for each of several), and the mask of
        the inputs (the ``mask`` given, else the masks attached to ``first``)."""
        takes_mask, argument_masks = _mask_parameters(self)
        if takes_mask or argument_masks:
            bound = _bound_arguments(self, args, kwargs)
            tensors = {name: value for name, value in bound.items() if _holds_tensors(value)}
            if len(tensors) == 1 and takes_mask and bound.get("mask") is None:
                kwargs = dict(kwargs)
                kwargs["mask"] = masks_of(next(iter(tensors.values())))
            elif len(tensors) > 1:
                for name, value in tensors.items():
                    if name + "_mask" in argument_masks and bound.get(name + "_mask") is None:
                        kwargs = dict(kwargs)
                        kwargs[name + "_mask"] = masks_of(value)
        given = kwargs.get("mask")
        return kwargs, given if given is not None else masks_of(first)

    def _attach_output_masks(self, inputs, outputs, previous_mask, compute_mask, stacklevel=4):
        """Attaches ``compute_mask(inputs, previous_mask)`` to the outputs that have no mask
        yet, when the layer supports masking; otherwise warns if a mask is dropped (the
        warning points ``stacklevel`` frames up: at the code that called the layer)."""
        if previous_mask is None and not _overrides(self, "compute_mask"):
            return  # the common case: no mask to pass on, none to make
        if not self.supports_masking:
            if self._warns_when_dropping_masks and any(
                    m is not None for m in leaves_with_none(previous_mask)):
                warnings.warn(
                    f"Layer '{self.name}' ({type(self).__name__}) received an input with a "
                    "mask, but it does not support masking: the mask is dropped, and the "
                    "layers after it will not see it. A layer that keeps the timesteps as "
                    "they are can pass the mask on (set `self.supports_masking = True`), or "
                    "define compute_mask().", UserWarning, stacklevel=stacklevel)
            return
        flat_outputs = leaves_with_none(outputs)
        if all(get_keras_mask(output) is not None for output in flat_outputs):
            return  # the call attached them itself
        output_masks = compute_mask(inputs, previous_mask)
        if output_masks is None:
            return
        for output, mask in zip(flat_outputs, leaves_with_none(output_masks)):
            if mask is not None and output is not None and get_keras_mask(output) is None:
                set_keras_mask(output, mask)

    def _symbolic_output_masks(self, inputs, previous_mask):
        """:meth:`compute_mask` for symbolic inputs: the masks given when the layer passes
        them on unchanged, else found by running it on stand-ins (``_spec_by_running``)."""
        if not _overrides(self, "compute_mask"):
            return self.compute_mask(inputs, previous_mask)
        return self._spec_by_running(lambda a, k: self.compute_mask(*a),
                                     (inputs, previous_mask), {})

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Calls the layer on ``args`` with the given values in place of its variables' own,
        changing no variable (Keras 3's; the forward pass of a stateless ``train_step``).

        Args:
            trainable_variables: one value per variable of :attr:`trainable_variables`.
            non_trainable_variables: one value per variable of
                :attr:`non_trainable_variables` (BatchNormalization's statistics, the random
                generators' states).
            *args, **kwargs: what the call takes (``training=True``...).
            return_losses: also return the losses of the call (``add_loss``, weight
                regularization, computed from the given values).

        Returns:
            ``(outputs, non_trainable_variables)``, the latter as the call left them;
            ``(outputs, non_trainable_variables, losses)`` with ``return_losses``.

        Example:
            >>> outputs, non_trainable = model.stateless_call(
            ...     [v.value for v in model.trainable_variables],
            ...     [v.value for v in model.non_trainable_variables], x, training=True)
        """
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" is not built yet, so stateless_call has no variables to '
                "replace: call it on data or call build(input_shape) first."
            )
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        check_state_values(self, "stateless_call", "trainable_variables", trainable,
                           trainable_variables)
        check_state_values(self, "stateless_call", "non_trainable_variables", non_trainable,
                           non_trainable_variables)
        mapping = list(zip(trainable, trainable_variables))
        mapping += list(zip(non_trainable, non_trainable_variables))
        with StatelessScope(mapping) as scope:
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
        new_values = []
        for variable, old in zip(non_trainable, non_trainable_variables):
            value = scope.get_current_value(variable)
            new_values.append(old if value is None else value)
        if return_losses:
            return outputs, new_values, losses
        return outputs, new_values

    def _assert_input_compatibility(self, shapes):
        """Raises ValueError when inputs of ``shapes`` break ``self.input_spec`` (models add
        what their first layers would say)."""
        assert_input_compatibility(self, self.input_spec, shapes)

    def _convert_inputs(self, inputs):
        """numpy arrays and lists become tensors; floats are cast to the layer's compute dtype
        (when it autocasts). A converted tensor keeps the mask of the one it replaces."""
        def convert(x):
            if x is None or isinstance(x, (str, bytes)):
                return x
            if isinstance(x, np.ndarray) and x.dtype.kind in "USO":
                return x  # strings, for the host preprocessing layers (no string tensors)
            if isinstance(x, (np.ndarray, list, float, int)) or ops.is_tensor(x):
                floating = isinstance(x, list) or _is_float(ops.dtype(x))
                if floating and self.autocast:
                    converted = ops.cast(ops.convert_to_tensor(x), self.compute_dtype)
                else:
                    converted = ops.convert_to_tensor(x)
                if converted is not x and not isinstance(x, list):
                    mask = get_keras_mask(x)
                    if mask is not None:
                        set_keras_mask(converted, mask)
                return converted
            return x
        return tree.map_structure(convert, inputs)

    def _maybe_build(self, shapes):
        if self.built:
            return
        with untracked(self):
            self._build_shapes = shapes
        if not getattr(type(self).build, "_builds_by_calling", False):
            _build_or_explain(self, shapes)
        self.built = True

    def _symbolic_call(self, args, kwargs):
        first = args[0] if args else next(iter(kwargs.values()))
        shapes = _shapes_of(first)
        self._maybe_build(shapes)
        self._assert_input_compatibility(shapes)
        spec_kwargs, previous_mask = self._with_input_masks(args, kwargs, first)
        if not _accepts_all(self, "compute_output_spec", spec_kwargs):
            spec_kwargs = kwargs  # an own compute_output_spec without the mask arguments
        outputs = self.compute_output_spec(*args, **spec_kwargs)
        # the node keeps the call as written: a run fills in the masks of its own inputs
        Node(self, args, kwargs, outputs)
        self._attach_output_masks(first, outputs, previous_mask, self._symbolic_output_masks)
        return outputs

    # ------------------------------------------------------------------ functional helpers
    @property
    def input(self):
        """The symbolic input of the layer's first call in a graph."""
        return self._node(0, "input").call_args[0]

    @property
    def output(self):
        """The symbolic output of the layer's first call in a graph."""
        return self._node(0, "output").outputs

    def _node(self, index, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f'Layer "{self.name}" has no {what}: it was never called on a symbolic input.'
            )
        return self._inbound_nodes[index]

    # ------------------------------------------------------------------ config
    def get_config(self):
        """The constructor arguments that recreate this layer (without weights)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policies.serialize(self.dtype_policy)}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        """Creates a layer from :meth:`get_config`'s output."""
        return cls(**config)

    def build_from_config(self, config):
        """Builds the layer for the input shape saved in a file's ``build_config``."""
        shapes = config.get("input_shape") if isinstance(config, dict) else None
        if shapes is not None and not self.built:
            self._maybe_build(_json_to_shapes(shapes))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


#: What a layer tracks in its attributes (besides lists and dicts, walked when read).
_STATE_TYPES = (Layer, Variable, SeedGenerator, Metric, Optimizer)

#: Whether a layer that does not support masking warns when it drops an input's mask
#: (models do not: their own layers carry the masks through).
Layer._warns_when_dropping_masks = True


def _marking_built(build):
    """``build`` that marks the layer built (and remembers the shape), so that calling
    ``layer.build(shape)`` directly, as Keras allows, does not build it again on the first call."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        if self._build_shapes is None and args:
            with untracked(self):
                self._build_shapes = args[0]
        self.built = True
        return result
    wrapper._marks_built = True
    return wrapper


def _private_last(name):
    return f"~{name}" if name.startswith("_") else name


def _standardize_dtype(dtype):
    """The variable dtype that ``dtype`` (a dtype, a policy, its name or its serialized form)
    stands for; None: ``floatx()``."""
    if dtype is None:
        return floatx()
    return dtype_policies.get(dtype).variable_dtype


def _policy_of(dtype, layer):
    """The DTypePolicy for a layer's ``dtype`` argument (None: the global policy); an
    unusable one is a ValueError naming the layer."""
    try:
        return dtype_policies.get(dtype)
    except ImportError as error:  # bfloat16 without ml_dtypes
        raise ImportError(f'{type(layer).__name__} "{layer.name}": {error}') from error
    except (TypeError, ValueError) as error:
        raise ValueError(f'{type(layer).__name__} "{layer.name}": invalid dtype={dtype!r}. '
                         f"{error}") from error


def _is_float(dtype):
    """Whether ``dtype`` (a name) is a floating dtype, bfloat16 included (numpy, with
    ml_dtypes, gives it kind "V")."""
    return dtype == "bfloat16" or np.dtype(dtype).kind == "f"


def check_state_values(owner, method, argument, variables, values):
    """Raises ValueError unless ``values`` (the argument ``argument`` of ``owner.method``)
    holds one value per variable of ``variables`` (``owner.{argument}``)."""
    if not isinstance(values, (list, tuple)) or len(values) != len(variables):
        got = f"{len(values)}" if isinstance(values, (list, tuple)) else type(values).__name__
        raise ValueError(
            f'{type(owner).__name__} "{owner.name}".{method}(): {argument} must hold one value '
            f"per variable of {argument} ({len(variables)} values, in order); got {got}."
        )


def _overrides(layer, method):
    return getattr(type(layer), method) is not getattr(Layer, method)


def _shapes_of(x):
    """The shape of a tensor, or the structure of shapes of a structure of tensors."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (list, tuple)):
        return type(x)(_shapes_of(item) for item in x) if not hasattr(x, "_fields") else tuple(
            _shapes_of(item) for item in x)
    if isinstance(x, dict):
        return {k: _shapes_of(v) for k, v in x.items()}
    if x is None:
        return None
    return tuple(ops.shape(x))


def _json_to_shapes(value):
    """Lists from JSON back to shape tuples (a shape, or a list/dict of shapes)."""
    if isinstance(value, dict):
        return {k: _json_to_shapes(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value):
        return tuple(value)
    return [_json_to_shapes(v) for v in value]


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer))
                                                   for d in value)


def _keras_tensors_from_shapes(shapes, dtype):
    if _is_shape(shapes):
        return KerasTensor(tuple(shapes), dtype=dtype)
    if isinstance(shapes, dict):
        return {k: _keras_tensors_from_shapes(v, dtype) for k, v in shapes.items()}
    return type(shapes)(_keras_tensors_from_shapes(s, dtype) for s in shapes)


def _call_parameters(layer):
    cls = type(layer)
    cached = cls.__dict__.get("_kerasette_call_parameters")
    if cached is None:
        cached = inspect.signature(cls.call).parameters
        cls._kerasette_call_parameters = cached
    return cached


def _accepts_training(layer):
    return "training" in _call_parameters(layer)


def _mask_parameters(layer):
    """``(takes_mask, argument_masks)``: whether ``call`` has a ``mask`` parameter, and its
    parameters named ``<argument>_mask`` after another of its parameters."""
    cls = type(layer)
    cached = cls.__dict__.get("_kerasette_mask_parameters")
    if cached is None:
        names = set(_call_parameters(layer))
        cached = ("mask" in names,
                  frozenset(n for n in names if n.endswith("_mask") and n[:-5] in names))
        cls._kerasette_mask_parameters = cached
    return cached


def _bound_arguments(layer, args, kwargs):
    """``{parameter name: value}`` of a call of ``layer.call`` with ``args`` and ``kwargs``."""
    names = [name for name, parameter in _call_parameters(layer).items()
             if name != "self" and parameter.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                      inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    bound = dict(zip(names, args))
    bound.update(kwargs)
    return bound


def _holds_tensors(value):
    """Whether ``value`` is a tensor, or a non-empty structure of tensors (and Nones)."""
    if isinstance(value, (list, tuple, dict)):
        leaves = tree.flatten(value)[0]
        return bool(leaves) and all(_holds_tensors(leaf) for leaf in leaves)
    return isinstance(value, (KerasTensor, np.ndarray)) or ops.is_tensor(value)


def _accepts_all(layer, method, kwargs):
    """Whether ``layer.<method>`` takes every keyword of ``kwargs``."""
    parameters = inspect.signature(getattr(layer, method)).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return True
    return all(name in parameters for name in kwargs)


def _spec_of(a, b):
    """The KerasTensor of two results of a run (sizes 2 and 3): dimensions that differ are
    unknown."""
    shape = tuple(da if da == db else None for da, db in zip(ops.shape(a), ops.shape(b)))
    return KerasTensor(shape, dtype=ops.dtype(a))


def _default_training(layer):
    """The default of ``call``'s ``training`` parameter (None when it has none)."""
    parameter = _call_parameters(layer).get("training")
    if parameter is None or parameter.default is inspect.Parameter.empty:
        return None
    return parameter.default


def _with_training(layer, kwargs, training):
    if _accepts_training(layer):
        kwargs = dict(kwargs)
        kwargs["training"] = training
    return kwargs


class _CallScope:
    def __init__(self, training, layer):
        self.training = training
        self.layer = layer
        self.previous = None

    def __enter__(self):
        self.previous = current_call_context()
        if self.previous is None:
            _context.call = CallContext(self.training)
        elif self.training is not None and self.previous.training is None:
            self.previous.training = self.training
        return self

    def __exit__(self, *exc):
        if self.previous is None:
            _context.call = None
        return False


def _build_or_explain(layer, shapes):
    """Runs ``layer.build`` and turns a failure into an error that names the layer and shape."""
    try:
        layer.build(shapes)
    except (ValueError, TypeError, IndexError) as error:
        if f'"{layer.name}"' in str(error):
            raise
        raise type(error)(
            f'{type(layer).__name__} "{layer.name}" could not be built for input shape {shapes}: '
            f"{error}"
        ) from error
