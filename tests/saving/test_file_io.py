"""file_io on crafted archives: every refusal, the zip bombs' cost, and atomic writes.

Archives are made here with ``zipfile`` or, for what ``zipfile`` will not write (a NUL in a
name, lying sizes, a bad method), byte by byte with ``zip_crafting``. Each refusal must be a
``FileFormatError`` whose message names the file and the problem.
"""

import os
import signal
import stat
import time
import tracemalloc
import zipfile

import pytest

from kerasette.utils import file_io
from kerasette.utils.file_io import FileFormatError, atomic_path, atomic_write, read_archive
from zip_crafting import Entry, raw_zip, zeros_deflate

MEMBERS = {"config.json": b'{"class_name": "Sequential"}',
           "metadata.json": b'{"keras_version": "3"}',
           "model.weights.h5": bytes(range(256)) * 40}
ALLOWED = {"config.json", "metadata.json", "model.weights.h5"}


def write_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def listing(folder):
    """Every path under ``folder`` (names only), to prove nothing else appeared."""
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, dirs, files in os.walk(folder) for name in dirs + files)


# ------------------------------------------------------------------------ valid archives
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_reads_every_member_back(tmp_path, compression):
    path = write_zip(tmp_path / "m.keras", MEMBERS, compression)
    assert read_archive(path, allowed=ALLOWED) == MEMBERS


def test_directory_entries_and_prefixed_members_are_allowed(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("assets/", b"")
        archive.writestr("assets/vocabulary.txt", b"a\nb\n")
        archive.writestr("config.json", b"{}")
    members = read_archive(path, allowed=ALLOWED, allowed_prefixes=("assets/",))
    assert members == {"assets/vocabulary.txt": b"a\nb\n", "config.json": b"{}"}


# ---------------------------------------------------------------------- unsafe names
UNSAFE_NAMES = [b"../x", b"assets/../../x", b"..", b"/abs", b"/etc/passwd", b"C:\\x", b"C:x",
                b"c:/windows/x", b"a\\b", b"..\\..\\x", b"\\\\server\\share\\x",
                b"config.json\x00../../x", b"\x00"]


@pytest.mark.parametrize("name", UNSAFE_NAMES, ids=repr)
def test_unsafe_member_names_are_refused(tmp_path, name):
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([Entry(b"config.json", b"{}"), Entry(name, b"owned")]))
    before = listing(tmp_path)
    with pytest.raises(FileFormatError, match="unsafe member name") as info:
        read_archive(path)
    assert str(path) in str(info.value)
    assert listing(tmp_path) == before


def test_a_nul_in_a_name_is_refused_though_zipfile_cuts_it_off(tmp_path):
    # zipfile reports "config.json" for this member; the raw name must still be refused.
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([Entry(b"config.json\x00.exe", b"{}")]))
    assert zipfile.ZipFile(path).namelist() == ["config.json"]
    with pytest.raises(FileFormatError, match=r"unsafe member name 'config\.json\\x00\.exe'"):
        read_archive(path, allowed=ALLOWED)


def test_names_that_differ_between_directory_and_local_header_are_refused(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([Entry(b"config.json", b"{}", local_name=b"../../evil")]))
    with pytest.raises(FileFormatError, match="damaged"):
        read_archive(path, allowed=ALLOWED)


def test_unknown_members_are_refused_with_the_expected_names(tmp_path):
    path = write_zip(tmp_path / "m.keras", {**MEMBERS, "payload.py": b"import os"})
    with pytest.raises(FileFormatError, match=r"unexpected member 'payload\.py'.*config\.json"):
        read_archive(path, allowed=ALLOWED)
    # Without a list of allowed names, a safe unknown name is read like the others.
    assert read_archive(path)["payload.py"] == b"import os"


def test_a_prefix_does_not_let_a_traversal_through(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([Entry(b"assets/../../x", b"owned")]))
    with pytest.raises(FileFormatError, match="unsafe member name"):
        read_archive(path, allowed=ALLOWED, allowed_prefixes=("assets/",))


def test_duplicate_members_are_refused(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([Entry(b"config.json", b"{}"), Entry(b"config.json", b"[]")]))
    with pytest.raises(FileFormatError, match="'config.json' appears twice"):
        read_archive(path, allowed=ALLOWED)


# ------------------------------------------------------------------------- zip bombs
GIB = 1 << 30


@pytest.fixture(scope="module")
def gigabyte_of_zeros():
    """A deflate stream of 1 GiB of zeros (about 1 MiB) and its CRC."""
    return zeros_deflate(GIB)


