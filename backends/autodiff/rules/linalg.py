"""Linear algebra: matmul, dot, tensordot, einsum, transpose.

``matmul`` is the hot path of training (every Dense layer), so its forward is
``xp.matmul`` itself and its gradient two matmuls against transposed *views*
(BLAS reads a transposed operand in place, nothing is copied). Both input
gradients are deferred (zero-argument functions): the gradient of a first
layer's input data is never computed. ``dot`` and ``tensordot`` are written
with matmul, transpose and reshape, so they need no gradient rule of their own.
"""

import math

from ..registry import defcomposite, defop


@defop("transpose")
def transpose(xp, x, axes=None):
    return xp.transpose(x, None if axes is None else tuple(axes))


@transpose.defvjp
def transpose_vjp(F, g, y, x, axes=None):
    if axes is None:  # reversing the axes is its own inverse
        return (F.transpose(g),)
    ndim = len(axes)
    inverse = [0] * ndim
    for position, axis in enumerate(axes):
        inverse[axis % ndim] = position
    return (F.transpose(g, tuple(inverse)),)


def matrix_transpose(F, x):
    """``x`` with its last two axes swapped (a view)."""
    ndim = len(x.shape)
    return F.transpose(x, tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


@defop("matmul", inputs=2)
def matmul(xp, x1, x2):
    y = xp.matmul(x1, x2)
    if y.dtype != x1.dtype and x1.dtype == x2.dtype:
        # numpy multiplies two bfloat16 matrices (ml_dtypes) into float32: dtypes are kept
        return y.astype(x1.dtype)
    return y


@matmul.defvjp
def matmul_vjp(F, g, y, x1, x2):
    ndim1, ndim2 = x1.ndim, x2.ndim
    if ndim1 == 1 and ndim2 == 1:  # inner product: g is a scalar
        return lambda: F.multiply(g, x2), lambda: F.multiply(g, x1)
    # The forward promoted a 1-D operand to a matrix (a row for x1, a column for x2) and
    # removed that axis from y: put it back on g, so every case is a batched matrix product.
    if ndim1 == 1:
        g = F.reshape(g, g.shape[:-1] + (1, g.shape[-1]))
    if ndim2 == 1:
        g = F.reshape(g, g.shape + (1,))

    def grad_x1():
        x2_t = F.reshape(x2, (1, -1)) if ndim2 == 1 else matrix_transpose(F, x2)
        # (..., 1, k) for a 1-D x1: unbroadcasting sums the batch axes and drops the 1.
        return F._unbroadcast(F.matmul(g, x2_t), x1.shape)

    def grad_x2():
        x1_t = F.reshape(x1, (-1, 1)) if ndim1 == 1 else matrix_transpose(F, x1)
        grad = F.matmul(x1_t, g)
        if ndim2 == 1:  # (..., k, 1): drop the column axis before summing the batch axes
            grad = F.reshape(grad, grad.shape[:-1])
        return F._unbroadcast(grad, x2.shape)

    return grad_x1, grad_x2


@defcomposite("dot")
def dot(F, x1, x2):
    ndim1, ndim2 = F.ndim(x1), F.ndim(x2)
    if ndim1 == 0 or ndim2 == 0:
        return F.multiply(x1, x2)
    if ndim1 == 1 or ndim2 <= 2:  # here numpy.dot and numpy.matmul agree
        return F.matmul(x1, x2)
    # N-D by M-D (M >= 3): no batch broadcasting, every pair of "rows" meets
    return F.tensordot(x1, x2, axes=([ndim1 - 1], [ndim2 - 2]))


@defcomposite("tensordot")
def tensordot(F, x1, x2, axes=2):
    shape1, shape2 = F.shape(x1), F.shape(x2)
    ndim1, ndim2 = len(shape1), len(shape2)
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}.")
        axes1, axes2 = (_axis_list(a, ndim) for a, ndim in zip(axes, (ndim1, ndim2)))
    else:
        count = int(axes)
        if not 0 <= count <= min(ndim1, ndim2):
            raise ValueError(f"tensordot: axes={count} but the operands have shapes {shape1} and {shape2}.")
        axes1, axes2 = list(range(ndim1 - count, ndim1)), list(range(count))
    contracted1 = [shape1[a] for a in axes1]
    if contracted1 != [shape2[a] for a in axes2]:
        raise ValueError(
            f"tensordot: shape mismatch for sum: x1 {shape1} axes {axes1} vs x2 {shape2} axes {axes2}."
        )
    free1 = [a for a in range(ndim1) if a not in axes1]
    free2 = [a for a in range(ndim2) if a not in axes2]
    # as numpy does: bring the contracted axes together, one matrix product, unflatten
    out1, out2 = tuple(shape1[i] for i in free1), tuple(shape2[i] for i in free2)
    size = math.prod(contracted1)
    a = F.reshape(_permute(F, x1, free1 + axes1), (math.prod(out1), size))
    b = F.reshape(_permute(F, x2, axes2 + free2), (size, math.prod(out2)))
    return F.reshape(F.matmul(a, b), out1 + out2)


def _axis_list(axes, ndim):
    axes = [axes] if not isinstance(axes, (list, tuple)) else list(axes)
    return [int(a) % ndim for a in axes]


