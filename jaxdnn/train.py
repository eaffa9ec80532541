"""The training engine: mini-batch gradient descent as one jitted ``lax.scan`` per epoch
(catalogue §2.K P-ALG-MINIBATCH, P-ALG-GRAD-ESTIMATE, P-ALG-BP-SGD; decisions 1, 2, 12, 13).

Each epoch draws a fresh permutation of the n training samples (without replacement) and cuts it
into ⌈n/B⌉ consecutive batches of B samples; the last one holds n − B⌊n/B⌋ samples when B does
not divide n (001_602cbf05fdb6a620.txt Note after Def 6.6). To give every batch the same shape,
the last batch is padded and its padded rows are masked out of the batch mean, so one compiled
program serves every step and every epoch. B = n is batch gradient descent, B = 1 stochastic
gradient descent, 1 < B < n mini-batch gradient descent (002_0dd137535febb580.txt §7.1–7.3).
The gradient of a batch is the gradient of its mean loss (decision 2).
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

from jaxdnn import metrics
from jaxdnn.activations import relu
from jaxdnn.backprop import loss_and_backprop
from jaxdnn.network import (
    Activation,
    LossHead,
    Params,
    forward_pass,
    hidden_activations,
    loss_head,
    objective,
    reduce_samples,
)
from jaxdnn.validation import check_dataset, check_key, check_optimizer, check_params

__all__ = ["batch_indices", "evaluate", "fit", "TrainingDiverged"]

History = dict[str, list[float]]
Callback = Callable[[int, Params, Any, History], Any]

GRADIENTS = ("autodiff", "backprop")


def batch_indices(key: Array, n: int, batch_size: int) -> tuple[Array, Array]:
    """Mini-batches of one epoch: ``(idx, mask)``, both of shape (⌈n/B⌉, B).

    ``idx[b]`` lists the samples of batch b, in the order of a random permutation of range(n)
    drawn from ``key``; ``mask`` is False only on the padding of the last batch (whose indices
    are 0). The valid entries over all batches form a permutation of range(n).

    P-ALG-MINIBATCH (001_602cbf05fdb6a620.txt Note after Def 6.6; 002_0dd137535febb580.txt
    §7.1–7.3).

    Raises:
        ValueError: naming ``n`` or ``batch_size`` if not a positive integer.
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


def _loss_and_gradients(
    gradients: str, loss: str, hidden: tuple[Activation, ...], compute_dtype: Any = None
):
    """(params, X, Y, weights) ↦ (Σ_i w_i ℓ_i, its gradient) by autodiff or backpropagation.

    With a ``compute_dtype`` (mixed precision), the parameters and inputs are cast to it for the
    forward pass (matrix products and activations), the logits are cast back to the parameters'
    dtype for the loss, and the gradient flows back through the casts into the parameters'
    dtype: parameters, optimizer state and loss keep their precision.
    """
    if gradients == "backprop":
        return lambda p, X, Y, w: loss_and_backprop(p, X, Y, "sum", loss, hidden, w)
    if compute_dtype is None:
        return jax.value_and_grad(lambda p, X, Y, w: objective(p, X, Y, "sum", loss, hidden, w))
    head = loss_head(loss)

    def mixed_precision_objective(params, X, Y, weights):
        low = jax.tree.map(lambda a: a.astype(compute_dtype), params)
        logits = forward_pass(low, X.astype(compute_dtype), hidden).pre_activations[-1]
        per_sample = head.loss(logits.astype(weights.dtype), Y)
        return reduce_samples(per_sample, "sum", weights)

    return jax.value_and_grad(mixed_precision_objective)


def _epoch_function(
    optimizer: optax.GradientTransformation,
    loss_and_gradients: Callable,
    n: int,
    batch_size: int,
    batch_sharding: NamedSharding | None = None,
    unroll: int = 1,
):
    """The pure (un-jitted) epoch ``(params, opt_state, X, Y, key, epoch) ↦ (params, opt_state,
    mean training loss)``: one ``lax.scan`` over the batches of ``batch_indices``.

    ``batch_sharding`` (data-parallel training) places each gathered batch across the devices of
    a mesh, so that each device computes the gradient of its rows and XLA sums them.
    """

    def place(batch):
        if batch_sharding is None:
            return batch
        return jax.lax.with_sharding_constraint(batch, batch_sharding)

    def jaxdnn_train_epoch(params, opt_state, X, Y, key, epoch):
        def step(carry, batch):
            params, opt_state = carry
            idx, mask = place(batch)
            # gather one batch per step: cheaper than permuting the whole data set up front
            X_b, Y_b = place(X[idx]), place(Y[idx])
            count = jnp.sum(mask).astype(X_b.dtype)
            weights = mask.astype(X_b.dtype) / count  # the mean over the batch's real samples
            value, grads = loss_and_gradients(params, X_b, Y_b, weights)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = jax.tree.map(lambda p, u: p + u, params, updates)
            return (params, opt_state), value * count

        batches = batch_indices(jax.random.fold_in(key, epoch), n, batch_size)
        (params, opt_state), sums = jax.lax.scan(step, (params, opt_state), batches, unroll=unroll)
        return params, opt_state, jnp.sum(sums) / n

    return jaxdnn_train_epoch


