"""The training engine: batch indices, the padded last batch, fit's order of steps, backprop
against autodiff, data-parallel meshes, histories and arguments. (The statements it implements
are the catalogue's P-ALG-… entries.)"""

import logging

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from sklearn.datasets import load_digits

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.train import batch_indices, evaluate, fit

KEY = jax.random.PRNGKey(0)


# --- mini-batches -------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch_size"), [(0, 4), (5, 0), (5, 2.5)])
def test_batch_indices_rejects_bad_sizes(n, batch_size):
    with pytest.raises(ValueError, match="n must|batch_size must"):
        batch_indices(KEY, n, batch_size)


def test_padded_last_batch_mean_equals_the_unpadded_mean():
    """The masked mean over the padded last batch equals the plain mean over
    its real samples, for the objective and its gradient; X and Y rows stay paired."""
    rng = np.random.default_rng(0)
    params = jd.init_params(KEY, (3, 4, 2))
    X, Y = rng.normal(size=(10, 3)), np.eye(2)[rng.integers(0, 2, size=10)]
    idx, mask = batch_indices(KEY, 10, 4)
    last, real = np.asarray(idx[-1]), np.asarray(mask[-1])
    weights = real / real.sum()
    padded = jd.objective(params, X[last], Y[last], "sum", sample_weights=weights)
    plain = jd.objective(params, X[last[real]], Y[last[real]], "mean")
    jt.assert_close(padded, plain)
    g_padded = jd.backprop(params, X[last], Y[last], "sum", sample_weights=weights)
    g_plain = jax.grad(jd.objective)(params, X[last[real]], Y[last[real]], "mean")
    chex.assert_trees_all_close(g_padded, g_plain, rtol=jt.RTOL, atol=jt.ATOL)


# --- the gradient estimate ----------------------------------------------------------------

PARAMS = jd.init_params(KEY, (3, 4, 2))
_rng = np.random.default_rng(1)
X6 = _rng.normal(size=(6, 3))
Y6 = np.eye(2)[_rng.integers(0, 2, size=6)]


# --- fit ----------------------------------------------------------------------------------


def test_fit_steps_through_the_batches_in_permutation_order():
    """B = 1 makes n stochastic steps, one per sample, in the epoch's permutation
    order; the last short batch of B = 4 is used too."""
    trained, _ = fit(PARAMS, X6, Y6, jd.gradient_descent(0.1), key=KEY, epochs=1, batch_size=1)
    order = np.asarray(batch_indices(jax.random.fold_in(KEY, 0), 6, 1)[0][:, 0])
    params = PARAMS
    for i in order:
        params = jd.gd_step(
            params, jax.grad(jd.objective)(params, X6[i : i + 1], Y6[i : i + 1]), 0.1
        )
    chex.assert_trees_all_close(trained, params, rtol=jt.RTOL, atol=jt.ATOL)
    idx, mask = batch_indices(jax.random.fold_in(KEY, 0), 6, 4)
    params = PARAMS
    for b_idx, b_mask in zip(np.asarray(idx), np.asarray(mask), strict=True):
        rows = b_idx[b_mask]
        params = jd.gd_step(params, jax.grad(jd.objective)(params, X6[rows], Y6[rows], "mean"), 0.1)
    trained, _ = fit(PARAMS, X6, Y6, jd.gradient_descent(0.1), key=KEY, epochs=1, batch_size=4)
    chex.assert_trees_all_close(trained, params, rtol=jt.RTOL, atol=jt.ATOL)


