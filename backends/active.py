"""Which backend object is active in this process.

The choice itself (environment variable, config file, default) is made by
:mod:`kerasette.backend`; this module only holds the result, so that code on
this floor (``Variable`` with no explicit backend) can find it.
"""

current = None


def get():
    """The active backend object; raises if none was chosen yet."""
    if current is None:
        raise RuntimeError("No kerasette backend is active; import kerasette first.")
    return current
