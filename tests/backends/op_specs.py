"""The op table of the gradient cross-check suite: how to call every op of the contract.

One :class:`Case` per situation in which an op's semantics branch (axis None / int /
tuple / negative, keepdims, broadcasting, padding, strides, groups, from_logits, ...).
A case says how to build its inputs from a seeded generator (the *domain*: positive
for ``log``, away from the kinks of ``relu`` or ``clip``, without ties for ``max``),
which inputs are differentiable, and whether second derivatives are checked.

``SPECS`` maps every contract name to its cases; ``CASES`` is the flat list the tests
parametrize over. A differentiable contract name (not in ``NON_DIFFERENTIABLE``)
must have a case with differentiable inputs, and every primitive of the engine's op
table must be exercised by some case (``tests/backends/test_coverage.py``).
Adding an op to the contract therefore means adding its cases here.
"""

import dataclasses
import math
import zlib

import numpy as np

from kerasette.backends.interface import NON_DIFFERENTIABLE, contract_names


# ---------------------------------------------------------------------------- domains
class Draw:
    """A recipe for one float64 input: ``draw(rng)`` returns the array."""

    def __init__(self, sample, shape, label):
        self.sample = sample
        self.shape = tuple(shape)
        self.label = label

    def __call__(self, rng):
        return np.asarray(self.sample(rng, self.shape), dtype=np.float64)

    def __repr__(self):
        return f"{self.label}{self.shape}"


class Derived(Draw):
    """A float input drawn after the others, from them: ``sample(rng, shape, args)``."""

    def __call__(self, rng, args=None):
        return np.asarray(self.sample(rng, self.shape, args), dtype=np.float64)


def normal(*shape, scale=1.0):
    """Standard normal values (times ``scale``): ops smooth everywhere."""
    return Draw(lambda rng, s: scale * rng.standard_normal(s), shape, "normal")


def uniform(*shape, low=-1.0, high=1.0):
    """Uniform values in ``[low, high)``."""
    return Draw(lambda rng, s: rng.uniform(low, high, s), shape, "uniform")


def positive(*shape, low=0.5, high=2.0):
    """Values in ``[low, high)``: the domain of log, sqrt, divisors, variances."""
    return uniform(*shape, low=low, high=high)


def away(*shape, kinks=(0.0,), margin=0.1, low=-3.0, high=3.0):
    """Uniform values in ``[low, high)`` at least ``margin`` from every kink (relu, abs, clip):
    finite differences never straddle a kink."""
    kinks = np.asarray(kinks, dtype=np.float64)

    def sample(rng, s):
        x = rng.uniform(low, high, s)
        while True:
            close = np.abs(np.asarray(x)[..., None] - kinks).min(axis=-1) < margin
            if not close.any():
                return x
            x = np.where(close, rng.uniform(low, high, s), x)
    return Draw(sample, shape, "away")


def distinct(*shape, low=-2.0, high=2.0):
    """Values spread over ``[low, high]`` with no two closer than about half their mean
    spacing: no ties for max, min, argmax or max pooling."""
    def sample(rng, s):
        n = max(math.prod(s), 1)
        spacing = (high - low) / n
        values = np.linspace(low, high, n)[rng.permutation(n)]
        values = values + rng.uniform(-0.25, 0.25, n) * spacing
        return values.reshape(s)
    return Draw(sample, shape, "distinct")


def probabilities(*shape, axis=-1):
    """Positive values that sum to 1 along ``axis`` (soft targets)."""
    def sample(rng, s):
        p = rng.uniform(0.1, 1.0, s)
        return p / p.sum(axis=axis, keepdims=True)
    return Draw(sample, shape, "probabilities")


def integers(low, high, *shape):
    """A recipe for an integer constant (class ids, indices), drawn from the case's generator."""
    return Constant(lambda rng: rng.integers(low, high, shape).astype(np.int32))


class Constant:
    """A non-float input drawn from the case's generator (never differentiated)."""

    def __init__(self, make):
        self.make = make


# ---------------------------------------------------------------------------- cases
@dataclasses.dataclass(frozen=True, eq=False)
class Case:
    """One way to call one op.

    Attributes:
        op: the contract name.
        label: what makes this case different (shown in test ids and the report).
        args: the positional inputs: :class:`Draw` (float data, cast to the test's dtype),
            :class:`Constant`, or plain values used as given.
        diff: positions in ``args`` that are differentiated (empty: forward only).
        call: ``call(backend, *args)`` runs the op; by default ``backend.<op>(*args, **kwargs)``.
        reference: ``reference(backend, *args)`` runs the case on the JAX side instead of
            ``call``: for a Keras op that the contract builds from others (depthwise and
            separable convolution, from ``conv``), computed there by ``jax_reference``.
        kwargs: keyword arguments of the default call.
        twice: second derivatives (Hessian-vector products) are checked.
        fd: finite differences are meaningful (False at ties, where the derivative jumps).
        cross: outputs and gradients are compared with the JAX backend (False for random ops,
            which are checked by ``check`` on each backend instead).
        check: ``check(args, outputs)`` asserts properties of one backend's outputs
            (numpy arrays) for ops whose values cannot be compared across backends.
        vjp_oracle: ``vjp_oracle(args, outputs, cotangents)`` gives the expected gradients
            when ``cross`` is False.
        jit: the JAX reference runs under ``jax.jit`` (False for a case JAX cannot trace:
            data-dependent shapes).
        dtypes: the float dtypes the forward and VJP checks run in.
        tol: overrides of the default tolerances (keys of ``TOLERANCES``).
    """

    op: str
    label: str
    args: tuple
    diff: tuple = ()
    call: object = None
    reference: object = None
    kwargs: dict = dataclasses.field(default_factory=dict)
    twice: bool = True
    fd: bool = True
    cross: bool = True
    check: object = None
    vjp_oracle: object = None
    jit: bool = True
    dtypes: tuple = ("float64", "float32")
    tol: dict = dataclasses.field(default_factory=dict)

    @property
    def id(self):
        return f"{self.op}[{self.label}]"

    def run(self, backend, *args, reference=False):
        """The op's output on ``backend`` (the JAX side's computation when ``reference``)."""
        if reference and self.reference is not None:
            return self.reference(backend, *args)
        if self.call is not None:
            return self.call(backend, *args)
        return getattr(backend, self.op)(*args, **self.kwargs)

    def rng(self, salt=""):
        """A generator seeded by the case's id: the same inputs on every run and backend."""
        return np.random.default_rng(zlib.crc32((self.id + salt).encode()))

    def inputs(self, dtype="float64", salt=""):
        """The case's arguments, float data in ``dtype``; another ``salt`` draws other values
        from the same domains (plain values stay as given)."""
        rng = self.rng(salt)
        args = []
        for a in self.args:
            if isinstance(a, Derived):
                args.append(None)  # drawn below, once the others exist
            elif isinstance(a, Draw):
                args.append(a(rng))
            elif isinstance(a, Constant):
                args.append(a.make(rng))
            else:
                args.append(a)
        for i, a in enumerate(self.args):
            if isinstance(a, Derived):
                args[i] = a(rng, args)
        return [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args]

    def tolerance(self, check):
        return self.tol.get(check, TOLERANCES[check])


#: Default relative tolerances per check (errors are normwise; see kerasette.testing).
TOLERANCES = {
    "forward64": 1e-10, "forward32": 1e-5,
    "vjp64": 1e-10, "vjp32": 1e-4,
    "fd": 1e-6,
    "hvp": 1e-9, "hvp_fd": 1e-5,
}


SPECS = {name: [] for name in contract_names()}


def case(op, label, *args, diff=None, **options):
    """Adds a case for ``op``; by default every :class:`Draw` input is differentiated."""
    if diff is None:
        diff = tuple(i for i, a in enumerate(args) if isinstance(a, Draw))
    c = Case(op, label, tuple(args), tuple(diff), **options)
    SPECS[op].append(c)
    return c


def forward(op, label, *args, **options):
    """Adds a forward-only case for ``op`` (a non-differentiable op, or a branch without a
    gradient such as ``where`` with only a condition)."""
    return case(op, label, *args, diff=(), **options)


