"""The training engine that ``fit`` and ``sweep`` share: mini-batches, the compiled epoch, the
compiled evaluation and the checks of a training run's settings (catalogue §2.K P-ALG-MINIBATCH,
P-ALG-GRAD-ESTIMATE, P-ALG-BP-SGD; decisions 1, 2, 12, 13).

Each epoch draws a fresh permutation of the n training samples (without replacement) and cuts it
into ⌈n/B⌉ consecutive batches of B samples; the last one holds n − B⌊n/B⌋ samples when B does
not divide n (001_602cbf05fdb6a620.txt Note after Def 6.6). To give every batch the same shape,
the last batch is padded and its padded rows are masked out of the batch mean, so one compiled
program serves every step and every epoch. The gradient of a batch is the gradient of its mean
loss (decision 2), plus λ·W with a ridge penalty (λ/2)·Σ‖W‖² (P-NET-L2).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P
from jax.typing import ArrayLike

from jaxdnn.backprop import loss_and_backprop
from jaxdnn.heads import Head, head_of
from jaxdnn.network import (
    Activation,
    Params,
    forward_pass,
    hidden_activations,
    l2_penalty_gradient,
    reduce_samples,
)

__all__ = [
    "GRADIENTS",
    "PRECISIONS",
    "EarlyStopping",
    "TrainingSetup",
    "batch_indices",
    "epoch_function",
    "loss_and_gradients",
    "make_epoch",
    "make_evaluate",
    "optimizer_program",
    "prepare_training",
]

GRADIENTS = ("autodiff", "backprop")
PRECISIONS = ("float32", "float64", "bfloat16", "float16")


def batch_indices(key: Array, n: int, batch_size: int) -> tuple[Array, Array]:
    """Mini-batches of one epoch: ``(idx, mask)``, both of shape (⌈n/B⌉, B).

    ``idx[b]`` lists the samples of batch b, in the order of a random permutation of range(n)
    drawn from ``key``; ``mask`` is False only on the padding of the last batch (whose indices
    are 0). The valid entries over all batches form a permutation of range(n).

    P-ALG-MINIBATCH (001_602cbf05fdb6a620.txt Note after Def 6.6; 002_0dd137535febb580.txt
    §7.1–7.3).

    Raises:
        ValueError: naming ``n`` or ``batch_size`` if not a positive integer.

    Args:
        key: the epoch's PRNG key.
        n: the number of samples.
        batch_size: B.

    Returns:
        ``(idx, mask)``.
    """
    for name, value in (("n", n), ("batch_size", batch_size)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return _batch_indices(key, int(n), int(batch_size))


@partial(jax.jit, static_argnums=(1, 2))
def _batch_indices(key: Array, n: int, batch_size: int) -> tuple[Array, Array]:
    n_batches = -(-n // batch_size)
    padded = n_batches * batch_size
    permutation = jax.random.permutation(key, n)
    idx = jnp.concatenate([permutation, jnp.zeros(padded - n, permutation.dtype)])
    mask = jnp.arange(padded) < n
    return idx.reshape(n_batches, batch_size), mask.reshape(n_batches, batch_size)


def loss_and_gradients(
    gradients: str, head: Head, hidden: tuple[Activation, ...], compute_dtype: Any = None
) -> Callable:
    """(params, X, Y, weights) ↦ ((Σ_i w_i ℓ_i, logits), gradient) by autodiff or by the
    hand-written backpropagation.

    With a ``compute_dtype`` (mixed precision), the parameters and inputs are cast to it for the
    forward pass (matrix products and activations), the logits are cast back to the parameters'
    dtype for the loss, and the gradient flows back through the casts into the parameters'
    dtype: parameters, optimizer state and loss keep their precision.

    Args:
        gradients: ``"autodiff"`` or ``"backprop"``.
        head: the task's :class:`~jaxdnn.heads.Head`.
        hidden: the hidden activations, one per hidden layer.
        compute_dtype: the forward pass's dtype, or None.

    Returns:
        The function.
    """
    loss = head.loss_head.loss
    if gradients == "backprop":

        def backprop_objective(params, X, Y, weights):
            value, grads = loss_and_backprop(params, X, Y, "sum", head.loss, hidden, weights)
            # the same forward pass as inside: XLA computes it once
            logits = forward_pass(params, X, hidden).pre_activations[-1]
            return (value, logits), grads

        return backprop_objective

    def sum_objective(params, X, Y, weights):
        if compute_dtype is not None:
            params = jax.tree.map(lambda a: a.astype(compute_dtype), params)
            X = X.astype(compute_dtype)
        logits = forward_pass(params, X, hidden).pre_activations[-1].astype(weights.dtype)
        return reduce_samples(loss(logits, Y), "sum", weights), logits

    return jax.value_and_grad(sum_objective, has_aux=True)


def epoch_function(
    optimizer: optax.GradientTransformation,
    objective_and_gradients: Callable,
    head: Head,
    n: int,
    batch_size: int,
    batch_sharding: NamedSharding | None = None,
    unroll: int = 1,
) -> Callable:
    """The pure (un-jitted) epoch ``(params, opt_state, X, Y, key, epoch, l2) ↦ (params,
    opt_state, metrics)``: one ``lax.scan`` over the batches of ``batch_indices``.

    ``metrics`` holds the epoch's mean training ``loss`` (the data term, without the penalty)
    and, for a classifier, its training ``accuracy``, each sample counted when its batch was
    used. ``l2`` is the ridge penalty's λ (0: none). ``batch_sharding`` (data-parallel
    training) places each gathered batch across the devices of a mesh, so that each device
    computes the gradient of its rows and XLA sums them.

    Args:
        optimizer: the optax transformation.
        objective_and_gradients: ``loss_and_gradients``'s function.
        head: the task's :class:`~jaxdnn.heads.Head`.
        n: the number of samples.
        batch_size: B.
        batch_sharding: the batches' sharding on a mesh, or None.
        unroll: steps per iteration of the scan.

    Returns:
        The epoch function.
    """

    def place(batch):
        if batch_sharding is None:
            return batch
        return jax.lax.with_sharding_constraint(batch, batch_sharding)

    def jaxdnn_train_epoch(params, opt_state, X, Y, key, epoch, l2):
        def step(carry, batch):
            params, opt_state = carry
            idx, mask = place(batch)
            # gather one batch per step: cheaper than permuting the whole data set up front
            X_b, Y_b = place(X[idx]), place(Y[idx])
            count = jnp.sum(mask).astype(X_b.dtype)
            weights = mask.astype(X_b.dtype) / count  # the mean over the batch's real samples
            (value, logits), grads = objective_and_gradients(params, X_b, Y_b, weights)
            grads = jax.tree.map(jnp.add, grads, l2_penalty_gradient(params, l2))
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = jax.tree.map(lambda p, u: p + u, params, updates)
            sums = {"loss": value * count}
            if head.is_classifier:
                sums["accuracy"] = head.correct(logits, Y_b, mask)
            return (params, opt_state), sums

        batches = batch_indices(jax.random.fold_in(key, epoch), n, batch_size)
        (params, opt_state), sums = jax.lax.scan(step, (params, opt_state), batches, unroll=unroll)
        return params, opt_state, {name: jnp.sum(s) / n for name, s in sums.items()}

    return jaxdnn_train_epoch


def optimizer_program(optimizer: optax.GradientTransformation) -> tuple[tuple, dict[str, float]]:
    """How the compiled epoch gets its optimizer: ``(cache key, numeric hyperparameters)``.

    A jaxdnn optimizer remembers its constructor and hyperparameters: its numbers (learning
    rate, β, ε) become arguments of the compiled program (weakly typed, as Python numbers are,
    so they take the parameters' dtype) and the rest (a schedule, flags) its cache key — so an
    equal optimizer built anew, or one with another learning rate, reuses the program. Any other
    optax transformation is the key itself.

    Args:
        optimizer: the optax transformation.

    Returns:
        ``(cache key, numeric hyperparameters)``.
    """
    constructor = getattr(optimizer, "constructor", None)
    settings = getattr(optimizer, "hyperparameters", None)
    if constructor is None or not isinstance(settings, dict):
        return ("object", optimizer), {}
    numbers = {name: float(value) for name, value in settings.items() if _is_number(value)}
    static = tuple(sorted((k, v) for k, v in settings.items() if k not in numbers))
    try:
        hash(static)
    except TypeError:  # an unhashable setting: cache per object
        return ("object", optimizer), {}
    return ("constructor", constructor, static), numbers


def _is_number(value: Any) -> bool:
    """A concrete real number (Python, NumPy or a 0-d array), not a boolean."""
    if isinstance(value, bool | np.bool_) or isinstance(value, jax.core.Tracer):
        return False
    if isinstance(value, int | float | np.number):
        return True
    return getattr(value, "shape", None) == () and jnp.issubdtype(value.dtype, jnp.number)


def _build_optimizer(program: tuple, numbers: dict[str, Any]) -> optax.GradientTransformation:
    """The optimizer of ``optimizer_program``'s key, given its numeric hyperparameters."""
    if program[0] == "object":
        return program[1]
    _, constructor, static = program
    return constructor(**numbers, **dict(static))


@functools.lru_cache(maxsize=32)
def make_epoch(
    optimizer_program: tuple,
    head: Head,
    hidden: tuple[Activation, ...],
    gradients: str,
    n: int,
    batch_size: int,
    compute_dtype: Any = None,
    mesh: Mesh | None = None,
    unroll: int = 1,
) -> Callable:
    """The jitted epoch ``(params, opt_state, X, Y, key, epoch, l2, hyperparameters)`` of
    ``fit``, compiled once per head, hidden activations, gradient method, n, batch size,
    precision, mesh, unroll and optimizer program.

    Args:
        optimizer_program: ``optimizer_program(optimizer)``.
        head: the task's :class:`~jaxdnn.heads.Head`.
        hidden: the hidden activations, one per hidden layer.
        gradients: ``"autodiff"`` or ``"backprop"``.
        n: the number of samples.
        batch_size: B.
        compute_dtype: the forward pass's dtype, or None.
        mesh: a mesh for data-parallel training, or None.
        unroll: steps per iteration of the scan.

    Returns:
        The jitted epoch.
    """
    objective = loss_and_gradients(gradients, head, hidden, compute_dtype)
    batch_sharding = None if mesh is None else NamedSharding(mesh, P(mesh.axis_names))

    def jaxdnn_fit_epoch(params, opt_state, X, Y, key, epoch, l2, hyperparameters):
        optimizer = _build_optimizer(optimizer_program, hyperparameters)
        run_epoch = epoch_function(
            optimizer, objective, head, n, batch_size, batch_sharding, unroll
        )
        return run_epoch(params, opt_state, X, Y, key, epoch, l2)

    return jax.jit(jaxdnn_fit_epoch)


@functools.lru_cache(maxsize=32)
def make_evaluate(head: Head, hidden: tuple[Activation, ...]) -> Callable:
    """The jitted ``(params, X, Y) ↦ head.fit_metrics`` of the network's logits.

    Args:
        head: the task's :class:`~jaxdnn.heads.Head`.
        hidden: the hidden activations, one per hidden layer.

    Returns:
        The jitted evaluation.
    """

    def jaxdnn_evaluate(params, X, Y):
        return head.fit_metrics(forward_pass(params, X, hidden).pre_activations[-1], Y)

    return jax.jit(jaxdnn_evaluate)


def check_count(name: str, value: Any, minimum: int) -> None:
    """``value`` is an integer ≥ ``minimum``, else a ValueError naming ``name``."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_l2(l2: Any) -> float:
    """λ of the ridge penalty: a finite number ≥ 0, else a ValueError naming ``l2``."""
    if isinstance(l2, bool) or not isinstance(l2, int | float | np.number):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    if not (math.isfinite(float(l2)) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    return float(l2)


def _compute_dtype(precision: str | None, param_dtype: Any, gradients: str) -> Any:
    """The forward pass's dtype when it differs from the parameters' dtype, else None."""
    if precision is None:
        return None
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be None or one of {PRECISIONS}, got {precision!r}")
    compute_dtype = jnp.dtype(precision)
    if compute_dtype == param_dtype:
        return None
    if gradients != "autodiff":
        raise ValueError(
            f"precision={precision!r} differs from the parameters' dtype {param_dtype}: mixed "
            "precision needs gradients='autodiff'"
        )
    return compute_dtype


def data_parallel_mesh(mesh: Any, batch_size: int) -> Mesh | None:
    """The mesh's devices and axis names with automatic (compiler-chosen) sharding on every
    axis: the batch is placed by sharding constraints, the rest is left to XLA."""
    if mesh is None:
        return None
    if not isinstance(mesh, Mesh):
        raise ValueError(f"mesh must be a jax.sharding.Mesh or None, got {type(mesh).__name__}")
    if batch_size % mesh.size:
        raise ValueError(
            f"batch_size ({batch_size}, after capping at the number of samples) must be a "
            f"multiple of the mesh's {mesh.size} devices, so that every device gets as many rows"
        )
    return Mesh(mesh.devices, mesh.axis_names, axis_types=(AxisType.Auto,) * len(mesh.axis_names))


class TrainingSetup(NamedTuple):
    """A training run's checked settings and data (in the parameters' dtype).

    Attributes:
        head: the task's :class:`~jaxdnn.heads.Head`.
        hidden: the hidden activations.
        compute_dtype: the forward pass's dtype (None: the parameters').
        X: the training inputs.
        Y: the training targets, as the head's matrix.
        validation: ``(X_val, Y_val)`` or None.
        n: the number of training samples.
        batch_size: B, capped at n.
        l2: the ridge penalty λ.
    """

    head: Head
    hidden: tuple[Activation, ...]
    compute_dtype: Any
    X: Array
    Y: Array
    validation: tuple[Array, Array] | None
    n: int
    batch_size: int
    l2: float


def prepare_training(
    *,
    widths: tuple[int, int],
    dtype: Any,
    X: ArrayLike,
    Y: ArrayLike,
    X_val: ArrayLike | None,
    Y_val: ArrayLike | None,
    epochs: int,
    batch_size: int,
    loss: str,
    hidden: Activation | Sequence[Activation],
    n_layers: int,
    gradients: str,
    precision: str | None,
    l2: float,
) -> TrainingSetup:
    """Check the settings and data of a training run (``ValueError`` naming the argument) and
    put the data in the parameters' dtype; the batch size is capped at n. ``widths`` are the
    network's input and output widths.

    Args:
        widths: the network's ``(input, output)`` widths.
        dtype: the parameters' dtype.
        X: the training inputs.
        Y: the training targets.
        X_val: validation inputs, or None.
        Y_val: their targets.
        epochs: the number of epochs.
        batch_size: B.
        loss: the loss head's name.
        hidden: the hidden activations.
        n_layers: the number of layers p.
        gradients: ``"autodiff"`` or ``"backprop"``.
        precision: None or ``"bfloat16"``.
        l2: the ridge penalty λ.

    Returns:
        The :class:`TrainingSetup`.
    """
    head = head_of(loss)
    activations = hidden_activations(hidden, n_layers)
    if gradients not in GRADIENTS:
        raise ValueError(f"gradients must be one of {GRADIENTS}, got {gradients!r}")
    check_count("epochs", epochs, 0)
    check_count("batch_size", batch_size, 1)
    l2 = check_l2(l2)
    X_checked, Y_checked = head.check(X, Y, ("X", "Y"), *widths)
    if (X_val is None) != (Y_val is None):
        raise ValueError("X_val and Y_val must be given together")
    compute_dtype = _compute_dtype(precision, dtype, gradients)
    validation = None
    if X_val is not None and Y_val is not None:
        X_val, Y_val = head.check(X_val, Y_val, ("X_val", "Y_val"), *widths)
        validation = (jnp.asarray(X_val, dtype), jnp.asarray(Y_val, dtype))
    n = X_checked.shape[0]
    return TrainingSetup(
        head=head,
        hidden=activations,
        compute_dtype=compute_dtype,
        X=jnp.asarray(X_checked, dtype),
        Y=jnp.asarray(Y_checked, dtype),
        validation=validation,
        n=n,
        batch_size=min(int(batch_size), n),
        l2=l2,
    )


class EarlyStopping(NamedTuple):
    """The state of early stopping on the validation loss: stop once it has not improved (fallen
    strictly below its best) for ``patience`` epochs, and keep the best epoch's parameters.

    ``EarlyStopping(patience)`` starts it; ``update`` after each epoch returns the next state;
    ``should_stop(epoch)`` says whether the epochs since the best reach the patience. The state
    is plain data, so a checkpoint keeps it and a resumed run continues it exactly.

    P-CAP-VALIDATION (002_0dd137535febb580.txt §10: the validation set selects the model).

    Attributes:
        patience: the epochs without improvement that stop training.
        best_epoch: the best epoch so far (−1 before the first).
        best_loss: its validation loss.
        best_params: its parameters.
    """

    patience: int
    best_epoch: int = -1
    best_loss: float = math.inf
    best_params: Params | None = None

    def update(self, epoch: int, val_loss: float, params: Params) -> EarlyStopping:
        """The state after ``epoch``, whose validation loss is ``val_loss``."""
        if val_loss < self.best_loss:  # NaN never improves
            return self._replace(best_epoch=epoch, best_loss=float(val_loss), best_params=params)
        return self

    def should_stop(self, epoch: int) -> bool:
        """True when ``patience`` epochs up to ``epoch`` brought no improvement."""
        return epoch - self.best_epoch >= self.patience
