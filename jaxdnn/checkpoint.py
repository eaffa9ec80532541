"""Checkpoints that lose nothing: one msgpack file per run, replaced atomically.

A checkpoint holds everything needed to continue training exactly: the parameters, the
optimizer state, the last finished epoch, the history and the run's configuration. It is
serialised as msgpack, each array as an extension value holding its shape, dtype name and raw
bytes (stored bit for bit; the layout of ``flax.serialization``, so files written by earlier
versions of jaxdnn, which used flax, still load), and written with
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
    "to_state_dict",
    "from_state_dict",
    "stored_params",
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
    best: tuple[int, float, Any] | None = None,
) -> Path:
    """Write the state after the finished ``epoch`` to ``run_dir/checkpoint.msgpack`` atomically
    (temporary file, fsync, rename) and return its path. ``best`` = (epoch, validation loss,
    parameters) of the best epoch so far, kept for early stopping.

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt note after Def 6.6 and Def 6.7: the state of
    backpropagation SGD with momentum is the parameters and the momentum buffers).

    Args:
        run_dir: the run directory.
        epoch: the number of finished epochs.
        params: the parameters.
        opt_state: the optimizer state.
        history: the per-epoch curves so far.
        config: the run's settings.
        best: ``(epoch, validation loss, parameters)`` of the best epoch, or None.

    Returns:
        The checkpoint's path.

    Raises:
        ValueError: naming the problem, with nothing written, for a state
            :func:`load_training_state` would refuse as corrupt (a negative or non-integer epoch,
            non-finite parameters, curves of different lengths, …).
    """
    run_dir = Path(run_dir)
    state = {
        "epoch": int(epoch) if isinstance(epoch, np.integer) else epoch,  # 1.5 is refused below
        "params": to_state_dict(params),
        "opt_state": to_state_dict(opt_state),
        "history": {k: list(map(float, v)) for k, v in history.items()},
        "config": config,
    }
    if best is not None:
        state["best"] = {
            "epoch": int(best[0]),
            "val_loss": float(best[1]),
            "params": to_state_dict(best[2]),
        }
    data = packb(state)
    problem = _problem(unpackb(data))  # what would be read back: a resume must not fail on it
    if problem is not None:
        raise ValueError(f"save_checkpoint: {problem}; nothing was written")
    return atomic_write(run_dir, CHECKPOINT_NAME, data)


# --- msgpack with arrays --------------------------------------------------------------------------

_NDARRAY, _NPSCALAR = 1, 3
"""msgpack extension codes of an array and of a NumPy scalar (those of flax.serialization)."""


def _pack_array(value: Any) -> Any:
    """msgpack's ``default`` hook: an array or NumPy scalar as an extension value."""
    import msgpack

    if isinstance(value, np.ndarray | Array | np.generic):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"cannot store an array of Python objects ({array.dtype})")
        code = _NPSCALAR if isinstance(value, np.generic) else _NDARRAY
        fields = (array.shape, array.dtype.name, array.tobytes("C"))
        return msgpack.ExtType(code, msgpack.packb(fields, use_bin_type=True))
    raise TypeError(
        f"cannot store a value of type {type(value).__name__!r} (arrays, numbers, strings, "
        "lists and dicts only)"
    )


def _unpack_array(code: int, data: bytes) -> Any:
    import msgpack

    if code not in (_NDARRAY, _NPSCALAR):
        return msgpack.ExtType(code, data)
    shape, dtype_name, buffer = msgpack.unpackb(data, raw=True)
    name = dtype_name.decode()
    dtype = jnp.dtype(jnp.bfloat16) if name == "bfloat16" else np.dtype(name)
    array = np.frombuffer(buffer, dtype=dtype).reshape(shape)
    return array[()] if code == _NPSCALAR else array


def packb(state: Any) -> bytes:
    """``state`` (dicts with string keys, lists, numbers, strings, None and arrays) as msgpack
    bytes, every array stored bit for bit."""
    import msgpack

    return msgpack.packb(state, default=_pack_array, strict_types=True)


def unpackb(payload: bytes) -> Any:
    """The inverse of :func:`packb`: arrays come back as read-only NumPy arrays."""
    import msgpack

    return msgpack.unpackb(payload, ext_hook=_unpack_array, raw=False)


def _key(entry: Any) -> str:
    """The state-dict key of one step of a pytree path: an index, a field or a dict key."""
    for attribute in ("idx", "name", "key"):
        if hasattr(entry, attribute):
            return str(getattr(entry, attribute))
    raise TypeError(f"cannot name the pytree path entry {entry!r}")


