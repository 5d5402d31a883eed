"""Files already on disk are checked against their known SHA-256 before they are used: a
wrong file (however valid) or a corrupt one in ``$KERASETTE_DATA`` is an error naming it, the
hash expected and the hash found. A file that passed is not hashed again until it changes
(size or modification time). Bad files in the download cache: see test_download.py."""

import gzip
import json
import os

import pytest
from dataset_files import (IDX_NAMES, assert_same_dataset, data_sha256, plant_idx, plant_npz,
                           remote_for, sha256_of, small_dataset)

from kerasette.datasets import fashion_mnist, mnist, verify
from kerasette.datasets.download import ChecksumError


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """``$KERASETTE_DATA``, empty; no system folder for Fashion-MNIST."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("KERASETTE_DATA", str(data))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_FOLDER", str(tmp_path / "no-system-folder"))
    return data


@pytest.fixture
def hash_calls(monkeypatch):
    """The paths :func:`verify.data_sha256` hashed, in order (it still hashes them)."""
    calls = []
    real = verify.data_sha256

    def counting(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(verify, "data_sha256", counting)
    return calls


def refusal(load):
    with pytest.raises(ChecksumError) as info:
        load()
    return str(info.value)


# ----------------------------------------------------------------------- the user's files
def test_wrong_but_valid_npz_is_refused(data_folder):
    path = plant_npz(str(data_folder / "mnist.npz"), small_dataset(99))
    assert mnist.read_npz(path)[0][1].tolist() == [99] * 6  # a valid file, just not MNIST
    message = refusal(mnist.load_data)
    assert path in message
    assert f"should have SHA-256 {mnist.REMOTE.sha256}" in message
    assert f"found SHA-256 {sha256_of(path)}" in message
    assert "Replace it with the original file, or delete it" in message
    assert os.path.isfile(path)  # the user's file is theirs: reported, never deleted


def test_corrupt_npz_is_refused_with_a_clear_message(data_folder):
    path = data_folder / "mnist.npz"
    path.write_bytes(bytes(range(256)) * 40)  # numpy would call this "pickled data"
    message = refusal(mnist.load_data)
    assert str(path) in message and mnist.REMOTE.sha256 in message
    assert sha256_of(path) in message and "pickle" not in message


def test_absolute_path_is_checked_too(tmp_path):
    path = plant_npz(str(tmp_path / "mine" / "mnist.npz"), small_dataset(3))
    assert path in refusal(lambda: mnist.load_data(path=path))


def test_wrong_idx_file_names_the_file_and_its_data_hash(data_folder, monkeypatch):
    arrays = small_dataset(4)
    folder = plant_idx(data_folder / "fashion-mnist", arrays)
    expected = data_sha256(arrays)
    bad = dict(expected, y_test="0" * 64)
    monkeypatch.setattr(fashion_mnist, "DATA_SHA256", bad)
    message = refusal(fashion_mnist.load_data)
    path = os.path.join(folder, IDX_NAMES["y_test"] + ".gz")
    assert message.startswith(f"{path} is not the expected fashion-mnist file")
    assert f"its data (decompressed) should have SHA-256 {'0' * 64}" in message
    assert f"found SHA-256 {expected['y_test']}" in message


def test_damaged_gzip_is_named(data_folder, monkeypatch):
    arrays = small_dataset(4)
    folder = plant_idx(data_folder, arrays)
    monkeypatch.setattr(fashion_mnist, "DATA_SHA256", data_sha256(arrays))
    path = folder / (IDX_NAMES["x_train"] + ".gz")
    path.write_bytes(path.read_bytes()[:-9])  # cut in the middle of the stream
    message = refusal(fashion_mnist.load_data)
    assert message.startswith(f"{path} is not the expected fashion-mnist file")
    assert "found a damaged gzip stream" in message


def test_the_same_data_in_any_wrapping_passes(data_folder, monkeypatch):
    # Debian's files carry upstream's data under another gzip header: the data is checked
    arrays = small_dataset(6)
    folder = plant_idx(data_folder / "fashion-mnist", arrays, gz=False)
    monkeypatch.setattr(fashion_mnist, "DATA_SHA256", data_sha256(arrays))
    path = folder / IDX_NAMES["x_test"]
    path.with_suffix(".gz").write_bytes(gzip.compress(path.read_bytes(), compresslevel=1,
                                                      mtime=123456))
    assert_same_dataset(fashion_mnist.load_data(), arrays)


def test_mnist_idx_files_have_no_known_hash(data_folder):
    # only mnist.npz has a published hash; MNIST's IDX files are checked for shape only
    plant_idx(data_folder / "mnist", small_dataset(2))
    assert_same_dataset(mnist.load_data(), small_dataset(2))


# ---------------------------------------------------------------------- hashed once only
def test_a_file_is_hashed_once_until_it_changes(data_folder, monkeypatch, hash_calls, offline):
    path = plant_npz(str(data_folder / "mnist.npz"), small_dataset(5))
    monkeypatch.setattr(mnist, "REMOTE", remote_for(path, "mnist.npz"))
    for _ in range(2):
        assert_same_dataset(mnist.load_data(), small_dataset(5))
    assert hash_calls == [path]
    # a new process: the verdict is read back from the home folder
    monkeypatch.setattr(verify, "_remembered", {})
    verdicts = json.loads((offline / ".kerasette" / "datasets" / "verified.json").read_text())
    assert list(verdicts) == [os.path.realpath(path)]
    assert_same_dataset(mnist.load_data(), small_dataset(5))
    assert hash_calls == [path]
    # touched (same bytes, new modification time): hashed again, and passes
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert_same_dataset(mnist.load_data(), small_dataset(5))
    assert hash_calls == [path, path]
    assert_same_dataset(mnist.load_data(), small_dataset(5))
    assert hash_calls == [path, path]


def test_a_file_replaced_after_it_passed_is_refused(data_folder, monkeypatch):
    path = plant_npz(str(data_folder / "mnist.npz"), small_dataset(5))
    monkeypatch.setattr(mnist, "REMOTE", remote_for(path, "mnist.npz"))
    mnist.load_data()
    plant_npz(path, small_dataset(7))
    assert f"found SHA-256 {sha256_of(path)}" in refusal(mnist.load_data)


def test_verdicts_kept_in_memory_when_home_is_not_writable(data_folder, monkeypatch,
                                                          hash_calls, offline):
    (offline / ".kerasette").write_text("a file where the folder would be")
    arrays = small_dataset(8)
    plant_idx(data_folder, arrays)
    monkeypatch.setattr(fashion_mnist, "DATA_SHA256", data_sha256(arrays))
    for _ in range(2):
        assert_same_dataset(fashion_mnist.load_data(), arrays)
    assert len(hash_calls) == 4  # each of the four files once
    assert (offline / ".kerasette").read_text() == "a file where the folder would be"


def test_data_sha256(tmp_path):
    (tmp_path / "f").write_bytes(b"kerasette")
    (tmp_path / "f.gz").write_bytes(gzip.compress(b"kerasette"))
    assert verify.data_sha256(tmp_path / "f") == sha256_of(tmp_path / "f")
    assert verify.data_sha256(tmp_path / "f.gz") == sha256_of(tmp_path / "f")
