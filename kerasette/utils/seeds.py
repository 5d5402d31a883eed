"""Random seeds: ``set_random_seed`` and the numpy generator behind initial weights.

Initial weights are drawn on the host, from numpy, whatever the backend (see
"Same seed, same model, any backend" in DESIGN.md): an initializer without a
seed draws from :func:`global_generator`, which :func:`set_random_seed` resets.
So ``set_random_seed(42)`` followed by building a model gives bit-identical
initial weights on numpy, cupy and jax.
"""

import random

import numpy as np

from kerasette.backends import seed as _backend_seed

_generator = None
_seed = None


def set_random_seed(seed):
    """Sets every random seed kerasette uses (Keras 3 ``keras.utils.set_random_seed``).

    Seeds Python's ``random``, numpy's global random state (``np.random.seed``),
    the numpy generator that initializers without a seed draw from, and the
    global ``SeedGenerator`` of every backend (random ops called with
    ``seed=None``).

    Args:
        seed: an int.

    Example:
        >>> kerasette.utils.set_random_seed(42)
        >>> a = kerasette.initializers.GlorotUniform()((3, 3))
        >>> kerasette.utils.set_random_seed(42)
        >>> b = kerasette.initializers.GlorotUniform()((3, 3))
        >>> bool((a == b).all())
        True
    """
    global _generator, _seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"set_random_seed expects an int seed, got {seed!r} of type {type(seed).__name__}."
        )
    seed = int(seed)
    _seed = seed
    random.seed(seed)
    np.random.seed(seed % 2**32)  # the legacy global state takes 32-bit seeds only
    _generator = np.random.default_rng(seed % 2**64)
    _backend_seed.set_global_seed(seed)


def get_random_seed():
    """The seed given to the last :func:`set_random_seed`, or None if it was never called."""
    return _seed


def global_generator():
    """The numpy ``Generator`` that initializers without a seed draw from.

    Seeded from the operating system's entropy until :func:`set_random_seed`
    resets it.
    """
    global _generator
    if _generator is None:
        _generator = np.random.default_rng()
    return _generator
