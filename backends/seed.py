"""``SeedGenerator``: the random state behind every random op, shared by all backends.

The state is a non-trainable uint32 Variable ``[seed, counter]``. Each draw
reads it and advances the counter by ``assign``; inside a StatelessScope (a
jit-compiled train step) the advance is collected like any other variable
update. Each backend turns the state it reads into its own generator
(numpy's ``default_rng((seed, counter))``, ``jax.random.key``).

A random op's ``seed`` argument is:

- a SeedGenerator: draw from it (advances it);
- an int: a fixed state ``[seed, 0]``, the same numbers on every call (as Keras);
- None: the backend's global generator, reset by :func:`set_global_seed`.
"""

import random as python_random

import numpy as np

from . import active
from .variable import Variable

_global_generators = {}
_global_seed = None


class SeedGenerator:
    """A stateful source of seeds for random ops.

    Args:
        seed: an int; None draws one from Python's ``random`` (as Keras 3 does), which
            ``kerasette.utils.set_random_seed`` seeds: an unseeded Dropout is reproducible.
        backend: the owning backend object (default: the active one).

    Example:
        >>> gen = kerasette.random.SeedGenerator(1337)
        >>> a = kerasette.random.normal((2,), seed=gen)
        >>> b = kerasette.random.normal((2,), seed=gen)   # different numbers from a
    """

    def __init__(self, seed=None, *, backend=None, name="seed_generator"):
        if seed is None:
            seed = python_random.randint(1, 10**9)
        if not isinstance(seed, (int, np.integer)):
            raise ValueError(f"SeedGenerator seed must be an int or None, got {type(seed).__name__}.")
        self._initial_seed = int(seed)
        self.state = Variable(np.array([int(seed) % 2**32, 0], dtype="uint32"), dtype="uint32",
                              trainable=False, name=f"{name}_state",
                              backend=backend or active.get())

    def next(self):
        """The current state ``[seed, counter]`` (a backend tensor); advances the counter."""
        value = self.state.value
        backend = self.state._backend
        self.state.assign(backend.add(value, backend.convert_to_tensor(np.array([0, 1], "uint32"))))
        return value

    def get_config(self):
        return {"seed": self._initial_seed}


def resolve_seed(seed, backend):
    """The state ``[seed, counter]`` to draw from for a random op's ``seed`` argument."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator(backend).next()
    if isinstance(seed, (int, np.integer)):
        return np.array([int(seed) % 2**32, 0], dtype="uint32")
    raise ValueError(
        f"seed must be an int, a SeedGenerator or None, got {type(seed).__name__}."
    )


def global_seed_generator(backend):
    """The generator that random ops use when ``seed=None``, one per backend."""
    generator = _global_generators.get(backend.name)
    if generator is None:
        generator = SeedGenerator(_global_seed, backend=backend, name="global_seed_generator")
        _global_generators[backend.name] = generator
    return generator


def set_global_seed(seed):
    """Resets every backend's global generator to ``seed`` (``utils.set_random_seed``)."""
    global _global_seed
    _global_seed = seed
    _global_generators.clear()