# ---------------------------------------------------------------------------- elementwise
UNARY_SHAPES = [("2x3x5", (2, 3, 5)), ("scalar", ()), ("1x4", (1, 4))]
# pairs of shapes that broadcast: equal, trailing, size-1 on both sides, scalar, rank 0 vs 3
BINARY_SHAPES = [
    ("same", (3, 4), (3, 4)),
    ("trailing", (2, 3, 4), (4,)),
    ("size1_both", (3, 1), (1, 4)),
    ("scalar_left", (), (2, 3)),
    ("rank3_vs_2", (2, 1, 3), (4, 1)),
]


def unary(op, domain=normal, twice=True, shapes=UNARY_SHAPES, **options):
    for label, shape in shapes:
        case(op, label, domain(*shape), twice=twice, **options)


def binary(op, domain1=normal, domain2=normal, shapes=BINARY_SHAPES, **options):
    for label, s1, s2 in shapes:
        case(op, label, domain1(*s1), domain2(*s2), **options)


binary("add")
binary("subtract")
binary("multiply")
binary("divide", normal, lambda *s: away(*s, kinks=(0.0,), margin=0.5, low=-2, high=2))
unary("negative")
unary("copy")
unary("square")
unary("sqrt", positive)
unary("exp")
unary("log", positive)
unary("log1p", lambda *s: uniform(*s, low=-0.5, high=2.0))
unary("expm1")
unary("abs", away)
unary("sin", lambda *s: normal(*s, scale=2.0))
unary("cos", lambda *s: normal(*s, scale=2.0))
unary("tanh")
unary("erf")

case("power", "positive_base", positive(3, 4), normal(3, 4))
case("power", "broadcast_exponent", positive(2, 3), normal(3))
case("power", "int_exponent_negative_base", normal(2, 3), 3, diff=(0,))
case("power", "float_exponent", positive(5), 0.5, diff=(0,))


def _mod_dividend(shape, divisor_position=1):
    """x1 = x2 * (k + f) with k an integer and f in [0.2, 0.8]: away from the jumps of x1 % x2."""
    def sample(rng, s, args):
        x2 = args[divisor_position]
        return x2 * (rng.integers(-3, 3, s) + rng.uniform(0.2, 0.8, s))
    return Derived(sample, shape, "mod_dividend")


def _signed(*shape):
    """Magnitudes in [0.5, 2) with random signs: divisors."""
    return Draw(lambda rng, s: np.where(rng.random(s) < 0.5, -1.0, 1.0) * rng.uniform(0.5, 2.0, s),
                shape, "signed")


case("mod", "same", _mod_dividend((3, 4)), _signed(3, 4))
case("mod", "trailing", _mod_dividend((2, 3)), _signed(3))



def _apart_from(position, *shape):
    """``args[position]`` plus offsets of magnitude in [0.1, 1]: no ties with it."""
    def sample(rng, s, args):
        offset = np.where(rng.random(s) < 0.5, -1.0, 1.0) * rng.uniform(0.1, 1.0, s)
        return args[position] + offset
    return Derived(sample, shape, "apart")


for _label, _s1, _s2 in BINARY_SHAPES[:3]:
    # the second shape has the broadcast shape, so every pair of entries is apart
    _shape = np.broadcast_shapes(_s1, _s2)
    case("maximum", _label, normal(*_s1), _apart_from(0, *_shape))
    case("minimum", _label, normal(*_s1), _apart_from(0, *_shape))
_TIES = np.array([[0.0, 0.3, 0.0, -0.4], [0.0, 0.0, 0.2, 0.0], [-0.1, 0.0, 0.0, 0.5]])
# ties: each input gets half the gradient (as JAX); no finite differences at a tie
_tied = Derived(lambda rng, s, args: args[0] + _TIES, (3, 4), "tied")
case("maximum", "ties", normal(3, 4), _tied, fd=False, twice=False)
case("minimum", "ties", normal(3, 4), _tied, fd=False, twice=False)
case("maximum", "python_scalar", away(2, 5, kinks=(0.3,)), 0.3, diff=(0,))

case("clip", "inside_and_outside", away(3, 5, kinks=(-0.5, 0.7), low=-2, high=2), -0.5, 0.7, diff=(0,))
case("clip", "scalar", away(kinks=(-1.0, 1.0)), -1.0, 1.0, diff=(0,))

_MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
case("where", "same_shape", _MASK, normal(3, 4), normal(3, 4))
case("where", "broadcast", _MASK[:, :1], normal(3, 4), normal(4))
case("where", "scalar_branch", _MASK, normal(3, 4), 0.5, diff=(1,))
forward("where", "condition_only", _MASK, call=lambda B, c: B.where(c))

# ---------------------------------------------------------------------------- activations
unary("relu", away)
unary("relu6", lambda *s: away(*s, kinks=(0.0, 6.0), low=-3, high=9))
case("leaky_relu", "default_slope", away(2, 3, 5))
case("leaky_relu", "slope_0.1", away(4, 3), kwargs={"negative_slope": 0.1})
unary("elu", away)
case("elu", "alpha_0.5", away(3, 4), kwargs={"alpha": 0.5})
unary("selu", away)
case("gelu", "tanh_approximation", normal(2, 3, 5, scale=2.0))
case("gelu", "exact", normal(2, 3, 5, scale=2.0), kwargs={"approximate": False})
case("gelu", "exact_scalar", normal(scale=2.0), kwargs={"approximate": False})
unary("sigmoid", lambda *s: normal(*s, scale=3.0))
case("sigmoid", "large_magnitude", uniform(6, low=-30.0, high=30.0))
unary("hard_sigmoid", lambda *s: away(*s, kinks=(-3.0, 3.0), low=-5, high=5))
unary("softplus", lambda *s: normal(*s, scale=3.0))
case("softplus", "large_magnitude", uniform(6, low=-40.0, high=40.0))
unary("softsign", away)
unary("silu", lambda *s: normal(*s, scale=2.0))
for _label, _axis in [("last", -1), ("first", 0), ("middle", 1)]:
    case("softmax", f"axis_{_label}", normal(2, 3, 4, scale=2.0), kwargs={"axis": _axis})
    case("log_softmax", f"axis_{_label}", normal(2, 3, 4, scale=2.0), kwargs={"axis": _axis})
case("softmax", "large_logits", uniform(2, 5, low=-50.0, high=50.0))
case("log_softmax", "large_logits", uniform(2, 5, low=-50.0, high=50.0))

# ---------------------------------------------------------------------------- reductions
REDUCTION_AXES = [
    ("all", {}),
    ("axis1", {"axis": 1}),
    ("axis_neg1_keepdims", {"axis": -1, "keepdims": True}),
    ("tuple_0_2", {"axis": (0, 2)}),
    ("tuple_neg_keepdims", {"axis": (0, -1), "keepdims": True}),
]
for _label, _kw in REDUCTION_AXES:
    case("sum", _label, normal(2, 3, 4), kwargs=_kw)
    case("mean", _label, normal(2, 3, 4), kwargs=_kw)
    case("max", _label, distinct(2, 3, 4), kwargs=_kw)
    case("min", _label, distinct(2, 3, 4), kwargs=_kw)
    case("prod", _label, away(2, 3, 4, kinks=(0.0,), margin=0.5, low=-1.5, high=1.5), kwargs=_kw)
    case("var", _label, normal(2, 3, 4), kwargs=_kw)
    case("std", _label, normal(2, 3, 4), kwargs=_kw)
    case("logsumexp", _label, normal(2, 3, 4, scale=3.0), kwargs=_kw)
case("sum", "scalar", normal())
case("sum", "empty_axis", normal(0, 3), kwargs={"axis": 0})
case("sum", "size1_axis", normal(3, 1, 2), kwargs={"axis": 1})
case("mean", "scalar", normal())
case("logsumexp", "large", uniform(2, 4, low=-60.0, high=60.0), kwargs={"axis": -1})
# ties: the gradient is shared equally among the tied entries (as JAX)
_TIED = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.5], [0.0, 0.0, 0.0]])
case("max", "ties", _TIED, diff=(0,), fd=False, twice=False, kwargs={"axis": 1})
case("min", "ties", _TIED, diff=(0,), fd=False, twice=False, kwargs={"axis": 1})
case("max", "ties_all", _TIED, diff=(0,), fd=False, twice=False)
case("prod", "with_a_zero", np.array([[0.0, 2.0, -1.5], [1.2, 0.7, 0.0]]), diff=(0,), fd=True,
     kwargs={"axis": 1})
