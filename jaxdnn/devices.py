"""Where training runs: one device chosen by platform, or a mesh of several for data-parallel
training (``fit(..., mesh=...)``).

On several GPUs of one machine, ``data_parallel_mesh(n)`` spans the first n; across machines,
every process calls ``jax.distributed.initialize()`` first, after which ``jax.devices()`` lists
the devices of all processes and the same mesh spans them. On a CPU, JAX shows one device
unless ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` is set before JAX starts (the
command line does this for ``--device cpu --devices N``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import zlib
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

__all__ = [
    "PLATFORMS",
    "select_device",
    "describe_device",
    "start_processes",
    "data_parallel_mesh",
    "add_device_argument",
    "start_device",
    "CACHE_BYTES",
    "compilation_cache_dir",
    "use_compilation_cache",
]

PLATFORMS = ("cpu", "gpu")


def _devices(platform: str | None) -> list[jax.Device]:
    if platform is None:
        return jax.devices()
    if platform not in PLATFORMS:
        raise ValueError(f"device must be one of {PLATFORMS} or None, got {platform!r}")
    try:
        return jax.devices(platform)
    except RuntimeError:
        found = sorted({device.platform for device in jax.devices()})
        raise ValueError(
            f"device {platform!r} is not available: JAX sees only {', '.join(found)} "
            "(a GPU needs the CUDA build of jaxlib: pip install -U 'jax[cuda12]')"
        ) from None


def select_device(platform: str | None = None) -> jax.Device:
    """The first device of ``platform`` (``"cpu"``, ``"gpu"``, or None for JAX's default) that
    belongs to this process, made the default device of every array and computation that
    follows (in a run of several processes, each its own).

    Raises:
        ValueError: naming the platform if it is unknown or has no device here.

    Args:
        platform: ``"cpu"``, ``"gpu"``, or None for JAX's default.

    Returns:
        The device.
    """
    index = jax.process_index()
    device = next(d for d in _devices(platform) if d.process_index == index)
    jax.config.update("jax_default_device", device)
    return device


def describe_device(device: jax.Device) -> str:
    """A device in words, e.g. ``"gpu (NVIDIA H100 80GB HBM3)"`` or ``"cpu"``.

    Args:
        device: a JAX device.

    Returns:
        The description.
    """
    if device.platform == "cpu":
        return "cpu"
    return f"{device.platform} ({device.device_kind})"


def data_parallel_mesh(n_devices: int, platform: str | None = None) -> Mesh:
    """A one-axis mesh named ``"data"`` over the first ``n_devices`` devices of ``platform``,
    for ``fit(..., mesh=...)``: each batch is split into ``n_devices`` equal parts, and the sum
    of the parts' gradients is the batch's gradient (P-ALG-GRAD-ESTIMATE,
    001_602cbf05fdb6a620.txt Note after Def 6.6: the gradient of a sum is the sum of gradients).

    Raises:
        ValueError: naming ``n_devices`` if it is not a positive integer or exceeds the devices
            available (with the XLA flag that gives a CPU several devices).

    Args:
        n_devices: the number of devices.
        platform: ``"cpu"``, ``"gpu"``, or None for JAX's default.

    Returns:
        The mesh.
    """
    devices = _devices(platform)
    if not isinstance(n_devices, int | np.integer) or isinstance(n_devices, bool) or n_devices < 1:
        raise ValueError(f"n_devices must be a positive integer, got {n_devices!r}")
    if n_devices > len(devices):
        hint = ""
        if devices[0].platform == "cpu":
            hint = (
                f"; set XLA_FLAGS=--xla_force_host_platform_device_count={n_devices} before "
                "JAX starts to split the CPU into that many devices"
            )
        raise ValueError(
            f"n_devices={n_devices} but only {len(devices)} {devices[0].platform} device(s) "
            f"are available{hint}"
        )
    return Mesh(np.array(devices[:n_devices]), ("data",))


def start_processes(coordinator: str, num_processes: int, process_id: int) -> None:
    """Join a run of ``num_processes`` JAX processes (this one is ``process_id``), coordinated at
    ``coordinator`` (``"host:port"``, served by process 0): CPU collectives go over gloo, and
    ``jax.devices()`` then lists the devices of every process, so that
    ``data_parallel_mesh(len(jax.devices()))`` spans them all. Call it before anything else
    touches JAX's devices, in every process, with the same data and keys after it.

    P-ALG-GRAD-ESTIMATE (001_602cbf05fdb6a620.txt Note after Def 6.6: each process computes
    the gradient of its share of every batch, and their sum is the batch's gradient).

    Raises:
        ValueError: naming ``num_processes`` or ``process_id`` if out of range.

    Args:
        coordinator: ``"host:port"`` of process 0.
        num_processes: the number of processes.
        process_id: this process's rank, 0 … num_processes − 1.
    """
    if not isinstance(num_processes, int) or num_processes < 1:
        raise ValueError(f"num_processes must be a positive integer, got {num_processes!r}")
    if not isinstance(process_id, int) or not 0 <= process_id < num_processes:
        raise ValueError(f"process_id must lie in [0, {num_processes}), got {process_id!r}")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
    )


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """Give a script the option ``--device cpu|gpu`` (default: JAX's default device).

    Args:
        parser: the script's argument parser.
    """
    parser.add_argument(
        "--device", choices=PLATFORMS, default=None, help="cpu or gpu (default: JAX's default)"
    )


def start_device(platform: str | None) -> jax.Device:
    """``select_device(platform)`` for a script: prints the device it uses; a platform that is
    not available ends the script with a one-line error and exit status 2.

    Args:
        platform: ``"cpu"``, ``"gpu"``, or None for JAX's default.

    Returns:
        The device.
    """
    try:
        device = select_device(platform)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"device: {describe_device(device)}")
    return device


CACHE_BYTES = 64 * 2**20
"""The size limit of jaxdnn's compilation cache: beyond it the oldest programs are removed when
a command starts (a run of the catalogue keeps about 11 MiB, a training run of the default
network about 0.5 MiB)."""


def compilation_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/jaxdnn/xla`` (``~/.cache/jaxdnn/xla``), created if needed, its oldest
    files removed beyond :data:`CACHE_BYTES`.

    Returns:
        The directory, or None when it cannot be created or written (a read-only home: the
        commands then compile everything, as without a cache).
    """
    from jaxdnn.rundir import user_cache

    path = user_cache("xla")
    try:
        path.mkdir(parents=True, exist_ok=True)
        files = sorted(_drop_damaged(path))
        total = sum(size for _, size, _ in files)
        for _, size, oldest in files:
            if total <= CACHE_BYTES:
                break
            oldest.unlink(missing_ok=True)
            total -= size
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


CHECKED = ".checked"
"""The file whose time says up to when the cache's programs were found whole."""


def _drop_damaged(path: Path) -> list[tuple[float, int, Path]]:
    """Remove the programs written since the last check that do not decompress whole, and
    return ``(time, size, path)`` of every file kept. JAX writes a program in place: a process
    killed meanwhile leaves it truncated, and JAX would then warn about it in every later run
    and never write it again."""
    stamp = path / CHECKED
    since = stamp.stat().st_mtime if stamp.exists() else -math.inf
    stamp.touch()
    decoders = _decoders()
    kept = []
    for entry in path.iterdir():
        status = entry.stat()
        if entry.name != CHECKED and status.st_mtime >= since:
            if not _decompresses(entry.read_bytes(), decoders):
                entry.unlink(missing_ok=True)
                continue
        kept.append((status.st_mtime, status.st_size, entry))
    return kept


def _decoders() -> list[Any]:
    """The codecs JAX may have compressed its programs with: zlib, and zstd where installed."""
    decoders: list[Any] = [zlib.decompress]
    with contextlib.suppress(ImportError):
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14

        decoders.append(zstd.decompress)
    with contextlib.suppress(ImportError):
        import zstandard  # type: ignore[import-not-found]

        decoders.append(zstandard.ZstdDecompressor().decompress)
    return decoders


def _decompresses(data: bytes, decoders: list[Any]) -> bool:
    """True when one of ``decoders`` decodes ``data`` to its end."""
    for decode in decoders:
        with contextlib.suppress(Exception):
            decode(data)
            return True
    return False


def use_compilation_cache(path: Path | None) -> None:
    """Keep every program this process compiles in ``path`` (JAX's persistent compilation
    cache), so that a later process with the same programs loads them instead of compiling
    them again; the loaded executable is the one compiled, so every number is the same. Child
    processes inherit the setting. A cache directory the user chose with
    ``JAX_COMPILATION_CACHE_DIR`` takes the place of ``path``.

    Args:
        path: the cache directory, or None to leave JAX's settings as they are.
    """
    if path is None:
        return
    directory = os.environ.get("JAX_COMPILATION_CACHE_DIR") or str(path)
    os.environ["JAX_COMPILATION_CACHE_DIR"] = directory
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    jax.config.update("jax_compilation_cache_dir", directory)
    minimum = float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", minimum)