def _refused_cheaply(path, match, **kwargs):
    """Runs read_archive on a bomb: it must refuse within a second or two of CPU time (this
    process's own, not wall time, which a busy machine stretches) and a few MiB."""
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(FileFormatError, match=match):
            read_archive(path, **kwargs)
        seconds = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 2.0, f"refusing the bomb took {seconds:.2f} s"
    assert peak < 16 * 2**20, f"refusing the bomb allocated {peak / 2**20:.1f} MiB at peak"


def test_a_gigabyte_bomb_is_refused_from_its_header(tmp_path, gigabyte_of_zeros):
    stream, crc = gigabyte_of_zeros
    path = tmp_path / "bomb.keras"
    path.write_bytes(raw_zip([Entry(b"model.weights.h5", stream, method=8, size=GIB, crc=crc)]))
    assert path.stat().st_size < 2 * 2**20
    # Any naive reader would inflate this to a full GiB: the archive is a real bomb.
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("model.weights.h5").file_size == GIB
        with archive.open("model.weights.h5") as stream_in:
            assert stream_in.read(4096) == bytes(4096)
    _refused_cheaply(path, r"compressed 1073741824 : \d+, beyond 200:1 \(a zip bomb\?\)",
                     allowed=ALLOWED)


def test_a_bomb_that_understates_its_size_stops_at_the_declared_size(tmp_path, gigabyte_of_zeros):
    stream, crc = gigabyte_of_zeros
    path = tmp_path / "bomb.keras"
    path.write_bytes(raw_zip([Entry(b"model.weights.h5", stream, method=8, size=4096, crc=crc)]))
    _refused_cheaply(path, "'model.weights.h5' is damaged", allowed=ALLOWED)


def test_many_small_members_that_add_up_to_a_bomb_are_refused(tmp_path):
    # 2000 members of 1 MiB each: every one under the per-member floor, 2 GiB together.
    stream, crc = zeros_deflate(2**20)
    entries = [Entry(f"assets/{i}".encode(), stream, method=8, size=2**20, crc=crc)
               for i in range(2000)]
    path = tmp_path / "bomb.keras"
    path.write_bytes(raw_zip(entries))
    _refused_cheaply(path, r"2000 members expand to 2097152000 bytes .* beyond 200:1",
                     allowed=ALLOWED, allowed_prefixes=("assets/",))


def test_the_total_size_limit_counts_every_member(tmp_path):
    path = write_zip(tmp_path / "m.keras", {"a": bytes(600), "b": bytes(600)}, zipfile.ZIP_STORED)
    assert len(read_archive(path, max_bytes=1200)) == 2
    with pytest.raises(FileFormatError, match=r"more than 1000 bytes \(the member 'b' alone"):
        read_archive(path, max_bytes=1000)


def test_a_stored_member_longer_than_declared_is_refused(tmp_path):
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([Entry(b"config.json", b"{" + b" " * 5000 + b"}", size=10)]))
    with pytest.raises(FileFormatError, match="'config.json' is damaged"):
        read_archive(path, allowed=ALLOWED)


# ------------------------------------------------------------------- damaged archives
def test_truncation_at_every_cut_point_is_a_format_error(tmp_path):
    whole = write_zip(tmp_path / "whole.keras", MEMBERS).read_bytes()
    cut_path = tmp_path / "cut.keras"
    cuts = sorted(set(range(0, len(whole), 97)) | set(range(len(whole) - 120, len(whole))))
    for cut in cuts:
        cut_path.write_bytes(whole[:cut])
        with pytest.raises(FileFormatError) as info:
            read_archive(cut_path, allowed=ALLOWED)
        assert str(cut_path) in str(info.value), cut
    assert len(cuts) > 120


@pytest.mark.parametrize("content, match", [
    (b"", r"is empty \(0 bytes\)"),
    (b"\x89HDF\r\n\x1a\n" + bytes(100), r"starts with b'\\x89HDF'"),
    (b'{"class_name": "Sequential"}', r"starts with b'\{\"cl'"),
    (b"PK\x05\x06" + bytes(18), r"starts with b'PK\\x05\\x06'"),
    (b"PK\x03\x04" + bytes(200), "damaged or truncated zip archive"),
], ids=["empty", "h5", "json", "empty-zip", "header-only"])
def test_files_that_are_not_zip_archives_are_refused(tmp_path, content, match):
    path = tmp_path / "m.keras"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=match):
        read_archive(path)


