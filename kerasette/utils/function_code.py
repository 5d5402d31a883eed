"""Python functions to and from Keras 3's saved form: marshalled bytecode in base64.

A ``Lambda`` layer's lambda (or local function) is saved the way Keras 3 saves it:
``(code, defaults, closure)``, where ``code`` is the function's code object marshalled
and base64-encoded, ``defaults`` its default argument values and ``closure`` the values
of the variables it captured. Bytecode runs only in the Python version that wrote it,
and loading it runs code from the file: loaders call :func:`func_load` only outside
safe mode (see ``kerasette.serialization.serialization_lib``).
"""

import binascii
import builtins
import codecs
import dis
import marshal
import types


def func_dump(func):
    """Serializes a Python function as ``(code, defaults, closure)`` (Keras 3's layout).

    Args:
        func: a Python function (a lambda, a local or a module-level function).

    Returns:
        ``code``: the marshalled code object in base64 (ASCII text); ``defaults``: the tuple
        of default argument values, or None; ``closure``: the tuple of the captured
        variables' values (in the order of ``func.__code__.co_freevars``), or None.

    Raises:
        ValueError: a captured variable has no value yet (it is assigned after the
            function was defined).

    Example:
        >>> code, defaults, closure = func_dump(lambda x, scale=2.0: x * scale)
        >>> defaults
        (2.0,)
    """
    code = codecs.encode(marshal.dumps(func.__code__), "base64").decode("ascii")
    closure = None
    if func.__closure__:
        values = []
        for name, cell in zip(func.__code__.co_freevars, func.__closure__):
            try:
                values.append(cell.cell_contents)
            except ValueError:
                raise ValueError(
                    f"Cannot save function {func.__qualname__!r}: the variable {name!r} it "
                    "captures has no value yet (it is assigned after the function is "
                    "defined)."
                ) from None
        closure = tuple(values)
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs=None):
    """Rebuilds a function saved by :func:`func_dump` (or by Keras 3): this runs no code
    yet, but the function it returns runs the file's bytecode when called.

    Args:
        code: the base64 text of the marshalled code object; or the whole
            ``(code, defaults, closure)`` triple (Keras 3's generic ``__lambda__`` form).
        defaults: default argument values (a list, as JSON gives it, or a tuple), or None.
        closure: the captured variables' values, one per free variable, or None.
        globs: the function's globals; default :func:`loaded_function_globals`.

    Returns:
        The function.

    Raises:
        ValueError: ``code`` is not the bytecode of a function for this Python version, or
            ``defaults`` / ``closure`` do not fit it.
    """
    if isinstance(code, (list, tuple)):
        if len(code) != 3:
            raise ValueError(f"A saved function is (code, defaults, closure); got {len(code)} "
                             "items.")
        code, defaults, closure = code
    if not isinstance(code, str):
        raise ValueError(f"A saved function's code must be base64 text, got "
                         f"{type(code).__name__}.")
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error):
        raw = code.encode("raw_unicode_escape")  # the layout of older Keras files
    try:
        code_object = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as error:
        raise ValueError(
            f"Could not rebuild a saved function from its bytecode ({type(error).__name__}: "
            f"{error}). Bytecode loads only in the Python version that saved it (this is "
            f"Python {_python_version()})."
        ) from None
    if not isinstance(code_object, types.CodeType):
        raise ValueError(f"A saved function's code must be a marshalled code object, got a "
                         f"{type(code_object).__name__}.")
    if defaults is not None:
        if not isinstance(defaults, (list, tuple)):
            raise ValueError(f"The defaults of saved function {code_object.co_name!r} must be "
                             f"a list, got {type(defaults).__name__}.")
        defaults = tuple(defaults)
    free = code_object.co_freevars
    if closure is not None and not isinstance(closure, (list, tuple)):
        raise ValueError(f"The closure of saved function {code_object.co_name!r} must be a "
                         f"list, got {type(closure).__name__}.")
    if len(closure or ()) != len(free):
        raise ValueError(
            f"Saved function {code_object.co_name!r} captures {len(free)} variable(s) "
            f"{list(free)}, but its closure holds {len(closure or ())} value(s)."
        )
    cells = tuple(types.CellType(value) for value in closure) if free else None
    return types.FunctionType(code_object, loaded_function_globals() if globs is None else globs,
                              code_object.co_name, defaults, cells)


def loaded_function_globals():
    """The globals a function rebuilt by :func:`func_load` sees: Python's builtins,
    ``kerasette`` (also as ``keras``, so code written against Keras runs), ``ops``,
    ``layers``, ``activations``, and numpy as ``np`` and ``numpy``.

    A saved function keeps its bytecode, not the module it was written in: any other
    global it names is missing once loaded (:func:`missing_globals` lists them at save
    time). Each call gives a fresh dict, so one loaded function cannot change another's.
    """
    import numpy

    import kerasette
    return {"__builtins__": builtins, "__name__": __name__, "keras": kerasette,
            "kerasette": kerasette, "ops": kerasette.ops, "layers": kerasette.layers,
            "activations": kerasette.activations, "np": numpy, "numpy": numpy}


def missing_globals(func):
    """The global names ``func``'s code reads that a loaded copy of it would not have
    (neither in :func:`loaded_function_globals` nor builtins), sorted."""
    available = set(loaded_function_globals()) | set(vars(builtins))
    names = set()
    pending = [func.__code__]
    while pending:
        code = pending.pop()
        names.update(instruction.argval for instruction in dis.get_instructions(code)
                     if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        pending.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    return sorted(name for name in names if isinstance(name, str) and name not in available)


def _python_version():
    import sys
    return ".".join(str(part) for part in sys.version_info[:2])
