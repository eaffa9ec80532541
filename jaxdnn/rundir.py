"""Run directories that lose nothing: atomic file replacement, no writes through links, stale
temporary files cleaned up, and one writer at a time.

Every file jaxdnn writes into a run directory goes through ``atomic_write``: the bytes go to a
fresh temporary file in the same directory, created with an unpredictable name and ``O_EXCL``
(``tempfile.mkstemp``, so a link planted under any name is never followed), given the
permissions ``open()`` would give a new file (0o666 less the umask; mkstemp's are 0o600),
flushed to disk, then moved over the destination with ``os.replace``, which replaces a link
planted there rather than writing through it. A reader therefore sees the old file or the new
one, never a torn one.

``RunLock`` holds an exclusive ``flock`` on ``run_dir/.lock`` while a process uses the
directory. The kernel drops the lock when its process ends, also by SIGKILL, so a crash never
leaves it stuck; only a second live process is refused.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import tempfile
from pathlib import Path

__all__ = ["RunDirectoryBusy", "RunLock", "atomic_write", "remove_stale_temporaries"]

TEMPORARY_SUFFIX = ".tmp"
LOCK_NAME = ".lock"
RUN_CONFIG = "config.json"
SWEEP_CONFIG = "sweep-config.json"
"""The settings a run (a sweep) was started with, written as its first epoch begins: what
``--resume`` starts again with when the run was killed before its first checkpoint."""
SWEEP_CHECKPOINT = "sweep-checkpoint.msgpack"
"""The state of a sweep after its last finished epoch, what ``--resume`` continues from."""
SWEEP_REPORT = "sweep.json"
"""A sweep's report: its settings, per-model curves and, once finished, its summary."""
KILL_AT_VARIABLE = "JAXDNN_KILL_AT"
_reached: dict[str, int] = {}


def user_cache(name: str) -> Path:
    """``$XDG_CACHE_HOME/jaxdnn/NAME`` (``~/.cache/jaxdnn/NAME``), not created: where jaxdnn
    keeps what a later command can reuse (compiled programs, loaded data sets)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "jaxdnn" / name


def kill_point(event: str) -> None:
    """Test hook for the kill-and-resume tests: SIGKILL this process the ``n``-th time it
    reaches ``event`` when the environment variable ``JAXDNN_KILL_AT`` is ``"event#n"``. The
    events are ``write:NAME`` (about to write ``NAME``) and ``replace:NAME`` (its temporary
    file is written and flushed, not yet renamed). Without the variable this does nothing."""
    wanted = os.environ.get(KILL_AT_VARIABLE)
    if not wanted:
        return
    _reached[event] = _reached.get(event, 0) + 1
    if wanted == f"{event}#{_reached[event]}":
        os.kill(os.getpid(), signal.SIGKILL)


class RunDirectoryBusy(RuntimeError):
    """Another live process holds the run directory's lock."""


def _umask() -> int:
    """The process's file-creation mask: read from ``/proc/self/status`` where the system
    has it (it stays untouched), else set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(run_dir: str | os.PathLike, name: str, data: bytes) -> Path:
    """Replace ``run_dir/name`` by ``data`` atomically and durably; returns the path. The file
    gets the permissions ``open()`` gives a new file (0o666 less the umask).

    Raises:
        OSError: when the disk is full or the directory not writable; the temporary file is
            removed first, so nothing is left behind.
    """
    run_dir = Path(run_dir)
    path = run_dir / name
    kill_point(f"write:{name}")
    try:
        fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=f".{name}.", suffix=TEMPORARY_SUFFIX)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from error
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp's file is private (0o600)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        kill_point(f"replace:{name}")
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(error, OSError):  # name the file being written, not its temporary
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
    directory = os.open(run_dir, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
    return path


def remove_stale_temporaries(run_dir: str | os.PathLike) -> list[str]:
    """Remove the temporary files a killed process left (``.*.tmp``; links are removed, never
    followed). Call it only while holding the run's lock. Returns the names removed."""
    removed: list[str] = []
    for entry in os.scandir(os.fspath(run_dir)):
        if entry.name.startswith(".") and entry.name.endswith(TEMPORARY_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


class RunLock:
    """An exclusive lock on a run directory for the life of a ``with`` block (or the process).

    Raises:
        RunDirectoryBusy: on entry, when another live process holds it.
    """

    def __init__(self, run_dir: str | os.PathLike):
        self.path = Path(run_dir) / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:  # a planted link: never open through it
                os.unlink(self.path)
                fd = os.open(self.path, flags | os.O_EXCL, 0o644)
            else:
                raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunDirectoryBusy(
                f"another jaxdnn process is using the run directory {self.path.parent}"
            ) from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