for _label, _kw in [("flattened", {}), ("axis0", {"axis": 0}), ("axis_neg1", {"axis": -1})]:
    case("cumsum", _label, normal(3, 4), kwargs=_kw)

# ---------------------------------------------------------------------------- linear algebra
_MATMUL_SHAPES = [
    ("matrix", (3, 4), (4, 5)),
    ("batched_broadcast", (2, 1, 3, 4), (5, 4, 2)),
    ("vector_matrix", (4,), (2, 4, 5)),
    ("matrix_vector", (2, 3, 4), (4,)),
    ("vector_vector", (4,), (4,)),
    ("size1", (1, 1), (1, 3)),
]
for _label, _s1, _s2 in _MATMUL_SHAPES:
    case("matmul", _label, normal(*_s1), normal(*_s2))
case("matmul", "operator", normal(3, 4), normal(4, 2), call=lambda B, a, b: B.convert_to_tensor(a) @ b)
for _label, _s1, _s2 in [("matrix", (3, 4), (4, 2)), ("nd", (2, 3, 4), (5, 4, 3)),
                         ("matrix_vector", (2, 3, 4), (4,)), ("vector_nd", (4,), (2, 4, 3)),
                         ("scalar", (), (2, 3)), ("vector_vector", (5,), (5,))]:
    case("dot", _label, normal(*_s1), normal(*_s2))
