"""The IDX reader: every type code round-trips, and damaged files give errors naming them."""

import gzip
import os

import numpy as np
import pytest
from dataset_files import IDX_NAMES, idx_bytes, write_idx

from kerasette.datasets.idx import find_idx_files, read_idx


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_every_type(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(3, 4, 5)) * 100).astype(dtype)
    path = write_idx(str(tmp_path / ("data.idx" + suffix)), array)
    loaded = read_idx(path)
    assert loaded.shape == (3, 4, 5)
    assert loaded.dtype == np.dtype(dtype)  # big-endian on disk, native in memory
    assert loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)
    loaded[0, 0, 0] = 1  # a writable copy, not a view of the file's bytes
    assert loaded[0, 0, 0] == 1


def test_big_endian_values_decoded(tmp_path):
    # 0x00000102 big-endian is 258: a reader that forgot the byte order would give 33619968
    path = tmp_path / "one.idx"
    path.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0, 1, 2]))
    assert read_idx(str(path)).tolist() == [258]


def _error(path):
    with pytest.raises(ValueError) as info:
        read_idx(str(path))
    message = str(info.value)
    assert str(path) in message, message
    return message


def test_wrong_magic_named(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(20))  # a gzip file without its .gz name
    message = _error(path)
    assert "not an IDX file" in message and "\\x1f\\x8b" in message


def test_unknown_type_code(tmp_path):
    path = tmp_path / "bad-type"
    path.write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    assert "not an IDX file" in _error(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "short-header"
    path.write_bytes(bytes([0, 0, 0x08, 3, 0, 0, 0, 2]))  # 3 dimensions need 16 header bytes
    message = _error(path)
    assert "truncated" in message and "16 bytes" in message and "holds 8" in message


def test_truncated_data(tmp_path):
    data = idx_bytes(np.zeros((4, 7, 7), np.uint8))
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(data[:-10])
    message = _error(path)
    assert "truncated" in message
    assert f"holds {4 * 49 - 10} bytes" in message and "expected 196" in message
    assert "(4, 7, 7)" in message


def test_trailing_bytes(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.zeros(5, np.uint8)) + b"xx")
    message = _error(path)
    assert "trailing bytes" in message and "holds 7 bytes" in message and "expected 5" in message


def test_truncated_gzip(tmp_path):
    compressed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    path = tmp_path / "labels.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    assert "damaged or truncated gzip" in _error(path)


def test_not_gzip_despite_name(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)))  # uncompressed, named .gz
    assert "damaged or truncated gzip" in _error(path)


def test_find_idx_files_prefers_gz_and_mixes(tmp_path):
    for key, stem in IDX_NAMES.items():
        write_idx(str(tmp_path / stem), np.zeros(1, np.uint8))
    write_idx(str(tmp_path / (IDX_NAMES["x_train"] + ".gz")), np.zeros(1, np.uint8))
    found = find_idx_files(str(tmp_path))
    assert found["x_train"].endswith("train-images-idx3-ubyte.gz")
    assert [os.path.basename(found[k]) for k in ("y_train", "x_test", "y_test")] == [
        IDX_NAMES["y_train"], IDX_NAMES["x_test"], IDX_NAMES["y_test"]]


def test_find_idx_files_needs_all_four(tmp_path):
    for key in ("x_train", "y_train", "x_test"):
        write_idx(str(tmp_path / (IDX_NAMES[key] + ".gz")), np.zeros(1, np.uint8))
    assert find_idx_files(str(tmp_path)) is None