def test_a_crc_error_is_a_format_error(tmp_path):
    data = write_zip(tmp_path / "m.keras", MEMBERS, zipfile.ZIP_STORED).read_bytes()
    at = data.index(MEMBERS["model.weights.h5"][:64]) + 1000
    damaged = tmp_path / "crc.keras"
    damaged.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:])
    with pytest.raises(FileFormatError, match="'model.weights.h5' is damaged: BadZipFile: Bad CRC"):
        read_archive(damaged, allowed=ALLOWED)


@pytest.mark.parametrize("entry, match", [
    (Entry(b"config.json", b"\xff\xfe garbage", method=8, size=100), "is damaged: error"),
    (Entry(b"config.json", b"{}", method=99), "is damaged: NotImplementedError"),
    (Entry(b"config.json", b"{}", method=9), "is damaged: NotImplementedError"),
], ids=["bad-deflate", "method-99", "deflate64"])
def test_undecodable_members_are_format_errors(tmp_path, entry, match):
    path = tmp_path / "m.keras"
    path.write_bytes(raw_zip([entry]))
    with pytest.raises(FileFormatError, match=match):
        read_archive(path, allowed=ALLOWED)


def test_an_encrypted_member_is_a_format_error(tmp_path):
    data = bytearray(raw_zip([Entry(b"config.json", b"{}")]))
    data[6] |= 0x01  # the "encrypted" flag, local header
    data[data.index(b"PK\x01\x02") + 8] |= 0x01  # and central directory
    path = tmp_path / "m.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="encrypted"):
        read_archive(path, allowed=ALLOWED)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such.keras"):
        read_archive(tmp_path / "no-such.keras")


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "m.keras").mkdir()
    with pytest.raises(FileFormatError, match="is a folder"):
        read_archive(tmp_path / "m.keras")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_device_is_refused_without_blocking(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "m.keras"
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path = "/dev/zero"  # reading it would never end
    previous = signal.signal(signal.SIGALRM, lambda *_: pytest.fail("read_archive blocked"))
    signal.alarm(5)
    try:
        with pytest.raises(FileFormatError, match="not a regular file"):
            read_archive(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("make, error, match", [
    (lambda tmp: str(tmp / "missing.keras"), FileNotFoundError, "No such file"),
    (lambda tmp: str(tmp / "file.keras" / "m.keras"), FileNotFoundError, "No such file"),
    (lambda tmp: str(tmp / ("x" * 300 + ".keras")), FileFormatError, "cannot be read: OSError"),
    (lambda tmp: str(tmp / "m\x00.keras"), FileFormatError, "cannot be read: ValueError"),
    (lambda tmp: str(tmp / "loop.keras"), FileFormatError, "cannot be read: OSError"),
], ids=["missing", "parent-is-a-file", "name-too-long", "nul-in-path", "link-loop"])
def test_paths_that_name_no_file_give_documented_errors(tmp_path, make, error, match):
    (tmp_path / "file.keras").write_bytes(b"PK")
    os.symlink("loop.keras", tmp_path / "loop.keras")
    with pytest.raises(error, match=match):
        read_archive(make(tmp_path))


def test_a_link_to_a_valid_archive_is_followed(tmp_path):
    path = write_zip(tmp_path / "real.keras", MEMBERS)
    os.symlink(path, tmp_path / "link.keras")
    assert read_archive(tmp_path / "link.keras", allowed=ALLOWED) == MEMBERS


# ---------------------------------------------------------------------- atomic writes
def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old")
    with atomic_write(target) as handle:
        handle.write(b"new")
        assert target.read_bytes() == b"old"  # not visible until the block ends
    assert target.read_bytes() == b"new"
    assert listing(tmp_path) == ["m.keras"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_exception_inside_the_block_keeps_the_old_file(tmp_path, error):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old")
    with pytest.raises(error):
        with atomic_write(target) as handle:
            handle.write(b"half of the new")
            raise error("the writer failed")
    assert target.read_bytes() == b"old"
    assert listing(tmp_path) == ["m.keras"]


def test_a_failed_first_save_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "m.weights.h5") as tmp:
            with open(tmp, "wb") as handle:
                handle.write(b"partial")
            raise RuntimeError("the writer failed")
    assert listing(tmp_path) == []


def test_the_temporary_is_a_hidden_sibling_that_no_loader_takes_for_the_file(tmp_path):
    target = tmp_path / "m.keras"
    with atomic_path(target) as tmp:
        folder, name = os.path.split(tmp)
        assert folder == str(tmp_path)  # same filesystem: the rename is atomic
        assert name.startswith(".m.keras.") and name.endswith(".tmp")
        assert not name.endswith((".keras", ".h5"))
        open(tmp, "wb").close()


def test_a_saved_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "m.keras") as handle:
            handle.write(b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "m.keras").stat().st_mode) == 0o644


