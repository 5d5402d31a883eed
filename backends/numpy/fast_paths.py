"""numpy's fast paths: the engine's overrides for numpy on a CPU.

The engine is array-module agnostic; what only pays off on numpy lives here, as
a table of :class:`~kerasette.backends.autodiff.registry.Override` (the forward
of named primitives) handed to the engine by ``NumpyBackend``. Every override
runs through the same cross-checks against JAX as the rule it replaces
(``tests/backends/test_gradients.py`` runs the ops they serve on the default
table and on one with every threshold at zero, so the fast branches are what is
checked).
"""

import functools
import math

import numpy

from ..autodiff import registry
from ..autodiff.registry import Override
from ..autodiff.rules import activations, convolution, elementwise, pooling, random
from ..autodiff.rules.optimizers import FLUSHED_DTYPES
from . import threads

# numpy's where branches on every element and mispredicts on the random masks of training
# (relu's gradient ``x > 0``): picking the bits with an integer mask is about 8x faster
# (measured on float32[128, 512]). Below this many elements the few extra calls cost more
# than they save.
SELECT_MIN_SIZE = 4096

# An im2col matrix larger than the CPU's caches makes a round trip to memory between its
# copy and its matmul. Working through the batch a few images at a time, each slice's
# matrix about this size, keeps it in cache (2 MiB L2 per core, 32 MiB L3 here): measured
# 0-15% faster on a small convnet's layers (batch 128, 13x13x32), 25-30% on a larger one
# (batch 32, 28x28x64).
CONV_CHUNK_BYTES = 4 * 2 ** 20

_UNSIGNED = {2: "uint16", 4: "uint32", 8: "uint64"}


def bitwise_select(condition, x1, x2, min_size=SELECT_MIN_SIZE, min_elements=None):
    """``numpy.where(condition, x1, x2)``, bit for bit, picking bits with an integer mask.

    Used for a bool condition of at least ``min_size`` elements and float operands of one
    dtype (either may be a Python scalar); anything else goes to ``numpy.where``. A large
    ``select(c, g, 0)`` is split across the cores from ``min_elements`` (``threads.py``).
    """
    if type(condition) is not numpy.ndarray or condition.size < min_size:
        return numpy.where(condition, x1, x2)
    d1, d2 = getattr(x1, "dtype", None), getattr(x2, "dtype", None)
    dtype = d1 if d2 is None else d2 if d1 is None or d1 == d2 else None
    scalars_ok = all(type(v) in (int, float) for v in (x1, x2) if not hasattr(v, "dtype"))
    if (dtype is None or dtype.kind != "f" or dtype.itemsize not in _UNSIGNED or not scalars_ok
            or condition.dtype.kind != "b"):
        return numpy.where(condition, x1, x2)
    unsigned = _UNSIGNED[dtype.itemsize]
    # one pass each: all bits set where the condition holds (0 - 1 wraps around), or where
    # it does not (1 - 1, 0 - 1)
    if _is_positive_zero(x2) and getattr(x1, "shape", None) == condition.shape:
        # select(c, g, 0), a ReLU's gradient: the bits of g where c, else +0.0
        def kept_where_true(out, condition, x1):
            numpy.subtract(0, condition, dtype=unsigned, out=out)
            numpy.bitwise_and(x1.view(unsigned), out, out=out)
        return threads.by_rows(kept_where_true, numpy.empty(condition.shape, unsigned),
                               condition, x1, min_elements=min_elements).view(dtype)
    if _is_positive_zero(x1) and getattr(x2, "shape", None) == condition.shape:
        def kept_where_false(out, condition, x2):
            numpy.subtract(condition, 1, dtype=unsigned, out=out)
            numpy.bitwise_and(x2.view(unsigned), out, out=out)
        return threads.by_rows(kept_where_false, numpy.empty(condition.shape, unsigned),
                               condition, x2, min_elements=min_elements).view(dtype)
    keep = numpy.subtract(0, condition, dtype=unsigned)
    a = numpy.asarray(x1, dtype=dtype).view(unsigned)
    b = numpy.asarray(x2, dtype=dtype).view(unsigned)
    return (b ^ ((a ^ b) & keep)).view(dtype)


def _is_positive_zero(value):
    """Whether ``value`` is the Python number 0 or +0.0 (whose bits are all zero)."""
    return type(value) in (int, float) and value == 0 and math.copysign(1.0, value) > 0


def adam_update(xp, variable, gradient, m, v, alpha, beta_1, beta_2, epsilon, flush=True, *,
                min_elements=None):
    """``adam_update`` as ``out=`` chains into its three outputs and one scratch array:
    12 passes over the variable, the count of an in-place loop written by hand, plus four
    when ``flush`` asks for the denormal flush (the generic rule makes 14 temporaries and
    flushes every step: measured 2.4x slower on a float32[784, 512] slot, flush included).
    A large variable is split across the cores (``threads.py``). Bit for bit the generic
    rule's arithmetic."""
    if type(flush) not in (bool, numpy.ndarray, numpy.bool_):
        flush = flush.data  # an engine tensor (eagerly); a replay passes the raw array
    flush = bool(flush) and variable.dtype in _FLUSHED
    new_variable, new_m, new_v = (numpy.empty(variable.shape, variable.dtype) for _ in range(3))

    def update(new_variable, new_m, new_v, variable, gradient, m, v):
        scratch = numpy.empty_like(new_variable)
        numpy.subtract(gradient, m, out=new_m)
        new_m *= 1 - beta_1
        new_m += m
        numpy.multiply(gradient, gradient, out=new_v)
        new_v -= v
        new_v *= 1 - beta_2
        new_v += v
        if flush:
            tiny = numpy.finfo(new_m.dtype).tiny
            numpy.copyto(new_m, 0, where=numpy.abs(new_m, out=scratch) < tiny)
            numpy.copyto(new_v, 0, where=new_v < tiny)  # v >= 0
        numpy.sqrt(new_v, out=scratch)
        scratch += epsilon
        numpy.multiply(new_m, alpha, out=new_variable)
        new_variable /= scratch
        numpy.subtract(variable, new_variable, out=new_variable)

    # flat views (of arrays made here, or copies of non-contiguous inputs, only read), so
    # that the threads cut any shape into rows; a 0-d variable becomes one row of one
    threads.by_rows(update, *(a.reshape(-1) for a in (new_variable, new_m, new_v, variable,
                                                      gradient, m, v)),
                    min_elements=min_elements)
    return new_variable, new_m, new_v