case("tensordot", "int_axes", normal(2, 3, 4), normal(3, 4, 5), kwargs={"axes": 2})
case("tensordot", "pair_axes", normal(2, 3, 4), normal(3, 5, 2), kwargs={"axes": ([1, 0], [0, 2])})
case("tensordot", "outer", normal(2, 3), normal(4), kwargs={"axes": 0})
case("tensordot", "single_pair", normal(3, 4), normal(4, 2), kwargs={"axes": (1, 0)})
for _label, _subscripts, _shapes in [
    ("matmul", "ij,jk->ik", [(3, 4), (4, 5)]),
    ("implicit", "ij,jk", [(3, 4), (4, 2)]),
    ("ellipsis_batch", "...ij,...jk->...ik", [(2, 3, 4), (2, 4, 3)]),
    ("batch", "bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("diagonal", "ii->i", [(4, 4)]),
    ("trace", "ii", [(3, 3)]),
    ("total", "ij->", [(3, 4)]),
    ("outer", "i,j->ij", [(3,), (4,)]),
    ("permute", "ijk->kji", [(2, 3, 4)]),
    ("three_operands", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("repeated_operand_index", "ij,ij->i", [(3, 4), (3, 4)]),
    ("broadcast_ellipsis", "...i,i->...", [(2, 3, 4), (4,)]),
]:
    case("einsum", _label, *[normal(*s) for s in _shapes],
         call=lambda B, *xs, _s=_subscripts: B.einsum(_s, *xs))
case("transpose", "reverse", normal(2, 3, 4))
case("transpose", "axes_negative", normal(2, 3, 4), kwargs={"axes": (-1, 0, 1)})
case("transpose", "matrix", normal(3, 5))
case("transpose", "tensor_T", normal(2, 3), call=lambda B, x: B.convert_to_tensor(x).T)

# ---------------------------------------------------------------------------- shape
case("reshape", "infer", normal(2, 3, 4), kwargs={"newshape": (4, -1)})
case("reshape", "flatten", normal(2, 3), kwargs={"newshape": (-1,)})
case("reshape", "to_scalar", normal(1, 1), kwargs={"newshape": ()})
case("expand_dims", "negative", normal(2, 3), kwargs={"axis": -1})
case("expand_dims", "front", normal(3), kwargs={"axis": 0})
case("expand_dims", "tuple", normal(2, 3), kwargs={"axis": (0, -1, 2)})
case("squeeze", "all", normal(1, 3, 1, 2))
case("squeeze", "axis", normal(1, 3, 1, 2), kwargs={"axis": 2})
case("squeeze", "tuple_negative", normal(1, 3, 1, 2), kwargs={"axis": (0, -2)})
case("concatenate", "axis0", normal(2, 3), normal(1, 3), normal(3, 3),
     call=lambda B, a, b, c: B.concatenate([a, b, c]))
case("concatenate", "axis_neg1", normal(2, 3, 1), normal(2, 3, 4),
     call=lambda B, a, b: B.concatenate([a, b], axis=-1))
case("concatenate", "axis_none", normal(2, 3), normal(4),
     call=lambda B, a, b: B.concatenate([a, b], axis=None))
case("concatenate", "with_empty", normal(0, 3), normal(2, 3), call=lambda B, a, b: B.concatenate([a, b]))
case("stack", "axis0", normal(2, 3), normal(2, 3), call=lambda B, a, b: B.stack([a, b]))
case("stack", "axis_neg1", normal(2, 3), normal(2, 3), normal(2, 3),
     call=lambda B, a, b, c: B.stack((a, b, c), axis=-1))
case("split", "sections", normal(2, 6, 3), kwargs={"indices_or_sections": 3, "axis": 1})
case("split", "indices_negative_axis", normal(3, 7), kwargs={"indices_or_sections": [1, 4], "axis": -1})
case("split", "one_section", normal(4, 2), kwargs={"indices_or_sections": 1})
case("broadcast_to", "new_leading", normal(3), kwargs={"shape": (2, 3)})
case("broadcast_to", "size1_axes", normal(3, 1), kwargs={"shape": (2, 3, 4)})
case("broadcast_to", "scalar", normal(), kwargs={"shape": (2, 2)})
case("tile", "int", normal(2, 3), kwargs={"repeats": 2})
case("tile", "tuple", normal(2, 3), kwargs={"repeats": (3, 1)})
case("tile", "more_repeats_than_dims", normal(3), kwargs={"repeats": (2, 1, 2)})
case("repeat", "flattened", normal(2, 3), kwargs={"repeats": 2})
case("repeat", "axis1", normal(2, 3), kwargs={"repeats": 3, "axis": 1})
case("repeat", "per_element", normal(3, 2), kwargs={"repeats": [2, 0, 3], "axis": 0})
case("repeat", "negative_axis", normal(2, 3), kwargs={"repeats": 2, "axis": -1})
case("pad", "constant", normal(2, 3), kwargs={"pad_width": ((1, 2), (0, 1))})
case("pad", "constant_value", normal(2, 3), kwargs={"pad_width": ((1, 1), (2, 0)), "constant_values": 1.5})
case("pad", "int_width", normal(3), kwargs={"pad_width": 2})
case("pad", "reflect", normal(4, 3), kwargs={"pad_width": ((2, 1), (1, 2)), "mode": "reflect"})
case("pad", "symmetric", normal(3, 4), kwargs={"pad_width": ((2, 3), (1, 0)), "mode": "symmetric"})
case("pad", "edge", normal(2, 3), kwargs={"pad_width": ((1, 2), (3, 1)), "mode": "edge"})
case("pad", "reflect_wider_than_input", normal(3), kwargs={"pad_width": ((4, 5),), "mode": "reflect"})
case("flip", "all", normal(2, 3, 4))
case("flip", "axis0", normal(2, 3, 4), kwargs={"axis": 0})
case("flip", "tuple", normal(2, 3, 4), kwargs={"axis": (0, -1)})
_REPEATED = np.array([2, 0, 2, 2])
case("take", "flattened_repeated", normal(3, 4), _REPEATED + 5)
case("take", "axis1_2d_indices", normal(3, 4), np.array([[1, 1], [3, 0]]), kwargs={"axis": 1})
case("take", "axis0_repeated", normal(3, 2), _REPEATED, kwargs={"axis": 0})
case("take", "negative_indices", normal(3, 4), np.array([-1, 0, -1]), kwargs={"axis": -1})
case("take", "scalar_index", normal(3, 4), 2, kwargs={"axis": 0})
case("take_along_axis", "axis1_repeated", normal(3, 4), np.array([[0, 0], [3, 1], [2, 2]]), kwargs={"axis": 1})
case("take_along_axis", "axis0", normal(3, 4), np.array([[2, 0, 1, 2], [2, 2, 0, 0]]), kwargs={"axis": 0})
case("take_along_axis", "flattened", normal(2, 3), np.array([5, 0, 5]), kwargs={"axis": None})
case("take_along_axis", "broadcast_indices", normal(3, 4), np.array([[1], [0], [3]]), kwargs={"axis": -1})
_BOOL_KEY = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
for _label, _key in [
    ("int", 1),
    ("negative_int", -1),
    ("slices_negative_step", (slice(1, None), slice(None, None, -2))),
    ("ellipsis_newaxis", (Ellipsis, None, 0)),
    ("int_array_repeated", np.array([2, 0, 2])),
    ("list_repeated", ([1, 1, 0],)),
    ("slice_then_array", (slice(None), np.array([0, 3, 3, 0]))),
    ("two_arrays_repeated", (np.array([0, 2, 0]), np.array([1, 1, 1]))),
    ("bool_mask", _BOOL_KEY),
    ("bool_rows", (np.array([True, False, True]),)),
    ("bool_rows_then_slice", (np.array([False, True, True]), slice(1, 3))),
]:
    case("get_item", _label, normal(3, 4), call=lambda B, x, _k=_key: B.get_item(x, _k))
case("get_item", "operator", normal(3, 4),
     call=lambda B, x: B.convert_to_tensor(x)[np.array([1, 1, 2]), 1:])
case("slice", "block", normal(3, 4, 2), kwargs={"start_indices": (1, 0, 1), "shape": (2, 3, 1)})
case("slice", "whole", normal(2, 3), kwargs={"start_indices": (0, 0), "shape": (2, 3)})
case("moveaxis", "first_to_last", normal(2, 3, 4), kwargs={"source": 0, "destination": -1})
case("moveaxis", "tuple", normal(2, 3, 4), kwargs={"source": (0, 1), "destination": (2, 0)})
case("unstack", "axis_neg1_num", normal(3, 2, 4), kwargs={"axis": -1, "num": 4})

# ---------------------------------------------------------------------------- conversions
case("convert_to_tensor", "array", normal(2, 3))
case("convert_to_tensor", "same_dtype", normal(3), call=lambda B, x: B.convert_to_tensor(x, dtype=x.dtype.name))
# float64 -> float32 rounds: forward and gradient agree with JAX only to float32 precision,
# and finite differences in float64 see the rounding steps
case("cast", "to_float32", normal(2, 3), kwargs={"dtype": "float32"}, fd=False, twice=False,
     tol={"vjp64": 1e-6, "forward64": 1e-6})
case("cast", "to_float64", normal(2, 3), kwargs={"dtype": "float64"})

# ---------------------------------------------------------------------------- convolution
_CONV = [
    # label, input shape, kernel shape, options
    ("2d_valid", (2, 5, 6, 3), (3, 2, 3, 4), {}),
    ("2d_same_stride2", (1, 7, 6, 2), (3, 3, 2, 3), {"strides": 2, "padding": "same"}),
    ("2d_same_even_kernel", (1, 5, 4, 2), (2, 2, 2, 2), {"padding": "same"}),
    ("2d_dilation2", (1, 7, 7, 2), (2, 3, 2, 2), {"dilation_rate": 2}),
    ("2d_dilation_same", (1, 6, 5, 1), (3, 2, 1, 2), {"dilation_rate": (2, 1), "padding": "same"}),
    ("2d_groups2", (1, 5, 5, 4), (3, 3, 2, 6), {}),
    ("2d_depthwise", (1, 6, 6, 3), (3, 3, 1, 3), {"padding": "same"}),
    ("2d_channels_first", (2, 3, 6, 5), (3, 3, 3, 2), {"strides": (2, 1), "padding": "same",
                                                      "data_format": "channels_first"}),
    ("1d_valid_stride2", (2, 9, 3), (3, 3, 2), {"strides": 2}),
    ("1d_same_dilation_channels_first", (1, 3, 8), (3, 3, 4), {"dilation_rate": 2, "padding": "same",
                                                             "data_format": "channels_first"}),
    ("1d_kernel1", (2, 4, 3), (1, 3, 2), {}),
]
for _label, _x, _k, _kw in _CONV:
    case("conv", _label, normal(*_x), normal(*_k), kwargs=_kw)
case("conv", "3d_same_stride2_channels_first", normal(1, 2, 5, 4, 3), normal(2, 3, 2, 2, 3),
     kwargs={"strides": 2, "padding": "same", "data_format": "channels_first"})


# Keras's depthwise_conv and separable_conv as a kerasette user writes them, from conv
# (one group per channel, kernel (*spatial, channels, multiplier) folded into the filters);
# the JAX side is Keras's own definition (jax_reference).
def _depthwise_as_conv(B, x, kernel, **options):
    *spatial, channels, multiplier = kernel.shape
    return B.conv(x, B.reshape(kernel, (*spatial, 1, channels * multiplier)), **options)


def _separable_as_conv(B, x, depthwise, pointwise, **options):
    return B.conv(_depthwise_as_conv(B, x, depthwise, **options), pointwise,
                  data_format=options.get("data_format"))


for _label, _x, _k, _kw in [
    ("2d_multiplier2_stride2", (1, 6, 5, 3), (3, 3, 3, 2), {"strides": 2, "padding": "same"}),
    ("1d_channels_first_dilation", (2, 2, 9), (3, 2, 3), {"dilation_rate": 2,
                                                        "data_format": "channels_first"}),
]:
    case("conv", "depthwise_" + _label, normal(*_x), normal(*_k),
         call=lambda B, x, k, _kw=_kw: _depthwise_as_conv(B, x, k, **_kw),
         reference=lambda R, x, k, _kw=_kw: R.depthwise_conv(x, k, **_kw))
case("conv", "separable_2d_same", normal(2, 5, 6, 3), normal(3, 3, 3, 2), normal(1, 1, 6, 4),
     call=lambda B, x, d, p: _separable_as_conv(B, x, d, p, padding="same"),
     reference=lambda R, x, d, p: R.separable_conv(x, d, p, padding="same"))
case("conv", "separable_2d_channels_first_stride2", normal(1, 2, 7, 6), normal(2, 3, 2, 1),
     normal(1, 1, 2, 3),
     call=lambda B, x, d, p: _separable_as_conv(B, x, d, p, strides=2,
                                                data_format="channels_first"),
     reference=lambda R, x, d, p: R.separable_conv(x, d, p, strides=2,
                                                   data_format="channels_first"))
_CONV_TRANSPOSE = [
    ("2d_valid_stride2", (1, 3, 4, 2), (3, 3, 5, 2), {"strides": 2}),
    ("2d_same_stride2", (2, 3, 3, 3), (3, 3, 2, 3), {"strides": 2, "padding": "same"}),
    ("2d_output_padding", (1, 3, 3, 2), (3, 3, 2, 2), {"strides": 2, "output_padding": 1}),
    ("2d_same_output_padding", (1, 3, 2, 2), (3, 3, 2, 2), {"strides": 2, "padding": "same",
                                                           "output_padding": 1}),
    ("2d_channels_first", (1, 2, 3, 4), (2, 2, 3, 2), {"strides": 2, "padding": "same",
                                                      "data_format": "channels_first"}),
    ("2d_dilation2", (1, 4, 4, 2), (3, 3, 2, 2), {"dilation_rate": 2}),
    ("1d_same", (2, 5, 3), (3, 2, 3), {"padding": "same"}),
    ("1d_stride_above_kernel", (1, 4, 2), (2, 3, 2), {"strides": 3}),
]
for _label, _x, _k, _kw in _CONV_TRANSPOSE:
    case("conv_transpose", _label, normal(*_x), normal(*_k), kwargs=_kw)

# ---------------------------------------------------------------------------- pooling
_POOL = [
    ("2d_default_strides", (2, 4, 6, 3), {"pool_size": 2}),
    ("2d_overlapping", (1, 7, 7, 2), {"pool_size": 3, "strides": 2}),
    ("2d_same_odd", (1, 5, 5, 2), {"pool_size": 2, "padding": "same"}),
    ("2d_same_overlapping", (1, 6, 5, 1), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("2d_channels_first", (1, 2, 5, 7), {"pool_size": (2, 3), "strides": (1, 2),
                                         "data_format": "channels_first"}),
    ("1d_stride1", (2, 7, 3), {"pool_size": 2, "strides": 1}),
    ("1d_same", (1, 8, 2), {"pool_size": 3, "strides": 2, "padding": "same"}),
    ("1d_default_strides_channels_first", (2, 3, 7), {"pool_size": 3,
                                                      "data_format": "channels_first"}),
    ("3d_default_strides", (1, 4, 5, 4, 2), {"pool_size": 2}),
    ("3d_same_channels_first", (1, 2, 5, 4, 3), {"pool_size": (2, 3, 2), "strides": (2, 1, 2),
                                                 "padding": "same",
                                                 "data_format": "channels_first"}),
]
for _label, _x, _kw in _POOL:
    case("max_pool", _label, distinct(*_x), kwargs=_kw)
    case("average_pool", _label, normal(*_x), kwargs=_kw)
# a tie inside a window: the gradient goes to the first maximum (JAX's choice too)
_POOL_TIES = np.array([[1.0, 1.0, 0.5, 2.0], [0.0, 1.0, 2.0, 2.0],
                       [3.0, -1.0, 0.0, 0.0], [-1.0, 3.0, 0.0, 0.0]]).reshape(1, 4, 4, 1)


def _max_pool_gradient(B, x, cotangent):
    """max_pool's gradient as a function of its cotangent: differentiating it runs the
    gradient rule of max_pool's gradient (as a gradient penalty does)."""
    return B.grad(lambda x: B.sum(B.multiply(B.max_pool(x, 2, strides=1), cotangent)))(x)


case("max_pool", "gradient_in_cotangent", distinct(1, 4, 5, 2), normal(1, 3, 4, 2), diff=(1,),
     call=_max_pool_gradient)
case("max_pool", "ties_first_maximum", _POOL_TIES, diff=(0,), fd=False, twice=False,
     kwargs={"pool_size": 2})

# ---------------------------------------------------------------------------- normalization
case("moments", "axes_0_1", normal(3, 4, 5), kwargs={"axes": [0, 1]})
case("moments", "last_keepdims", normal(3, 4), kwargs={"axes": [-1], "keepdims": True})
case("moments", "int_axis", normal(6, 2), kwargs={"axes": 0})
case("batch_normalization", "channels_last", normal(4, 3), normal(3), positive(3), normal(3), positive(3),
     call=lambda B, x, m, v, o, s: B.batch_normalization(x, m, v, axis=-1, offset=o, scale=s))
case("batch_normalization", "channels_first_4d", normal(2, 3, 2, 2), normal(3), positive(3), normal(3),
     positive(3), call=lambda B, x, m, v, o, s: B.batch_normalization(x, m, v, 1, o, s, epsilon=1e-5))
case("batch_normalization", "no_offset_no_scale", normal(5, 2), normal(2), positive(2),
     call=lambda B, x, m, v: B.batch_normalization(x, m, v, axis=1))

# ---------------------------------------------------------------------------- losses
case("binary_crossentropy", "logits", uniform(3, 4, low=0, high=1), normal(3, 4, scale=3.0),
     kwargs={"from_logits": True}, diff=(1,))
case("binary_crossentropy", "logits_large", uniform(6, low=0, high=1), uniform(6, low=-40, high=40),
     kwargs={"from_logits": True}, diff=(1,))
case("binary_crossentropy", "logits_soft_target", uniform(2, 3, low=0, high=1), normal(2, 3),
     kwargs={"from_logits": True})
case("binary_crossentropy", "probabilities", uniform(3, 4, low=0, high=1), uniform(3, 4, low=0.05, high=0.95),
     diff=(1,))
case("binary_crossentropy", "probabilities_soft_target", uniform(5, low=0, high=1),
     uniform(5, low=0.05, high=0.95))
case("categorical_crossentropy", "logits", probabilities(3, 5), normal(3, 5, scale=2.0),
     kwargs={"from_logits": True}, diff=(1,))
case("categorical_crossentropy", "logits_soft_target", probabilities(2, 4), normal(2, 4),
     kwargs={"from_logits": True})
case("categorical_crossentropy", "logits_axis1", probabilities(2, 3, 4, axis=1), normal(2, 3, 4),
     kwargs={"from_logits": True, "axis": 1}, diff=(1,))
case("categorical_crossentropy", "probabilities_unnormalised", probabilities(3, 4), positive(3, 4, low=0.2, high=1.0),
     diff=(1,))
case("categorical_crossentropy", "probabilities_soft_target", probabilities(2, 3), positive(2, 3, low=0.2, high=1.0))
case("categorical_crossentropy", "probabilities_axis1", probabilities(2, 3, 2, axis=1),
     positive(2, 3, 2, low=0.2, high=1.0), kwargs={"axis": 1}, diff=(1,))
case("sparse_categorical_crossentropy", "logits", integers(0, 5, 4), normal(4, 5, scale=2.0),
     kwargs={"from_logits": True})
case("sparse_categorical_crossentropy", "logits_2d_target", integers(0, 3, 2, 4), normal(2, 4, 3),
     kwargs={"from_logits": True})
case("sparse_categorical_crossentropy", "logits_axis1", integers(0, 3, 2, 4), normal(2, 3, 4),
     kwargs={"from_logits": True, "axis": 1})
case("categorical_crossentropy", "logits_large", probabilities(2, 4), uniform(2, 4, low=-60.0, high=60.0),
     kwargs={"from_logits": True}, diff=(1,))
case("sparse_categorical_crossentropy", "logits_large", integers(0, 4, 3), uniform(3, 4, low=-60.0, high=60.0),
     kwargs={"from_logits": True})
case("sparse_categorical_crossentropy", "probabilities", integers(0, 4, 3), positive(3, 4, low=0.2, high=1.0))
# CTC: a repeated label (the blank between its copies cannot be skipped), a shorter label
# sequence and a shorter output (frames past output_length must not count), the blank not 0
case("ctc_loss", "lengths", np.array([[1, 1], [2, 0]]), normal(2, 5, 3), np.array([2, 1]),
     np.array([5, 3]))
case("ctc_loss", "mask_index_last", np.array([[0, 1, 0]]), normal(1, 6, 3), np.array([3]),
     np.array([6]), kwargs={"mask_index": 2})
case("ctc_decode", "greedy", distinct(2, 5, 4), np.array([5, 3]), diff=())
case("ctc_decode", "beam_search", distinct(2, 4, 3), np.array([4, 3]), jit=False, diff=(),
     kwargs={"strategy": "beam_search", "beam_width": 4, "top_paths": 2})


# ---------------------------------------------------------------------------- layouts
# Inputs and gradients that are numpy views (transposed, broadcast: not contiguous, not
# writable) and an input used twice in one op, whose two gradients must add up.
def _swap_hw(B, x):
    return B.transpose(x, (0, 2, 1, 3))


case("conv", "transposed_input_view", normal(2, 6, 5, 3), normal(3, 3, 3, 4),
     call=lambda B, x, k: B.conv(_swap_hw(B, x), k, padding="same"))
case("conv", "transposed_output_gradient", normal(2, 5, 6, 3), normal(3, 3, 3, 4),
     call=lambda B, x, k: _swap_hw(B, B.conv(x, k, strides=2)))
case("conv_transpose", "transposed_views", normal(1, 4, 3, 2), normal(3, 3, 5, 2),
     call=lambda B, x, k: _swap_hw(B, B.conv_transpose(_swap_hw(B, x), k, strides=2)))
case("max_pool", "transposed_views", distinct(1, 6, 7, 2),
     call=lambda B, x: _swap_hw(B, B.max_pool(_swap_hw(B, x), 2, strides=1)))
case("average_pool", "broadcast_input_view", normal(1, 1, 7, 2),
     call=lambda B, x: B.average_pool(B.broadcast_to(x, (2, 5, 7, 2)), 3, strides=2, padding="same"))
case("multiply", "same_input_twice", normal(3, 4), call=lambda B, x: B.multiply(x, x))
case("concatenate", "same_input_three_times", normal(3, 2), call=lambda B, x: B.concatenate([x, x, x], axis=1))
case("matmul", "with_own_transpose", normal(3, 4), call=lambda B, x: B.matmul(x, B.transpose(x)))
case("get_item", "of_a_broadcast_view", normal(3, 1),
     call=lambda B, x: B.get_item(B.broadcast_to(x, (3, 4)), (np.array([0, 0, 2]), slice(None))))


# ---------------------------------------------------------------------------- dropout
def _dropout_check(rate):
    def check(args, outputs):
        x, y = args[0], outputs[0]
        kept = y != 0
        np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)
        fraction = 1 - kept.mean()
        assert abs(fraction - rate) < 0.15, f"dropped {fraction:.2f} of the entries, rate {rate}"
    return check


def _dropout_oracle(args, outputs, cotangents):
    x, y = args[0], outputs[0]
    return [cotangents[0] * (y / x)]  # y = x * mask / (1 - rate): linear in x


case("dropout", "rate_0.3", away(4, 25, margin=0.2), kwargs={"rate": 0.3, "seed": 42}, cross=False,
     twice=False, check=_dropout_check(0.3), vjp_oracle=_dropout_oracle)
case("dropout", "noise_shape", away(6, 20, margin=0.2), kwargs={"rate": 0.5, "noise_shape": (1, 20), "seed": 7},
     cross=False, twice=False, check=_dropout_check(0.5), vjp_oracle=_dropout_oracle)


# ---------------------------------------------------------------------------- forward only
_X = normal(2, 3)
forward("convert_to_numpy", "array", _X)
for _op in ("zeros", "ones"):
    forward(_op, "default_dtype", call=lambda B, _op=_op: getattr(B, _op)((2, 3)))
    forward(_op, "int32", call=lambda B, _op=_op: getattr(B, _op)(4, dtype="int32"))
forward("full", "default_dtype", call=lambda B: B.full((2, 3), 1.5))
forward("full", "float64", call=lambda B: B.full((3,), -2.0, dtype="float64"))
forward("zeros_like", "keeps_dtype", _X)
forward("ones_like", "int32", _X, kwargs={"dtype": "int32"})
forward("full_like", "keeps_dtype", _X, 2.5)
forward("arange", "stop", call=lambda B: B.arange(5))
forward("arange", "start_stop_step", call=lambda B: B.arange(1, 8, 2))
forward("arange", "float", call=lambda B: B.arange(0.0, 1.0, 0.25))
forward("arange", "dtype", call=lambda B: B.arange(3, dtype="float32"))
forward("eye", "square", call=lambda B: B.eye(3))
forward("eye", "rectangular_offset", call=lambda B: B.eye(3, 4, k=1))
forward("eye", "float64", call=lambda B: B.eye(2, dtype="float64"))
forward("shape", "tensor", _X, call=lambda B, x: B.shape(B.convert_to_tensor(x)))
forward("dtype", "tensor", _X, call=lambda B, x: B.dtype(B.convert_to_tensor(x)))
forward("ndim", "tensor", normal(2, 1, 3), call=lambda B, x: B.ndim(B.convert_to_tensor(x)))
forward("size", "tensor", normal(2, 1, 3), call=lambda B, x: B.size(B.convert_to_tensor(x)))
forward("is_tensor", "tensor_and_list", _X,
        call=lambda B, x: (B.is_tensor(B.convert_to_tensor(x)), B.is_tensor([1.0, 2.0])))
_SIGNS = np.array([-2.5, -0.0, 0.0, 0.3, 7.0])
forward("sign", "with_zeros", _SIGNS)
_HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.3, -1.7, 3.0])
forward("floor", "halves", _HALVES)
forward("ceil", "halves", _HALVES)
forward("round", "half_to_even", _HALVES)
forward("round", "decimals", np.array([1.234, -5.678, 0.049, 12.3456]), kwargs={"decimals": 2})
forward("floor_divide", "floats", normal(3, 4, scale=5.0), away(4, margin=0.3))
forward("floor_divide", "ints", np.array([7, -7, 8, -9], dtype=np.int32), np.array([2, 2, -3, 4], dtype=np.int32))
_A = np.array([[0.0, 1.0, 2.0], [3.0, -1.0, 2.0]])
_B = np.array([0.0, 5.0, 2.0])
for _op in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
    forward(_op, "broadcast_with_ties", _A, _B)
