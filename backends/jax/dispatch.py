"""How an op call runs: one decorator, applied to every op of the jax backend.

``@op("x1", "x2")`` names the op's tensor parameters. A call converts those
arguments (:func:`~kerasette.backends.jax.convert.as_input`: Variables read,
numpy arrays and lists to jax arrays), then:

- no tape recording: calls the op's function at once (the jit and inference
  path: no ``jax.vjp``, nothing kept);
- a tape recording: goes through :func:`~kerasette.backends.jax.recording.apply`,
  which records a node if a tape tracks one of the tensor arguments.

A parameter named ``"*xs"`` holds a sequence of tensors (``concatenate``); a
``*operands`` parameter of the function is one too. ``differentiable=False``
ops (comparisons, argmax, ...) are never recorded. The function must be pure
in its arguments: the tape may run it again to differentiate it a second time.
"""

import functools
import inspect

from . import recording
from .convert import as_input


def op(*tensor_parameters, differentiable=True):
    """Declares an op's tensor parameters; see the module docstring."""
    def decorate(fn):
        parameters = inspect.signature(fn).parameters
        names = list(parameters)
        specs = []
        for spec in tensor_parameters:
            name = spec.lstrip("*")
            varargs = parameters[name].kind is inspect.Parameter.VAR_POSITIONAL
            specs.append((name, names.index(name), spec.startswith("*") or varargs, varargs))
        specs = tuple(specs)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            args = list(args)
            for name, index, sequence, varargs in specs:
                if varargs:
                    args[index:] = [as_input(a) for a in args[index:]]
                elif index < len(args):
                    args[index] = _convert(args[index], sequence)
                elif name in kwargs:
                    kwargs[name] = _convert(kwargs[name], sequence)
            if differentiable and recording.tapes:
                return _recorded_call(fn, specs, args, kwargs)
            return fn(*args, **kwargs)

        run.tensor_parameters = tuple(spec[0] for spec in specs)
        run.differentiable = differentiable
        return run
    return decorate


def _convert(value, sequence):
    if sequence:
        return [as_input(v) for v in value]
    return as_input(value)


def _recorded_call(fn, specs, args, kwargs):
    """Runs ``fn`` through ``recording.apply`` with its tensor arguments as the values."""
    slots, values = [], []
    for name, index, sequence, varargs in specs:
        if varargs:
            for i in range(index, len(args)):
                slots.append((True, i, None))
                values.append(args[i])
            continue
        in_args = index < len(args)
        if not in_args and name not in kwargs:
            continue
        value = args[index] if in_args else kwargs[name]
        key = index if in_args else name
        if sequence:
            for k, v in enumerate(value):
                slots.append((in_args, key, k))
                values.append(v)
        else:
            slots.append((in_args, key, None))
            values.append(value)

    def call(*values):
        call_args, call_kwargs = list(args), dict(kwargs)
        for (in_args, key, k), v in zip(slots, values):
            container = call_args if in_args else call_kwargs
            if k is None:
                container[key] = v
            else:
                if container[key] is (args[key] if in_args else kwargs[key]):
                    container[key] = list(container[key])  # copy a sequence before filling it
                container[key][k] = v
        return fn(*call_args, **call_kwargs)

    return recording.apply(call, values)
