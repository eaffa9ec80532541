"""Sweeps: many independent models trained at once, ``jax.vmap``-ed over seeds and optimizer
hyperparameters, sharing one compiled program (catalogue §2.K P-ALG-MINIBATCH, P-ALG-BP-SGD).

Each model of a sweep is exactly the run ``fit`` makes alone: the model with seed s starts from
``init_params(model_keys(s)[0], widths)`` and trains with ``key=model_keys(s)[1]`` and the
optimizer ``optimizer(**its hyperparameters)``; the sweep stacks the models along a leading
axis and runs the training epoch of ``fit`` under ``jax.vmap``, so a whole grid costs one
compilation and one program launch per epoch.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P
from jax.typing import ArrayLike

from jaxdnn.activations import relu
from jaxdnn.engine import (
    epoch_function,
    loss_and_gradients,
    make_evaluate,
    prepare_training,
)
from jaxdnn.heads import Head
from jaxdnn.network import Activation, Params, _check_widths, _init_params

try:
    from jax import shard_map as _shard_map
except ImportError:  # JAX before 0.6
    from jax.experimental.shard_map import shard_map as _shard_map  # type: ignore[no-redef]

__all__ = ["SweepResult", "model_keys", "sweep"]

CHUNK_BYTES = 4 * 2**20
"""On a CPU, a sweep whose parameters exceed this many bytes trains its models in chunks: each
chunk runs the whole epoch before the next starts, so that its parameters, optimizer state and
gradients stay in the processor's cache for all the epoch's steps instead of streaming through
memory at every step (256 models of 64-128-10 on 2 cores: 1.3–1.9× the model-steps per
second of one vmap over every model; ``experiments/bench.py``). With the models split across
the D devices of a CPU (``sweep(..., mesh=...)``), each device's chunks stay within
``CHUNK_BYTES / D``, since the devices share the processor's cache: for 256 models of
64-128-10 on 2 devices, 2 MiB chunks trained 1.05× and 1.17× as fast as 4 MiB ones in two
interleaved runs. The models and their results are the same; on other devices every model runs
at once."""


class SweepResult(NamedTuple):
    """What a sweep returns; models are indexed by m ∈ ⟦0, M−1⟧ along every leading axis.

    ``settings``: ``"seed"`` and each hyperparameter, arrays of shape (M,) (the grid, seeds
    outermost); ``params`` and ``opt_state``: the pytrees of ``fit`` with a leading model axis;
    ``history``: ``"epoch"`` (E,) and ``"loss"``, ``"val_…"`` of shape (M, E); ``diverged``:
    (M,) True where a model's training loss became NaN or infinite (its later values are NaN).

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt Def 6.7: each model is one run of backpropagation
    SGD).

    Attributes:
        settings: ``"seed"`` and each hyperparameter: arrays of shape (M,).
        params: the trained networks, each leaf with a leading model axis.
        opt_state: the optimizer states, likewise.
        history: ``"epoch"`` (E,) and the curves, (M, E).
        diverged: (M,), True where a model's training loss became NaN or infinite.
    """

    settings: dict[str, np.ndarray]
    params: Params
    opt_state: Any
    history: dict[str, np.ndarray]
    diverged: np.ndarray

    def model(self, m: int) -> Params:
        """The parameters of model m (m < 0 counts from the end, as for a list), as ``fit``
        returns them.

        Raises:
            IndexError: naming m, if the sweep has no model m (JAX's indexing would clamp it
                to the first or last model).
        """
        models, wrong = len(self.diverged), TypeError(f"m must be an integer, got {m!r}")
        if isinstance(m, bool):
            raise wrong
        try:
            m = operator.index(m)
        except TypeError:
            raise wrong from None
        if not -models <= m < models:
            raise IndexError(f"m = {m} is out of range for a sweep of {models} models")
        return jax.tree.map(lambda leaf: leaf[m], self.params)


def model_keys(seed: int) -> tuple[Array, Array]:
    """The two keys of the model with this seed: ``(init_key, fit_key)`` from
    ``jax.random.split(jax.random.PRNGKey(seed))``; ``init_params(init_key, widths)`` and
    ``fit(..., key=fit_key)`` reproduce that model of a sweep alone.

    P-ALG-MINIBATCH (001_602cbf05fdb6a620.txt Note after Def 6.6: the batches are a random
    permutation; the key fixes it).

    Args:
        seed: the model's seed.

    Returns:
        ``(init_key, fit_key)``.
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        raise ValueError(f"seeds must be integers in [0, 2**32), got {seed!r}")
    init_key, fit_key = jax.random.split(jax.random.PRNGKey(int(seed)))
    return init_key, fit_key


