#!/usr/bin/env bash
# The GPU run of the cupy backend (issue 12), one script, meant to finish in under 8 minutes
# and to end with one summary. Run it from the repository root on a machine with an NVIDIA
# GPU where CuPy, JAX and PyTorch are installed (no network needed):
#
#     bash benchmarks/gpu_check.sh            # results under $OUT (default /tmp/gpu_check)
#
# 1. the environment: GPU, CuPy, JAX, PyTorch versions; kerasette importable (an editable
#    install if pip can, else an overlay of the source tree on PYTHONPATH);
# 2. the cupy test suite on the real GPU: every case of the op table, float32 forward and
#    VJP against the numpy engine (itself checked against JAX; CuPy leaves TF32 off unless
#    CUPY_TF32=1), contract conformance, the layer tests, the training tests;
# 3. the numpy-vs-cupy training parity (benchmarks/bench_gpu.py --parity);
# 4. the GPU benchmark (benchmarks/bench_gpu.py): W1 and W2 at batch 128 and 1024 on
#    kerasette-cupy, kerasette-jax and PyTorch CUDA, and kerasette-numpy's W2.
# Each phase has its own time limit; a phase that fails or times out is reported, and the
# later phases still run.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
SUMMARY="$OUT/summary.md"
: > "$SUMMARY"
started=$(date +%s)
say() { echo "$*" | tee -a "$SUMMARY"; }
elapsed() { echo $(( $(date +%s) - started ))s; }

# ---------------------------------------------------------------------------- 1. environment
say "# GPU check ($(date -u +%Y-%m-%dT%H:%MZ))"
say ""
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 \
  | sed 's/^/GPU: /' | tee -a "$SUMMARY"
python - <<'PY' 2>&1 | tee -a "$SUMMARY"
import importlib, sys
print("python:", sys.version.split()[0])
for name in ("numpy", "cupy", "jax", "torch", "pytest", "xdist", "keras"):
    try:
        module = importlib.import_module(name)
        print(f"{name}: {getattr(module, '__version__', 'present')}")
    except Exception as error:
        print(f"{name}: missing ({type(error).__name__})")
PY

# kerasette must import with backends/ as kerasette.backends (pyproject's package-dir)
if ! python -c "import kerasette.backends" 2>/dev/null; then
  if ! pip install -q --no-deps --no-build-isolation -e . >"$OUT/install.log" 2>&1; then
    overlay="$OUT/overlay"
    rm -rf "$overlay" && mkdir -p "$overlay"
    cp -r kerasette "$overlay/kerasette"
    ln -s "$PWD/backends" "$overlay/kerasette/backends"
    export PYTHONPATH="$overlay${PYTHONPATH:+:$PYTHONPATH}"
    say "kerasette: from an overlay of the source on PYTHONPATH (pip install failed, see install.log)"
  fi
fi
python -c "import kerasette, kerasette.backend as b; print('kerasette', kerasette.__version__, \
'cupy backend:', b.get_backend('cupy').name)" 2>&1 | tee -a "$SUMMARY"

# JAX shares the GPU with CuPy: no preallocation; the test references run on the CPU
export XLA_PYTHON_CLIENT_PREALLOCATE=false

# ---------------------------------------------------------------------------- 2. test suite
workers=""
python -c "import xdist" 2>/dev/null && workers="-n 4"
say ""
say "## cupy test suite ($(elapsed))"
JAX_PLATFORMS=cpu timeout 300 python -m pytest -q -p no:cacheprovider $workers -o addopts="" \
  tests/backends/test_gradients.py -k "cupy" \
  tests/backends/test_coverage.py tests/trainers/test_cupy_training.py tests/layers \
  >"$OUT/pytest.log" 2>&1
status=$?
say "exit status $status; $(grep -E '^[0-9]+ (passed|failed)|passed|failed' "$OUT/pytest.log" | tail -1)"
grep -E "^(FAILED|ERROR)" "$OUT/pytest.log" | head -30 | tee -a "$SUMMARY"

# ---------------------------------------------------------------------------- 3. parity
say ""
say "## numpy vs cupy training parity ($(elapsed))"
timeout 120 python benchmarks/bench_gpu.py --parity >"$OUT/parity.log" 2>&1
say "exit status $?"
cat "$OUT/parity.log" | tail -20 | tee -a "$SUMMARY"

# ---------------------------------------------------------------------------- 4. benchmark
say ""
say "## speed ($(elapsed))"
# BENCH_ARGS: e.g. "--samples 1024 --epochs 2" to try the script on a CPU (the stand-in)
timeout 330 python benchmarks/bench_gpu.py --epochs 3 --timeout 150 ${BENCH_ARGS:-} \
  --out "$OUT/RESULTS_GPU.md" >"$OUT/bench.log" 2>"$OUT/bench.err"
say "exit status $?"
cat "$OUT/bench.log" | tee -a "$SUMMARY"
tail -5 "$OUT/bench.err" | sed 's/^/  /'

say ""
say "total $(elapsed)"
echo "summary: $SUMMARY"
