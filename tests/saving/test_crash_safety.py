"""A process saving a model is SIGKILLed at random moments: the file on disk always loads.

A "zygote" subprocess imports kerasette once, then for every kill cycle forks a child that
saves in a loop, alternating ``m.keras`` and ``w.weights.h5``, each save holding a new
version of the weights (all drawn from a generator seeded with the version number, so a
file torn between two versions cannot pass). The child logs ``B target version`` before a
save and ``D target version`` after it; the zygote kills it after a random delay. The test
process then loads both files and checks each holds exactly the last version logged done
for it, or the one whose save was under way when the kill came (its rename may have
happened). Forking from a warm process makes a cycle cost milliseconds instead of the
second a fresh Python with kerasette needs.

Two layers are killed this way: the public API (``model.save``/``save_weights``, loaded
with ``load_model``/``load_weights``), and ``file_io.atomic_path`` under a minimal writer,
so the guarantee of the layer below is proved on its own.

The number of kills: ``KERASETTE_KILLS`` (default 200; the ``file_io`` run does a quarter).
``python tests/saving/test_crash_safety.py`` runs the public-API kills alone and prints the
outcome counts; the zygote is the same file with ``--zygote FOLDER LAYER``.
"""

import collections
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

TARGETS = ("m.keras", "w.weights.h5")
INPUT_DIM, UNITS = 64, 256
TEMPORARY = re.compile(r"^\.(m\.keras|w\.weights\.h5)\.[0-9a-z_]+\.tmp$")


def kill_count():
    """Kills of the public-API run: ``KERASETTE_KILLS``, else 200 (about 25 s here)."""
    return int(os.environ.get("KERASETTE_KILLS", 200))


def version_weights(version):
    """The weights of saved version ``version``: [kernel, bias, kernel, bias] (float32)."""
    rng = np.random.default_rng(version)
    shapes = [(INPUT_DIM, UNITS), (UNITS,), (UNITS, 4), (4,)]
    weights = [rng.standard_normal(shape).astype("float32") for shape in shapes]
    weights[1][0] = version  # read back to tell which save a file holds
    return weights


# ------------------------------------------------------------------ the two layers
def build_model():
    import kerasette as keras
    model = keras.Sequential([keras.Input((INPUT_DIM,)), keras.layers.Dense(UNITS),
                              keras.layers.Dense(4)])
    return model


class ModelLayer:
    """Saves and loads through the public API."""

    def __init__(self):
        self.model = build_model()

    def save(self, path, version):
        self.model.set_weights(version_weights(version))
        if path.endswith(".keras"):
            self.model.save(path)
        else:
            self.model.save_weights(path)

    def load(self, path):
        import kerasette
        if path.endswith(".keras"):
            model = kerasette.models.load_model(path)
        else:
            model = self.model
            model.load_weights(path)
        return [np.asarray(w) for w in model.get_weights()]


class FileIOLayer:
    """Saves with ``atomic_path``/``atomic_write`` and h5py, loads with ``read_archive``."""

    def save(self, path, version):
        import h5py
        from kerasette.utils.file_io import atomic_path, atomic_write

        def write_h5(target):
            with h5py.File(target, "w") as store:
                for i, weight in enumerate(version_weights(version)):
                    store[f"vars/{i}"] = weight

        if path.endswith(".keras"):
            buffer = io.BytesIO()
            write_h5(buffer)
            with atomic_write(path) as handle, zipfile.ZipFile(handle, "w") as archive:
                archive.writestr("config.json", json.dumps({"version": version}))
                archive.writestr("model.weights.h5", buffer.getvalue())
        else:
            with atomic_path(path) as tmp:
                write_h5(tmp)

    def load(self, path):
        import h5py
        from kerasette.utils.file_io import read_archive
        source = path
        if path.endswith(".keras"):
            source = io.BytesIO(read_archive(path)["model.weights.h5"])
        with h5py.File(source, "r") as store:
            return [store[f"vars/{i}"][()] for i in range(4)]


