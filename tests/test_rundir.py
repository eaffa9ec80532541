"""Run-directory files: atomic replacement that never follows links, and the run lock."""

import os
import stat

import pytest

from jaxdnn import rundir
from jaxdnn.rundir import RunDirectoryBusy, RunLock, atomic_write, remove_stale_temporaries


def test_atomic_write_replaces_a_link_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious")
    (tmp_path / "metrics.json").symlink_to(target)
    atomic_write(tmp_path, "metrics.json", b"{}\n")
    assert target.read_text() == "precious"
    assert not (tmp_path / "metrics.json").is_symlink()
    assert (tmp_path / "metrics.json").read_bytes() == b"{}\n"
    assert sorted(os.listdir(tmp_path)) == ["elsewhere.txt", "metrics.json"]


def test_atomic_write_that_fails_removes_its_temporary_file_and_keeps_the_old_file(tmp_path):
    (tmp_path / "history.json").write_text("old")
    with pytest.raises(TypeError):
        atomic_write(tmp_path, "history.json", "not bytes")  # the write itself fails
    assert (tmp_path / "history.json").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["history.json"]


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002], ids=oct)
def test_atomic_write_gives_the_permissions_a_plain_write_would(tmp_path, mask):
    """A file written anew or replaced is readable as the umask allows (0o666 & ~umask, as
    open() creates a file), not private to its owner as the temporary file it was written to."""
    (tmp_path / "metrics.json").write_bytes(b"old")
    os.chmod(tmp_path / "metrics.json", 0o600)
    previous = os.umask(mask)
    try:
        written = [
            atomic_write(tmp_path, name, b"{}\n") for name in ("model.msgpack", "metrics.json")
        ]
    finally:
        os.umask(previous)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path.name


def test_the_umask_is_read_without_proc_too(monkeypatch):
    """Where /proc/self/status is missing, the umask is set and restored, unchanged."""

    def no_proc(*args, **kwargs):
        raise FileNotFoundError("/proc/self/status")

    previous = os.umask(0o027)
    try:
        monkeypatch.setattr(rundir, "open", no_proc, raising=False)
        assert rundir._umask() == 0o027
        assert os.umask(0o027) == 0o027  # left as it was
    finally:
        os.umask(previous)


def test_remove_stale_temporaries_removes_links_without_following_them(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("precious")
    (tmp_path / ".sweep.json.123.tmp").symlink_to(target)
    (tmp_path / ".checkpoint.msgpack.abc.tmp").write_bytes(b"partial")
    (tmp_path / "notes.tmp").write_text("not ours: no leading dot")
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(removed) == [".checkpoint.msgpack.abc.tmp", ".sweep.json.123.tmp"]
    assert target.read_text() == "precious" and (tmp_path / "notes.tmp").exists()


def test_run_lock_is_exclusive_and_released(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(RunDirectoryBusy, match="another jaxdnn process"):
            RunLock(tmp_path).__enter__()
    with RunLock(tmp_path):  # released on exit
        pass


def test_run_lock_does_not_open_a_planted_link(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("precious")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".lock").symlink_to(target)
    with RunLock(run_dir):
        assert not (run_dir / ".lock").is_symlink()
    assert target.read_text() == "precious"