@pytest.mark.parametrize(
    "loss", ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "half_mean_squared_error"]
)
def test_fit_with_backprop_and_autodiff_gives_the_same_parameters(loss):
    """fit with gradients="backprop" and "autodiff" gives the same parameters (float64,
    rtol 1e-10), for each head, with momentum, a short last batch and tanh hidden layers."""
    rng = np.random.default_rng(2)
    m_out = 1 if loss == "sigmoid_binary_cross_entropy" else 3
    params = jd.init_params(KEY, (5, 7, 6, m_out))
    X = rng.normal(size=(45, 5))
    if loss == "softmax_cross_entropy":
        Y = np.eye(3)[rng.integers(0, 3, size=45)]
    elif loss == "sigmoid_binary_cross_entropy":
        Y = rng.integers(0, 2, size=(45, 1)).astype(float)
    else:
        Y = rng.normal(size=(45, 3))
    runs = [
        fit(
            params,
            X,
            Y,
            jd.momentum(0.05, 0.9),
            key=KEY,
            epochs=4,
            batch_size=8,
            loss=loss,
            hidden=(jd.relu, jd.tanh),
            gradients=g,
        )
        for g in ("autodiff", "backprop")
    ]
    chex.assert_trees_all_close(runs[0][0], runs[1][0], rtol=jt.RTOL, atol=jt.ATOL)
    np.testing.assert_allclose(runs[0][1]["loss"], runs[1][1]["loss"], rtol=1e-10)


def test_fit_is_deterministic_and_compiles_each_epoch_once(caplog):
    """The same key and inputs give bit-identical parameters; the epoch program is compiled
    once and reused by every later epoch (the padded last batch keeps shapes fixed)."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(50, 3)), np.eye(2)[rng.integers(0, 2, size=50)]
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        first, _ = fit(PARAMS, X, Y, jd.adam(1e-2), key=KEY, epochs=5, batch_size=16)
    compiles = [
        r for r in caplog.records if "compilation of jit(jaxdnn_fit_epoch)" in r.getMessage()
    ]
    assert len(compiles) == 1
    second, _ = fit(PARAMS, X, Y, jd.adam(1e-2), key=KEY, epochs=5, batch_size=16)
    chex.assert_trees_all_equal(first, second)


class _CountCompilations:
    """Counts XLA backend compilations (jax.monitoring events) while active. One listener is
    registered for the whole session (JAX before 0.6 cannot unregister one)."""

    active: "_CountCompilations | None" = None

    def __enter__(self):
        self.count = 0
        _CountCompilations.active = self
        return self

    def __exit__(self, *exc):
        _CountCompilations.active = None


def _count_compilation(event, duration, **kwargs):
    if event == "/jax/core/compile/backend_compile_duration" and _CountCompilations.active:
        _CountCompilations.active.count += 1


jax.monitoring.register_event_duration_secs_listener(_count_compilation)


def test_fit_with_a_freshly_built_equal_optimizer_does_not_compile():
    """Two optimizers built with equal settings share one compiled epoch, and so do optimizers
    that differ only in their numbers (learning rate, β): those are arguments of the program.
    Counted with jax.monitoring's backend-compile events, not a timer."""
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(37, 3)), np.eye(2)[rng.integers(0, 2, size=37)]
    kwargs = dict(key=KEY, epochs=2, batch_size=8)
    with _CountCompilations() as first:
        reference, _ = fit(PARAMS, X, Y, jd.adam(1e-3), **kwargs)
    assert first.count >= 1  # the counter sees compilations
    with _CountCompilations() as again:
        same, _ = fit(PARAMS, X, Y, jd.adam(1e-3), **kwargs)
        other_lr, _ = fit(PARAMS, X, Y, jd.adam(5e-3, b1=0.8), **kwargs)
    assert again.count == 0
    chex.assert_trees_all_equal(same, reference)
    assert not np.allclose(other_lr[0]["W"], reference[0]["W"])  # the new numbers are used
    tx = optax.sgd(0.1, momentum=0.9)  # another library's transformation: cached per object
    fit(PARAMS, X, Y, tx, **kwargs)
    with _CountCompilations() as optax_object:
        fit(PARAMS, X, Y, tx, **kwargs)
    assert optax_object.count == 0


