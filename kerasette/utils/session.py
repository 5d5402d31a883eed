"""``clear_session``: forget the global state that models leave behind."""

import gc

from kerasette import dtype_policies
from kerasette.utils import naming


def clear_session(free_memory=True):
    """Resets the state kerasette keeps between models (Keras 3 ``keras.utils.clear_session``).

    Automatic layer names start afresh (the next ``Dense`` is named ``dense``
    again) and the global dtype policy is the one of ``floatx()`` again, as in
    Keras 3. Random seeds are left as they are: call
    :func:`kerasette.utils.set_random_seed` to reset those.

    Args:
        free_memory: also run Python's garbage collector, so arrays held by
            dropped models are released now.
    """
    naming.reset_names()
    dtype_policies.reset_dtype_policy()
    if free_memory:
        gc.collect()