LAYERS = {"model": ModelLayer, "file_io": FileIOLayer}


# ------------------------------------------------------------------------ the zygote
def zygote(folder, layer_name):
    """Serves kill cycles: reads ``first_version delay`` lines, forks a saving child, kills
    it after ``delay`` seconds, and answers ``killed`` (or ``exited STATUS``). Its first
    line says how long one save takes."""
    layer = LAYERS[layer_name]()
    warm_up = [os.path.join(folder, "warm-up" + suffix) for suffix in (".keras", ".weights.h5")]
    for path in warm_up:  # imports everything before forking
        layer.save(path, 0)
    start = time.perf_counter()
    for path in warm_up:
        layer.save(path, 0)
        os.unlink(path)
    log = os.open(os.path.join(folder, "log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    print(f"ready {(time.perf_counter() - start) / 2}", flush=True)
    for line in sys.stdin:
        first, delay = int(line.split()[0]), float(line.split()[1])
        child = os.fork()
        if child == 0:
            try:
                for version in range(first, first + 1_000_000):
                    target = os.path.join(folder, TARGETS[version % 2])
                    os.write(log, f"B {TARGETS[version % 2]} {version}\n".encode())
                    layer.save(target, version)
                    os.write(log, f"D {TARGETS[version % 2]} {version}\n".encode())
            except BaseException:
                import traceback
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        time.sleep(delay)
        os.kill(child, signal.SIGKILL)
        _, status = os.waitpid(child, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print("killed" if killed else f"exited {status}", flush=True)


# ------------------------------------------------------------------------- the test
def parse_log(text):
    """Per target: the last version logged done, and the versions begun since then but not
    logged done (each may have reached its rename before its process was killed)."""
    done, begun = {}, collections.defaultdict(set)
    for line in text.splitlines():
        event, target, version = line.split()
        if event == "B":
            begun[target].add(int(version))
        else:
            done[target] = int(version)
            begun[target].clear()
    return done, begun


def check_folder(folder, layer, done, begun, outcome):
    """Loads every target and checks it holds an allowed version; counts what it saw."""
    names = os.listdir(folder)
    for name in names:
        assert name in TARGETS + ("log",) or TEMPORARY.match(name), (
            f"unexpected file {name!r} after a kill")
    assert sorted(n for n in names if n.endswith((".keras", ".h5"))) == sorted(
        t for t in TARGETS if t in names), "a temporary file looks like a model file"
    for target in TARGETS:
        allowed = begun[target] | ({done[target]} if target in done else set())
        path = os.path.join(folder, target)
        if not os.path.exists(path):
            assert done.get(target) is None, f"{target} vanished after version {done[target]}"
            continue
        weights = layer.load(path)
        version = int(weights[1][0])
        assert version in allowed, f"{target} holds version {version}, expected one of {allowed}"
        for got, expected in zip(weights, version_weights(version), strict=True):
            np.testing.assert_array_equal(got, expected)
        outcome[f"{target} held a save under way" if version in begun[target]
                else f"{target} held the last finished save"] += 1
    outcome["temporary files left"] = sum(bool(TEMPORARY.match(n)) for n in names)


def probe_temporaries(folder, layer, rng, outcome):
    """A temporary left half-written by a kill is a truncated file: loading one (moved out
    of the folder, under its real extension) succeeds or raises FileFormatError."""
    from kerasette.utils.file_io import FileFormatError
    for name in os.listdir(folder):
        if TEMPORARY.match(name) and rng.random() < 0.25:
            suffix = ".keras" if ".keras." in name else ".weights.h5"
            probe = os.path.join(os.path.dirname(folder), "probe" + suffix)
            os.replace(os.path.join(folder, name), probe)
            try:
                layer.load(probe)
                outcome["a left temporary was complete"] += 1
            except FileFormatError:
                outcome["a left temporary was refused"] += 1
            os.unlink(probe)


def covered(outcome, kills):
    """Whether the kills landed everywhere: mostly during a save, and both before and after
    each target's rename."""
    return outcome["killed during a save"] > outcome["kills"] // 2 and all(
        outcome[f"{target} held the last finished save"] > 0
        and outcome[f"{target} held a save under way"] > 0 for target in TARGETS)


def run_kills(folder, layer_name, kills, seed=0):
    """Runs ``kills`` kill cycles; returns the outcome counts."""
    rng = random.Random(seed)
    layer = LAYERS[layer_name]()
    env = {**os.environ, "KERASETTE_BACKEND": "numpy", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    worker = subprocess.Popen([sys.executable, __file__, "--zygote", str(folder), layer_name],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    outcome = collections.Counter()
    try:
        ready, save_seconds = worker.stdout.readline().split()
        assert ready == "ready"
        offset, log_text = 0, ""
        cycle = 0
        # at least ``kills`` kills, more (up to five times as many) until the kills have landed
        # everywhere: on a loaded machine the random delays can miss some moments of a save
        while cycle < kills or (not covered(outcome, kills) and cycle < 5 * kills):
            cycle += 1
            # From before the first save to about the fourth: every moment of a save is hit.
            # (on a loaded machine a child may not even finish its first save before the kill:
            # the window widens while the kills have not landed everywhere yet, and the child
            # starts with either target in turn)
            stretch = 2 ** ((cycle - 1) // kills)
            delay = rng.uniform(0.0, 4 * float(save_seconds) * stretch)
            worker.stdin.write(f"{cycle * 1000 + cycle % 2} {delay}\n")
            worker.stdin.flush()
            answer = worker.stdout.readline().strip()
            assert answer == "killed", f"the saving child ended by itself: {answer!r}"
            outcome["kills"] += 1
            with open(os.path.join(folder, "log")) as handle:
                handle.seek(offset)
                new = handle.read()
            offset += len(new)
            log_text += new
            last = new.splitlines()[-1] if new else ""
            outcome["killed during a save" if last.startswith("B") else
                    "killed between saves"] += 1
            done, begun = parse_log(log_text)
            check_folder(folder, layer, done, begun, outcome)
            if layer_name == "model":
                probe_temporaries(folder, layer, rng, outcome)
            outcome["saves finished"] = sum(line.startswith("D ") for line in log_text.splitlines())
    finally:
        worker.stdin.close()
        worker.kill()
        worker.wait()
    return outcome


@pytest.fixture(params=["model", "file_io"])
def layer_name(request):
    return request.param


@pytest.mark.slow
def test_sigkill_during_saves_never_leaves_a_torn_file(tmp_path, layer_name):
    folder = tmp_path / "saves"
    folder.mkdir()
    kills = kill_count() if layer_name == "model" else max(10, kill_count() // 4)
    start = time.perf_counter()
    outcome = run_kills(str(folder), layer_name, kills)
    seconds = time.perf_counter() - start
    print(f"\n{layer_name}: {kills} kills in {seconds:.1f} s: {dict(outcome)}")
    assert outcome["kills"] >= kills
    # The kills must land everywhere: mostly during a save (the child saves without pause),
    # and both before and after a save's rename.
    assert covered(outcome, kills), dict(outcome)


def test_stale_temporaries_are_ignored_by_load_and_save(tmp_path):
    layer = ModelLayer()
    for version, target in enumerate(TARGETS, start=7):
        path = str(tmp_path / target)
        layer.save(path, version)
        good = open(path, "rb").read()
        # What a kill leaves: a half-written sibling, and one that is complete but newer.
        (tmp_path / f".{target}.a1b2c3.tmp").write_bytes(good[: len(good) // 2])
        (tmp_path / "newer").mkdir(exist_ok=True)
        layer.save(str(tmp_path / "newer" / target), version + 100)
        os.replace(tmp_path / "newer" / target, tmp_path / f".{target}.d4e5f6.tmp")
        weights = layer.load(path)
        assert int(weights[1][0]) == version
        np.testing.assert_array_equal(weights[0], version_weights(version)[0])
        # The next save goes through its own temporary; the stale ones stay as they were.
        layer.save(path, version + 1)
        assert int(layer.load(path)[1][0]) == version + 1
        assert (tmp_path / f".{target}.a1b2c3.tmp").read_bytes() == good[: len(good) // 2]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [".m.keras.a1b2c3.tmp", ".m.keras.d4e5f6.tmp", ".w.weights.h5.a1b2c3.tmp",
         ".w.weights.h5.d4e5f6.tmp", "m.keras", "newer", "w.weights.h5"])


# ------------------------------------------------------------------- a full disk
# A child process saves once, then again under RLIMIT_FSIZE (SIGXFSZ ignored, so a write past
# the limit fails with EFBIG as on a full disk) and reports what the second save raised.
_SAVE_ON_A_FULL_DISK = """
import errno, json, os, resource, signal, sys
import numpy as np
import kerasette as keras
folder, how = sys.argv[1], sys.argv[2]
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256), keras.layers.Dense(4)])
model.compile(optimizer="adam", loss="mse")
x, y = np.ones((8, 64), "float32"), np.zeros((8, 4), "float32")
path = os.path.join(folder, "w.keras" if how == "save" else "w.weights.h5")
def save(run):
    if how == "save":
        model.save(path)
    elif how == "save_weights":
        model.save_weights(path)
    elif how == "checkpoint":
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True)])
    else:  # the second run resumes after the first one's epoch, and backs up its own
        model.fit(x, y, epochs=run, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(
            os.path.join(folder, "backup"), delete_checkpoint=False)])
save(1)
print("saved", flush=True)
sys.stdin.readline()  # the test has read the folder
model.set_weights([w + 1 for w in model.get_weights()])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    save(2)
    print(json.dumps({"raised": None}))
except BaseException as error:
    print(json.dumps({"raised": type(error).__name__, "errno": getattr(error, "errno", None),
                      "efbig": errno.EFBIG, "message": str(error)}))
"""


def _folder_contents(folder):
    """``{relative path: bytes}`` of every file under ``folder``."""
    contents = {}
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                contents[os.path.relpath(os.path.join(root, name), folder)] = handle.read()
    return contents


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE and SIGXFSZ")
@pytest.mark.parametrize("how", ["save_weights", "checkpoint", "backup", "save"])
def test_a_full_disk_raises_oserror_and_keeps_the_previous_file(tmp_path, how):
    folder = tmp_path / "saves"
    folder.mkdir()
    env = {**os.environ, "KERASETTE_BACKEND": "numpy", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-c", _SAVE_ON_A_FULL_DISK, str(folder), how],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline() == "saved\n", child.communicate()[1][-3000:]
    before = _folder_contents(folder)  # the first save's files, complete
    stdout, stderr = child.communicate("go\n", timeout=120)
    assert child.returncode == 0, (f"the saving process ended with {child.returncode} "
                                   f"(a signal when negative): {stderr[-3000:]}")
    report = json.loads(stdout.splitlines()[-1])
    assert report["raised"] == "OSError" and report["errno"] == report["efbig"], report
    after = _folder_contents(folder)
    assert sorted(after) == sorted(before), "a file appeared or vanished: " + str(
        sorted(set(after) ^ set(before)))
    for name, data in before.items():
        assert after[name] == data, f"{name} changed"
    assert not [name for name in after if name.endswith(".tmp")]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--zygote"]:
        zygote(sys.argv[2], sys.argv[3])
    else:
        import tempfile
        with tempfile.TemporaryDirectory(prefix="kerasette-kills-") as scratch:
            os.mkdir(os.path.join(scratch, "saves"))
            start = time.perf_counter()
            counts = run_kills(os.path.join(scratch, "saves"), "model", kill_count())
            print(f"{counts['kills']} kills in {time.perf_counter() - start:.1f} s")
            for name, count in sorted(counts.items()):
                print(f"  {name:<45}{count:>7}")
