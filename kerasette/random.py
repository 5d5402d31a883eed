"""Random numbers (``keras.random``): thin names for the random ops of :mod:`kerasette.ops`.

Each op takes ``seed``: an int (the same numbers on every call), a
:class:`SeedGenerator` (advanced by each call: different, reproducible
numbers) or None (the backend's global generator, reset by
:func:`kerasette.utils.set_random_seed`).

Example:
    >>> gen = kerasette.random.SeedGenerator(1337)
    >>> x = kerasette.random.normal((2, 3), seed=gen)
    >>> kept = kerasette.random.dropout(x, rate=0.5, seed=gen)
"""

from kerasette.backends.seed import SeedGenerator
from kerasette.ops import dropout, normal, randint, shuffle, truncated_normal, uniform

__all__ = ["SeedGenerator", "dropout", "normal", "randint", "shuffle", "truncated_normal",
           "uniform"]