def to_state_dict(tree: Any) -> dict[str, Any]:
    """A pytree (parameters, an optax state) as nested dicts of its leaves: a list's or tuple's
    items under "0", "1", …, a named tuple's under its field names, a dict's under its keys (the
    layout of ``flax.serialization.to_state_dict``). Containers without leaves are left out.

    Args:
        tree: a pytree.

    Returns:
        Nested dicts of its leaves.
    """
    import jax

    state: dict[str, Any] = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        if not path:
            raise ValueError("tree is a single array, not a container of arrays")
        *parents, last = [_key(entry) for entry in path]
        node = state
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = np.asarray(leaf)
    return state


def from_state_dict(template: Any, state: dict[str, Any]) -> Any:
    """The pytree of ``template``'s structure whose leaves are read from ``state`` (as written by
    :func:`to_state_dict`), bit for bit: each stored leaf must have the shape and dtype of the
    template's leaf at its path.

    Raises:
        ValueError: naming the first path that ``state`` lacks or whose shape or dtype differs.

    Args:
        template: a pytree of the wanted structure (e.g. ``optimizer.init(params)``).
        state: the nested dicts of :func:`to_state_dict`.

    Returns:
        The pytree.
    """
    import jax

    paths, treedef = jax.tree_util.tree_flatten_with_path(template)
    leaves = []
    for path, like in paths:
        keys = [_key(entry) for entry in path]
        node = state
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                raise ValueError(f"the state has no entry {'/'.join(keys)}")
            node = node[key]
        stored, expected = np.asarray(node), jnp.asarray(like)
        if stored.shape != expected.shape or stored.dtype != expected.dtype:
            raise ValueError(
                f"{'/'.join(keys)} is {stored.dtype}{list(stored.shape)}, expected "
                f"{expected.dtype}{list(expected.shape)}"
            )
        leaves.append(jnp.asarray(stored))
    return jax.tree_util.tree_unflatten(treedef, leaves)


def load_training_state(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The raw state of ``run_dir``'s checkpoint: ``epoch``, ``params``, ``opt_state`` (as
    state dicts; restore the optimizer state with :func:`from_state_dict` and a template such as
    ``optimizer.init(params)``), ``history``, ``config`` and, with early stopping, ``best``
    (``epoch``, ``val_loss`` and ``params`` of the best epoch so far).

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt note after Def 6.6).

    Raises:
        CheckpointError: if the checkpoint is missing or corrupt, naming its path.

    Args:
        run_dir: the run directory.

    Returns:
        The state, a dict.
    """
    path = Path(run_dir) / CHECKPOINT_NAME
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        state = unpackb(path.read_bytes())
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
    problem = params_problem(state["params"])
    if problem is not None:
        return problem
    best = state.get("best")
    if best is not None:
        if not isinstance(best, dict) or set(best) != {"epoch", "val_loss", "params"}:
            return "best must hold epoch, val_loss and params"
        if not isinstance(best["epoch"], int) or not -1 <= best["epoch"] <= epoch:
            return f"best epoch must lie in [-1, {epoch}], got {best['epoch']!r}"
        if not isinstance(best["val_loss"], float):
            return "best val_loss must be a number"
        problem = params_problem(best["params"])
        if problem is not None:
            return f"best {problem}"
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


def params_problem(params: Any) -> str | None:
    """What is wrong with stored parameters, or None: layers "0".."n-1" (n ≥ 1) of a 2-D
    floating ``W`` and a bias of its row count, each layer's input width the previous layer's
    output width, every number finite."""
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
    return None


def load_checkpoint(run_dir: str | os.PathLike) -> list[dict[str, Array]]:
    """The parameters ``[{"W": …, "b": …}, …]`` saved in ``run_dir`` (after its last finished
    epoch), ready for ``jaxdnn.forward``.

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1: the parameters W^(k), b^(k) of each layer).

    Raises:
        CheckpointError: if the checkpoint is missing, corrupt or inconsistent (no layers,
            a bias that does not match its W, layers that do not chain, non-finite numbers),
            naming its path and the problem.

    Args:
        run_dir: the run directory.

    Returns:
        The parameters, one ``{"W", "b"}`` dict per layer.
    """
    return stored_params(load_training_state(run_dir)["params"])


def stored_params(params: dict[str, Any]) -> list[dict[str, Array]]:
    """Parameters as stored (layers "0".."n-1", checked by ``params_problem``) as the list of
    layers ``[{"W": …, "b": …}, …]`` that jaxdnn's functions take.

    Args:
        params: the stored layers ``{"0": {"W", "b"}, …}``.

    Returns:
        The list of layers.
    """
    return [
        {"W": jnp.asarray(params[str(k)]["W"]), "b": jnp.asarray(params[str(k)]["b"])}
        for k in range(len(params))
    ]
