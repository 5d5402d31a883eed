"""Several optimizers in one: ``MultiOptimizer`` and the ``OptimizerMap`` that assigns each
variable its optimizer (Keras 3 ``keras.optimizers.MultiOptimizer``/``OptimizerMap``).

A typical use: a pretrained encoder fine-tuned with a small SGD learning rate while a new
head trains with Adam. The wrapper owns only ``iterations`` (and a placeholder learning
rate, as Keras 3 keeps one); every variable is updated by exactly one inner optimizer,
which keeps its own slots and its own step count.
"""

import re
from collections.abc import MutableMapping

from kerasette.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasette.optimizers.optimizer import Optimizer
from kerasette.serialization import deserialize_keras_object, serialize_keras_object


def _check_inner(optimizer, where):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: expected an Optimizer instance, got {optimizer!r}.")
    if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
        raise ValueError(f"{where}: a {type(optimizer).__name__} cannot be an inner optimizer of "
                         "a MultiOptimizer (wrap the MultiOptimizer in a LossScaleOptimizer "
                         "instead).")


class OptimizerMap(MutableMapping):
    """Variable path patterns -> optimizers, with a default for the variables no pattern
    matches. A pattern matches the whole path (``re.fullmatch``), e.g. ``"encoder/.*"``.

    Args:
        default_optimizer: the optimizer of every variable no pattern matches.
        optimizer_map: ``{pattern: optimizer}`` (more can be set with ``map[pattern] = ...``).

    Example:
        >>> optimizer_map = OptimizerMap(SGD(1e-3), {"dense_head/.*": Adam(1e-2)})
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        _check_inner(default_optimizer, "OptimizerMap default_optimizer")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"OptimizerMap: optimizer_map must be a dict of pattern -> "
                            f"optimizer, got {type(optimizer_map).__name__}.")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for pattern, optimizer in (optimizer_map or {}).items():
            self[pattern] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, path):
        """The optimizer of the variable at ``path``."""
        if path in self._optimizer_map:
            return self._optimizer_map[path]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, path)]
        if len(matching) > 1:
            raise ValueError(f"OptimizerMap: variable {path!r} matches several patterns "
                             f"({matching}); each variable must have one optimizer.")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, pattern, optimizer):
        if not isinstance(pattern, str):
            raise ValueError(f"OptimizerMap: a key must be a string pattern, got {pattern!r}.")
        if pattern in self._optimizer_map:
            raise ValueError(f"OptimizerMap: {pattern!r} is already mapped (to "
                             f"{self._optimizer_map[pattern]}).")
        _check_inner(optimizer, f"OptimizerMap[{pattern!r}]")
        self._optimizer_map[pattern] = optimizer

    def __delitem__(self, pattern):
        del self._optimizer_map[pattern]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": serialize_keras_object(self._optimizer_map)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        default = deserialize_keras_object(config["default_optimizer"],
                                           custom_objects=custom_objects)
        mapped = {pattern: deserialize_keras_object(optimizer, custom_objects=custom_objects)
                  for pattern, optimizer in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapped)


class MultiOptimizer(Optimizer):
    """Updates each variable with the optimizer an :class:`OptimizerMap` (or a function of
    the variable) gives it.

    Args:
        optimizer_map: an :class:`OptimizerMap`, or a callable ``variable -> optimizer``.
        loss_scale_factor: passed to every inner optimizer.
        name: the optimizer's name.

    The learning rate belongs to each inner optimizer: reading or setting the
    MultiOptimizer's raises ``AttributeError``.

    Example:
        >>> optimizer = MultiOptimizer(OptimizerMap(SGD(1e-3), {"head/.*": Adam(1e-2)}))
        >>> model.compile(optimizer=optimizer, loss="mse")
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        if not callable(optimizer_map):
            raise TypeError(f"MultiOptimizer: optimizer_map must be an OptimizerMap or a "
                            f"callable variable -> optimizer, got {optimizer_map!r}.")
        self._optimizer_map = optimizer_map
        if isinstance(optimizer_map, OptimizerMap):
            for optimizer in [*optimizer_map.values(), optimizer_map.default_optimizer]:
                self._add_inner(optimizer)

    def _add_inner(self, optimizer):
        if not any(optimizer is known for known in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)

    @property
    def optimizers(self):
        """The inner optimizers, in the order their state is saved."""
        return list(self._inner_optimizers)

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self.__dict__["_loss_scale_factor"] = value
        for optimizer in self.__dict__.get("_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    @property
    def learning_rate(self):
        raise AttributeError("A MultiOptimizer has no learning rate of its own: read it on its "
                             "inner optimizers (multi_optimizer.optimizers).")

    @learning_rate.setter
    def learning_rate(self, value):
        if self.__dict__.get("_learning_rate") is None:   # the base constructor's placeholder
            Optimizer.learning_rate.fset(self, value)
            return
        raise AttributeError("A MultiOptimizer has no learning rate of its own: set it on its "
                             "inner optimizers (multi_optimizer.optimizers).")

    @property
    def variables(self):
        """Its own ``iteration`` and placeholder ``learning_rate``, then each inner
        optimizer's variables (Keras 3's order)."""
        variables = list(self._variables)
        for optimizer in self._inner_optimizers:
            variables.extend(optimizer.variables)
        return variables

    def build(self, variables):
        variables = list(variables)
        self._inner_of = {}
        groups = {}
        for variable in variables:
            optimizer = self._optimizer_map(variable)
            _check_inner(optimizer, f"MultiOptimizer (variable {variable.path!r})")
            self._add_inner(optimizer)
            index = next(i for i, known in enumerate(self._inner_optimizers) if known is optimizer)
            self._inner_of[id(variable)] = index
            groups.setdefault(index, []).append(variable)
        for index, group in sorted(groups.items()):
            self._inner_optimizers[index].build(group)
        super().build(variables)

    def _split(self, items, variables):
        """``items`` (one per variable) grouped by inner optimizer: ``{index: (items,
        variables)}``."""
        groups = {}
        for item, variable in zip(items, variables):
            index = self._inner_of[id(variable)]
            groups.setdefault(index, ([], []))
            groups[index][0].append(item)
            groups[index][1].append(variable)
        return groups

    def apply(self, grads, trainable_variables=None):
        """Hands each inner optimizer the gradients of its variables."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("MultiOptimizer.apply(grads) without variables needs a built "
                                 "optimizer: call optimizer.build(trainable_variables) first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"MultiOptimizer.apply: got {len(grads)} gradients for "
                             f"{len(trainable_variables)} variables.")
        for index, (group_grads, group_variables) in sorted(
                self._split(grads, trainable_variables).items()):
            self._inner_optimizers[index].apply(group_grads, group_variables)
        self._iterations.assign_add(1)

    def finalize_variable_values(self, var_list):
        for index, (_, group) in sorted(self._split(var_list, var_list).items()):
            self._inner_optimizers[index].finalize_variable_values(group)

    def get_config(self):
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise TypeError("A MultiOptimizer built from a function cannot be serialized: use "
                            "an OptimizerMap to save it with the model.")
        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizer_map"] = deserialize_keras_object(config["optimizer_map"],
                                                           custom_objects=custom_objects)
        return cls(**config)