def test_fit_unrolled_loop_gives_the_same_parameters():
    """unroll=4 runs 4 steps per loop iteration (n = 50, B = 16: 4 steps an epoch) with the same
    arithmetic: the parameters agree with unroll=1 to float64 rounding."""
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(50, 3)), np.eye(2)[rng.integers(0, 2, size=50)]
    runs = [
        fit(PARAMS, X, Y, jd.momentum(0.1, 0.9), key=KEY, epochs=3, batch_size=16, unroll=u)
        for u in (1, 4)
    ]
    _same_run(runs[1], runs[0], rtol=1e-12)


def test_fit_resumes_bit_identically_and_callback_can_stop():
    """Epoch k depends only on the state after epoch k − 1: stopping after 3 epochs through the
    callback and resuming with its optimizer state equals 6 uninterrupted epochs, bit for bit."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(40, 3)), np.eye(2)[rng.integers(0, 2, size=40)]
    full, full_history = fit(PARAMS, X, Y, jd.momentum(0.1, 0.9), key=KEY, epochs=6)
    saved = {}

    def stop_after_three(epoch, params, opt_state, history):
        saved.update(params=params, opt_state=opt_state)
        return epoch == 2

    _, history = fit(
        PARAMS, X, Y, jd.momentum(0.1, 0.9), key=KEY, epochs=6, callback=stop_after_three
    )
    assert history["epoch"] == [0, 1, 2]
    resumed, rest = fit(
        saved["params"],
        X,
        Y,
        jd.momentum(0.1, 0.9),
        key=KEY,
        epochs=6,
        opt_state=saved["opt_state"],
        initial_epoch=3,
    )
    assert rest["epoch"] == [3, 4, 5]
    assert history["loss"] + rest["loss"] == full_history["loss"]
    chex.assert_trees_all_equal(resumed, full)


def _digits():
    digits = load_digits()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(digits.target))
    train, val = order[:1400], order[1400:]
    mean, std = digits.data[train].mean(0), digits.data[train].std(0) + 1e-8
    X = (digits.data - mean) / std
    Y = np.eye(10)[digits.target]
    return X[train], Y[train], X[val], Y[val]


def test_fit_digits_reference_problem_learns():
    """001's reference problem (ReLU hidden layer, softmax output, CCE, momentum, B = 32) on
    scikit-learn's digits, float32: the loss falls every epoch and validation accuracy reaches
    ≥ 90 % within 5 epochs."""
    X, Y, X_val, Y_val = _digits()
    params = jd.init_params(KEY, (64, 64, 10), dtype=jnp.float32)
    _, history = fit(
        params, X, Y, jd.momentum(0.1, 0.9), key=KEY, epochs=5, X_val=X_val, Y_val=Y_val
    )
    assert np.all(np.diff(history["loss"]) < 0)
    assert history["val_accuracy"][-1] >= 0.90
    assert set(history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    metrics = evaluate(params, X_val, Y_val)
    assert set(metrics) == {"loss", "accuracy"}


def test_integer_labels_train_and_score_as_their_one_hot_rows():
    """Class labels (n,) for the softmax head (X_val's too), and targets (n,) for a single
    sigmoid or regression output, give bit-identical parameters, histories and scores to the
    (n, m_p) targets they stand for; a float label vector or a label outside [0, m_p) is a
    ValueError naming the argument and the row."""
    rng = np.random.default_rng(11)
    X, labels = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    onehot = np.eye(2)[labels]
    runs = [
        fit(PARAMS, X, Y, jd.adam(1e-2), key=KEY, epochs=3, batch_size=16, X_val=X, Y_val=Y)
        for Y in (labels, onehot)
    ]
    chex.assert_trees_all_equal(runs[0], runs[1])
    assert evaluate(runs[0][0], X, labels) == evaluate(runs[0][0], X, onehot)
    single = jd.init_params(KEY, (3, 1))
    for loss, y in (("sigmoid_binary_cross_entropy", labels), ("half_mean_squared_error", X[:, 0])):
        as_vector = fit(single, X, y, jd.adam(1e-2), key=KEY, epochs=2, loss=loss, hidden=())
        as_column = fit(
            single, X, y[:, None], jd.adam(1e-2), key=KEY, epochs=2, loss=loss, hidden=()
        )
        chex.assert_trees_all_equal(as_vector, as_column)
    with pytest.raises(ValueError, match=r"Y of shape \(40,\) must hold integer class labels"):
        fit(PARAMS, X, labels.astype(float), jd.adam(1e-2), key=KEY, epochs=1)
    with pytest.raises(
        ValueError, match=r"Y_val of shape \(40,\) must hold class labels in \[0, 2\)"
    ):
        fit(PARAMS, X, labels, jd.adam(1e-2), key=KEY, epochs=1, X_val=X, Y_val=labels + 1)


def test_evaluate_a_multi_output_sigmoid_head_scores_every_label():
    """Two sigmoid outputs (one binary label each): accuracy counts a sample right only when
    both labels are (exact match), label_accuracy counts the right labels; a wrong second label
    is not hidden behind a right first one."""
    params = [{"W": jnp.array([[1.0], [1.0]]), "b": jnp.zeros(2)}]  # both logits equal x
    X = jnp.array([[1.0], [1.0], [-1.0], [-1.0]])
    Y = jnp.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    metrics = evaluate(params, X, Y, loss="sigmoid_binary_cross_entropy", hidden=())
    assert metrics["accuracy"] == 0.5  # rows 1 and 3 right in both labels
    assert metrics["label_accuracy"] == 0.75  # 6 of 8 labels right
    single = [{"W": jnp.array([[1.0]]), "b": jnp.zeros(1)}]
    one = evaluate(single, X, Y[:, :1], loss="sigmoid_binary_cross_entropy", hidden=())
    assert "label_accuracy" not in one


def test_fit_regression_history_has_rmse():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2))
    Y = X @ np.array([[1.0], [-2.0]])
    params = jd.init_params(KEY, (2, 1))
    _, history = fit(
        params,
        X,
        Y,
        jd.gradient_descent(0.1),
        key=KEY,
        epochs=30,
        batch_size=30,
        loss="half_mean_squared_error",
        X_val=X,
        Y_val=Y,
    )
    assert history["val_rmse"][-1] < 0.1 * history["val_rmse"][0]


BAD_INPUTS = [
    ({"X": np.ones((5, 3))}, r"X and Y must have the same number of rows"),
    ({"X": np.ones((6, 4))}, r"X of shape \(6, 4\) must have 3 columns"),
    ({"X": np.where(np.arange(18).reshape(6, 3) == 7, np.nan, 1.0)}, r"X .* non-finite .* row 2"),
    ({"Y": np.tile([0.5, 0.4], (6, 1))}, r"Y of shape \(6, 2\) must hold one-hot rows.*row 0"),
    ({"epochs": -1}, r"epochs must be an integer"),
    ({"batch_size": 0}, r"batch_size must be an integer"),
    ({"gradients": "numeric"}, r"gradients must be one of"),
    ({"loss": "hinge"}, r"loss must be one of"),
    ({"X_val": np.ones((2, 3))}, r"X_val and Y_val must be given together"),
    ({"precision": "int8"}, r"precision must be None or one of"),
    ({"unroll": 0}, r"unroll must be an integer >= 1"),
    ({"precision": "float32", "gradients": "backprop"}, r"mixed precision needs gradients"),
    ({"mesh": "data"}, r"mesh must be a jax.sharding.Mesh"),
    ({"mesh": jax.make_mesh((4,), ("data",)), "batch_size": 6}, r"batch_size \(6.*multiple of"),
    ({"epochs": 2, "initial_epoch": 3}, r"initial_epoch \(3\) is past epochs \(2\)"),
    (
        {"opt_state": jd.adam(0.1).init(PARAMS)},
        r"not a state of this optimizer: .* gives GradientDescentState, opt_state is AdamState",
    ),
]


@pytest.mark.parametrize(
    ("state_of", "message"),
    [
        (jd.init_params(KEY, (3, 5, 2)), r"opt_state.momentum\[0\]\['W'\] is float64\[5, 3\], "),
        (jd.init_params(KEY, (3, 4, 2), dtype=jnp.float32), r"float32\[4, 3\].*another precision"),
    ],
    ids=["other widths", "float32"],
)
def test_fit_refuses_an_optimizer_state_of_other_parameters(state_of, message):
    """An opt_state made for other parameters (another width, another dtype) is refused naming
    its first leaf that differs; the state of the same parameters resumes."""
    optimizer = jd.momentum(0.1, 0.9)
    with pytest.raises(ValueError, match=message):
        fit(PARAMS, X6, Y6, optimizer, key=KEY, epochs=1, opt_state=optimizer.init(state_of))
    state = jax.tree.map(np.asarray, optimizer.init(PARAMS))  # NumPy leaves: the same state
    _, history = fit(PARAMS, X6, Y6, optimizer, key=KEY, epochs=2, opt_state=state,
                     initial_epoch=1)  # fmt: skip
    assert history["epoch"] == [1]


@pytest.mark.parametrize(("override", "message"), BAD_INPUTS)
def test_fit_rejects_bad_input_naming_the_argument(override, message):
    """Bad input gives a ValueError naming the argument (its shape and first bad row for data)."""
    kwargs = {"X": X6, "Y": Y6, "key": KEY, "epochs": 1} | override
    X, Y = kwargs.pop("X"), kwargs.pop("Y")
    with pytest.raises(ValueError, match=message):
        fit(PARAMS, X, Y, jd.gradient_descent(0.1), **kwargs)


# --- data-parallel training and mixed precision ---------------------------------------------


def _same_run(a, b, rtol):
    """Parameters and history of two fit runs agree to rtol."""
    chex.assert_trees_all_close(a[0], b[0], rtol=rtol, atol=jt.ATOL)
    assert a[1].keys() == b[1].keys()
    for name in a[1]:
        np.testing.assert_allclose(a[1][name], b[1][name], rtol=rtol)


@pytest.mark.parametrize("shape", [(8,), (4, 2)])
def test_data_parallel_fit_equals_one_device(shape):
    """fit with a mesh of the suite's 8 CPU devices (one axis, or 4 × 2
    with the batch split over both) applies the same batch-mean gradient as on one device: the
    parameters and history agree to float64 rounding (n = 100, B = 16: the padded last batch is
    split across devices too). The parameters come back replicated on every device, and the
    compiled epoch sums the devices' gradients with an all-reduce while each device multiplies
    only its B/8 = 2 rows."""
    mesh = jax.make_mesh(shape, ("data", "model")[: len(shape)])
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(100, 5)), np.eye(3)[rng.integers(0, 3, size=100)]
    params = jd.init_params(KEY, (5, 7, 3))
    kwargs = dict(key=KEY, epochs=3, batch_size=16, X_val=X[:20], Y_val=Y[:20])
    alone = fit(params, X, Y, jd.momentum(0.1, 0.9), **kwargs)
    sharded = fit(params, X, Y, jd.momentum(0.1, 0.9), mesh=mesh, **kwargs)
    _same_run(sharded, alone, rtol=1e-12)
    for leaf in jax.tree.leaves(sharded[0]):
        assert leaf.sharding.is_fully_replicated and len(leaf.sharding.device_set) == 8

    from jaxdnn.engine import data_parallel_mesh, make_epoch, optimizer_program
    from jaxdnn.heads import HEADS

    auto_mesh = data_parallel_mesh(mesh, 16)
    program, numbers = optimizer_program(jd.momentum(0.1, 0.9))
    epoch = make_epoch(program, HEADS["multiclass"], (jd.relu,), "autodiff",
                       100, 16, None, auto_mesh)  # fmt: skip
    replicated = jax.sharding.NamedSharding(auto_mesh, jax.sharding.PartitionSpec())
    args = jax.device_put((params, jd.momentum(0.1, 0.9).init(params), X, Y), replicated)
    hlo = epoch.lower(*args, KEY, 0, 0.0, numbers).compile().as_text()
    assert "all-reduce" in hlo
    assert "f64[2,5]" in hlo and "f64[16,5]" not in hlo  # each device gathers 2 of the 16 rows


def test_fit_bfloat16_precision_trains_like_float32_with_float32_state():
    """precision="bfloat16": the forward pass multiplies in bfloat16 (its jaxpr has bf16 dot
    products), parameters, optimizer state and the reported loss stay float32, the parameters
    differ from the float32 run (bf16 rounding is really applied), and after 5 epochs on digits
    the training loss is within 2 % of float32's."""
    X, Y, X_val, Y_val = _digits()
    params = jd.init_params(KEY, (64, 64, 10), dtype=jnp.float32)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    kwargs = dict(key=KEY, epochs=5, X_val=X_val, Y_val=Y_val)
    full, full_history = fit(params, X, Y, jd.momentum(0.1, 0.9), **kwargs)
    saved = {}
    mixed, mixed_history = fit(
        params,
        X,
        Y,
        jd.momentum(0.1, 0.9),
        precision="bfloat16",
        callback=lambda *a: saved.update(opt_state=a[2]),
        **kwargs,
    )
    for leaf in jax.tree.leaves((mixed, saved["opt_state"])):
        assert leaf.dtype in (jnp.float32, jnp.int32), leaf.dtype
    assert not np.array_equal(mixed[0]["W"], full[0]["W"])
    assert abs(mixed_history["loss"][-1] / full_history["loss"][-1] - 1) < 0.02
    assert abs(mixed_history["val_accuracy"][-1] - full_history["val_accuracy"][-1]) < 0.02

    from jaxdnn.engine import loss_and_gradients
    from jaxdnn.heads import HEADS

    loss_and_grad = loss_and_gradients("autodiff", HEADS["multiclass"], (jd.relu,), jnp.bfloat16)
    weights = jnp.full(32, 1 / 32, jnp.float32)
    jaxpr = str(jax.make_jaxpr(loss_and_grad)(params, X[:32], Y[:32], weights))
    assert "dot_general" in jaxpr and "bf16[32,64]" in jaxpr
    (value, _), grads = loss_and_grad(params, X[:32], Y[:32], weights)
    assert value.dtype == jnp.float32
    assert all(g.dtype == jnp.float32 for g in jax.tree.leaves(grads))