def _optimizer_program(optimizer: optax.GradientTransformation) -> tuple[tuple, dict[str, float]]:
    """How the compiled epoch gets its optimizer: ``(cache key, numeric hyperparameters)``.

    A jaxdnn optimizer remembers its constructor and hyperparameters: its numbers (learning
    rate, β, ε) become arguments of the compiled program (weakly typed, as Python numbers are,
    so they take the parameters' dtype) and the rest (a schedule, flags) its cache key — so an
    equal optimizer built anew, or one with another learning rate, reuses the program. Any other
    optax transformation is the key itself.
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
    """The optimizer of ``_optimizer_program``'s key, given its numeric hyperparameters."""
    if program[0] == "object":
        return program[1]
    _, constructor, static = program
    return constructor(**numbers, **dict(static))


@functools.lru_cache(maxsize=32)
def _make_epoch(
    optimizer_program: tuple,
    loss: str,
    hidden: tuple[Activation, ...],
    gradients: str,
    n: int,
    batch_size: int,
    compute_dtype: Any = None,
    mesh: Mesh | None = None,
    unroll: int = 1,
):
    loss_and_gradients = _loss_and_gradients(gradients, loss, hidden, compute_dtype)
    batch_sharding = None if mesh is None else NamedSharding(mesh, P(mesh.axis_names))

    def jaxdnn_fit_epoch(params, opt_state, X, Y, key, epoch, hyperparameters):
        optimizer = _build_optimizer(optimizer_program, hyperparameters)
        epoch_function = _epoch_function(
            optimizer, loss_and_gradients, n, batch_size, batch_sharding, unroll
        )
        return epoch_function(params, opt_state, X, Y, key, epoch)

    return jax.jit(jaxdnn_fit_epoch)


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite: the step size is too large for the problem.

    P-OPT-GD-RATE (001_602cbf05fdb6a620.txt Prop 6.5: gradient descent converges for α < 2/L;
    beyond, the iterates can grow without bound).
    """

    def __init__(self, epoch: int, loss: float):
        self.epoch, self.loss = epoch, loss
        super().__init__(
            f"training diverged in epoch {epoch}: the training loss is {loss}; "
            "try a smaller learning rate"
        )


def class_labels(logits: ArrayLike, Y: ArrayLike, loss: str) -> tuple[Array, Array, int]:
    """True and predicted class labels of a classification head, and the number of classes:
    argmax for softmax, logit > 0 (σ > ½) for the sigmoid head. A sigmoid head of m > 1 outputs
    (one binary label per output) gives (n, m) 0/1 label indicators and m.

    P-MET-ACCURACY (002_0dd137535febb580.txt §8.1: ŷ_i = argmax_j N(x_i)_j).
    """
    logits, Y = jnp.asarray(logits), jnp.asarray(Y)
    if loss == "sigmoid_binary_cross_entropy":
        truth, predicted = (Y > 0.5).astype(int), (logits > 0).astype(int)
        if Y.shape[-1] == 1:
            return truth[:, 0], predicted[:, 0], 2
        return truth, predicted, Y.shape[-1]
    return jnp.argmax(Y, axis=-1), jnp.argmax(logits, axis=-1), Y.shape[-1]


@functools.lru_cache(maxsize=32)
def _make_evaluate(loss: str, hidden: tuple[Activation, ...]):
    head = loss_head(loss)

    def jaxdnn_evaluate(params, X, Y):
        logits = forward_pass(params, X, hidden).pre_activations[-1]
        results = {"loss": jnp.mean(head.loss(logits, Y))}
        if loss == "half_mean_squared_error":
            results["rmse"] = metrics.rmse(Y, logits)
        else:
            y_true, y_pred, _ = class_labels(logits, Y, loss)
            results["accuracy"] = metrics.accuracy(y_true, y_pred)
            if y_true.ndim == 2:  # several sigmoid outputs: also the share of right labels
                results["label_accuracy"] = jnp.mean((y_true == y_pred).astype(logits.dtype))
        return results

    return jax.jit(jaxdnn_evaluate)


def evaluate(
    params: Params,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
) -> dict[str, float]:
    """Mean loss on (X, Y), with the accuracy (classification heads: argmax, or logit > 0 for the
    sigmoid head) or the RMSE (regression head).

    A sigmoid head of several outputs predicts one binary label per output: its ``accuracy`` is
    the share of samples with every label right (exact match, scikit-learn's subset accuracy),
    and ``label_accuracy`` the share of right labels (1 − the Hamming loss).

    P-NET-OBJECTIVE (001_602cbf05fdb6a620.txt Def 5.2, mean reduction), P-MET-ACCURACY
    (002_0dd137535febb580.txt §8.1), P-MET-RMSE (002 §8.3).
    """
    widths = check_params(params)
    activations = hidden_activations(hidden, len(params))
    X, Y = check_dataset(X, Y, loss_head(loss).name, ("X", "Y"), widths[0], widths[-1])
    dtype = jnp.asarray(params[0]["W"]).dtype
    metrics = _make_evaluate(loss, activations)(
        params, jnp.asarray(X, dtype), jnp.asarray(Y, dtype)
    )
    return {name: float(value) for name, value in metrics.items()}


def _check_positive_int(name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


PRECISIONS = ("float32", "float64", "bfloat16", "float16")


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


def _data_parallel_mesh(mesh: Any, batch_size: int) -> Mesh | None:
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


class _Setup(NamedTuple):
    head: LossHead
    hidden: tuple[Activation, ...]
    compute_dtype: Any
    X: Array
    Y: Array
    validation: tuple[Array, Array] | None
    n: int
    batch_size: int


def _training_setup(
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
) -> _Setup:
    """Check the settings and data of a training run (``ValueError`` naming the argument) and
    put the data in the parameters' dtype; the batch size is capped at n."""
    head = loss_head(loss)
    activations = hidden_activations(hidden, n_layers)
    if gradients not in GRADIENTS:
        raise ValueError(f"gradients must be one of {GRADIENTS}, got {gradients!r}")
    _check_positive_int("epochs", epochs, 0)
    _check_positive_int("batch_size", batch_size, 1)
    X, Y = check_dataset(X, Y, head.name, ("X", "Y"), *widths)
    if (X_val is None) != (Y_val is None):
        raise ValueError("X_val and Y_val must be given together")
    compute_dtype = _compute_dtype(precision, dtype, gradients)
    validation = None
    if X_val is not None and Y_val is not None:
        X_val, Y_val = check_dataset(X_val, Y_val, head.name, ("X_val", "Y_val"), *widths)
        validation = (jnp.asarray(X_val, dtype), jnp.asarray(Y_val, dtype))
    n = X.shape[0]
    return _Setup(
        head,
        activations,
        compute_dtype,
        jnp.asarray(X, dtype),
        jnp.asarray(Y, dtype),
        validation,
        n,
        min(int(batch_size), n),
    )


def fit(
    params: Params,
    X: ArrayLike,
    Y: ArrayLike,
    optimizer: optax.GradientTransformation,
    *,
    key: Array,
    epochs: int,
    batch_size: int = 32,
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
    gradients: str = "autodiff",
    X_val: ArrayLike | None = None,
    Y_val: ArrayLike | None = None,
    callback: Callback | None = None,
    opt_state: Any = None,
    initial_epoch: int = 0,
    precision: str | None = None,
    mesh: Mesh | None = None,
    unroll: int = 1,
) -> tuple[Params, History]:
    """Train by mini-batch gradient descent with ``optimizer`` for epochs ``initial_epoch`` …
    ``epochs − 1``; returns ``(params, history)``.

    Each epoch is one jitted ``lax.scan`` over ⌈n/B⌉ batches of a fresh permutation drawn from
    ``jax.random.fold_in(key, epoch)``; each step applies the optimizer to the gradient of the
    batch-mean loss, computed by ``jax.grad`` (``gradients="autodiff"``) or by the hand-written
    backpropagation (``"backprop"``). ``batch_size=n`` is batch gradient descent, ``1``
    stochastic gradient descent; a batch size above n is n. The same inputs and key give
    bit-identical parameters on the same device, and epoch k depends only on the state after
    epoch k − 1, so ``opt_state`` and ``initial_epoch`` resume an interrupted run exactly.

    ``precision`` is the dtype of the forward pass: None (default) computes in the parameters'
    dtype; ``"bfloat16"`` gives mixed precision: matrix products and activations in bfloat16,
    while parameters, optimizer state, loss and gradients stay in the parameters' dtype
    (float32 parameters are the usual master copy).

    ``mesh`` (a ``jax.sharding.Mesh``) trains data-parallel: every batch is split across all the
    mesh's devices (along all its axes), parameters and optimizer state are replicated, and XLA
    sums the per-device gradients, so each step applies the same batch-mean gradient as on one
    device (equal up to the order of floating-point additions). The batch size must be a
    multiple of the number of devices. Across several hosts, call
    ``jax.distributed.initialize()`` first and build the mesh from the global ``jax.devices()``.

    ``unroll`` steps run per iteration of the compiled loop (``lax.scan``'s unroll). On a GPU,
    XLA runs a loop's control on the host, which synchronises with the device every
    iteration; unrolling amortises that over several steps. On a CPU it measured no gain.

    The compiled epoch is cached per head, hidden activations, gradient method, n, batch size,
    precision, mesh, unroll and optimizer kind: the numbers of a jaxdnn optimizer (learning
    rate, β, ε) are arguments of the compiled program, so calling ``fit`` again (to resume,
    epoch by epoch, or with a new ``jaxdnn.adam(…)`` of any learning rate) does not recompile;
    another optax transformation is cached per object.

    ``history`` holds per epoch: ``"epoch"``, ``"loss"`` (mean training loss over the epoch's
    samples, each taken when its batch was used), and with validation data ``"val_loss"`` and
    ``"val_accuracy"`` (classification) or ``"val_rmse"`` (regression). After each epoch
    ``callback(epoch, params, opt_state, history)`` is called; a truthy return stops training.
    A non-finite training loss raises ``TrainingDiverged`` naming the epoch, before the callback
    sees the diverged parameters.

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt Note after Def 6.6 and Def 6.7), P-ALG-MINIBATCH,
    P-ALG-GRAD-ESTIMATE (001 Note after Def 6.6, scaling E-37: the batch estimate is the mean).

    Raises:
        ValueError: naming the argument, for bad data (shape, non-finite value, labels) or
            settings (``params``, ``epochs``, ``batch_size``, ``gradients``, ``loss``,
            ``hidden``, ``precision``, ``mesh``, ``unroll``).
        TypeError: naming ``params``, ``optimizer``, ``key`` or ``callback`` if it is not the
            kind of object expected.
    """
    all_widths = check_params(params)
    check_optimizer(optimizer)
    check_key(key)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    dtype = jnp.asarray(params[0]["W"]).dtype
    widths = (all_widths[0], all_widths[-1])
    setup = _training_setup(
        widths,
        dtype,
        X,
        Y,
        X_val,
        Y_val,
        epochs,
        batch_size,
        loss,
        hidden,
        len(params),
        gradients,
        precision,
    )
    _check_positive_int("initial_epoch", initial_epoch, 0)
    _check_positive_int("unroll", unroll, 1)
    head, activations, compute_dtype = setup.head, setup.hidden, setup.compute_dtype
    X, Y, validation, n, batch_size = setup.X, setup.Y, setup.validation, setup.n, setup.batch_size
    mesh = _data_parallel_mesh(mesh, batch_size)

    program, numbers = _optimizer_program(optimizer)
    epoch_fn = functools.partial(
        _make_epoch(
            program, head.name, activations, gradients, n, batch_size, compute_dtype, mesh, unroll
        ),
        hyperparameters=numbers,
    )
    evaluate_fn = _make_evaluate(head.name, activations)
    params = jax.tree.map(jnp.asarray, params)
    if opt_state is None:
        opt_state = optimizer.init(params)
    if mesh is not None:  # everything but the batches lives whole on every device
        replicated = NamedSharding(mesh, P())
        params, opt_state, X, Y, validation = jax.device_put(
            (params, opt_state, X, Y, validation), replicated
        )
    history: History = {"epoch": [], "loss": []}
    # Epoch k + 1 is dispatched before epoch k's loss is read, so the device never waits for
    # the host between epochs (validation, callback, checkpoint run while it computes); if
    # epoch k diverged or the callback stops, the dispatched epoch is discarded unseen.
    pending = None
    if initial_epoch < epochs:
        pending = epoch_fn(params, opt_state, X, Y, key, initial_epoch)
    for epoch in range(initial_epoch, epochs):
        assert pending is not None  # dispatched before the loop and at the end of each epoch
        params, opt_state, train_loss = pending
        validation_metrics = None
        if validation is not None:
            validation_metrics = evaluate_fn(params, *validation)
        if epoch + 1 < epochs:
            pending = epoch_fn(params, opt_state, X, Y, key, epoch + 1)
        train_loss = float(train_loss)
        if not math.isfinite(train_loss):
            raise TrainingDiverged(epoch, train_loss)
        history["epoch"].append(epoch)
        history["loss"].append(train_loss)
        if validation_metrics is not None:
            for name, value in validation_metrics.items():
                history.setdefault(f"val_{name}", []).append(float(value))
        if callback is not None and callback(epoch, params, opt_state, history):
            break
    return params, history