def _grid(
    seeds: Sequence[int], hyperparameters: Mapping[str, Sequence[float]]
) -> dict[str, np.ndarray]:
    """The Cartesian product seeds × values of each hyperparameter, one array per name."""
    seeds = list(np.atleast_1d(np.asarray(seeds)).tolist())
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    names = list(hyperparameters)
    values = []
    for name in names:
        try:
            given = np.asarray(hyperparameters[name], dtype=float)
            if given.ndim > 1:
                raise ValueError
            column = list(np.atleast_1d(given))
        except (TypeError, ValueError):
            raise ValueError(
                f"hyperparameters[{name!r}] must be a number or a list of numbers, got "
                f"{hyperparameters[name]!r}"
            ) from None
        if not column:
            raise ValueError(f"hyperparameters[{name!r}] must hold at least one value")
        values.append(column)
    rows = list(itertools.product(seeds, *values))
    grid = {"seed": np.array([row[0] for row in rows])}
    for k, name in enumerate(names):
        grid[name] = np.array([row[k + 1] for row in rows], dtype=float)
    return grid


def _check_optimizer(optimizer: Callable[..., Any], grid: dict[str, np.ndarray]) -> None:
    """Build every model's optimizer once with concrete values: the optimizer's own checks name a
    bad value; an unknown name is reported as one."""
    if isinstance(optimizer, optax.GradientTransformation) or not callable(optimizer):
        raise TypeError(
            "optimizer must be a function of the hyperparameters returning an optax "
            "GradientTransformation (e.g. jaxdnn.momentum, not jaxdnn.momentum(0.1, 0.9)), got "
            f"{type(optimizer).__name__}"
        )
    names = [name for name in grid if name != "seed"]
    for m in range(len(grid["seed"])):
        try:
            built = optimizer(**{name: float(grid[name][m]) for name in names})
        except TypeError as error:
            raise ValueError(
                f"hyperparameters {names} do not fit the optimizer "
                f"{getattr(optimizer, '__name__', optimizer)!r}: {error}"
            ) from None
        if not isinstance(built, optax.GradientTransformation):
            raise ValueError(
                "optimizer must be a function of the hyperparameters returning an "
                f"optax.GradientTransformation, got {type(built).__name__}"
            )


@functools.lru_cache(maxsize=16)
def _make_sweep_init(
    optimizer: Callable[..., optax.GradientTransformation],
    widths: tuple[int, ...],
    weight_init: Callable[..., Array] | None,
    dtype: Any,
):
    def jaxdnn_sweep_init(init_key, hyperparameters):
        params = _init_params(init_key, widths, weight_init, dtype)
        return params, optimizer(**hyperparameters).init(params)

    return jax.jit(jax.vmap(jaxdnn_sweep_init))