def _permute(F, x, order):
    return x if order == sorted(order) else F.transpose(x, tuple(order))


# ---------------------------------------------------------------------- einsum
# ``einsum`` turns any subscripts (implicit output, ellipsis) into an explicit,
# ellipsis-free form over letters, then runs the primitive ``einsum_explicit``.
# The gradient for an operand is one more einsum: the output gradient contracted
# with the other operands onto that operand's subscripts.

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@defcomposite("einsum")
def einsum(F, subscripts, *operands):
    shapes = [F.shape(x) for x in operands]
    return F.einsum_explicit(operands, explicit_subscripts(subscripts, shapes))


def explicit_subscripts(subscripts, shapes):
    """``subscripts`` as ``"in1,in2,...->out"`` with the output spelled out and every
    ``...`` replaced by letters of its own (broadcast dims aligned from the right).

    Example: ``explicit_subscripts("...ij,...jk", [(5, 2, 3), (3, 4)])`` is
    ``"Aij,jk->Aik"``.
    """
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(terms)} operands, got {len(shapes)}.")
    spare = [c for c in _LETTERS if c not in spec]
    ellipsis_ndims = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            named = len(term) - 3
            if named > len(shape):
                raise ValueError(f"einsum: subscripts {term!r} name more axes than the operand's shape {shape}.")
            ellipsis_ndims.append(len(shape) - named)
    broadcast = "".join(spare[: max(ellipsis_ndims, default=0)])
    terms = [t.replace("...", broadcast[len(broadcast) - (len(shape) - len(t) + 3):]) if "..." in t else t
             for t, shape in zip(terms, shapes)]
    if arrow:
        output = output.replace("...", broadcast)
    else:  # implicit output: broadcast axes, then the letters used once, in alphabetical order
        letters = "".join(terms)
        output = broadcast + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in broadcast))
    return ",".join(terms) + "->" + output


@defop("einsum_explicit", inputs="sequence")
def einsum_explicit(xp, operands, subscripts):
    # optimize lets numpy pick a contraction order and hand pairs to BLAS (tensordot)
    return xp.einsum(subscripts, *operands, optimize=len(operands) > 1)


@einsum_explicit.defvjp
def einsum_explicit_vjp(F, g, y, operands, subscripts):
    inputs, output = subscripts.split("->")
    terms = inputs.split(",")
    return [(lambda k=k: _einsum_operand_grad(F, g, operands, terms, output, k)) for k in range(len(terms))]


def _einsum_operand_grad(F, g, operands, terms, output, k):
    term, x = terms[k], operands[k]
    if len(set(term)) != len(term):
        return _einsum_diagonal_grad(F, g, operands, terms, output, k)
    others = terms[:k] + terms[k + 1:]
    available = set(output).union(*others)
    # a letter only this operand has was summed away by the forward: the gradient is
    # constant along it, so compute without it and broadcast it back
    kept = "".join(c for c in term if c in available)
    grad = F.einsum_explicit([g] + list(operands[:k]) + list(operands[k + 1:]),
                             ",".join([output] + others) + "->" + kept)
    if kept != term:
        sizes = iter(grad.shape)
        grad = F.reshape(grad, tuple(next(sizes) if c in available else 1 for c in term))
    # an axis of size 1 that the forward broadcast against a longer one gets its gradient summed
    summed = tuple(i for i, (n, m) in enumerate(zip(x.shape, grad.shape)) if n == 1 and m != 1)
    if summed:
        grad = F.sum(grad, axis=summed, keepdims=True)
    if grad.shape != tuple(x.shape):
        grad = F.broadcast_to(grad, x.shape)
    return grad


def _einsum_diagonal_grad(F, g, operands, terms, output, k):
    """Gradient for an operand whose subscripts repeat a letter (a diagonal, as in 'ii->i').

    Each repeat gets a fresh letter and an identity matrix ties it to the first occurrence:
    'ii' is read as 'ij' times eye 'ij'. The gradient of the renamed operand (letters now
    unique) is computed as usual, then the identities put it back on the diagonal."""
    term, x = terms[k], operands[k]
    used = set("".join(terms) + output)
    fresh = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    renamed, eyes, seen = [], [], set()
    for c, n in zip(term, x.shape):
        if c in seen:
            new = next(fresh)
            eyes.append((c + new, n))
            renamed.append(new)
        else:
            seen.add(c)
            renamed.append(c)
    first_occurrence = "".join(dict.fromkeys(term))
    # gradient with respect to the diagonal itself (one letter per distinct index)
    diagonal_terms = terms[:k] + [first_occurrence] + terms[k + 1:]
    diagonal = _einsum_operand_grad(F, g, operands[:k] + [F.einsum_explicit(
        [x], term + "->" + first_occurrence)] + operands[k + 1:], diagonal_terms, output, k)
    identities = [F.eye(n, dtype=F.dtype(diagonal)) for _, n in eyes]
    subscripts = ",".join([first_occurrence] + [pair for pair, _ in eyes]) + "->" + "".join(renamed)
    return F.einsum_explicit([diagonal] + identities, subscripts)
