"""Sweeps: many models at once under jax.vmap, each equal to its fit alone."""

import functools
import importlib
import logging

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import Mesh
from sklearn.datasets import load_digits

import jaxdnn as jd
import jaxdnn.testing as jt
from jaxdnn.sweep import _make_sweep_epoch

sweep_module = importlib.import_module("jaxdnn.sweep")  # the name jaxdnn.sweep is the function

_digits = load_digits()
X = _digits.data[:200] / 16.0
Y = np.eye(10)[_digits.target[:200]]
X_VAL, Y_VAL = _digits.data[200:260] / 16.0, np.eye(10)[_digits.target[200:260]]
WIDTHS = (64, 12, 10)


def _alone(seed, optimizer, **kwargs):
    init_key, fit_key = jd.model_keys(seed)
    params = jd.init_params(init_key, kwargs.pop("widths", WIDTHS))
    return jd.fit(params, kwargs.pop("X", X), kwargs.pop("Y", Y), optimizer, key=fit_key, **kwargs)


def _mesh(n: int) -> Mesh:
    return Mesh(np.array(jax.devices("cpu")[:n]), ("any",))


@pytest.mark.parametrize(
    ("chunk_bytes", "devices"),
    [(None, 1), (1, 1), (1, 2)],
    ids=["all-at-once", "in-chunks", "in-chunks-across-2-devices"],
)
def test_sweep_equals_each_model_trained_alone(caplog, monkeypatch, chunk_bytes, devices):
    """A grid of 2 seeds × 2 learning rates × 2 momentum β (8 models, float64,
    2 epochs of B = 32 with a short last batch, a ridge penalty) is one compiled program, and
    each model's parameters and history (training accuracy included) equal fit with
    model_keys(seed), that optimizer and the same penalty alone: with every model at once,
    trained one model of each seed at a time (the chunks of a sweep too large for the cache),
    and so on each of 2 devices holding half the learning rate × β points."""
    if chunk_bytes is not None:
        monkeypatch.setattr(sweep_module, "CHUNK_BYTES", chunk_bytes)
        stacked = [{"W": jnp.zeros((8, 3))}]  # 8 models of 2 seeds: one of each seed a chunk
        assert sweep_module._chunk(stacked, 2, 4 // devices, "cpu", 1) == 1
        assert sweep_module._chunk(stacked, 2, 4 // devices, "gpu", 1) is None
    grid = {"learning_rate": [0.05, 0.2], "beta": [0.5, 0.9]}
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        result = jd.sweep(
            WIDTHS, X, Y, jd.momentum, seeds=[3, 7], hyperparameters=grid, epochs=2,
            X_val=X_VAL, Y_val=Y_VAL, l2=1e-3, mesh=_mesh(devices) if devices > 1 else None,
        )  # fmt: skip
    compiled = [
        r for r in caplog.records if "compilation of jit(jaxdnn_sweep_epoch)" in r.getMessage()
    ]
    assert len(compiled) == 1
    assert result.params[0]["W"].devices() == {jax.devices("cpu")[0]}  # gathered: one device
    assert list(result.settings["seed"]) == [3, 3, 3, 3, 7, 7, 7, 7]
    assert list(result.settings["learning_rate"]) == [0.05, 0.05, 0.2, 0.2] * 2
    assert list(result.settings["beta"]) == [0.5, 0.9] * 4
    assert result.history["loss"].shape == result.history["val_accuracy"].shape == (8, 2)
    assert not result.diverged.any()
    for m in range(8):
        lr, beta = result.settings["learning_rate"][m], result.settings["beta"][m]
        params, history = _alone(
            int(result.settings["seed"][m]), jd.momentum(lr, beta), epochs=2,
            X_val=X_VAL, Y_val=Y_VAL, l2=1e-3,
        )  # fmt: skip
        chex.assert_trees_all_close(result.model(m), params, rtol=jt.RTOL, atol=jt.ATOL)
        for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
            jt.assert_close(result.history[name][m], history[name])


def test_sweep_over_any_optimizer_hyperparameter_and_diverged_models():
    """Any keyword of the optimizer can be swept (optax.adam's b1 here, with the learning rate
    fixed by functools.partial); on a regression head a learning rate of 1e40 makes its model
    diverge: it is marked, its losses are NaN from that epoch on, and the other model still
    equals its run alone."""
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(40, 3))
    Yr = Xr @ np.array([[1.0], [-2.0], [0.5]])
    adam = functools.partial(optax.adam, learning_rate=0.01)
    with jax.numpy_dtype_promotion("standard"):  # optax's bias correction mixes dtypes
        result = jd.sweep(
            (3, 4, 1), Xr, Yr, adam, seeds=[0], hyperparameters={"b1": [0.5, 0.9]}, epochs=2,
            loss="half_mean_squared_error", batch_size=8,
        )  # fmt: skip
        _, history = _alone(
            0, adam(b1=0.9), widths=(3, 4, 1), X=Xr, Y=Yr, epochs=2,
            loss="half_mean_squared_error", batch_size=8,
        )  # fmt: skip
    jt.assert_close(result.history["loss"][1], history["loss"])
    assert not np.allclose(result.history["loss"][0], result.history["loss"][1])

    result = jd.sweep(
        (3, 1), Xr, Yr, jd.gradient_descent, seeds=[0],
        hyperparameters={"learning_rate": [0.01, 1e40]}, epochs=3, loss="half_mean_squared_error",
    )  # fmt: skip
    assert list(result.diverged) == [False, True]
    diverged_from = int(np.argmin(np.isfinite(result.history["loss"][1])))
    assert np.all(np.isnan(result.history["loss"][1, diverged_from:]))
    assert np.all(np.isfinite(result.history["loss"][0]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seeds": []}, r"seeds must hold at least one seed"),
        ({"seeds": [-1]}, r"seeds must be integers in \[0, 2\*\*32\)"),
        ({"hyperparameters": {"learning_rate": []}}, r"hyperparameters\['learning_rate'\]"),
        ({"hyperparameters": {"lr": [0.1]}}, r"hyperparameters \['lr'\] do not fit the optimizer"),
        (
            {"hyperparameters": {"learning_rate": ["fast"]}},
            r"hyperparameters\['learning_rate'\] must be a number or a list of numbers, got",
        ),
        (
            {"hyperparameters": {"learning_rate": [[0.1, 0.2]]}},
            r"hyperparameters\['learning_rate'\] must be a number or a list of numbers, got",
        ),
        ({"hyperparameters": {"learning_rate": [0.1, -1.0]}}, r"learning_rate must be finite"),
        ({"epochs": -2}, r"epochs must be an integer"),
        ({"precision": "int8"}, r"precision must be None or one of"),
        ({"mesh": "cpu"}, r"mesh must be a jax.sharding.Mesh or None, got str"),
        (
            {"mesh": _mesh(2)},
            r"mesh has 2 devices, which divide neither the 1 seed nor the 1 hyperparameter "
            r"point per seed",
        ),
    ],
)
def test_sweep_rejects_bad_settings_naming_the_argument(kwargs, message):
    settings = {"seeds": [0], "hyperparameters": {"learning_rate": [0.1]}, "epochs": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        jd.sweep(WIDTHS, X, Y, jd.gradient_descent, **settings)


def test_a_sweep_result_gives_each_of_its_models_and_refuses_any_other():
    """model(m) counts from the end for m < 0, as a list does; an m outside the sweep is an
    IndexError (JAX's indexing would clamp it to the first or last model)."""
    result = jd.sweep(WIDTHS, X, Y, jd.gradient_descent, seeds=[0, 1],
                      hyperparameters={"learning_rate": [0.1]}, epochs=1)  # fmt: skip
    last = result.params[-1]["b"][1]
    assert np.array_equal(result.model(-1)[-1]["b"], last)
    assert np.array_equal(result.model(np.int64(1))[-1]["b"], last)
    assert not np.array_equal(result.model(0)[-1]["b"], last)
    for m in (2, -3):
        with pytest.raises(IndexError, match=f"m = {m} is out of range for a sweep of 2 models"):
            result.model(m)
    for m in (1.0, True):
        with pytest.raises(TypeError, match="m must be an integer"):
            result.model(m)


@pytest.mark.parametrize("chunk_bytes", [None, 1], ids=["all-at-once", "in-chunks"])
def test_a_sweep_split_across_devices_equals_it_on_one(monkeypatch, chunk_bytes):
    """2 seeds × 3 learning rates (6 models) split across 2 devices (a seed each) and across 3
    (a learning rate each) equal the sweep on one device, parameters, optimizer state and
    curves; the callback and the result see the stacked state (M, …) on one device."""
    if chunk_bytes is not None:
        monkeypatch.setattr(sweep_module, "CHUNK_BYTES", chunk_bytes)
    grid = {"learning_rate": [0.05, 0.1, 0.2], "beta": [0.9]}
    run = functools.partial(
        jd.sweep, WIDTHS, X, Y, jd.momentum, seeds=[3, 7], hyperparameters=grid, epochs=2,
        X_val=X_VAL, Y_val=Y_VAL,
    )  # fmt: skip
    one = run()
    assert sweep_module._models_mesh(_mesh(2), 2, 3)[1]  # split along the seeds
    assert not sweep_module._models_mesh(_mesh(3), 2, 3)[1]  # along the learning rates
    for devices in (2, 3):
        seen: list = []
        split = run(mesh=_mesh(devices), callback=lambda epoch, p, *_, seen=seen: seen.append(p))
        chex.assert_trees_all_close(
            (split.params, split.opt_state), (one.params, one.opt_state), rtol=jt.RTOL,
            atol=jt.ATOL,
        )  # fmt: skip
        for name, curve in one.history.items():
            jt.assert_close(split.history[name], curve)
        assert len(seen) == 2 and seen[1][0]["W"].shape == (6, 12, 64)
        for leaf in jax.tree.leaves((seen[1], split.params, split.opt_state)):
            assert leaf.devices() == {jax.devices("cpu")[0]}


def test_sweep_epoch_program_is_shared_across_grids_of_the_same_size():
    """A second sweep with other learning rates and seeds reuses the compiled epoch."""
    before = _make_sweep_epoch.cache_info().hits
    for lrs in ([0.1, 0.2], [0.3, 0.4]):
        jd.sweep(WIDTHS, X, Y, jd.gradient_descent, seeds=[1],
                 hyperparameters={"learning_rate": lrs}, epochs=1)  # fmt: skip
    assert _make_sweep_epoch.cache_info().hits >= before + 1


@pytest.mark.parametrize("devices", [1, 2], ids=["one-device", "across-2-devices"])
def test_a_sweep_continues_from_a_state_it_reached_bit_for_bit(devices):
    """sweep(start=…) with the state after the first epoch (as the callback saw it) trains the
    second and equals the uninterrupted two-epoch sweep bit for bit, on one device and with its
    models split across two; a model whose loss in the start is NaN stays diverged; a start of
    another grid, other widths or more epochs is refused naming it."""
    grid = {"learning_rate": [0.05, 0.2], "beta": [0.9]}
    run = functools.partial(
        jd.sweep, WIDTHS, X, Y, jd.momentum, seeds=[3], hyperparameters=grid, X_val=X_VAL,
        Y_val=Y_VAL, mesh=_mesh(devices) if devices > 1 else None,
    )  # fmt: skip
    whole = run(epochs=2)
    seen = []
    first = run(epochs=2, callback=lambda *state: seen.append(state) or True)  # stops after one
    assert len(first.history["epoch"]) == 1 and len(seen) == 1
    _, params, opt_state, history = seen[0]
    start = jd.SweepResult(first.settings, params, opt_state, history, first.diverged)
    rest = run(epochs=2, start=start)
    chex.assert_trees_all_equal((rest.params, rest.opt_state), (whole.params, whole.opt_state))
    for name, curve in whole.history.items():
        np.testing.assert_array_equal(rest.history[name], curve)
    np.testing.assert_array_equal(rest.diverged, whole.diverged)
    nan_loss = history["loss"].copy()
    nan_loss[1] = np.nan  # the second model diverged in the first epoch
    diverging = run(epochs=2, start=start._replace(history={**history, "loss": nan_loss}))
    assert list(diverging.diverged) == [False, True]
    assert np.isnan(diverging.history["loss"][1, 1]) and np.isnan(
        diverging.history["val_loss"][1, 1]
    )
    np.testing.assert_array_equal(diverging.history["loss"][0], whole.history["loss"][0])
    with pytest.raises(ValueError, match="start is a sweep of another grid"):
        run(epochs=2, start=start._replace(settings={**start.settings, "seed": np.array([4, 4])}))
    with pytest.raises(ValueError, match="start has trained 2 epochs, more than epochs=1"):
        run(epochs=1, start=whole)
    with pytest.raises(ValueError, match="start.params does not match"):
        jd.sweep((64, 13, 10), X, Y, jd.momentum, seeds=[3], hyperparameters=grid, epochs=2,
                 X_val=X_VAL, Y_val=Y_VAL, start=start)  # fmt: skip