_FLUSHED = tuple(numpy.dtype(name) for name in FLUSHED_DTYPES)


def split_binary(op, ufunc, min_elements=None):
    """``op``'s forward, split across the cores (``threads.py``) when its result is large: a
    float array ``x1`` and ``x2`` a Python number or an array of its dtype that broadcasts
    to ``x1``'s shape (a bias); anything else takes the op's own forward."""
    limit = threads.MIN_ELEMENTS if min_elements is None else min_elements
    forward = op.forward
    predicate = not op.differentiable

    def split(xp, x1, x2):
        if (type(x1) is numpy.ndarray and x1.size >= limit and x1.dtype.kind == "f"
                and (type(x2) in (int, float) or (
                    type(x2) is numpy.ndarray and x2.dtype == x1.dtype and x2.ndim <= x1.ndim
                    and numpy.broadcast_shapes(x1.shape, x2.shape) == x1.shape))):
            out = numpy.empty(x1.shape, bool if predicate else x1.dtype)
            return threads.by_rows(lambda out, a, b: ufunc(a, b, out=out), out, x1, x2,
                                   min_elements=limit)
        return forward(xp, x1, x2)
    split.__name__ = split.__qualname__ = op.name
    return split


def split_relu(min_elements=None):
    """relu's forward, split across the cores for a large float input."""
    limit = threads.MIN_ELEMENTS if min_elements is None else min_elements
    forward = activations.relu.forward

    def relu(xp, x):
        if type(x) is numpy.ndarray and x.size >= limit and x.dtype.kind == "f":
            return threads.by_rows(lambda out, x: numpy.maximum(x, 0, out=out),
                                   numpy.empty(x.shape, x.dtype), x, min_elements=limit)
        return forward(xp, x)
    return relu


def finite_tap_select(xp, values, winner):
    """``pooling.tap_select``, multiplying by the mask when every value is finite: several
    times faster than ``where``, and exact then (a multiply turns an infinite value that
    lost into NaN, not 0, so infinite values take the ``where``). The finiteness is read
    on the host: free on a CPU."""
    if not numpy.isfinite(values).all():
        return pooling.tap_select(xp, values, winner)
    return lambda t, out=None: numpy.multiply(values, winner == t, out=out)


def numpy_generator(xp, state):
    """numpy's generator for ``random_draw``, seeded by the state's two words (the same
    numbers as before the generic :class:`random.CounterGenerator` existed)."""
    return numpy.random.default_rng((int(state[0]), int(state[1])))


def overrides(select_min_size=SELECT_MIN_SIZE, conv_chunk_bytes=CONV_CHUNK_BYTES,
              split_min_elements=None):
    """numpy's override table, ``{primitive name: Override}``.

    Args:
        select_min_size: the smallest condition the bitwise select takes.
        conv_chunk_bytes: the im2col bytes per batch slice of the convolutions.
        split_min_elements: the smallest result split across the cores (None:
            ``threads.MIN_ELEMENTS``).

    The defaults are numpy's measured thresholds; the cross-check suite sets them to
    their smallest so that every fast branch meets JAX on its small inputs.
    """
    where = functools.partial(bitwise_select, min_size=select_min_size,
                              min_elements=split_min_elements)

    def selecting(op):
        return binding(op, where=where)

    def chunked(op):
        return binding(op, chunk_bytes=conv_chunk_bytes)

    return {
        "select": selecting(elementwise.select),
        "leaky_relu": selecting(activations.leaky_relu),
        "elu": selecting(activations.elu),
        "conv_general": chunked(convolution.conv_general),
        "conv_input_grad": chunked(convolution.conv_input_grad),
        "conv_kernel_grad": chunked(convolution.conv_kernel_grad),
        "adam_update": Override(forward=functools.partial(
            adam_update, min_elements=split_min_elements)),
        "relu": Override(forward=split_relu(split_min_elements)),
        "max_pool_scatter": binding(pooling.max_pool_scatter, select=finite_tap_select),
        "max_pool_gather": binding(pooling.max_pool_gather, select=finite_tap_select),
        "random_draw": binding(random.random_draw, generator=numpy_generator),
        **{name: Override(forward=split_binary(registry.OPS[name], getattr(numpy, name),
                                               split_min_elements))
           for name in ("add", "subtract", "multiply", "greater")},
    }


def binding(op, **keywords):
    """An override of ``op``'s forward with some of its keyword parameters bound (the
    generic forward's hooks: a select, a generator, a chunk size), named as the op."""
    forward = functools.partial(op.forward, **keywords)
    forward.__name__ = op.name
    return Override(forward=forward)


#: the table the numpy backend runs with
OVERRIDES = overrides()
