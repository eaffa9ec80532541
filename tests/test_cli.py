"""The ``jaxdnn`` console script, run for real in subprocesses."""

import csv
import json
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import chex
import jax
import numpy as np
import pytest
from conftest import SUBPROCESS_ENV

import jaxdnn as jd
from jaxdnn.checkpoint import load_training_state, unpackb
from jaxdnn.cli.parse import usable_cores

SCRIPT = shutil.which("jaxdnn") or str(Path(sys.executable).parent / "jaxdnn")
ENV = SUBPROCESS_ENV


@pytest.fixture(scope="module", autouse=True)
def matplotlib_font_cache():
    """Build matplotlib's font cache once, before the subprocesses run in parallel: on a fresh
    machine each of them would otherwise build it (seconds each)."""
    import matplotlib.font_manager  # noqa: F401


def run(*args, cwd=None):
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=ENV, cwd=cwd)


# iris trains data-parallel on 2 of the CPU's devices, wine with bfloat16 products
EXTRA = {"iris": ["--device", "cpu", "--devices", "2"], "wine": ["--precision", "bfloat16"]}
ANNOUNCED = {
    "iris": "float32, device cpu ×2 data-parallel",
    "wine": "bfloat16, device cpu",
    "digits": "float32, device cpu",
    "breast_cancer": "float32, device cpu",
    "diabetes": "float32, device cpu",
}


UMASK = os.umask(0o022)  # this process's umask (read by setting it), which the runs inherit
os.umask(UMASK)


