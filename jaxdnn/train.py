"""Training: ``fit`` trains a network by mini-batch gradient descent, one jitted ``lax.scan``
per epoch, and ``evaluate`` measures it (catalogue §2.K P-ALG-MINIBATCH, P-ALG-GRAD-ESTIMATE,
P-ALG-BP-SGD; decisions 1, 2, 12, 13).

B = n is batch gradient descent, B = 1 stochastic gradient descent, 1 < B < n mini-batch
gradient descent (002_0dd137535febb580.txt §7.1–7.3). The compiled epoch, shared with
``sweep``, lives in :mod:`jaxdnn.engine`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax
from jax import Array
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P
from jax.typing import ArrayLike

from jaxdnn.activations import relu
from jaxdnn.engine import (
    EarlyStopping,
    batch_indices,
    check_count,
    data_parallel_mesh,
    make_epoch,
    make_evaluate,
    optimizer_program,
    prepare_training,
)
from jaxdnn.heads import head_of
from jaxdnn.network import Activation, Params, hidden_activations
from jaxdnn.validation import check_key, check_opt_state, check_optimizer, check_params

__all__ = ["batch_indices", "evaluate", "fit", "EarlyStopping", "TrainingDiverged"]

History = dict[str, list[float]]
Callback = Callable[[int, Params, Any, History], Any]


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite: the step size is too large for the problem.

    P-OPT-GD-RATE (001_602cbf05fdb6a620.txt Prop 6.5: gradient descent converges for α < 2/L;
    beyond, the iterates can grow without bound).

    Args:
        epoch: the epoch whose training loss was not finite.
        loss: that loss (NaN or ±inf).
    """

    def __init__(self, epoch: int, loss: float):
        self.epoch, self.loss = epoch, loss
        super().__init__(
            f"training diverged in epoch {epoch}: the training loss is {loss}; "
            "try a smaller learning rate"
        )


