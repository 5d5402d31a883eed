"""Linear algebra (``keras.ops.linalg``): decompositions, solves, inverses, norms.

The same functions as the flat :mod:`kerasette.ops` namespace, grouped as Keras 3 groups them:
``kerasette.ops.linalg.X is kerasette.ops.X``. ``KERAS_NAMES`` lists the names Keras 3.15 has here;
the ones kerasette does not have yet are missing from the module (``tests/test_ops_namespaces.py``
reports them).
"""

from kerasette.ops import _grouped

#: every name of ``keras.ops.linalg`` in Keras 3.15
KERAS_NAMES = (
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
)

__all__ = _grouped(KERAS_NAMES, globals())