def test_every_dataset_trains_and_writes_its_files(tmp_path):
    """Each bundled data set trains from the command line (iris data-parallel on 2 devices,
    wine in mixed precision) and says on which device and in which precision; the run
    directory receives metrics.json, history.json, the checkpoint and the task's plots; and
    jaxdnn.load_checkpoint(run_dir) returns parameters that reproduce the reported test
    accuracy (digits, seed 3)."""
    plots = {
        "digits": {"loss.png", "accuracy.png", "confusion_matrix.png"},
        "breast_cancer": {"loss.png", "accuracy.png", "precision_recall.png"},
        "diabetes": {"loss.png", "rmse.png", "predicted_vs_true.png"},
        "iris": {"loss.png", "accuracy.png", "confusion_matrix.png"},
        "wine": {"loss.png", "accuracy.png", "confusion_matrix.png"},
    }
    procs = {
        name: subprocess.Popen(
            [
                SCRIPT,
                "train",
                "--dataset",
                name,
                "--epochs",
                "3",
                "--hidden",
                "16",
                "--seed",
                "3",
                "--run-dir",
                str(tmp_path / name),
                *EXTRA.get(name, []),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        for name in plots
    }
    for name, proc in procs.items():
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        files = {p.name for p in (tmp_path / name).iterdir()}
        assert {"metrics.json", "history.json", "checkpoint.msgpack"} | plots[name] <= files
        for path in (tmp_path / name).iterdir():  # as open() creates files: 0o666 less the umask
            assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~UMASK, path
        history = json.loads((tmp_path / name / "history.json").read_text())
        with open(tmp_path / name / "history.csv", newline="") as file:
            rows = list(csv.reader(file))
        assert rows[0] == list(history) and len(rows) == 1 + 3  # a header and 3 epochs
        assert [[float(v) for v in row] for row in rows[1:]] == [
            list(values) for values in zip(*history.values(), strict=True)
        ]
        summary = json.loads((tmp_path / name / "metrics.json").read_text())
        assert set(summary["metrics"]) == {"train", "validation", "test"}
        assert "test" in out and "epoch" in err  # the table on stdout, the progress bar on stderr
        assert ("val_rmse=" if name == "diabetes" else "val_acc=") in err  # metrics per epoch
        drawn = re.findall(r"(\d+)/3 \[", err)  # each state of the bar drawn once, ending at 3/3
        assert drawn == sorted(set(drawn), key=int) and drawn[-1] == "3", drawn
        assert ANNOUNCED[name] in out.splitlines()[0], out

    params = jd.load_checkpoint(tmp_path / "digits")
    key_split = jax.random.split(jax.random.PRNGKey(3), 3)[0]
    X_test, Y_test = jd.load_splits("digits", key_split).test
    predictions = jd.predict_class(jd.forward(params, X_test.astype(np.float32)))
    hits = int(np.sum(np.asarray(predictions) == Y_test.argmax(axis=1)))
    summary = json.loads((tmp_path / "digits" / "metrics.json").read_text())
    assert hits == round(summary["metrics"]["test"]["accuracy"] * len(Y_test))  # float32 run


def _checkpoint_epoch(run_dir):
    try:
        return load_training_state(run_dir)["epoch"]
    except Exception:
        return -1


def test_killed_run_resumes_bit_identically(tmp_path):
    """A run killed with SIGKILL during an epoch, or interrupted with SIGINT (Ctrl-C), and resumed
    with --resume ends with parameters and history bit-identical to an uninterrupted run with
    the same seed. (SIGKILL at the other moments of a run: test_cli_faults.)"""
    common = ["train", "--epochs", "25", "--batch-size", "8", "--hidden", "32", "--no-progress"]
    deadline = time.monotonic() + 120

    def start(run_dir):
        return subprocess.Popen(
            [SCRIPT, *common, "--run-dir", str(run_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )

    def stop_after(proc, run_dir, epoch, sig):
        """Send ``sig`` once the checkpoint of ``epoch`` exists; (exit status, stderr)."""
        while _checkpoint_epoch(run_dir) < epoch and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)  # a hang here is the failure this looks for
        return proc.returncode, err

    whole = start(tmp_path / "whole")
    killed_dir = tmp_path / "killed"
    stop_after(start(killed_dir), killed_dir, 2, signal.SIGKILL)
    stopped_at = _checkpoint_epoch(killed_dir)
    assert 2 <= stopped_at < 24, f"the run was not killed mid-training (epoch {stopped_at})"

    # Ctrl-C: stops at once with one line and exit status 130, every finished epoch kept
    interrupted_dir = tmp_path / "interrupted"
    status, err = stop_after(start(interrupted_dir), interrupted_dir, 1, signal.SIGINT)
    assert status == 130, err
    assert err.strip().splitlines() == ["jaxdnn: interrupted; every finished epoch is kept"]
    interrupted_at = _checkpoint_epoch(interrupted_dir)
    assert 1 <= interrupted_at < 24, f"not interrupted mid-training (epoch {interrupted_at})"
    finished = run("train", "--resume", "--run-dir", str(interrupted_dir), "--no-progress")
    assert finished.returncode == 0, finished.stderr
    _, whole_err = whole.communicate()
    assert whole.returncode == 0, whole_err
    resumed = run("train", "--resume", "--run-dir", str(killed_dir), "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming after epoch {stopped_at + 1}" in resumed.stdout
    for other in (killed_dir, interrupted_dir):
        a, b = load_training_state(tmp_path / "whole"), load_training_state(other)
        assert a["epoch"] == b["epoch"] == 24
        assert a["history"] == b["history"]
        chex.assert_trees_all_equal(
            jd.load_checkpoint(tmp_path / "whole"), jd.load_checkpoint(other)
        )


def test_divergence_stops_cleanly_and_keeps_the_last_finite_checkpoint(tmp_path):
    """Linear regression on diabetes by full-batch gradient descent with a step above 2/L
    diverges (001 Prop 6.5): exit status 1, one message naming the epoch and suggesting a
    smaller learning rate, and the checkpoint of the previous epoch, finite, stays."""
    result = run(
        "train",
        "--dataset",
        "diabetes",
        "--optimizer",
        "gd",
        "--lr",
        "2",
        "--batch-size",
        "1000",
        "--hidden",
        "--epochs",
        "300",
        "--run-dir",
        str(tmp_path),
        "--no-progress",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert "diverged in epoch" in message and "smaller learning rate" in message
    epoch = int(message.split("diverged in epoch ")[1].split(" of 300:")[0])  # counted from 1
    state = load_training_state(tmp_path)
    assert state["epoch"] + 1 == epoch - 1 >= 1  # the last finished epoch, counted from 1
    assert all(math.isfinite(v) for v in state["history"]["loss"])
    chex.assert_tree_all_finite(jd.load_checkpoint(tmp_path))


def test_bad_inputs_exit_2_with_one_line_and_no_traceback(tmp_path):
    """Each bad input gives one line on stderr that says what was wrong, and exit status 2."""
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "checkpoint.msgpack").write_bytes(b"not a checkpoint")
    (tmp_path / "a_file").write_text("")
    (tmp_path / "bare").mkdir()  # no trace of a run: nothing to resume
    cases = {
        "argument --dataset: invalid choice: 'mnist' (choose from 'digits',": [
            "--dataset",
            "mnist",
        ],
        "--lr must be a finite number > 0": ["--lr", "0"],
        "--lr must be a finite number > 0, got -0.5": ["--lr", "-0.5"],
        "--batch-size must be at least 1": ["--batch-size", "0"],
        "--beta must lie in [0, 1), got 1.0": ["--beta", "1"],
        "--epochs must lie in [1, 2147483647], got 0": ["--epochs", "0"],
        "--epochs must lie in [1, 2147483647], got 100000000000000000000": [
            "--epochs",
            "100000000000000000000",
        ],
        "--seed must lie in [0, 2**32), got 99999999999999999999": [
            "--seed",
            "99999999999999999999",
        ],
        "argument --optimizer: invalid choice: 'sgd'": ["--optimizer", "sgd"],
        "cannot resume: there is no run in": ["--resume", "--run-dir", str(tmp_path / "empty")],
        f"there is no run in {tmp_path / 'bare'} (no checkpoint.msgpack, no config.json)": [
            *("--resume", "--run-dir", str(tmp_path / "bare"))
        ],
        f"there is no run in {tmp_path / 'none'}": [  # before starting the processes
            *("--resume", "--processes", "2", "--run-dir", str(tmp_path / "none"))
        ],
        "is corrupt": ["--resume", "--run-dir", str(tmp_path / "corrupt")],
        "cannot write to run directory": ["--run-dir", str(tmp_path / "a_file" / "run")],
        "invalid float value": ["--lr", "fast"],
        "argument --precision: invalid choice: 'float16' (choose from 'float32', 'bfloat16')": [
            "--precision",
            "float16",
        ],
        "argument --device: invalid choice: 'tpu'": ["--device", "tpu"],
        "argument --gradients: invalid choice: 'numeric'": ["--gradients", "numeric"],
        "--run-dir must not be empty": ["--run-dir", ""],
        "--batch-size (32) must be a multiple of --devices (3)": ["--devices", "3"],
        "--devices 9 but only 8 cpu device(s)": [
            "--devices",
            "9",
            "--batch-size",
            "36",
            "--device",
            "cpu",
        ],  # fmt: skip
    }
    flags = ENV.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" not in flags:  # not inherited (pytest -n0)
        flags += " --xla_force_host_platform_device_count=8"  # the 8 devices --devices 9 exceeds
    procs = {
        expected: subprocess.Popen(
            [SCRIPT, "train", "--no-progress", *args],
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**ENV, "XLA_FLAGS": flags},
        )
        for expected, args in cases.items()
    }
    for expected, proc in procs.items():
        _, err = proc.communicate()
        assert proc.returncode == 2, (expected, err)
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("jaxdnn: error:"), err
        assert expected in lines[0], (expected, lines[0])
    assert not (tmp_path / "empty").exists()  # a failed --resume leaves no empty run directory


def test_sweep_trains_the_grid_ranks_it_and_writes_sweep_json(tmp_path):
    """jaxdnn sweep trains seeds × learning rates × β at once, prints one row per model ranked
    by validation accuracy and the best model's test accuracy, and writes sweep.json (the
    grid, a (models, epochs) history, the summary) and sweep.png. The same sweep SIGKILLed
    while its second checkpoint is written, then resumed, ends bit-identical to it."""
    grid = ["--seeds", "0", "1", "--lr", "0.05", "0.1", "--beta", "0.5", "0.9", "--no-progress"]
    options = ["sweep", "--epochs", "2", "--hidden", "16", *grid]
    killed = subprocess.Popen(
        [SCRIPT, *options, "--run-dir", str(tmp_path / "killed")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**ENV, "JAXDNN_KILL_AT": "replace:sweep-checkpoint.msgpack#2"},
    )
    result = run(*options, "--run-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "8 models of widths (64, 16, 10) on digits" in result.stdout
    devices = json.loads((tmp_path / "sweep.json").read_text())["config"]["devices"]
    assert devices == max(d for d in (1, 2, 4) if d <= usable_cores())  # they divide 2 or 4
    assert (f"device cpu ×{devices}, the models split across them" in result.stdout) == (
        devices > 1
    )
    rows = [line.split() for line in result.stdout.splitlines() if line[:13].strip().isdigit()]
    assert len(rows) == 8
    accuracies = [float(row[-1]) for row in rows]
    assert accuracies == sorted(accuracies, reverse=True)
    saved = json.loads((tmp_path / "sweep.json").read_text())
    assert saved["settings"]["seed"] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert saved["settings"]["beta"] == [0.5, 0.9] * 4
    assert np.shape(saved["history"]["val_accuracy"]) == (8, 2)
    best = max(range(8), key=lambda m: saved["history"]["val_accuracy"][m][-1])
    assert saved["summary"]["best"]["learning_rate"] == saved["settings"]["learning_rate"][best]
    assert f"its test {saved['summary']['best_test']['accuracy']:.4f} accuracy" in result.stdout
    assert (tmp_path / "sweep.png").stat().st_size > 0

    assert killed.wait(timeout=600) == -signal.SIGKILL
    resumed = run("sweep", "--resume", "--run-dir", str(tmp_path / "killed"), "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch 1" in resumed.stdout
    again = json.loads((tmp_path / "killed" / "sweep.json").read_text())
    assert (
        again["history"] == saved["history"]
        and again["summary"]["best"] == saved["summary"]["best"]
    )
    assert again["summary"]["best_test"] == saved["summary"]["best_test"]
    states = [
        unpackb((d / "sweep-checkpoint.msgpack").read_bytes())
        for d in (tmp_path, tmp_path / "killed")
    ]
    chex.assert_trees_all_equal(*((s["params"], s["opt_state"]) for s in states))
    assert not list((tmp_path / "killed").glob(".*.tmp"))  # the cut-short write was removed


def test_metrics_json_records_the_run_and_a_finished_run_resumed_rewrites_nothing(tmp_path, capsys):
    """metrics.json records the command, versions, device and time of the run; a finished run
    resumed, with or without other options, says it is complete and rewrites nothing. (A run
    killed before its report and resumed: test_cli_faults.)"""
    run_dir = tmp_path / "run"
    args = ["train", "--dataset", "iris", "--epochs", "3", "--no-progress"]
    first = run(*args, "--run-dir", str(run_dir))
    assert first.returncode == 0, first.stderr
    metrics_bytes = (run_dir / "metrics.json").read_bytes()
    summary = json.loads(metrics_bytes)
    assert summary["epochs"] == 3 and summary["command"][:2] == ["jaxdnn", "train"]
    assert set(summary["versions"]) == {"jaxdnn", "jax", "jaxlib", "optax"}
    assert summary["device"] == "cpu" and summary["utc"].endswith("+00:00")

    from jaxdnn.cli import main  # in-process: this path trains nothing, so it needs no subprocess

    for extra in ([], ["--epochs", "2"]):
        assert main(["train", "--resume", "--run-dir", str(run_dir), "--no-progress", *extra]) == 0
        assert "is complete (3 epochs); nothing to do" in capsys.readouterr().out
        assert (run_dir / "metrics.json").read_bytes() == metrics_bytes


def test_second_process_refused_and_planted_links_replaced_not_followed(tmp_path):
    """The run directory's lock: a second writer gets one line and exit status 2, and a lock
    whose holder is gone does not stay. Every file jaxdnn writes replaces a link planted under
    its name instead of writing through it; temporary files a killed process left behind are
    removed on the next start."""
    from jaxdnn.rundir import RunLock

    run_dir, outside = tmp_path / "run", tmp_path / "outside"
    run_dir.mkdir()
    outside.mkdir()
    args = ["train", "--dataset", "iris", "--epochs", "2", "--no-progress", "--run-dir"]
    with RunLock(run_dir):
        refused = run(*args, str(run_dir))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"jaxdnn: error: another jaxdnn process is using the run directory {run_dir}"
    ]
    assert not (run_dir / "checkpoint.msgpack").exists()

    names = ["metrics.json", "history.json", "loss.png", "checkpoint.msgpack", ".lock"]
    for name in names:
        (outside / name).write_text("precious")
        (run_dir / name).unlink(missing_ok=True)
        (run_dir / name).symlink_to(outside / name)
    (run_dir / ".checkpoint.msgpack.stale.tmp").write_bytes(b"left by a killed process")
    result = run(*args, str(run_dir))
    assert result.returncode == 0, result.stderr
    for name in names:
        assert (outside / name).read_text() == "precious", name
        assert not (run_dir / name).is_symlink(), name
    assert not list(run_dir.glob(".*.tmp"))
    assert json.loads((run_dir / "metrics.json").read_text())["epochs"] == 2


def _strict_json(path):
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(token):
        raise ValueError(f"{token} is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_sweep_never_ranks_a_diverged_model_best_and_writes_strict_json(tmp_path):
    """Full-batch gradient descent on diabetes with a step of 4 diverges: the model is marked
    with the epoch of its divergence and ranked below the finite one; sweep.json is strict JSON
    (null for NaN); when every model diverges the sweep exits with status 1 and one line."""
    common = ["sweep", "--dataset", "diabetes", "--optimizer", "gd", "--hidden", "--batch-size",
              "1000", "--seeds", "0", "--epochs", "40", "--no-progress", "--run-dir"]  # fmt: skip
    mixed = run(*common, str(tmp_path / "mixed"), "--lr", "4", "0.01")
    assert mixed.returncode == 0, mixed.stderr
    rows = [line.split() for line in mixed.stdout.splitlines() if line[:13].strip().isdigit()]
    assert [row[1] for row in rows] == ["0.01", "4"]
    assert rows[1][-4:-1] == ["diverged", "in", "epoch"]
    saved = _strict_json(tmp_path / "mixed" / "sweep.json")
    assert saved["summary"]["best"]["learning_rate"] == 0.01
    # the table's rmse is in the targets' units, as the test RMSE below it
    assert "losses: ½·MSE of the targets standardised" in mixed.stdout
    from jaxdnn.cli.run import load_run_data

    y_std = load_run_data({"dataset": "diabetes", "seed": 0}).y_std
    assert float(rows[0][-1]) == pytest.approx(saved["history"]["val_rmse"][1][-1] * y_std, 1e-5)
    assert saved["history"]["loss"][0][-1] is None  # the diverged model (lr 4, first in grid)

    every = run(*common, str(tmp_path / "every"), "--lr", "3", "4")
    assert every.returncode == 1
    assert every.stderr.strip().splitlines()[-1].startswith("jaxdnn: every model diverged")
    assert _strict_json(tmp_path / "every" / "sweep.json")["summary"]["best"] is None


def test_a_repeated_training_run_loads_its_compiled_programs_and_trains_the_same_model(tmp_path):
    """train keeps its compiled programs under $XDG_CACHE_HOME/jaxdnn/xla; a second run of the
    same network loads them (no new file) and writes the same model, byte for byte, as a run
    with --no-cache, which writes nothing there. Programs left truncated (a process killed
    while writing them) are removed and compiled again, without a warning."""
    env = {k: v for k, v in ENV.items() if not k.startswith("JAX_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "home-cache")
    cache = tmp_path / "home-cache" / "jaxdnn" / "xla"
    argv = [SCRIPT, "train", "--dataset", "iris", "--epochs", "2", "--hidden", "8"]

    def train(name: str, *extra: str) -> bytes:
        run_dir = tmp_path / name
        done = subprocess.run(
            [*argv, "--run-dir", str(run_dir), *extra],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        assert "Warning" not in done.stderr, done.stderr
        return (run_dir / "model.msgpack").read_bytes()

    fresh = train("fresh", "--no-cache")
    assert not cache.exists()
    assert train("first") == fresh
    written = sorted(p.name for p in cache.iterdir())
    assert len(written) > 5
    assert train("second") == fresh
    assert sorted(p.name for p in cache.iterdir()) == written
    for program in cache.glob("*-cache"):
        program.write_bytes(program.read_bytes()[:100])
    assert train("third") == fresh
    assert sorted(p.name for p in cache.iterdir()) == written