def test_fit_l2_step_is_the_gradient_of_the_penalised_objective():
    """One full-batch gradient-descent step with l2 = λ moves the parameters by −α·∇(mean loss
    + (λ/2)·Σ‖W‖²), the gradient taken by autodiff: weights shrink by αλW, biases not
    (P-NET-L2); the history's loss is the data term alone."""
    rng = np.random.default_rng(3)
    X, labels = rng.normal(size=(12, 4)), rng.integers(0, 3, size=12)
    params = jd.init_params(KEY, (4, 5, 3))
    lam, lr = 0.3, 0.1
    for gradients in ("autodiff", "backprop"):
        stepped, history = fit(params, X, labels, jd.gradient_descent(lr), key=KEY, epochs=1,
                               batch_size=12, l2=lam, gradients=gradients)  # fmt: skip

        def penalised(p):
            return jd.objective(p, X, np.eye(3)[labels], "mean") + jd.l2_penalty(p, lam)

        grads = jax.grad(penalised)(params)
        expected = jax.tree.map(lambda p, g: p - lr * g, params, grads)
        chex.assert_trees_all_close(stepped, expected, rtol=1e-12, atol=1e-14)
        assert history["loss"][0] == pytest.approx(
            float(jd.objective(params, X, np.eye(3)[labels], "mean")), rel=1e-12
        )
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0, got -1"):
        fit(params, X, labels, jd.gradient_descent(lr), key=KEY, epochs=1, l2=-1)


