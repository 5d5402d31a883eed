"""Shape ops: reshape, expand/squeeze, join and split, broadcast, tile, repeat, pad, flip,
moveaxis (``jax.numpy``'s, numpy semantics)."""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..convert import axis_argument, promote, tensor
from ..dispatch import op

__all__ = ["reshape", "expand_dims", "squeeze", "concatenate", "stack", "split", "unstack",
           "broadcast_to", "tile", "repeat", "pad", "flip", "moveaxis"]

_PAD_MODES = ("constant", "reflect", "symmetric", "edge")


@op("x")
def reshape(x, newshape):
    return jnp.reshape(tensor(x), _sizes(newshape))


@op("x")
def expand_dims(x, axis):
    return jnp.expand_dims(tensor(x), axis_argument(axis))


@op("x")
def squeeze(x, axis=None):
    return jnp.squeeze(tensor(x), axis_argument(axis))


@op("*xs")
def concatenate(xs, axis=0):
    return jnp.concatenate(promote(*xs), axis=axis)


@op("*x")
def stack(x, axis=0):
    return jnp.stack(promote(*x), axis=axis)


@op("x")
def split(x, indices_or_sections, axis=0):
    if not isinstance(indices_or_sections, (int, np.integer)):
        indices_or_sections = [int(i) for i in np.asarray(indices_or_sections).reshape(-1)]
    return list(jnp.split(tensor(x), indices_or_sections, axis=axis))


@op("x")
def unstack(x, num=None, axis=0):
    x = tensor(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"unstack: axis {axis} is out of range for {x.ndim} dimensions.")
    n = x.shape[axis]
    if num is not None and int(num) != n:
        raise ValueError(f"unstack: num={num} but axis {axis % x.ndim} of shape {x.shape} has "
                         f"{n} slices.")
    return [lax.index_in_dim(x, i, axis, keepdims=False) for i in range(n)]


@op("x")
def broadcast_to(x, shape):
    return jnp.broadcast_to(tensor(x), _sizes(shape))


@op("x")
def tile(x, repeats):
    return jnp.tile(tensor(x), _sizes(repeats))


@op("x")
def repeat(x, repeats, axis=None):
    if not isinstance(repeats, (int, np.integer)):
        repeats = np.asarray(repeats)
    return jnp.repeat(tensor(x), repeats, axis=axis)


@op("x")
def pad(x, pad_width, mode="constant", constant_values=None):
    mode = str(mode).lower()
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(_PAD_MODES)}, got {mode!r}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values is only used with mode='constant', got mode={mode!r}.")
    pad_width = np.asarray(pad_width, dtype="int64").tolist() if not isinstance(pad_width, int) else pad_width
    if mode == "constant":
        return jnp.pad(tensor(x), pad_width, mode=mode,
                       constant_values=0 if constant_values is None else constant_values)
    return jnp.pad(tensor(x), pad_width, mode=mode)


@op("x")
def flip(x, axis=None):
    return jnp.flip(tensor(x), axis_argument(axis))


@op("x")
def moveaxis(x, source, destination):
    return jnp.moveaxis(tensor(x), axis_argument(source), axis_argument(destination))


def _sizes(shape):
    """A shape or repeat counts (an int or a sequence) as jax takes them."""
    if isinstance(shape, (int, np.integer)):
        return int(shape)
    return tuple(int(n) for n in shape)
