"""CPU instructions per training step and per op, counted by valgrind: repeatable on a busy
machine, where wall-clock figures swing by 15% or more.

    python benchmarks/bench_instructions.py [--python PYTHON] [--what W3,W1,ops.add,tape]

Each figure runs the same script twice under ``valgrind --tool=callgrind`` (one BLAS
thread): once up to the point of measurement, once with N more steps (or op calls), and
divides the difference by N, so import, data and warm-up cancel out. To compare two
versions, run it with each version's Python (``--python``: a virtual environment with that
version installed) and compare the tables. Needs ``valgrind`` (``apt-get install
valgrind``); a figure takes one to three minutes.

Instruction counts are not time: a cache miss or a second BLAS thread costs time without
instructions. They are the measure for Python overhead (dispatch, bookkeeping), where
they and time move together.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

_MLP = """
import sys
import numpy as np
import kerasette as keras
rng = np.random.default_rng(0)
x = rng.random(({samples}, 784), dtype=np.float32); y = rng.integers(0, 10, {samples})
model = keras.Sequential([keras.Input((784,))]
                         + [keras.layers.Dense(n, activation="relu") for n in {hidden}]
                         + [keras.layers.Dense(10)])
model.compile(keras.optimizers.Adam(1e-3),
              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x, y, batch_size={batch}, epochs=1, verbose=0)
if int(sys.argv[1]):  # extra steps, whole epochs of {samples} // {batch} steps
    model.fit(x, y, batch_size={batch}, epochs=int(sys.argv[1]) * {batch} // {samples},
              verbose=0)
"""

#: what is measured: a script whose ``sys.argv[1]`` is the number of extra units, and units
SCRIPTS = {
    "W3": (_MLP.format(samples=3200, batch=32, hidden=[128]), 200,
           "training steps (MLP 784-128-10, batch 32, Adam)"),
    "W1": (_MLP.format(samples=1280, batch=128, hidden=[512, 256]), 20,
           "training steps (MLP 784-512-256-10, batch 128, Adam)"),
    "ops.add": ("""
import sys
import numpy as np
from kerasette import ops
a = ops.convert_to_tensor(np.ones(16, "float32"))
for _ in range(int(sys.argv[1])):
    ops.add(a, a)
""", 100_000, "calls of ops.add on float32[16], no tape"),
    "tape": ("""
import sys
import numpy as np
import kerasette
from kerasette import ops
b = ops.convert_to_tensor(np.ones(16, "float32"))
v = kerasette.Variable(np.ones(16, "float32"))
with kerasette.GradientTape():
    for _ in range(int(sys.argv[1])):
        ops.add(v, b)
""", 100_000, "calls of ops.add on a Variable in a GradientTape"),
}


def instructions(python, script, units):
    """Instructions callgrind counts for ``script`` run with ``units`` extra units."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "measured.py")
        with open(path, "w") as f:
            f.write(script)
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, path,
             str(units)], cwd=folder, env=env, capture_output=True, text=True)
    found = re.search(r"Collected\s*:\s*([\d,]+)", run.stderr)
    if run.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable,
                        help="the Python whose kerasette is measured (default: this one)")
    parser.add_argument("--what", default="W3,ops.add,tape",
                        help=f"comma-separated, of {', '.join(SCRIPTS)}")
    args = parser.parse_args()
    print(f"instructions per unit (valgrind callgrind, one BLAS thread), python {args.python}")
    print("| figure | instructions per unit | unit |")
    print("|---|---:|---|")
    for name in args.what.split(","):
        if name not in SCRIPTS:
            parser.error(f"unknown figure {name!r}; choose from {', '.join(SCRIPTS)}")
        script, units, unit = SCRIPTS[name]
        base = instructions(args.python, script, 0)
        more = instructions(args.python, script, units)
        print(f"| {name} | {(more - base) / units:,.0f} | {unit} |", flush=True)


if __name__ == "__main__":
    main()
