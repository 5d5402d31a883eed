"""The shared reverse-mode core: tensor, tape, op table and gradient rules.

Array-module agnostic: nothing in this package imports numpy or cupy; the
engine is handed its array module ``xp`` (a test enforces this).
"""

from .engine import AutodiffBackend

__all__ = ["AutodiffBackend"]