def evaluate(
    params: Params,
    X: ArrayLike,
    Y: ArrayLike,
    loss: str = "softmax_cross_entropy",
    hidden: Activation | Sequence[Activation] = relu,
) -> dict[str, float]:
    """Mean loss $(1/n) Σ_i ξ(N(x_i), y*_i)$ on (X, Y), with the accuracy (classification heads:
    argmax, or logit > 0 for the sigmoid head) or the RMSE (regression head).

    A sigmoid head of several outputs predicts one binary label per output: its ``accuracy`` is
    the share of samples with every label right (exact match, scikit-learn's subset accuracy),
    and ``label_accuracy`` the share of right labels (1 − the Hamming loss).

    P-NET-OBJECTIVE (001_602cbf05fdb6a620.txt Def 5.2, mean reduction), P-MET-ACCURACY
    (002_0dd137535febb580.txt §8.1), P-MET-RMSE (002 §8.3).

    Args:
        params: the network.
        X: the inputs ``(n, m_0)``.
        Y: the targets: the head's ``(n, m_p)`` rows (one-hot for softmax) or one value per sample
            ``(n,)`` (class labels for softmax).
        loss: the head: ``"softmax_cross_entropy"`` (default), ``"sigmoid_binary_cross_entropy"``
            or ``"half_mean_squared_error"`` (regression).
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).

    Returns:
        ``{"loss", "accuracy"}`` (and ``"label_accuracy"`` for several sigmoid outputs), or
            ``{"loss", "rmse"}``.
    """
    widths = check_params(params)
    activations = hidden_activations(hidden, len(params))
    head = head_of(loss)
    X, Y = head.check(X, Y, ("X", "Y"), widths[0], widths[-1])
    dtype = jnp.asarray(params[0]["W"]).dtype
    results = make_evaluate(head, activations)(params, jnp.asarray(X, dtype), jnp.asarray(Y, dtype))
    return {name: float(value) for name, value in results.items()}


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
    l2: float = 0.0,
    patience: int | None = None,
) -> tuple[Params, History]:
    """Train by mini-batch gradient descent with ``optimizer`` for epochs ``initial_epoch`` …
    ``epochs − 1``; returns ``(params, history)``. Step t applies the optimizer to

    $$g_t = ∇_θ [(1/|B_t|) Σ_{i ∈ B_t} ξ(N(x_i), y*_i) + (λ/2)·Σ_k ‖W^(k)‖²_F]$$

    over the samples B_t of its mini-batch (λ = ``l2``, 0 by default).

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

    ``l2`` = λ adds the ridge penalty (λ/2)·Σ_k ‖W^(k)‖² of the weights (biases unpenalised)
    to every batch's mean loss, so each step's gradient gains λ·W (P-NET-L2).

    ``patience`` = N stops once the validation loss has not fallen below its best for N epochs
    and returns the best epoch's parameters (``EarlyStopping`` holds that state; without
    patience the last epoch's parameters are returned).

    ``history`` holds per epoch: ``"epoch"``, ``"loss"`` (mean training loss over the epoch's
    samples, each taken when its batch was used, without the penalty), for a classifier
    ``"accuracy"`` (counted the same way), and with validation data ``"val_loss"`` and
    ``"val_accuracy"`` (classification) or ``"val_rmse"`` (regression). After each epoch
    ``callback(epoch, params, opt_state, history)`` is called; a truthy return stops training.
    A non-finite training loss raises ``TrainingDiverged`` naming the epoch, before the callback
    sees the diverged parameters.

    P-ALG-BP-SGD (001_602cbf05fdb6a620.txt Note after Def 6.6 and Def 6.7), P-ALG-MINIBATCH,
    P-ALG-GRAD-ESTIMATE (001 Note after Def 6.6, scaling E-37: the batch estimate is the mean).

    Raises:
        ValueError: naming the argument, for bad data (shape, non-finite value, labels) or
            settings (``params``, ``epochs``, ``batch_size``, ``gradients``, ``loss``,
            ``hidden``, ``precision``, ``mesh``, ``unroll``, ``l2``, ``patience``,
            ``initial_epoch`` past ``epochs``), or an ``opt_state`` that is not
            ``optimizer.init(params)``'s in tree, shapes and dtypes.
        TypeError: naming ``params``, ``optimizer``, ``key`` or ``callback`` if it is not the
            kind of object expected.

    Args:
        params: the initial network (``jaxdnn.init_params``).
        X: the training inputs ``(n, m_0)``.
        Y: the targets: the head's ``(n, m_p)`` rows (one-hot for softmax) or one value per sample
            ``(n,)`` (class labels for softmax).
        optimizer: an optax ``GradientTransformation`` (``jaxdnn.momentum(0.05, 0.9)``,
            ``optax.adam``…).
        key: the PRNG key of the batch order.
        epochs: the epoch to stop before (the total, when resuming).
        batch_size: B, the mini-batch size.
        loss: the head: ``"softmax_cross_entropy"`` (default), ``"sigmoid_binary_cross_entropy"``
            or ``"half_mean_squared_error"`` (regression).
        hidden: the hidden layers' activation, or one per hidden layer (default ReLU).
        gradients: ``"autodiff"`` (``jax.grad``) or ``"backprop"`` (the hand-written equations).
        X_val: optional validation inputs, evaluated after every epoch.
        Y_val: their targets (required with ``X_val``).
        callback: ``callback(epoch, params, opt_state, history)`` after every epoch; truthy stops.
        opt_state: the optimizer state to resume from (default ``optimizer.init(params)``).
        initial_epoch: the first epoch to run (to resume).
        precision: None, or ``"bfloat16"`` for mixed precision.
        mesh: a ``jax.sharding.Mesh`` to train data-parallel on.
        unroll: steps per iteration of the compiled loop.
        l2: λ ≥ 0, the ridge penalty of the weights.
        patience: stop after this many epochs without a better validation loss (needs validation
            data), and return the best epoch's parameters.

    Returns:
        ``(params, history)``: the trained parameters and a dict of per-epoch lists.

    Examples:
        >>> X = jax.random.normal(jax.random.PRNGKey(1), (64, 4))
        >>> labels = jnp.argmax(X[:, :3], axis=1)
        >>> params = jaxdnn.init_params(jax.random.PRNGKey(0), (4, 16, 3))
        >>> params, history = jaxdnn.fit(
        ...     params, X, labels, jaxdnn.adam(1e-2), key=jax.random.PRNGKey(2), epochs=20
        ... )
        >>> history["loss"][-1] < history["loss"][0]
        True
    """
    all_widths = check_params(params)
    check_optimizer(optimizer)
    check_key(key)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    dtype = jnp.asarray(params[0]["W"]).dtype
    setup = prepare_training(
        widths=(all_widths[0], all_widths[-1]),
        dtype=dtype,
        X=X,
        Y=Y,
        X_val=X_val,
        Y_val=Y_val,
        epochs=epochs,
        batch_size=batch_size,
        loss=loss,
        hidden=hidden,
        n_layers=len(params),
        gradients=gradients,
        precision=precision,
        l2=l2,
    )
    check_count("initial_epoch", initial_epoch, 0)
    if initial_epoch > epochs:
        raise ValueError(
            f"initial_epoch ({initial_epoch}) is past epochs ({epochs}): epochs is the epoch to "
            "stop before (the total when resuming), not the number of epochs to add"
        )
    check_count("unroll", unroll, 1)
    stopping = None
    if patience is not None:
        check_count("patience", patience, 1)
        if setup.validation is None:
            raise ValueError("patience needs validation data: give X_val and Y_val")
        stopping = EarlyStopping(int(patience))
    head, X, Y, validation = setup.head, setup.X, setup.Y, setup.validation
    mesh = data_parallel_mesh(mesh, setup.batch_size)

    program, numbers = optimizer_program(optimizer)
    epoch_fn = functools.partial(
        make_epoch(
            program,
            head,
            setup.hidden,
            gradients,
            setup.n,
            setup.batch_size,
            setup.compute_dtype,
            mesh,
            unroll,
        ),
        l2=setup.l2,
        hyperparameters=numbers,
    )
    evaluate_fn = make_evaluate(head, setup.hidden)
    params = jax.tree.map(jnp.asarray, params)
    if opt_state is None:
        opt_state = optimizer.init(params)
    else:
        check_opt_state(opt_state, optimizer, params)
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
        params, opt_state, train_metrics = pending
        validation_metrics = None
        if validation is not None:
            validation_metrics = evaluate_fn(params, *validation)
        if epoch + 1 < epochs:
            pending = epoch_fn(params, opt_state, X, Y, key, epoch + 1)
        train_loss = float(train_metrics["loss"])
        if not math.isfinite(train_loss):
            raise TrainingDiverged(epoch, train_loss)
        history["epoch"].append(epoch)
        for name, value in train_metrics.items():
            history.setdefault(name, []).append(float(value))
        if validation_metrics is not None:
            for name, value in validation_metrics.items():
                history.setdefault(f"val_{name}", []).append(float(value))
        stop = False
        if stopping is not None:
            stopping = stopping.update(epoch, history["val_loss"][-1], params)
            stop = stopping.should_stop(epoch)
        if callback is not None and callback(epoch, params, opt_state, history):
            break
        if stop:
            break
    if stopping is not None and stopping.best_params is not None:
        params = stopping.best_params
    return params, history
