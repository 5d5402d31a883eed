"""Masks attached to tensors: ``set_keras_mask(x, mask)`` and ``get_keras_mask(x)``.

Keras 3 carries a layer's output mask on the output tensor itself, as its ``_keras_mask``
attribute. That works where the array type takes attributes (symbolic KerasTensors, JAX's
concrete arrays); numpy arrays, the autodiff engine's tensors and JAX's tracers (inside
``jax.jit`` and ``jax.value_and_grad``) refuse them. For those the mask is kept in a table
keyed by the tensor's ``id``, the entry removed when the tensor is garbage collected (a weak
reference's callback), so an ``id`` that Python reuses for a new array never finds a stale
mask. The same two functions serve every backend, eagerly, under a GradientTape, while the
numpy engine records a step to replay, and inside ``jax.jit``.

Values that take neither an attribute nor a weak reference (Python and numpy scalars) cannot
carry a mask: ``set_keras_mask`` leaves them as they are.
"""

import weakref

_ATTRIBUTE = "_keras_mask"

# id(tensor) -> mask, for tensors that refuse attributes; entries leave with their tensor
_MASKS = {}


def set_keras_mask(x, mask):
    """Attaches ``mask`` (a boolean tensor, or None to remove it) to the tensor ``x``."""
    try:
        setattr(x, _ATTRIBUTE, mask)
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return
    if key not in _MASKS:
        try:
            weakref.finalize(x, _MASKS.pop, key, None)
        except TypeError:  # no weak reference: a scalar, which carries no mask
            return
    _MASKS[key] = mask


def get_keras_mask(x):
    """The mask attached to ``x`` by :func:`set_keras_mask`, or None."""
    mask = getattr(x, _ATTRIBUTE, None)
    if mask is not None or not _MASKS:
        return mask
    return _MASKS.get(id(x))


def masks_of(structure):
    """The masks of a tensor or of a structure of tensors (lists, tuples, dicts), in the same
    structure: None for a tensor without one. None itself gives None."""
    if isinstance(structure, (list, tuple)) and not hasattr(structure, "_fields"):
        return type(structure)(masks_of(item) for item in structure)
    if isinstance(structure, dict):
        return {key: masks_of(value) for key, value in structure.items()}
    if structure is None:
        return None
    return get_keras_mask(structure)


def leaves_with_none(structure):
    """The leaves of a structure (lists, tuples, dicts) with None counted as a leaf: the
    masks ``[m, None]`` give two, so they pair up with the tensors they belong to."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in leaves_with_none(item)]
    if isinstance(structure, dict):
        keys = sorted(structure) if all(isinstance(k, str) for k in structure) else structure
        return [leaf for key in keys for leaf in leaves_with_none(structure[key])]
    return [structure]
