"""Which of Keras 3's public names kerasette lacks, namespace by namespace.

    KERAS_BACKEND=jax python tests/keras_namespaces.py        # a table of counts
    KERAS_BACKEND=jax python tests/keras_namespaces.py --names # and the missing names

Compares ``dir()`` of each namespace of the installed ``keras`` (3.x) with kerasette's, less
the names kept out on purpose (:data:`EXCLUDED`: backend-specific wrappers and
quantization, out of scope of issue 14). ``tests/test_keras_namespaces.py`` holds the
missing names to a list that may only shrink.
"""

import argparse
import importlib
import os
import sys

#: the namespaces compared (``""``: the top level)
NAMESPACES = ("", "activations", "applications", "backend", "callbacks", "config", "constraints",
              "datasets", "distribution", "dtype_policies", "export", "initializers", "layers",
              "losses", "metrics", "mixed_precision", "models", "ops", "ops.image", "ops.linalg",
              "ops.nn", "ops.numpy", "optimizers", "optimizers.schedules", "preprocessing",
              "random", "regularizers", "saving", "tree", "utils")

#: names kept out on purpose, with the reason
EXCLUDED = {
    "src": "Keras's private sources",
    "JaxLayer": "backend-specific wrapper", "FlaxLayer": "backend-specific wrapper",
    "TorchModuleWrapper": "backend-specific wrapper", "TFSMLayer": "backend-specific wrapper",
    "OrbaxCheckpoint": "backend-specific callback", "RemoteMonitor": "network callback",
    "quantizers": "quantization (out of scope)", "Quantizer": "quantization (out of scope)",
    "QuantizedDTypePolicy": "quantization (out of scope)",
    "QuantizedFloat8DTypePolicy": "quantization (out of scope)",
    "GPTQDTypePolicy": "quantization (out of scope)", "AWQDTypePolicy": "quantization (out of scope)",
    "Int4DTypePolicy": "quantization (out of scope)", "DTypePolicyMap": "quantization (out of scope)",
}


def public_names(module):
    return {name for name in dir(module) if not name.startswith("_")}


def missing_names(keras, kerasette):
    """``{namespace: sorted names}`` of Keras's public names kerasette lacks (a namespace
    kerasette lacks entirely counts all its names)."""
    missing = {}
    for namespace in NAMESPACES:
        theirs = _resolve(keras, namespace)
        if theirs is None:
            continue
        ours = _resolve(kerasette, namespace)
        names = public_names(theirs) - (public_names(ours) if ours is not None else set())
        missing[namespace] = sorted(names - set(EXCLUDED))
    return missing


def _resolve(root, dotted):
    module = root
    for part in filter(None, dotted.split(".")):
        module = getattr(module, part, None)
        if module is None:
            try:
                module = importlib.import_module(f"{root.__name__}.{dotted}")
            except ImportError:
                return None
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", action="store_true", help="list the missing names too")
    arguments = parser.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    import kerasette
    print(f"| namespace | keras {keras.__version__} | missing in kerasette |")
    print("|---|---:|---:|")
    total = gone = 0
    for namespace, names in missing_names(keras, kerasette).items():
        count = len(public_names(_resolve(keras, namespace)) - set(EXCLUDED))
        total, gone = total + count, gone + len(names)
        print(f"| {namespace or '(top level)'} | {count} | {len(names)} |")
        if arguments.names and names:
            print(f"|  | | {', '.join(names)} |")
    print(f"| all | {total} | {gone} |")


if __name__ == "__main__":
    sys.exit(main())
