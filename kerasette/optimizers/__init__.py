"""Optimizers (``keras.optimizers``): how trainable variables move along their gradients.

Each optimizer is a ``build`` (its slots) and one ``update_step`` written with
:mod:`kerasette.ops`; the base :class:`Optimizer` does everything else, on every
backend and inside ``jax.jit``. Choose one by name or by instance::

    model.compile(optimizer="adam", loss="mse")
    model.compile(optimizer=kerasette.optimizers.SGD(learning_rate=0.1, momentum=0.9), ...)
"""

from kerasette.optimizers import schedules
from kerasette.optimizers.adadelta import Adadelta
from kerasette.optimizers.adafactor import Adafactor
from kerasette.optimizers.adagrad import Adagrad
from kerasette.optimizers.adam import Adam
from kerasette.optimizers.adamax import Adamax
from kerasette.optimizers.adamw import AdamW
from kerasette.optimizers.ftrl import Ftrl
from kerasette.optimizers.lamb import Lamb
from kerasette.optimizers.lion import Lion
from kerasette.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasette.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from kerasette.optimizers.muon import Muon
from kerasette.optimizers.nadam import Nadam
from kerasette.optimizers.optimizer import (
    Optimizer,
    clip_by_global_norm,
    flush_denormals,
    global_norm,
)
from kerasette.optimizers.rmsprop import RMSprop
from kerasette.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from kerasette.optimizers.sgd import SGD
from kerasette.serialization import (deserialize_keras_object, get_registered_object,
                                     serialize_keras_object)

ALL_OBJECTS = (Optimizer, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lamb, Lion,
               Muon, Nadam, RMSprop, ScheduleFreeAdamW, SGD, LossScaleOptimizer, MultiOptimizer)

#: every optimizer by its lower-cased class name, as Keras looks names up ("adam", "rmsprop");
#: the abstract base class is not one (it has no update rule)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS if cls is not Optimizer}


def serialize(optimizer):
    """The Keras 3 config dict of ``optimizer``
    (``{"module": "keras.optimizers", "class_name": "Adam", "config": {...}, ...}``)."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """The optimizer (without state) described by ``config``, a dict from :func:`serialize`.

    Built-in class names are matched case-insensitively (``"adam"``, ``"Adam"``).

    Raises:
        ValueError: the class is not a known optimizer (the message lists the valid names).
    """
    config = dict(config)
    name = config.get("class_name")
    builtin = ALL_OBJECTS_DICT.get(str(name).lower())
    if builtin is not None:
        config["class_name"] = builtin.__name__
    elif get_registered_object(config.get("registered_name") or str(name), custom_objects) is None:
        raise ValueError(
            f"Could not interpret optimizer identifier {name!r}: unknown name. Valid names are: "
            f"{', '.join(sorted(ALL_OBJECTS_DICT))} (or a class registered with "
            "kerasette.saving.register_keras_serializable, or passed in custom_objects)."
        )
    optimizer = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Could not interpret optimizer identifier {config!r}: it describes "
                         f"a {type(optimizer).__name__}, not an Optimizer.")
    return optimizer


def get(identifier):
    """The optimizer for ``identifier``.

    Args:
        identifier: None (gives None); a name (``"adam"``, ``"SGD"``: the optimizer with
            its default arguments); a config dict; or an Optimizer instance (returned as is).

    Raises:
        ValueError: an unknown name (the message lists the valid ones) or an identifier
            of another kind.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier {identifier!r}: expected a "
                     f"name ({', '.join(sorted(ALL_OBJECTS_DICT))}), a config dict or an "
                     "Optimizer instance.")


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + [
    "OptimizerMap", "schedules", "serialize", "deserialize", "get", "flush_denormals", "global_norm",
    "clip_by_global_norm"]