@functools.lru_cache(maxsize=16)
def _make_sweep_epoch(
    optimizer: Callable[..., optax.GradientTransformation],
    head: Head,
    hidden: tuple[Activation, ...],
    gradients: str,
    n: int,
    batch_size: int,
    compute_dtype: Any,
    chunk: int | None = None,
    mesh: Mesh | None = None,
    split_seeds: bool = False,
):
    """The jitted epoch of every model; with ``chunk``, the models of each seed are taken
    ``chunk`` at a time (for every seed at once), one chunk after another. Without a mesh it
    maps the stacked state (M, …) to the next; with one, the grouped state (S, H, …) of S seeds ×
    H hyperparameter points, split across the mesh's devices along the seeds (``split_seeds``)
    or the hyperparameter points, each device its share of the models."""
    objective = loss_and_gradients(gradients, head, hidden, compute_dtype)

    def one_model(params, opt_state, hyperparameters, key, X, Y, epoch, l2):
        train_epoch = epoch_function(optimizer(**hyperparameters), objective, head, n, batch_size)
        return train_epoch(params, opt_state, X, Y, key, epoch, l2)

    # The models of one seed share their batch order (one key): vmapped with the key and the
    # data unbatched, each layer's product takes the batch once against all their weights,
    # one wide matrix product where a vmap over every model would make many narrow ones.
    same_order = jax.vmap(one_model, in_axes=(0, 0, 0, None, None, None, None, None))
    by_seed = jax.vmap(same_order, in_axes=(0, 0, 0, 0, None, None, None, None))

    def grouped_epoch(params, opt_state, hyperparameters, keys, X, Y, epoch, l2):
        if chunk is None:
            return by_seed(params, opt_state, hyperparameters, keys, X, Y, epoch, l2)
        seeds = keys.shape[0]

        def to_chunks(leaf):  # (S, H, …) → (H/chunk, S, chunk, …)
            return jnp.moveaxis(leaf.reshape(seeds, -1, chunk, *leaf.shape[2:]), 1, 0)

        def from_chunks(leaf):  # (H/chunk, S, chunk, …) → (S, H, …)
            return jnp.moveaxis(leaf, 0, 1).reshape(seeds, -1, *leaf.shape[3:])

        def one_chunk(part):
            return by_seed(*part, keys, X, Y, epoch, l2)

        grouped = (params, opt_state, hyperparameters)
        out = jax.lax.map(one_chunk, jax.tree.map(to_chunks, grouped))
        return jax.tree.map(from_chunks, out)

    split_epoch = None
    if mesh is not None:
        models = P("models") if split_seeds else P(None, "models")
        keys = models if split_seeds else P()
        split_epoch = _shard_map(
            grouped_epoch,
            mesh=mesh,
            in_specs=(models, models, models, keys, P(), P(), P(), P()),
            out_specs=models,
        )

    def jaxdnn_sweep_epoch(params, opt_state, hyperparameters, keys, X, Y, epoch, l2):
        if split_epoch is not None:  # grouped already, each device its share
            return split_epoch(params, opt_state, hyperparameters, keys, X, Y, epoch, l2)
        seeds = keys.shape[0]  # models m = s·H + h: seed s, hyperparameters h

        def split(leaf):
            return leaf.reshape(seeds, leaf.shape[0] // seeds, *leaf.shape[1:])

        grouped = jax.tree.map(split, (params, opt_state, hyperparameters))
        out = grouped_epoch(*grouped, keys, X, Y, epoch, l2)
        return jax.tree.map(lambda leaf: leaf.reshape(-1, *leaf.shape[2:]), out)

    return jax.jit(jaxdnn_sweep_epoch)


@functools.lru_cache(maxsize=16)
def _make_sweep_evaluate(head: Head, hidden: tuple[Activation, ...], grouped: bool = False):
    """fit's validation metrics for every model at once (compiled once per head), of the stacked
    models (M, …) or, ``grouped``, of the grouped ones (S, H, …)."""
    evaluate = jax.vmap(make_evaluate(head, hidden), (0, None, None))
    return jax.jit(jax.vmap(evaluate, (0, None, None)) if grouped else evaluate)


def sweep(
    widths: Sequence[int],
    X: ArrayLike,
    Y: ArrayLike,
    optimizer: Callable[..., optax.GradientTransformation],
    *,
    seeds: Sequence[int],
    hyperparameters: Mapping[str, Sequence[float]] | None = None,
    epochs: int,
    batch_size: int = 32,
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
    gradients: str = "autodiff",
    X_val: ArrayLike | None = None,
    Y_val: ArrayLike | None = None,
    precision: str | None = None,
    dtype: Any = None,
    weight_init: Callable[..., Array] | None = None,
    callback: Callable[[int, Params, Any, dict[str, np.ndarray]], Any] | None = None,
    l2: float = 0.0,
    start: SweepResult | None = None,
    mesh: Mesh | None = None,
) -> SweepResult:
    """Train one model per point of the grid ``seeds × hyperparameters`` at once.

    ``optimizer`` is a function of the hyperparameters' names returning an optax
    ``GradientTransformation`` (``jaxdnn.momentum``, ``optax.adam``, a ``functools.partial``
    fixing the others); ``hyperparameters`` maps each name to its values, e.g.
    ``{"learning_rate": [0.01, 0.1], "beta": [0.5, 0.9]}``. M = len(seeds) · Π len(values)
    models of widths (m_0, …, m_p) are trained for ``epochs`` epochs with ``jax.vmap`` over the
    models: one compiled program serves the whole grid. Model m equals, to rounding,
    ``fit(init_params(k_init, widths, weight_init, dtype), X, Y, optimizer(**h_m),
    key=k_fit, ...)`` with ``(k_init, k_fit) = model_keys(seed_m)`` and the same remaining
    arguments (``precision`` and ``l2`` as in ``fit``; ``dtype`` defaults to JAX's default
    float).

    A model whose training loss becomes NaN or infinite is marked in ``diverged``; the others
    train on (each model is independent). After each epoch ``callback(epoch, params, opt_state,
    history)`` is called with the stacked state; a truthy return stops the sweep.

    ``start`` continues a sweep of the same grid and settings from a state it reached: a
    :class:`SweepResult` after E₀ epochs (a sweep stopped by ``callback``, or one built from what
    ``callback`` was given, or from a checkpoint). The epochs E₀ … ``epochs`` − 1 are trained,
    and the result equals, bit for bit, the uninterrupted sweep's (with the same ``mesh``).

    ``mesh`` (a ``jax.sharding.Mesh`` of this process's devices) splits the models across its
    devices, each training its share, with no communication between them: along the
    hyperparameter points if their number per seed is a multiple of the devices', else along
    the seeds. On a CPU split into one device per core
    (``XLA_FLAGS=--xla_force_host_platform_device_count=N`` before JAX starts, as ``jaxdnn
    sweep`` does), each core then runs its own models' small operations instead of waiting on
    the other's: 256 models of 64-128-10 on 2 cores trained 1.2 to 2.4 times as fast as on one
    device in seven runs of ``experiments/bench.py`` (median 1.4). The models are the same, to
    rounding.

    P-ALG-BP-SGD, P-ALG-MINIBATCH (001_602cbf05fdb6a620.txt Note after Def 6.6 and Def 6.7;
    002_0dd137535febb580.txt §7.1–7.3, §7.5 for momentum's β).

    Raises:
        ValueError: naming the argument, for the settings of ``fit``, empty ``seeds`` or values,
            seeds outside [0, 2**32), hyperparameters the optimizer does not accept or rejects,
            or a ``start`` of another grid, other widths or optimizer, or more epochs, or a
            ``mesh`` whose number of devices divides neither the seeds nor the points per seed.

    Args:
        widths: the layer widths (m_0, …, m_p) of every model.
        X: the training inputs ``(n, m_0)``.
        Y: the targets, as for ``fit``.
        optimizer: a function of the hyperparameters returning an optax transformation.
        seeds: one model (its initialisation and batch order) per seed, for each grid point.
        hyperparameters: ``{name: values}``, the grid (default: none, one model per seed).
        epochs: the number of epochs.
        batch_size: B, the mini-batch size.
        loss: the head, as for ``fit``.
        hidden: the hidden activations, as for ``fit``.
        gradients: ``"autodiff"`` or ``"backprop"``.
        X_val: optional validation inputs.
        Y_val: their targets.
        precision: None or ``"bfloat16"``, as for ``fit``.
        dtype: the parameters' dtype (default JAX's default float).
        weight_init: optional ``jax.nn.initializers`` function, as for ``init_params``.
        callback: ``callback(epoch, params, opt_state, history)`` after every epoch; truthy stops.
        l2: λ ≥ 0, the ridge penalty of every model.
        start: the state of this sweep after some epochs, to continue from (default: none).
        mesh: the devices to split the models across (default: none, JAX's default device).

    Returns:
        A :class:`SweepResult`.

    Examples:
        >>> X = jax.random.normal(jax.random.PRNGKey(1), (64, 4))
        >>> labels = jnp.argmax(X[:, :3], axis=1)
        >>> result = jaxdnn.sweep(
        ...     (4, 8, 3), X, labels, jaxdnn.momentum, seeds=[0, 1],
        ...     hyperparameters={"learning_rate": [0.05, 0.1], "beta": [0.9]}, epochs=3,
        ... )
        >>> result.settings["learning_rate"].tolist(), result.history["loss"].shape
        ([0.05, 0.1, 0.05, 0.1], (4, 3))
    """
    widths = _check_widths(widths)
    dtype = jnp.zeros(()).dtype if dtype is None else jnp.dtype(dtype)
    setup = prepare_training(
        widths=(widths[0], widths[-1]),
        dtype=dtype,
        X=X,
        Y=Y,
        X_val=X_val,
        Y_val=Y_val,
        epochs=epochs,
        batch_size=batch_size,
        loss=loss,
        hidden=hidden,
        n_layers=len(widths) - 1,
        gradients=gradients,
        precision=precision,
        l2=l2,
    )
    grid = _grid(seeds, hyperparameters or {})
    _check_optimizer(optimizer, grid)
    keys = [model_keys(seed) for seed in grid["seed"].tolist()]
    init_keys = jnp.stack([k for k, _ in keys])
    per_seed = len(grid["seed"]) // len(np.atleast_1d(np.asarray(seeds)))
    fit_keys = jnp.stack([k for _, k in keys])[::per_seed]  # one per seed, shared by its models
    values = {name: jnp.asarray(v, dtype) for name, v in grid.items() if name != "seed"}

    models, n_seeds = len(grid["seed"]), len(fit_keys)
    mesh, split_seeds = _models_mesh(mesh, n_seeds, per_seed)
    params, opt_state = _make_sweep_init(optimizer, widths, weight_init, dtype)(init_keys, values)
    parts = 1 if mesh is None else mesh.size
    # the models of one device: seeds × hyperparameter points
    local = (n_seeds // parts, per_seed) if split_seeds else (n_seeds, per_seed // parts)
    platform = next(iter(setup.X.devices() if mesh is None else mesh.devices.flat)).platform
    epoch_fn = _make_sweep_epoch(
        optimizer,
        setup.head,
        setup.hidden,
        gradients,
        setup.n,
        setup.batch_size,
        setup.compute_dtype,
        _chunk(params, *local, platform, CHUNK_BYTES // parts),
        mesh,
        split_seeds,
    )
    evaluate_fn = _make_sweep_evaluate(setup.head, setup.hidden, mesh is not None)
    diverged = np.zeros(models, dtype=bool)
    history: dict[str, Any] = {"epoch": [], "loss": []}
    if start is not None:
        params, opt_state, history, diverged = _continued(
            start, grid, params, opt_state, epochs, setup.validation is not None
        )
    X, Y, validation = setup.X, setup.Y, setup.validation

    def stacked(state):  # as the caller sees it: (M, …) on one device
        return state

    if mesh is not None:  # grouped (S, H, …), each device holding its share of the models
        home = next(iter(mesh.devices.flat))
        shares = NamedSharding(mesh, P("models") if split_seeds else P(None, "models"))
        whole = NamedSharding(mesh, P())
        params, opt_state, values = jax.device_put(
            jax.tree.map(
                lambda leaf: leaf.reshape(n_seeds, -1, *leaf.shape[1:]),
                (params, opt_state, values),
            ),
            shares,
        )
        fit_keys = jax.device_put(fit_keys, shares if split_seeds else whole)
        X, Y, validation = jax.device_put((X, Y, validation), whole)

        def stacked(state):
            return jax.tree.map(
                lambda leaf: jax.device_put(leaf, home).reshape(models, *leaf.shape[2:]), state
            )

    for epoch in range(len(history["epoch"]), epochs):
        params, opt_state, train_metrics = epoch_fn(
            params, opt_state, values, fit_keys, X, Y, epoch, setup.l2
        )
        diverged |= ~np.isfinite(np.asarray(train_metrics["loss"], dtype=float).reshape(-1))
        history["epoch"].append(epoch)
        for name, value in train_metrics.items():
            value = np.where(diverged, np.nan, np.asarray(value, dtype=float).reshape(-1))
            history.setdefault(name, []).append(value)
        if validation is not None:
            for name, value in evaluate_fn(params, *validation).items():
                value = np.where(diverged, np.nan, np.asarray(value, dtype=float).reshape(-1))
                history.setdefault(f"val_{name}", []).append(value)
        if callback is not None:
            shown_params, shown_state = stacked((params, opt_state))
            if callback(epoch, shown_params, shown_state, _stacked(history, models)):
                break
    params, opt_state = stacked((params, opt_state))
    return SweepResult(grid, params, opt_state, _stacked(history, models), diverged)


def _models_mesh(mesh: Any, seeds: int, per_seed: int) -> tuple[Mesh | None, bool]:
    """The one-axis mesh ``"models"`` over the devices of ``mesh`` that a sweep of ``seeds`` ×
    ``per_seed`` models is split across, and whether it is split along the seeds (else along
    the hyperparameter points); ``(None, False)`` without a mesh."""
    if mesh is None:
        return None, False
    if not isinstance(mesh, Mesh):
        raise ValueError(f"mesh must be a jax.sharding.Mesh or None, got {type(mesh).__name__}")
    devices = list(mesh.devices.flat)
    if any(device.process_index != jax.process_index() for device in devices):
        raise ValueError(
            "mesh must hold only this process's devices: a sweep splits its models across the "
            "devices of one process"
        )
    parts = len(devices)
    if per_seed % parts and seeds % parts:
        raise ValueError(
            f"mesh has {parts} devices, which divide neither the {_count(seeds, 'seed')} nor the "
            f"{_count(per_seed, 'hyperparameter point')} per seed: the models are split evenly "
            "along one of the two"
        )
    return Mesh(np.array(devices), ("models",)), per_seed % parts != 0


def _continued(
    start: SweepResult,
    grid: dict[str, np.ndarray],
    params: Params,
    opt_state: Any,
    epochs: int,
    validation: bool,
) -> tuple[Params, Any, dict[str, list], np.ndarray]:
    """The state a sweep continues from, checked against the fresh one of its arguments:
    (parameters, optimizer state, per-epoch history lists, diverged)."""
    if not isinstance(start, SweepResult):
        raise TypeError(f"start must be a SweepResult, got {type(start).__name__}")
    settings = {k: np.asarray(v) for k, v in start.settings.items()}
    if settings.keys() != grid.keys() or not all(
        np.array_equal(settings[k], grid[k]) for k in grid
    ):
        raise ValueError("start is a sweep of another grid than seeds × hyperparameters")
    pairs = {"params": (params, start.params), "opt_state": (opt_state, start.opt_state)}
    for name, (fresh, given) in pairs.items():
        a_leaves, b_leaves = (jax.tree_util.tree_flatten_with_path(t)[0] for t in (fresh, given))
        if [p for p, _ in a_leaves] != [p for p, _ in b_leaves] or any(
            np.shape(a) != np.shape(b) or _dtype(a) != _dtype(b)
            for (_, a), (_, b) in zip(a_leaves, b_leaves, strict=True)
        ):
            raise ValueError(
                f"start.{name} does not match this sweep's widths, optimizer and dtype"
            )
    done = len(start.history["epoch"])
    if done > epochs:
        raise ValueError(f"start has trained {done} epochs, more than epochs={epochs}")
    if ("val_loss" in start.history) != validation and done:
        raise ValueError("start and this sweep differ in having a validation set")
    history: dict[str, list] = {"epoch": list(range(done))}
    for name, curve in start.history.items():
        if name != "epoch":
            history[name] = [np.asarray(curve)[:, e] for e in range(done)]
    history.setdefault("loss", [])
    diverged = ~np.isfinite(np.asarray(start.history["loss"]).reshape(len(grid["seed"]), -1))
    on_device = jax.tree.map(jnp.asarray, (start.params, start.opt_state))
    return *on_device, history, diverged.any(axis=1)


def _dtype(leaf: Any) -> np.dtype:
    return np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.asarray(leaf).dtype


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _chunk(params: Params, seeds: int, per_seed: int, platform: str, budget: int) -> int | None:
    """How many models of each seed one chunk trains, of a device's ``seeds`` × ``per_seed``
    models: the most that divides ``per_seed`` and keeps the chunk's parameters within
    ``budget`` bytes; None (all at once) off a CPU or when all fit."""
    leaves = jax.tree.leaves(params)
    per_model = sum(leaf.nbytes for leaf in leaves) // leaves[0].shape[0]
    if seeds * per_seed * per_model <= budget or platform != "cpu":
        return None
    fitting = max(1, budget // (seeds * per_model))
    chunk = max(c for c in range(1, per_seed + 1) if per_seed % c == 0 and c <= fitting)
    return chunk if chunk < per_seed else None


def _stacked(history: dict[str, list], models: int) -> dict[str, np.ndarray]:
    """Per-epoch lists of (M,) arrays as (M, E) arrays; ``"epoch"`` stays (E,)."""
    stacked = {"epoch": np.asarray(history["epoch"], dtype=int)}
    for name, rows in history.items():
        if name != "epoch":
            stacked[name] = np.stack(rows, axis=1) if rows else np.zeros((models, 0))
    return stacked