_P = np.array([[True, True, False, False]])
_Q = np.array([[True], [False]])
for _op in ("logical_and", "logical_or", "logical_xor"):
    forward(_op, "broadcast", _P, _Q)
forward("logical_not", "bools", _P)
_SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, -1.5])
for _op in ("isnan", "isinf", "isfinite"):
    forward(_op, "specials", _SPECIAL)
_ARG = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, -4.0, 0.0, -4.0], [0.5, 0.5, 0.5, 0.5]])
for _op in ("argmax", "argmin"):
    forward(_op, "flattened", _ARG)
    forward(_op, "axis1_first_tie", _ARG, kwargs={"axis": 1})
    forward(_op, "axis0_keepdims", _ARG, kwargs={"axis": 0, "keepdims": True})
_BOOLS = np.array([[True, True, False], [True, True, True]])
for _op in ("all", "any"):
    forward(_op, "flattened", _BOOLS)
    forward(_op, "axis1", _BOOLS, kwargs={"axis": 1})
    forward(_op, "axis0_keepdims", _BOOLS, kwargs={"axis": 0, "keepdims": True})
_IDS = np.array([[0, 3, -1], [5, 1, 1]], dtype=np.int32)
forward("one_hot", "out_of_range_rows_zero", _IDS, kwargs={"num_classes": 4})
forward("one_hot", "axis0_int32", _IDS, kwargs={"num_classes": 4, "axis": 0, "dtype": "int32"})
forward("stop_gradient", "identity_values", _X)
# integer inputs: true division and means give floatx, as Keras
_INTS = np.array([[3, -4, 5], [7, 0, -2]], dtype=np.int32)
forward("divide", "ints_give_floatx", _INTS, np.array([2, 3, -4], dtype=np.int32))
forward("mean", "ints_give_floatx", _INTS, kwargs={"axis": 1})
forward("add", "ints_stay_int32", _INTS, _INTS)
forward("add", "python_scalar_keeps_float32", normal(3), call=lambda B, x: B.add(B.convert_to_tensor(x), 2.5))
forward("multiply", "python_int_keeps_float32", normal(3), call=lambda B, x: B.multiply(B.convert_to_tensor(x), 3))
forward("sum", "ints", _INTS, kwargs={"axis": 0})
forward("cumsum", "ints", _INTS, kwargs={"axis": 1})
forward("prod", "ints", _INTS, kwargs={"axis": 0})
forward("var", "ints_give_floatx", _INTS)
forward("round", "negative_decimals", np.array([15.0, 25.0, 123.4, -35.0]), kwargs={"decimals": -1})
forward("arange", "negative_float_step", call=lambda B: B.arange(2.0, -1.0, -0.5))
forward("eye", "below_diagonal", call=lambda B: B.eye(4, 3, k=-1))
forward("full", "int_fill_gives_floatx", call=lambda B: B.full((2,), 3))
forward("zeros_like", "ints", _INTS)
for _label, _value in [("python_int", 3), ("python_float", 2.5), ("python_bool", True),
                       ("mixed_list", [1, 2.5]), ("nested_int_list", [[1, 2], [3, 4]])]:
    forward("convert_to_tensor", _label, call=lambda B, _v=_value: B.convert_to_tensor(_v))