def test_fit_records_training_accuracy_of_each_batch_when_used():
    """With one batch of all n samples, the epoch's training accuracy is the accuracy of the
    parameters the epoch started from (each sample counted when its batch was used)."""
    X, Y, X_val, Y_val = _digits()
    params = jd.init_params(KEY, (64, 16, 10))
    seen = [params]
    _, history = fit(params, X[:200], Y[:200], jd.momentum(0.1, 0.9), key=KEY, epochs=3,
                     batch_size=200, callback=lambda e, p, s, h: seen.append(p))  # fmt: skip
    for epoch in range(3):
        before = evaluate(seen[epoch], X[:200], Y[:200])
        assert history["accuracy"][epoch] == pytest.approx(before["accuracy"], abs=1e-12)


def test_fit_patience_stops_and_returns_the_best_epochs_parameters():
    """Trained on 60 digits with a large step, the validation loss turns up: patience 2 stops
    2 epochs after its minimum and returns that epoch's parameters, bit for bit; patience
    needs validation data."""
    X, Y, X_val, Y_val = _digits()
    params = jd.init_params(KEY, (64, 32, 10))
    seen = []
    best_params, history = fit(params, X[:60], Y[:60], jd.momentum(0.2, 0.9), key=KEY,
                               epochs=200, batch_size=8, X_val=X_val, Y_val=Y_val, patience=2,
                               callback=lambda e, p, s, h: seen.append(p))  # fmt: skip
    best = int(np.argmin(history["val_loss"]))
    assert len(history["epoch"]) == best + 3 < 200
    chex.assert_trees_all_equal(best_params, seen[best])
    with pytest.raises(ValueError, match="patience needs validation data"):
        fit(params, X, Y, jd.momentum(0.1, 0.9), key=KEY, epochs=1, patience=2)
    with pytest.raises(ValueError, match="patience must be an integer >= 1, got 0"):
        fit(params, X, Y, jd.momentum(0.1, 0.9), key=KEY, epochs=1, patience=0, X_val=X_val,
            Y_val=Y_val)  # fmt: skip