def test_saving_into_a_missing_folder_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*missing.* does not exist"):
        with atomic_write(tmp_path / "missing" / "m.keras"):
            pytest.fail("the block must not run")
    assert listing(tmp_path) == []


def test_saving_over_a_folder_is_refused_before_writing(tmp_path):
    (tmp_path / "m.keras").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        with atomic_write(tmp_path / "m.keras"):
            pytest.fail("the block must not run")
    assert listing(tmp_path) == ["m.keras"]


def test_the_archive_limits_have_their_documented_values():
    # The bomb tests above rely on these; a change should be deliberate.
    assert file_io.MAX_RATIO == 200 and file_io._RATIO_FLOOR_BYTES == 2**20
    assert file_io.MAX_ARCHIVE_BYTES >= 2**30



@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o755], ids=oct)
def test_replacing_a_file_keeps_its_permissions(tmp_path, mode):
    target = tmp_path / "m.keras"
    target.write_bytes(b"old")
    target.chmod(mode)
    umask = os.umask(0o022)
    try:
        with atomic_write(target) as handle:
            handle.write(b"new")
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["022", "077", "002"])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        with atomic_path(tmp_path / "m.weights.h5") as tmp:
            with open(tmp, "wb") as handle:
                handle.write(b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "m.weights.h5").stat().st_mode) == mode


def name_max(folder):
    """The longest file name (in bytes) the file system of ``folder`` takes."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


@pytest.mark.parametrize("length", [240, "NAME_MAX"])
@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_a_name_as_long_as_the_system_allows_can_be_written(tmp_path, length, suffix):
    length = name_max(tmp_path) if length == "NAME_MAX" else length
    name = "m" * (length - len(suffix)) + suffix
    target = tmp_path / name
    target.write_bytes(b"old")  # the name itself is legal
    with atomic_write(target) as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new"
    assert listing(tmp_path) == [name]


def test_a_temporary_for_a_long_name_is_still_hidden_and_never_a_model_file(tmp_path):
    name = "m" * (name_max(tmp_path) - len(".keras")) + ".keras"
    with atomic_path(tmp_path / name) as tmp:
        folder, temporary = os.path.split(tmp)
        assert folder == str(tmp_path)
        assert temporary.startswith(".") and temporary.endswith(".tmp")
        open(tmp, "wb").close()


def _run_python(code, env):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "KERASETTE_BACKEND": "numpy", **env}, timeout=120)


@pytest.mark.parametrize("value", ["abc", "-5", "0", "1.5e9", ""])
def test_a_bad_archive_limit_in_the_environment_is_named_at_the_first_load(tmp_path, value):
    path = write_zip(tmp_path / "m.keras", MEMBERS)
    result = _run_python(
        "import kerasette\n"
        "from kerasette.utils.file_io import read_archive\n"
        f"try:\n    read_archive({str(path)!r})\n"
        "except ValueError as error:\n    print('ValueError:', error)\n",
        {"KERASETTE_MAX_ARCHIVE_BYTES": value})
    assert result.returncode == 0, result.stderr  # importing kerasette still works
    if value == "":
        assert result.stdout == ""  # empty is unset: the default applies and the file loads
        return
    assert "ValueError: KERASETTE_MAX_ARCHIVE_BYTES" in result.stdout
    assert repr(value) in result.stdout and "positive whole number of bytes" in result.stdout


def test_the_archive_limit_in_the_environment_applies(tmp_path):
    path = write_zip(tmp_path / "m.keras", MEMBERS)
    total = sum(len(data) for data in MEMBERS.values())
    code = ("from kerasette.utils.file_io import read_archive\n"
            f"try:\n    print(len(read_archive({str(path)!r})))\n"
            "except ValueError as error:\n    print('ValueError:', error)\n")
    assert _run_python(code, {"KERASETTE_MAX_ARCHIVE_BYTES": str(total)}).stdout == "3\n"
    refused = _run_python(code, {"KERASETTE_MAX_ARCHIVE_BYTES": str(total - 1)}).stdout
    assert f"more than {total - 1} bytes" in refused