forward("convert_to_tensor", "list_to_float64", call=lambda B: B.convert_to_tensor([1, 2], dtype="float64"))
forward("cast", "float_to_int_truncates", np.array([-1.7, -0.5, 0.5, 2.9]), kwargs={"dtype": "int32"})
forward("cast", "to_bool", np.array([0.0, -0.5, 2.0]), kwargs={"dtype": "bool"})
forward("max", "ints", _INTS, kwargs={"axis": 1})


def _check_uniform(args, outputs):
    (y,) = outputs
    assert y.shape == (2000,) and y.dtype == np.float32
    assert y.min() >= 0.5 and y.max() < 2.0
    assert abs(y.mean() - 1.25) < 0.05


def _check_normal(args, outputs):
    (y,) = outputs
    assert y.shape == (4000,) and y.dtype == np.float32
    assert abs(y.mean() - 1.0) < 5 * 2.0 / math.sqrt(4000)
    assert abs(y.std() - 2.0) < 0.1


def _check_truncated(args, outputs):
    (y,) = outputs
    assert y.shape == (4000,) and y.dtype == np.float32
    assert np.all(np.abs(y - 1.0) <= 2 * 2.0 + 1e-6)
    assert 1.0 < y.std() < 2.0  # a normal truncated at 2 sigma has std ~0.88 sigma