def test_learning_rate_schedules_follow_their_formulas():
    """constant: α; cosine: α·½(1 + cos(πt/T)), 0 at T; step: α, α/10 from T/2, α/100 from
    3T/4 (optax's schedules, wrapped to work under any dtype promotion)."""
    lr, T = 0.4, 100
    assert jd.learning_rate_schedule("constant", lr, T) == lr
    cosine = jd.learning_rate_schedule("cosine", lr, T)
    for t in (0, 25, 50, 99, 100, 150):
        expected = lr * 0.5 * (1 + np.cos(np.pi * min(t, T) / T))
        assert float(cosine(jnp.asarray(t))) == pytest.approx(expected, rel=1e-6, abs=1e-12)
    step = jd.learning_rate_schedule("step", lr, T)
    rates = [float(step(jnp.asarray(t))) for t in (0, 49, 50, 74, 75, 99)]
    np.testing.assert_allclose(rates, [lr, lr, lr / 10, lr / 10, lr / 100, lr / 100], rtol=1e-6)
    from jaxdnn.cli.parse import DATASETS, SCHEDULES  # the command line's, kept free of JAX

    assert SCHEDULES == jd.optim.SCHEDULES
    assert DATASETS == tuple(jd.data.DATASETS)
    with pytest.raises(ValueError, match="name must be one of"):
        jd.learning_rate_schedule("linear", lr, T)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        jd.learning_rate_schedule("cosine", lr, 0)
