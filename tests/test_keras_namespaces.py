"""Keras 3's public names that kerasette lacks may only become fewer.

``tests/keras_missing_names.json`` lists them per namespace (what
``python tests/keras_namespaces.py --names`` prints, less the exclusions there). A name that
goes missing fails here; so does a name that was added but is still in the list: take it
out, so the list stays the work that is left (issue 14's "done when" is an empty list).
"""

import json
import pathlib

from keras_namespaces import missing_names

import kerasette

RECORDED = json.loads((pathlib.Path(__file__).parent / "keras_missing_names.json").read_text())


def test_no_keras_name_goes_missing_and_the_list_is_current(keras):
    missing = missing_names(keras, kerasette)
    regressions = {ns: sorted(set(names) - set(RECORDED.get(ns, ())))
                   for ns, names in missing.items()}
    regressions = {ns: names for ns, names in regressions.items() if names}
    assert not regressions, f"Keras names kerasette no longer has: {regressions}"
    done = {ns: sorted(set(names) - set(missing.get(ns, ()))) for ns, names in RECORDED.items()}
    done = {ns: names for ns, names in done.items() if names}
    assert not done, (f"these names exist now: take them out of tests/keras_missing_names.json: "
                      f"{done}")
