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
    problem = _problem(state)
    if problem is not None:
        raise CheckpointError(f"checkpoint {path} is corrupt ({problem})")
    return state


def _problem(state: dict[str, Any]) -> str | None:
    """What is inconsistent in a restored checkpoint, or None: the epoch is an integer ≥ 0; the
    parameters are layers "0".."n-1" (n ≥ 1) of a 2-D floating ``W`` and a bias of its row
    count, each layer's input width the previous layer's output width, every number finite;
    the history is a dict of equally long lists of numbers; the config is a dict."""
    epoch = state["epoch"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        return f"epoch must be an integer >= 0, got {epoch!r}"
    params = state["params"]
    if not isinstance(params, dict) or not params:
        return "no parameters"
    if sorted(params) != sorted(str(k) for k in range(len(params))):
        return f"parameter layers must be named 0..{len(params) - 1}, got {sorted(params)}"
    previous_width = None
    for k in range(len(params)):
        layer = params[str(k)]
        if not isinstance(layer, dict) or set(layer) != {"W", "b"}:
            return f"layer {k} must hold exactly W and b"
        W, b = layer["W"], layer["b"]
        if not all(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in (W, b)):
            return f"layer {k}: W and b must be floating-point arrays"
        if W.ndim != 2 or b.shape != (W.shape[0],):
            return f"layer {k}: W has shape {W.shape} and b {b.shape}; b must have W's rows"
        if previous_width is not None and W.shape[1] != previous_width:
            return f"layer {k} takes {W.shape[1]} inputs, but layer {k - 1} gives {previous_width}"
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            return f"layer {k} has non-finite parameters"
        previous_width = W.shape[0]
    history = state["history"]
    if not isinstance(history, dict) or not all(
        isinstance(v, list) and all(isinstance(x, int | float) for x in v) for v in history.values()
    ):
        return "the history must map names to lists of numbers"
    if len({len(v) for v in history.values()}) > 1:
        return "the history's curves have different lengths"
    if not isinstance(state["config"], dict):
        return "the config must be a dict"
    return None


def load_checkpoint(run_dir: str | os.PathLike) -> list[dict[str, Array]]:
    """The parameters ``[{"W": …, "b": …}, …]`` saved in ``run_dir`` (after its last finished
    epoch), ready for ``jaxdnn.forward``.

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1: the parameters W^(k), b^(k) of each layer).

    Raises:
        CheckpointError: if the checkpoint is missing, corrupt or inconsistent (no layers,
            a bias that does not match its W, layers that do not chain, non-finite numbers),
            naming its path and the problem.
    """
    params = load_training_state(run_dir)["params"]
    return [
        {"W": jnp.asarray(params[str(k)]["W"]), "b": jnp.asarray(params[str(k)]["b"])}
        for k in range(len(params))
    ]
