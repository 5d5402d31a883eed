"""Gradient checking for code written with :mod:`kerasette.ops`.

:func:`check_gradients` proves the gradients of your own function (a custom
layer's computation, a loss) right three ways, the way kerasette checks its own
ops: the numpy engine's reverse mode against JAX's ``jax.vjp`` of the same code
on the ``jax`` backend, and against central finite differences in float64.

The two smaller helpers, :func:`relative_error` and :func:`finite_difference`,
are the measures it uses; kerasette's own test suite uses them too.
"""

import dataclasses
import functools
import inspect

import numpy as np

from kerasette import backend as _backend


def relative_error(actual, expected, floor=0.0):
    """Normwise relative error ``max|actual - expected| / max(max|expected|, floor)``.

    ``floor`` keeps the error finite when ``expected`` is (nearly) zero: with
    ``floor = atol / rtol`` the test ``relative_error(...) <= rtol`` reads
    ``max|actual - expected| <= max(rtol * max|expected|, atol)``. NaNs and infinities
    in the same places on both sides agree; anywhere else they give ``inf``.
    Shapes must match (no broadcasting): a wrong shape gives ``inf``.

    Example:
        >>> round(relative_error([1.0, 2.0001], [1.0, 2.0]), 8)
        5e-05
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return float("inf")
    if actual.size == 0:
        return 0.0
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    if not np.isfinite(actual[~same]).all() or not np.isfinite(expected[~same]).all():
        return float("inf")
    difference = np.where(same, 0.0, np.abs(actual - expected))
    scale = np.abs(np.where(np.isfinite(expected), expected, 0.0)).max()
    denominator = max(scale, floor)
    error = difference.max()
    if error == 0.0:
        return 0.0
    return float(error / denominator) if denominator > 0 else float("inf")


def finite_difference(f, args, directions, eps=1e-6):
    """Central difference ``(f(args + eps * d) - f(args - eps * d)) / (2 * eps)``.

    Args:
        f: function of a list of float64 numpy arrays, returning a float or an array.
        args: the point, a list of float64 numpy arrays.
        directions: one array per entry of ``args``.
        eps: the step.

    Returns:
        The derivative of ``f`` at ``args`` along ``directions`` (a float or an array).
    """
    plus = [a + eps * d for a, d in zip(args, directions)]
    minus = [a - eps * d for a, d in zip(args, directions)]
    return (np.asarray(f(plus), dtype=np.float64) - np.asarray(f(minus), dtype=np.float64)) / (2 * eps)


@dataclasses.dataclass
class GradientCheck:
    """One comparison of :func:`check_gradients`."""

    argument: str
    check: str
    error: float
    tolerance: float
    note: str = ""

    @property
    def passed(self):
        return self.error <= self.tolerance


@dataclasses.dataclass
class GradientReport:
    """What :func:`check_gradients` compared, with the error of each comparison.

    Attributes:
        checks: the :class:`GradientCheck` rows.
        skipped: references that could not run, with the reason (e.g. JAX missing).
    """

    checks: list
    skipped: list = dataclasses.field(default_factory=list)

    @property
    def passed(self):
        return all(c.passed for c in self.checks)

    def worst(self):
        """``{argument: largest error over its checks}``."""
        worst = {}
        for c in self.checks:
            worst[c.argument] = max(worst.get(c.argument, 0.0), c.error)
        return worst

    def __str__(self):
        width = max([len(c.argument) for c in self.checks] + [8])
        lines = [f"{'argument':<{width}}  {'check':<28} {'rel. error':>10}  {'tolerance':>9}"]
        for c in self.checks:
            flag = "" if c.passed else "   <-- FAILED"
            note = f"  ({c.note})" if c.note else ""
            lines.append(f"{c.argument:<{width}}  {c.check:<28} {c.error:10.2e}  {c.tolerance:9.1e}{flag}{note}")
        for reason in self.skipped:
            lines.append(f"skipped: {reason}")
        return "\n".join(lines)


def check_gradients(fn, *args, order=1, argnums=None, atol=1e-7, rtol=1e-5, directions=3,
                    eps=1e-6, seed=0, reference="jax", verbose=False):
    """Cross-checks the gradients of ``fn``, a function written with :mod:`kerasette.ops`.

    ``fn(*args)`` returns a float tensor of any shape; it is reduced against a random
    cotangent ``c`` to the scalar ``sum(fn(*args) * c)``, whose gradient is the
    vector-Jacobian product every backward pass computes. Everything runs in float64
    (the arguments are converted), so that the comparisons measure the gradient
    rules and not rounding:

    1. **numpy engine vs JAX**: ``value_and_grad`` on the numpy backend against
       ``jax.vjp`` of the same ``fn`` on the ``jax`` backend (``jax_enable_x64``,
       matmul precision "highest"). Skipped, and said so in the report, when JAX is
       not installed or ``reference=None``.
    2. **numpy engine vs finite differences**: the directional derivative along
       ``directions`` random directions per argument against a central difference with
       step ``eps``. Keep the inputs away from kinks (``relu`` at 0, ``abs`` at 0,
       the bounds of ``clip``) by more than ``eps``, and from ties of ``max``.
    3. With ``order=2``, the same two comparisons for Hessian-vector products (nested
       ``value_and_grad`` on the numpy engine; ``jax.jvp`` of ``jax.grad`` on JAX;
       a central difference of the numpy engine's gradient).

    An error is normwise and relative: ``max|a - b| / max(max|b|, atol / rtol)``
    (see :func:`relative_error`); a check passes when it is at most ``rtol``, that is
    when ``max|a - b| <= max(rtol * max|b|, atol)``.

    Args:
        fn: the function, ``fn(*args) -> tensor``, using ``kerasette.ops`` (it must
            not name a backend: it runs on numpy and on jax).
        *args: its arguments: arrays, tensors, Python numbers or lists. Float ones are
            differentiated unless ``argnums`` says otherwise; others (integer labels,
            masks) are passed through unchanged.
        order: 1 (gradients) or 2 (gradients and Hessian-vector products).
        argnums: an int or a tuple of ints: the positions to differentiate.
        atol: absolute tolerance (an error this small always passes).
        rtol: relative tolerance.
        directions: number of random directions per argument for finite differences.
        eps: the finite-difference step (float64).
        seed: seeds the cotangent and the directions.
        reference: ``"jax"`` to compare with the JAX backend, None for finite
            differences only.
        verbose: print the report even when every check passes.

    Returns:
        The :class:`GradientReport` (``print`` it for the table of errors per argument
        and check; ``report.worst()`` gives the largest error per argument).

    Raises:
        AssertionError: a check is over tolerance; the message is the report.

    Example:
        >>> import numpy as np
        >>> from kerasette import ops
        >>> from kerasette.testing import check_gradients
        >>> def dense_softplus(x, w, b):
        ...     return ops.softplus(ops.matmul(x, w) + b)
        >>> rng = np.random.default_rng(0)
        >>> report = check_gradients(dense_softplus, rng.normal(size=(4, 3)),
        ...                          rng.normal(size=(3, 2)), np.zeros(2), order=2)
        >>> report.passed
        True
    """
    if order not in (1, 2):
        raise ValueError(f"check_gradients: order must be 1 or 2, got {order!r}.")
    names = _argument_names(fn, len(args))
    values = [_as_float64(a) for a in args]
    if argnums is None:
        positions = tuple(i for i, v in enumerate(values)
                          if isinstance(v, np.ndarray) and v.dtype.kind == "f")
    else:
        positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        for p in positions:
            if not (isinstance(values[p], np.ndarray) and values[p].dtype.kind == "f"):
                raise ValueError(f"check_gradients: argument {names[p]!r} (position {p}) is not a "
                                 "float array and cannot be differentiated.")
    if not positions:
        raise ValueError("check_gradients: no float argument to differentiate; pass argnums.")
    rng = np.random.default_rng(seed)
    floor = atol / rtol
    primals = [values[p] for p in positions]

    def with_primals(diff):
        full = list(values)
        for p, v in zip(positions, diff):
            full[p] = v
        return full

    numpy_backend = _backend.get_backend("numpy")
    with _backend.use("numpy"):
        output = np.asarray(numpy_backend.convert_to_numpy(fn(*values)))
    if output.dtype.kind != "f":
        raise ValueError(f"check_gradients: fn must return a float tensor, got dtype {output.dtype}.")
    cotangent = rng.standard_normal(output.shape)

    # the numpy engine: gradient (and Hessian-vector products) by reverse mode
    gradient = _numpy_gradient(numpy_backend, fn, with_primals, cotangent)
    grads = [np.asarray(g, dtype=np.float64) for g in gradient(*primals)]

    checks, skipped = [], []
    jax_reference = None
    if reference == "jax":
        jax_reference, reason = _jax_reference(fn, with_primals, primals, cotangent)
        if reason:
            skipped.append(reason)
    elif reference is not None:
        raise ValueError(f"check_gradients: reference must be 'jax' or None, got {reference!r}.")

    if jax_reference is not None:
        for i, p in enumerate(positions):
            checks.append(GradientCheck(names[p], "gradient: numpy vs jax",
                                        relative_error(grads[i], jax_reference.gradient[i], floor), rtol))

    def scalar(diff):
        with _backend.use("numpy"):
            out = numpy_backend.convert_to_numpy(fn(*with_primals(diff)))
        return float(np.sum(np.asarray(out, dtype=np.float64) * cotangent))

    for i, p in enumerate(positions):
        numeric, analytic = [], []
        for _ in range(directions):
            direction = [np.zeros_like(v) for v in primals]
            direction[i] = _unit(rng.standard_normal(primals[i].shape))
            numeric.append(finite_difference(scalar, primals, direction, eps))
            analytic.append(float(np.sum(grads[i] * direction[i])))
        checks.append(GradientCheck(names[p], "gradient: numpy vs finite diff.",
                                    relative_error(analytic, numeric, floor), rtol,
                                    f"{directions} directions"))

    if order == 2:
        tangent = [_unit(rng.standard_normal(v.shape)) for v in primals]
        hvp = _numpy_hessian_vector_product(numpy_backend, gradient, primals, tangent)
        if jax_reference is not None:
            jax_hvp = jax_reference.hessian_vector_product(tangent)
            for i, p in enumerate(positions):
                checks.append(GradientCheck(names[p], "Hessian-vector: numpy vs jax",
                                            relative_error(hvp[i], jax_hvp[i], floor), rtol))

        def numpy_gradient_at(diff):
            return np.concatenate([np.ravel(np.asarray(g, dtype=np.float64)) for g in gradient(*diff)])
        numeric = finite_difference(numpy_gradient_at, primals, tangent, eps)
        sizes = np.cumsum([0] + [v.size for v in primals])
        for i, p in enumerate(positions):
            # the gradient's own magnitude is the natural scale when H v is (nearly) zero
            scale = max(floor, float(np.abs(grads[i]).max()) if grads[i].size else 0.0)
            checks.append(GradientCheck(names[p], "Hessian-vector: numpy vs f.d.",
                                        relative_error(hvp[i].ravel(), numeric[sizes[i]:sizes[i + 1]],
                                                       scale), rtol))

    report = GradientReport(checks, skipped)
    if not report.passed:
        raise AssertionError(f"check_gradients: gradients of {getattr(fn, '__name__', fn)!r} "
                             f"disagree.\n{report}")
    if verbose:
        print(report)
    return report


# ---------------------------------------------------------------------------- helpers
def _argument_names(fn, count):
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f"arg{i}" for i in range(count)]


def _as_float64(value):
    """Float data as float64 numpy arrays; everything else unchanged."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = np.asarray(value)
    if isinstance(value, (float, list, tuple)) or hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.dtype.kind == "f":
            return array.astype(np.float64)
        if isinstance(value, (list, tuple)):
            return array
    return value


def _unit(direction):
    norm = np.linalg.norm(direction)
    return direction / norm if norm > 0 else direction


def _numpy_gradient(B, fn, with_primals, cotangent):
    def scalar(*diff):
        with _backend.use("numpy"):
            return B.sum(B.multiply(fn(*with_primals(diff)), cotangent))

    def gradient(*diff):
        count = len(diff)
        return B.grad(scalar, argnums=tuple(range(count)))(*diff)
    return gradient


def _numpy_hessian_vector_product(B, gradient, primals, tangent):
    def directional(*diff):
        products = [B.sum(B.multiply(g, t)) for g, t in zip(gradient(*diff), tangent)]
        return functools.reduce(B.add, products)
    hvp = B.grad(directional, argnums=tuple(range(len(primals))))(*primals)
    return [np.asarray(h, dtype=np.float64) for h in hvp]


@dataclasses.dataclass
class _JaxReference:
    gradient: list
    hessian_vector_product: object


def _jax_reference(fn, with_primals, primals, cotangent):
    """The VJP of ``fn`` by ``jax.vjp`` on the jax backend (float64), or (None, reason)."""
    try:
        import jax
        import jax.numpy as jnp
        _backend.get_backend("jax")
    except Exception as error:  # JAX missing or its backend unusable: finite differences still run
        return None, f"numpy vs jax ({type(error).__name__}: {error})"

    def on_jax(*diff):
        with _backend.use("jax"):
            return fn(*with_primals(diff))

    with jax.enable_x64(True), jax.default_matmul_precision("highest"):
        jax_primals = [jnp.asarray(v) for v in primals]
        _, pullback = jax.vjp(on_jax, *jax_primals)
        gradient = [np.asarray(g, dtype=np.float64) for g in pullback(jnp.asarray(cotangent))]

    def hessian_vector_product(tangent):
        def scalar(*diff):
            return jnp.sum(on_jax(*diff) * cotangent)
        with jax.enable_x64(True), jax.default_matmul_precision("highest"):
            grad = jax.grad(scalar, argnums=tuple(range(len(primals))))
            _, hvp = jax.jvp(grad, tuple(jnp.asarray(v) for v in primals),
                             tuple(jnp.asarray(t) for t in tangent))
        return [np.asarray(h, dtype=np.float64) for h in hvp]

    return _JaxReference(gradient, hessian_vector_product), None
