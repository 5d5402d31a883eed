"""``clear_session``: forget the global state that models leave behind."""

import gc

from kerasette.utils import naming


def clear_session(free_memory=True):
    """Resets the state kerasette keeps between models (Keras 3 ``keras.utils.clear_session``).

    Automatic layer names start afresh (the next ``Dense`` is named ``dense``
    again). Random seeds are left as they are: call
    :func:`kerasette.utils.set_random_seed` to reset those.

    Args:
        free_memory: also run Python's garbage collector, so arrays held by
            dropped models are released now.
    """
    naming.reset_names()
    if free_memory:
        gc.collect()