def _check_randint(args, outputs):
    (y,) = outputs
    assert y.shape == (300,) and y.dtype == np.int32
    assert set(np.unique(y)) == {-2, -1, 0, 1, 2}


def _check_shuffle(args, outputs):
    (y,) = outputs
    x = args[0]
    assert y.shape == x.shape
    assert not np.array_equal(y, x)
    # each slice along the axis is a permutation of the input's (the contract does not say
    # whether rows move together: Keras's jax and numpy backends permute each column on its
    # own, its tensorflow backend moves whole rows)
    np.testing.assert_array_equal(np.sort(y, axis=0), np.sort(x, axis=0))


def _check_same_seed_same_draws(args, outputs):
    first, second, again = outputs
    np.testing.assert_array_equal(first, again)  # a fresh generator with the same seed
    assert not np.array_equal(first, second)  # each draw advances the state


def _seed_generator_draws(B):
    generator = B.SeedGenerator(3)
    first = B.uniform((5,), seed=generator)
    second = B.uniform((5,), seed=generator)
    again = B.uniform((5,), seed=B.SeedGenerator(3))
    return first, second, again


# ---------------------------------------------------------------------------- optimizer kernels
# (their denormal flushing, exact zeros the normwise comparison cannot see, and the generic
# rule beside numpy's fused one: tests/backends/test_optimizer_kernels.py)
_ADAM = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
forward("adam_update", "step", normal(3, 4), normal(3, 4), normal(3, 4, scale=0.1),
        positive(3, 4, low=0.01, high=1.0), positive(), kwargs=_ADAM)
