"""Multi-process training, run for real: JAX processes on this machine joined by
jax.distributed (a local coordinator, CPU collectives over gloo) train data-parallel over the
devices of all of them, and equal a run in one process."""

import json
import socket
import subprocess
import sys
import textwrap

import chex
import jax
import numpy as np
import pytest
from conftest import SUBPROCESS_ENV
from test_cli import run

import jaxdnn as jd
from jaxdnn import cli
from jaxdnn.checkpoint import load_training_state

WORKER = textwrap.dedent(
    """
    import os, sys
    os.environ["XLA_FLAGS"] += " --xla_force_host_platform_device_count=2"
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import jaxdnn as jd
    from jaxdnn.devices import data_parallel_mesh, start_processes

    process, processes = int(sys.argv[1]), int(sys.argv[2])
    coordinator, out = sys.argv[3], sys.argv[4]
    start_processes(coordinator, processes, process)
    assert jax.process_count() == processes and jax.device_count() == 2 * processes
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(100, 5)), np.eye(3)[rng.integers(0, 3, size=100)]
    params = jd.init_params(jax.random.PRNGKey(0), (5, 7, 3))
    mesh = data_parallel_mesh(jax.device_count())
    params, history = jd.fit(params, X, Y, jd.momentum(0.1, 0.9), key=jax.random.PRNGKey(0),
                             epochs=3, batch_size=16, mesh=mesh, X_val=X[:20], Y_val=Y[:20])
    if process == 0:
        leaves = [np.asarray(leaf.addressable_data(0)) for leaf in jax.tree.leaves(params)]
        np.savez(out, *leaves, loss=np.asarray(history["loss"]))
    """
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_train_as_one(tmp_path):
    """Two processes of 2 CPU devices each, one mesh over the 4: the parameters and losses
    after 3 epochs of momentum equal fit in this one process (float64, to rounding)."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    coordinator = f"127.0.0.1:{free_port()}"
    out = tmp_path / "out.npz"
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(k), "2", coordinator, str(out)],
            env=SUBPROCESS_ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=240)  # a hang is the failure
        assert worker.returncode == 0, err
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(100, 5)), np.eye(3)[rng.integers(0, 3, size=100)]
    params = jd.init_params(jax.random.PRNGKey(0), (5, 7, 3))
    alone, history = jd.fit(params, X, Y, jd.momentum(0.1, 0.9), key=jax.random.PRNGKey(0),
                            epochs=3, batch_size=16, X_val=X[:20], Y_val=Y[:20])  # fmt: skip
    saved = np.load(out)
    leaves = [saved[f"arr_{k}"] for k in range(len(jax.tree.leaves(alone)))]
    chex.assert_trees_all_close(leaves, jax.tree.leaves(alone), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(saved["loss"], history["loss"], rtol=1e-12)


def test_train_processes_equals_devices_in_one_process(tmp_path):
    """`jaxdnn train --processes 2` (two processes, a device each, process 0 writing the run
    directory) ends with the parameters, history and metrics of `--devices 2` in one process,
    bit for bit; the command line says so."""
    args = ["train", "--dataset", "iris", "--hidden", "8", "--batch-size", "8", "--epochs", "3",
            "--no-progress", "--run-dir"]  # fmt: skip
    processes = run(*args, str(tmp_path / "processes"), "--processes", "2")
    assert processes.returncode == 0, processes.stderr
    assert "device cpu ×2 data-parallel in 2 processes" in processes.stdout
    devices = run(*args, str(tmp_path / "devices"), "--devices", "2")
    assert devices.returncode == 0, devices.stderr
    a, b = (load_training_state(tmp_path / name) for name in ("processes", "devices"))
    chex.assert_trees_all_equal(a["params"], b["params"])
    assert a["history"] == b["history"]
    metrics = [
        json.loads((tmp_path / n / "metrics.json").read_text()) for n in ("processes", "devices")
    ]
    assert metrics[0]["metrics"] == metrics[1]["metrics"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--processes", "0"], "--processes must be at least 1, got 0"),
        (
            ["--processes", "2", "--devices", "3"],
            "--devices (3) must be a multiple of --processes (2)",
        ),
        (
            ["--processes", "2", "--device", "gpu"],
            "--processes starts processes on this machine's CPU",
        ),
    ],
)
def test_bad_process_counts_are_one_line(argv, message, tmp_path, capsys):
    assert cli.main(["train", *argv, "--run-dir", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
