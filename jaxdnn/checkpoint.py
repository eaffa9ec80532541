"""Checkpoints that lose nothing: one msgpack file per run, replaced atomically.

A checkpoint holds everything needed to continue training exactly: the parameters, the
optimizer state, the last finished epoch, the history and the run's configuration. It is
serialised with ``flax.serialization`` (arrays stored bit for bit) and written with
``jaxdnn.rundir.atomic_write`` (a fresh temporary file, flushed to disk, renamed over
``checkpoint.msgpack``): a crash at any moment leaves either the previous checkpoint or the new
one, never a broken file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import Array

from jaxdnn.rundir import atomic_write

__all__ = [
    "CheckpointError",
    "save_checkpoint",
    "load_training_state",
    "load_checkpoint",
]

CHECKPOINT_NAME = "checkpoint.msgpack"
_KEYS = ("epoch", "params", "opt_state", "history", "config")


class CheckpointError(ValueError):
    """A checkpoint is missing, unreadable or not a jaxdnn checkpoint.

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt note after Def 6.6: training proceeds epoch by
    epoch, so a finished epoch is the unit of what a checkpoint keeps).
    """


def save_checkpoint(
    run_dir: str | os.PathLike,
    *,
    epoch: int,
    params: Any,
    opt_state: Any,
    history: dict[str, list[float]],
    config: dict[str, Any],
) -> Path:
    """Write the state after the finished ``epoch`` to ``run_dir/checkpoint.msgpack`` atomically
    (temporary file, fsync, rename) and return its path.

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt note after Def 6.6 and Def 6.7: the state of
    backpropagation SGD with momentum is the parameters and the momentum buffers).
    """
    from flax import serialization

    run_dir = Path(run_dir)
    state = {
        "epoch": int(epoch),
        "params": serialization.to_state_dict(params),
        "opt_state": serialization.to_state_dict(opt_state),
        "history": {k: list(map(float, v)) for k, v in history.items()},
        "config": config,
    }
    payload = serialization.msgpack_serialize(state)
    return atomic_write(run_dir, CHECKPOINT_NAME, payload)


def load_training_state(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The raw state of ``run_dir``'s checkpoint: ``epoch``, ``params``, ``opt_state`` (as
    state dicts; restore the optimizer state with ``flax.serialization.from_state_dict`` and a
    template), ``history`` and ``config``.

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt note after Def 6.6).

    Raises:
        CheckpointError: if the checkpoint is missing or corrupt, naming its path.
    """
    from flax import serialization

    path = Path(run_dir) / CHECKPOINT_NAME
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = serialization.msgpack_restore(path.read_bytes())
    except Exception as error:  # msgpack raises several unrelated types on bad bytes
        raise CheckpointError(f"checkpoint {path} is corrupt ({type(error).__name__})") from None
    if not isinstance(state, dict) or any(key not in state for key in _KEYS):
        raise CheckpointError(f"checkpoint {path} is corrupt (not a jaxdnn checkpoint)")
    return state


def load_checkpoint(run_dir: str | os.PathLike) -> list[dict[str, Array]]:
    """The parameters ``[{"W": …, "b": …}, …]`` saved in ``run_dir`` (after its last finished
    epoch), ready for ``jaxdnn.forward``.

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1: the parameters W^(k), b^(k) of each layer).

    Raises:
        CheckpointError: if the checkpoint is missing or corrupt, naming its path.
    """
    params = load_training_state(run_dir)["params"]
    try:
        return [
            {
                "W": jnp.asarray(np.asarray(params[str(k)]["W"])),
                "b": jnp.asarray(np.asarray(params[str(k)]["b"])),
            }
            for k in range(len(params))
        ]
    except (KeyError, TypeError):
        path = Path(run_dir) / CHECKPOINT_NAME
        raise CheckpointError(f"checkpoint {path} is corrupt (bad parameters)") from None