forward("adam_update", "scalar_variable", normal(), normal(), normal(), positive(), positive(),
        kwargs={"beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3})


forward("uniform", "range_and_mean", call=lambda B: B.uniform((2000,), 0.5, 2.0, seed=1), cross=False,
        check=_check_uniform)
forward("normal", "mean_and_std", call=lambda B: B.normal((4000,), 1.0, 2.0, seed=2), cross=False,
        check=_check_normal)
forward("truncated_normal", "within_two_std", call=lambda B: B.truncated_normal((4000,), 1.0, 2.0, seed=3),
        cross=False, check=_check_truncated)
forward("randint", "range", call=lambda B: B.randint((300,), -2, 3, seed=4), cross=False, check=_check_randint)
forward("shuffle", "permutes_rows", np.arange(20.0).reshape(10, 2), cross=False, check=_check_shuffle,
        kwargs={"seed": 5})
forward("SeedGenerator", "same_seed_same_draws", call=_seed_generator_draws, cross=False,
        check=_check_same_seed_same_draws)


# ---------------------------------------------------------------------------- control flow
# The functions a control-flow op runs are written with the backend's own ops (``B``): the
# engine runs them as Python control flow recorded on its tape; the JAX side compiles them
# as lax control flow under jax.jit (a tensor predicate or index is traced there). JAX
# compiles each case's programs in about a second, so second derivatives are checked where
# they differ from the first ones' code paths (a cond, a scan, custom_gradient's rule);
# tests/backends/test_control_flow.py checks the structures against Keras.
def _cond(B, x, w, sign):
    # the predicate comes from the data (sum(x) of positive x, times sign): never near 0
    pred = B.greater(B.multiply(B.sum(x), sign), 0.0)
    return B.cond(pred, lambda: (B.multiply(B.sin(x), w), B.sum(w)),
                  lambda: (B.exp(B.multiply(x, w)), B.sum(B.square(w))))


case("cond", "tensor_pred_true", positive(3, 2), normal(3, 2), call=lambda B, x, w: _cond(B, x, w, 1.0))
case("cond", "python_bool", normal(4), call=lambda B, x: B.cond(False, lambda: x, lambda: B.tanh(x)),
     twice=False, dtypes=("float64",))


def _switch(B, x, w, index):
    branches = [lambda a, b: B.add(a, b), lambda a, b: B.multiply(B.tanh(a), b),
                lambda a, b: B.square(B.subtract(a, b))]
    return B.switch(index(B, x), branches, x, w)


case("switch", "tensor_index", normal(4), normal(4), twice=False,
     call=lambda B, x, w: _switch(B, x, w, lambda B, x: B.cast(B.greater(B.max(x), -100.0), "int32")))
case("switch", "clamped_above", normal(4), normal(4), call=lambda B, x, w: _switch(B, x, w, lambda B, x: 7),
     twice=False, dtypes=("float64",))


def _rnn(B, h0, xs, w, u, reverse=False):
    def step(h, x):
        h = B.tanh(B.add(B.multiply(x, w), B.multiply(h, u)))
        return h, B.multiply(h, 2.0)
    return B.scan(step, h0, xs, reverse=reverse)


def _scan_structures(B, s0, p0, a, b):
    def step(carry, x):
        a_i, b_i = x
        s = B.add(carry["s"], B.multiply(a_i, b_i))
        p = B.multiply(carry["p"], B.cos(a_i))
        return {"s": s, "p": p}, (s, B.sum(p))
    carry, ys = B.scan(step, {"s": s0, "p": p0}, (a, b))
    return carry["s"], carry["p"], ys


case("scan", "rnn_reverse", normal(3), normal(4, 3), normal(3), normal(3, scale=0.5),
     call=lambda B, *args: _rnn(B, *args, reverse=True))
case("scan", "structures", normal(3), normal(3), normal(4, 3), normal(4, 1), call=_scan_structures,
     twice=False, dtypes=("float64",))


def _fori(B, x, w):
    def body(i, value):
        x, total = value
        x = B.sin(B.multiply(x, w))
        # the index is a Python int on the engine, a traced int32 on JAX
        return x, B.add(total, B.multiply(x, B.cast(i, B.dtype(x))))
    return B.fori_loop(1, 4, body, (x, B.zeros_like(x)))


case("fori_loop", "python_bounds", normal(3, 2), normal(3, 2), call=_fori, twice=False)


def _linear_recurrence(B, a, b, **kwargs):
    # h_k = a_k * h_{k-1} + b_k: the composition of affine maps is associative
    def compose(first, second):
        (a1, b1), (a2, b2) = first, second
        return B.multiply(a1, a2), B.add(B.multiply(a2, b1), b2)
    return B.associative_scan(compose, (a, b), **kwargs)


case("associative_scan", "affine_odd_length_reverse", normal(5, 2, scale=0.7), normal(5, 2),
     call=lambda B, a, b: _linear_recurrence(B, a, b, reverse=True), twice=False)
case("map", "structures", normal(3, 2), normal(3), twice=False, call=lambda B, a, b: B.map(
    lambda d: (B.multiply(d["a"], d["b"]), B.sum(B.exp(d["a"]))), {"a": a, "b": b}))
case("vectorized_map", "tuple_elements", normal(4, 3), normal(4, 3), twice=False,
     call=lambda B, x, y: B.vectorized_map(lambda t: B.multiply(t[0], B.exp(t[1])), (x, y)))


def _while(B, x):
    # halves x until its sum of squares is below 1: the trip count comes from the data
    return B.while_loop(lambda i, x: B.greater(B.sum(B.square(x)), 1.0),
                        lambda i, x: (B.add(i, 1), B.multiply(x, 0.5)), (0, x))


forward("while_loop", "data_dependent_trips", normal(4, scale=3.0), call=_while)


def _log1pexp(B):
    @B.custom_gradient
    def log1pexp(x):
        e = B.exp(x)

        def grad(upstream):
            return B.multiply(upstream, B.subtract(1.0, B.divide(1.0, B.add(1.0, e))))
        return B.log(B.add(1.0, e)), grad
    return log1pexp


def _product_and_sine(B):
    # two arguments, two outputs, Keras's backend-neutral grad signature
    @B.custom_gradient
    def product_and_sine(x, y):
        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            d_product, d_sine = upstream
            return (B.add(B.multiply(d_product, y), B.multiply(d_sine, B.cos(x))),
                    B.multiply(d_product, x))
        return (B.multiply(x, y), B.sin(x)), grad
    return product_and_sine


case("custom_gradient", "log1pexp", normal(3, 4), call=lambda B, x: _log1pexp(B)(x))
case("custom_gradient", "two_arguments_two_outputs", normal(3), normal(3),
     call=lambda B, x, y: _product_and_sine(B)(x, y))


# ---------------------------------------------------------------------------- recurrent cells
# one step of each cell, every input differentiated (the recurrent matmul, the gates, and
# for GRU both places of the reset gate); kernels scaled down so the gates stay off their
# flat tails, where finite differences lose their precision
case("simple_rnn_cell", "step", normal(2, 3), normal(2, 3), normal(3, 3, scale=0.5))
case("lstm_cell", "step", normal(2, 8), normal(2, 2), normal(2, 2), normal(2, 8, scale=0.5))
case("lstm_cell", "carry_only", normal(2, 4), normal(2, 1), normal(2, 1), normal(1, 4, scale=0.5),
     call=lambda B, x, h, c, u: B.lstm_cell(x, h, c, u)[1])
case("gru_cell", "reset_after", normal(2, 6), normal(2, 2), normal(2, 6, scale=0.5), normal(6))
case("gru_cell", "reset_before", normal(2, 6), normal(2, 2), normal(2, 6, scale=0.5), normal(6),
     kwargs={"reset_after": False})


# ---------------------------------------------------------------------------- image
# keras.ops.image: every kernel of resize (its weights are constants, the gradient a
# contraction), the sampling of map_coordinates/affine_transform (a gather, whose gradient
# scatters), in the images; coordinates and transforms are constants (their gradient jumps
# at every integer coordinate)
_IMAGE_TRANSFORMS = np.array([[0.9, -0.2, 1.3, 0.25, 1.1, -0.7, 0.0, 0.0],
                              [1.2, 0.1, -1.6, -0.15, 0.8, 2.2, 0.0, 0.0]])
_IMAGE_COORDINATES = np.random.default_rng(11).uniform(-2.0, 6.0, (3, 3, 4))


def _hsv(*shape):
    """HSV planes in (0, 1) with hues away from the kinks of hsv_to_rgb (multiples of 1/6)."""
    def sample(rng, s):
        x = rng.uniform(0.05, 0.95, s)
        hue = x[..., 0]
        near = np.abs(hue * 6 - np.round(hue * 6)) < 0.1
        x[..., 0] = np.where(near, hue + 0.05, hue)
        return x
    return Draw(sample, shape, "hsv")


case("resize", "bilinear_up", normal(2, 3, 4, 2), (5, 7))
case("resize", "bicubic_down_antialias", normal(1, 6, 7, 2), (3, 4),
     kwargs={"interpolation": "bicubic", "antialias": True})
case("resize", "nearest_channels_first", normal(2, 2, 3, 4), (5, 2),
     kwargs={"interpolation": "nearest", "data_format": "channels_first"})
case("affine_transform", "bilinear_constant", normal(2, 4, 5, 2), _IMAGE_TRANSFORMS,
     kwargs={"fill_value": 0.5})
case("map_coordinates", "linear_mirror", normal(4, 5, 2), _IMAGE_COORDINATES, 1,
     kwargs={"fill_mode": "mirror"})
case("crop_images", "margins", normal(2, 5, 6, 2),
     kwargs={"top_cropping": 1, "bottom_cropping": 2, "left_cropping": 0, "target_width": 4})
case("pad_images", "channels_first", normal(2, 3, 2, 4),
     kwargs={"top_padding": 1, "target_height": 5, "left_padding": 2, "right_padding": 1,
             "data_format": "channels_first"})
case("rgb_to_grayscale", "rgb", normal(2, 3, 2, 3))
case("rgb_to_hsv", "rgb", distinct(2, 3, 2, 3, low=0.05, high=1.0))
case("hsv_to_rgb", "hsv", _hsv(2, 3, 2, 3))
case("gaussian_blur", "kernel_3x5", normal(2, 5, 6, 2),
     kwargs={"kernel_size": (3, 5), "sigma": (0.8, 1.7)})


# ---------------------------------------------------------------------------- attention
# (B, T, N, H) query, (B, S, K, H) key/value; the mask keeps one key per query at least.
# JAX (jax.nn.dot_product_attention, as Keras calls it) takes the softmax in float32 even
# for float64 inputs; the engine stays in float64 (its finite differences agree to 1e-6):
# in float64 the two agree to float32's round-off
_ATTENTION_TOL = {"forward64": 1e-6, "vjp64": 1e-6, "hvp": 1e-5}
_ATTENTION_MASK = np.array([[True, False, True, True, False], [False, True, True, False, True],
                            [True, True, False, False, False]])[None, None]
case("dot_product_attention", "multi_head_bias", normal(2, 3, 2, 4), normal(2, 5, 2, 4),
     normal(2, 5, 2, 4), normal(1, 2, 3, 5),
     call=lambda B, q, k, v, b: B.dot_product_attention(q, k, v, bias=b), tol=_ATTENTION_TOL)
case("dot_product_attention", "grouped_mask_causal_scale", normal(1, 3, 4, 2),
     normal(1, 5, 2, 2), normal(1, 5, 2, 2),
     call=lambda B, q, k, v: B.dot_product_attention(q, k, v, mask=_ATTENTION_MASK,
                                                     is_causal=True, scale=0.7),
     tol=_ATTENTION_TOL)


# ---------------------------------------------------------------------------- the table
CASES = [c for cases in SPECS.values() for c in cases]
GRADIENT_CASES = [c for c in CASES if c.diff]
SECOND_ORDER_CASES = [c for c in GRADIENT_CASES if c.twice]
FINITE_DIFFERENCE_CASES = [c for c in GRADIENT_CASES if c.fd]

#: Why some non-differentiable names have no forward case: they are tested elsewhere.
TESTED_ELSEWHERE = {
    "value_and_grad": "every VJP check here runs through it; tests/backends/test_tutorials.py",
    "grad": "the second-order checks here run through it",
    "GradientTape": "tests/backends/test_tutorials.py (persistent and nested tapes)",
    "jit": "a transformation without values of its own",
    "Variable": "a container, tested with the layers",
}

#: Primitives of the engine's op table that are not contract names, and the contract ops
#: whose cases exercise them (checked by tests/backends/test_coverage.py, which runs those
#: cases with the primitives instrumented).
INTERNAL_PRIMITIVES = {
    # value_and_grad wraps every differentiated argument in it; nested grads differentiate it
    "identity": ("multiply", "exp"),
    "select": ("where", "relu", "clip"),
    "gelu_slope": ("gelu",),
    "gather": ("get_item", "take", "take_along_axis", "slice", "split", "pad"),
    "scatter_add_into_zeros": ("get_item", "take", "take_along_axis"),
    "pad_constant": ("pad",),
    "einsum_explicit": ("einsum",),
    "conv_general": ("conv",),
    "conv_input_grad": ("conv", "conv_transpose"),
    "conv_kernel_grad": ("conv", "conv_transpose"),
    "max_pool_general": ("max_pool",),
    "max_pool_scatter": ("max_pool",),
    "max_pool_gather": ("max_pool",),
    "random_draw": ("normal", "uniform", "truncated_normal", "randint", "dropout", "shuffle"),
    "window_sum": ("average_pool",),
    "window_sum_transpose": ("average_pool",),
    "sigmoid_crossentropy": ("binary_crossentropy",),
    "softmax_crossentropy": ("categorical_crossentropy",),
    "sparse_softmax_crossentropy": ("sparse_categorical_crossentropy",),
    "custom_gradient_call": ("custom_gradient",),
}


def differentiable_names():
    """Contract names that must have a gradient cross-check."""
    return [n for n in contract_names() if n not in NON_DIFFERENTIABLE]

