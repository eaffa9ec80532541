"""``jaxdnn train`` under faults: kills at every moment of a run, a full or read-only disk,
crafted checkpoints, options that contradict the run being resumed, out of memory, a loss that
explodes."""

import argparse
import base64
import errno
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import chex
import jax
import numpy as np
import pytest
from conftest import SUBPROCESS_ENV

import jaxdnn as jd
from jaxdnn import cli
from jaxdnn.checkpoint import CheckpointError, load_training_state, save_checkpoint, unpackb
from jaxdnn.cli.parse import resumed_config

SCRIPT = shutil.which("jaxdnn") or str(Path(sys.executable).parent / "jaxdnn")
TRAIN = ["train", "--dataset", "iris", "--hidden", "16", "--batch-size", "8", "--no-progress"]


def start(run_dir, *extra, kill_at=None, file_size_limit_kib=None):
    env = dict(SUBPROCESS_ENV)
    if kill_at is not None:
        env["JAXDNN_KILL_AT"] = kill_at
    command = [SCRIPT, *TRAIN, "--run-dir", str(run_dir), *extra]
    if file_size_limit_kib is not None:
        # files may not grow beyond the limit, and the write that would gets EFBIG, as on a
        # full disk, instead of the default SIGXFSZ
        limit = f'ulimit -f {file_size_limit_kib}; trap "" XFSZ; exec "$@"'
        command = ["bash", "-c", limit, "bash", *command]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def assert_same_run(a, b):
    """Bit-identical parameters, optimizer state, history and test metrics."""
    state_a, state_b = load_training_state(a), load_training_state(b)
    assert state_a["epoch"] == state_b["epoch"]
    assert state_a["history"] == state_b["history"]
    chex.assert_trees_all_equal(
        (state_a["params"], state_a["opt_state"]), (state_b["params"], state_b["opt_state"])
    )
    metrics_a = json.loads((a / "metrics.json").read_text())["metrics"]
    assert json.loads((b / "metrics.json").read_text())["metrics"] == metrics_a
    assert json.loads((b / "history.json").read_text()) == json.loads(
        (a / "history.json").read_text()
    )


# where the test hook kills the process (SIGKILL), and what the resume then says
BEFORE_FIRST_CHECKPOINT = "write:checkpoint.msgpack#1"
BEFORE_REPORT = "write:history.json#1"
KILL_MOMENTS = {
    BEFORE_FIRST_CHECKPOINT: "starting the run from its first epoch",  # before any checkpoint
    "replace:checkpoint.msgpack#3": "resuming after epoch 2",  # during a checkpoint write
    BEFORE_REPORT: "resuming after epoch 4",  # after the last epoch, before the report
    "replace:metrics.json#1": "resuming after epoch 4",  # during the report's last write
}


def test_a_run_killed_at_every_moment_resumes_bit_identically(tmp_path):
    """A run SIGKILLed before its first checkpoint, while a checkpoint's temporary file is
    written but not yet renamed, after its last checkpoint but before its report, and while the
    report's last file is being replaced, completes with --resume and no option that differs
    from the defaults (the run was started with --epochs 4, the default is 30): parameters,
    optimizer state, history, history.json and metrics bit-identical to an uninterrupted run,
    and no temporary file left. A run resumed after its report says it is complete and
    rewrites nothing. A new run started in a finished run's directory and killed before its
    first checkpoint, or before its report, resumes as the new run, not as the old one (whose
    report is of as many epochs)."""
    whole = start(tmp_path / "whole", "--epochs", "4")
    killed = {
        moment: start(tmp_path / str(i), "--epochs", "4", kill_at=moment)
        for i, moment in enumerate(KILL_MOMENTS)
    }
    for moment, proc in killed.items():
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL, (moment, proc.returncode)
    assert list((tmp_path / "1").glob(".checkpoint.msgpack.*.tmp"))  # a write was cut short
    resumed = {moment: start(tmp_path / str(i), "--resume") for i, moment in enumerate(killed)}
    _, err = whole.communicate()
    assert whole.returncode == 0, err
    # new runs in the finished run's directory, killed before their first checkpoint, and
    # after their last (of as many epochs as the finished run's) but before their report
    shutil.copytree(tmp_path / "whole", tmp_path / "next")
    shutil.copytree(tmp_path / "whole", tmp_path / "last")
    metrics = (tmp_path / "whole" / "metrics.json").read_bytes()
    new = start(tmp_path / "next", "--epochs", "2", "--lr", "0.01", kill_at=BEFORE_FIRST_CHECKPOINT)
    last = start(tmp_path / "last", "--epochs", "4", "--lr", "0.01", kill_at=BEFORE_REPORT)
    again = start(tmp_path / "whole", "--resume")
    for i, (moment, proc) in enumerate(resumed.items()):
        out, err = proc.communicate()
        assert proc.returncode == 0, (moment, err)
        assert KILL_MOMENTS[moment] in out, (moment, out)
        assert_same_run(tmp_path / "whole", tmp_path / str(i))
        assert not list((tmp_path / str(i)).glob(".*.tmp")), moment

    out, err = again.communicate()
    assert again.returncode == 0, err
    assert "is complete (4 epochs); nothing to do" in out
    assert (tmp_path / "whole" / "metrics.json").read_bytes() == metrics
    for proc in (new, last):
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
    for run_dir, said, epochs in (("next", "starting the run from", 2), ("last", "resuming", 4)):
        out, err = start(tmp_path / run_dir, "--resume").communicate()  # the new run, not the old
        assert said in out, err
        config = json.loads((tmp_path / run_dir / "metrics.json").read_text())["config"]
        assert (config["epochs"], config["lr"]) == (epochs, 0.01)


def test_a_full_disk_is_one_line_exit_1_and_resume_completes_once_there_is_space(tmp_path):
    """A write that fails for lack of space (here the plots, beyond a file-size limit) stops the
    run with one line naming the file, exit status 1, every finished epoch checkpointed and no
    temporary file left; once there is space, --resume completes the report."""
    proc = start(tmp_path, "--epochs", "2", file_size_limit_kib=8)  # the plots are larger
    _, err = proc.communicate()
    assert proc.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"jaxdnn: error: cannot write {tmp_path}/")
    assert "File too large" in lines[0] and "--resume" in lines[0]
    assert not list(tmp_path.glob(".*.tmp"))
    assert load_training_state(tmp_path)["epoch"] == 1
    completed = start(tmp_path, "--resume")
    out, err = completed.communicate()
    assert completed.returncode == 0, err
    assert "trained 0 epochs" in out and (tmp_path / "metrics.json").exists()


def test_a_read_only_run_directory_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    """A run directory that turns read-only (simulated: the superuser may write anyway) stops
    the run at its next write (here its first: the settings) with one line and exit status 1."""
    import jaxdnn.rundir

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(jaxdnn.rundir.tempfile, "mkstemp", read_only)
    status = cli.main([*TRAIN, "--epochs", "1", "--run-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert err == [
        f"jaxdnn: error: cannot write {tmp_path}/config.json: Read-only file system; "
        "every finished epoch is kept (free space or fix the directory, then --resume)"
    ]


def _state(widths=(4, 16, 3), epoch=1):
    params = jd.init_params(jax.random.PRNGKey(0), widths)
    return {
        "epoch": epoch,
        "params": params,
        "opt_state": jd.momentum(0.05, 0.9).init(params),
        "history": {"epoch": list(range(epoch + 1)), "loss": [1.0] * (epoch + 1)},
        "config": {
            "dataset": "iris",
            "hidden": list(widths[1:-1]),
            "optimizer": "momentum",
            "lr": 0.05,
            "beta": 0.9,
            "epochs": 4,
            "batch_size": 8,
            "seed": 0,
            "gradients": "autodiff",
            "precision": "float32",
        },
    }


def _raw_checkpoint(run_dir, state):
    """Write a checkpoint's bytes as they are, without save_checkpoint's conversions."""
    from jaxdnn.checkpoint import packb

    run_dir.mkdir(exist_ok=True)
    (run_dir / "checkpoint.msgpack").write_bytes(packb(state))


def _with(state, path, value):
    """A copy of ``state`` with the entry at ``path`` (a tuple of keys) replaced."""
    import copy

    state = copy.deepcopy(state)
    *parents, last = path
    target = state
    for key in parents:
        target = target[key]
    target[last] = value
    return state


def _as_state_dict(state):
    from jaxdnn.checkpoint import to_state_dict

    return {k: to_state_dict(v) if k in ("params", "opt_state") else v for k, v in state.items()}


GOOD = _as_state_dict(_state())
CRAFTED = {
    "negative epoch": (_with(GOOD, ("epoch",), -1), "epoch must be an integer >= 0"),
    "no parameters": (_with(GOOD, ("params",), {}), "no parameters"),
    "bias of W's columns": (
        _with(GOOD, ("params", "0", "b"), np.zeros(4, np.float32)),
        "b must have W's rows",
    ),
    "W (10, 99), b (3,)": (
        _with(GOOD, ("params", "1"), {"W": np.zeros((10, 99)), "b": np.zeros(3)}),
        "layer 1",
    ),
    "infinite parameter": (
        _with(GOOD, ("params", "1", "b"), np.array([0.0, np.inf, 0.0], np.float32)),
        "non-finite parameters",
    ),
    "missing config key": (
        {**GOOD, "config": {k: v for k, v in GOOD["config"].items() if k != "lr"}},
        "bad 'lr'",
    ),
    "mistyped config": (_with(GOOD, ("config", "hidden"), "16"), "bad 'hidden'"),
    "unknown optimizer": (_with(GOOD, ("config", "optimizer"), "sgd"), "bad 'optimizer'"),
    "config and parameters differ": (
        _with(GOOD, ("config", "hidden"), [32]),
        "do not match its config",
    ),
    "history too short": (_with(GOOD, ("history", "loss"), [1.0]), "history"),
    "optimizer state of another size": (
        _with(GOOD, ("opt_state",), _as_state_dict(_state((4, 8, 3)))["opt_state"]),
        "state does not match",
    ),
    "not a checkpoint": ([1, 2, 3], "not a jaxdnn checkpoint"),
}


@pytest.mark.parametrize("case", CRAFTED)
def test_a_crafted_checkpoint_is_refused_on_resume_with_one_line(case, tmp_path, capsys):
    """Damaged or crafted checkpoints (bad epoch, parameters that do not chain or do not match
    the config, non-finite numbers, missing or mistyped config, a history or optimizer state
    of the wrong size) are refused by --resume: one line naming the problem, exit status 2."""
    state, message = CRAFTED[case]
    _raw_checkpoint(tmp_path, state)
    status = cli.main(["train", "--resume", "--run-dir", str(tmp_path), "--no-progress"])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status == 2, (case, out, err)
    assert len(lines) == 1 and lines[0].startswith("jaxdnn: error: cannot resume"), err
    assert message in lines[0], (case, lines[0])


def test_load_checkpoint_refuses_inconsistent_parameters(tmp_path):
    """jaxdnn.load_checkpoint raises CheckpointError, naming the problem, for parameters that
    are empty, whose bias does not match W, that do not chain, or that are not finite."""
    for case in ("no parameters", "W (10, 99), b (3,)", "infinite parameter"):
        _raw_checkpoint(tmp_path, CRAFTED[case][0])
        with pytest.raises(CheckpointError, match=CRAFTED[case][1]):
            jd.load_checkpoint(tmp_path)
    _raw_checkpoint(tmp_path, GOOD)
    assert [p["W"].shape for p in jd.load_checkpoint(tmp_path)] == [(16, 4), (3, 16)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epoch": -1}, r"epoch must be an integer >= 0, got -1"),
        ({"epoch": 1.5}, r"epoch must be an integer >= 0, got 1\.5"),
        ({"epoch": True}, r"epoch must be an integer >= 0, got True"),
        ({"params": "nan"}, r"layer 0 has non-finite parameters"),
        ({"history": {"epoch": [0, 1], "loss": [1.0]}}, r"the history's curves have different"),
        ({"best": (5, 0.5, None)}, r"best epoch must lie in \[-1, 1\], got 5"),
    ],
    ids=["negative epoch", "fractional epoch", "boolean epoch", "NaN", "history", "best"],
)
def test_save_checkpoint_refuses_what_a_resume_would_refuse_and_keeps_the_last_one(
    change, message, tmp_path
):
    """A state load_training_state would call corrupt (so that --resume fails) is refused by
    save_checkpoint, naming the problem, and the previous checkpoint stays as it was."""
    save_checkpoint(tmp_path, **_state())
    before = (tmp_path / "checkpoint.msgpack").read_bytes()
    state = _state()
    if change.get("params") == "nan":
        change = {"params": jax.tree.map(lambda a: a * np.nan, state["params"])}
    if "best" in change:
        epoch, loss, _ = change["best"]
        change = {"best": (epoch, loss, state["params"])}
    with pytest.raises(ValueError, match=f"save_checkpoint: {message}"):
        save_checkpoint(tmp_path, **{**state, **change})
    assert (tmp_path / "checkpoint.msgpack").read_bytes() == before
    assert load_training_state(tmp_path)["epoch"] == 1


def test_save_model_refuses_a_model_load_model_would_refuse(tmp_path):
    """A model with non-finite parameters, or with statistics that do not fit the network,
    is refused by save_model with nothing written."""
    import dataclasses

    from jaxdnn.model import Model, save_model

    params = jd.init_params(jax.random.PRNGKey(0), (2, 4, 3))
    good = Model(params=params, task="multiclass", mean=np.zeros(2), std=np.ones(2), y_mean=0.0,
                 y_std=1.0, class_names=("a", "b", "c"), feature_names=("x", "y"), target="t",
                 config={})  # fmt: skip
    nan = jax.tree.map(lambda a: a * np.nan, params)
    for bad, message in [
        (dataclasses.replace(good, params=nan), "layer 0 has non-finite parameters"),
        (dataclasses.replace(good, mean=np.zeros(3)), "mean and std must have the network's 2"),
        (dataclasses.replace(good, class_names=("a", "b")), "2 class names for 3 outputs"),
    ]:
        with pytest.raises(ValueError, match=f"save_model: {message}"):
            save_model(tmp_path, bad)
        assert not (tmp_path / "model.msgpack").exists()
    save_model(tmp_path, good)
    assert jd.load_model(tmp_path).class_names == ("a", "b", "c")


EARLIER_CHECKPOINT = base64.b64decode(
    "haZjb25maWeBqW9wdGltaXplcqhtb21lbnR1baVlcG9jaAKnaGlzdG9yeYGkbG9zc5PLP/AAAAAAAADLP+AAAAAAAADL"
    "P9AAAAAAAACpb3B0X3N0YXRlgqVjb3VudMcOAZOQpWludDMyxAQAAAAAqG1vbWVudHVtgaEwgqFXxyYBk5ICA6dmbG9h"
    "dDMyxBgAAAA+AAAAPgAAAD4AAAA+AAAAPgAAAD6hYscVAZORAqdmbG9hdDMyxAgAAAA+AAAAPqZwYXJhbXOBoTCCoVfH"
    "JgGTkgIDp2Zsb2F0MzLEGAAAIL8AAMC+AAAAvgAAAD4AAMA+AAAgP6FixxUBk5ECp2Zsb2F0MzLECAAAgD4AAMC/"
)
"""A checkpoint written by jaxdnn 0.1.0 through flax.serialization: epoch 2, one layer with
W = (arange(6).reshape(2, 3) − 2.5)/4 and b = (0.25, −1.5) in float32, a momentum state whose
buffers are all 0.125, the loss history 1, 0.5, 0.25."""


def test_a_checkpoint_of_an_earlier_version_loads_bit_for_bit(tmp_path):
    """The checkpoint format is unchanged without flax: the earlier file loads, its optimizer
    state restores into optimizer.init's structure, and writing the same state again gives the
    same bytes."""
    from jaxdnn.checkpoint import from_state_dict, packb

    (tmp_path / "checkpoint.msgpack").write_bytes(EARLIER_CHECKPOINT)
    state = load_training_state(tmp_path)
    assert state["epoch"] == 2 and state["history"] == {"loss": [1.0, 0.5, 0.25]}
    (layer,) = jd.load_checkpoint(tmp_path)
    W = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 4
    np.testing.assert_array_equal(layer["W"], W)
    np.testing.assert_array_equal(layer["b"], np.array([0.25, -1.5], np.float32))
    opt_state = from_state_dict(jd.momentum(0.1, 0.9).init([layer]), state["opt_state"])
    buffers = jax.tree.leaves(opt_state.momentum)
    assert [b.dtype for b in buffers] == [np.float32, np.float32]
    assert all(np.all(np.asarray(b) == 0.125) for b in buffers)
    assert packb(state) == EARLIER_CHECKPOINT
    with pytest.raises(
        ValueError, match="momentum/0/W is float32\\[2, 3\\], expected float32\\[3, 2\\]"
    ):
        from_state_dict(
            jd.momentum(0.1, 0.9).init([{"W": W.T, "b": layer["b"]}]), state["opt_state"]
        )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--lr", "0.1"], "--lr 0.1 differs from the run's 0.05"),
        (["--hidden", "32"], "--hidden 32 differs from the run's [16]"),
        (["--dataset", "wine"], "--dataset wine differs from the run's iris"),
        (["--optimizer", "adam"], "--optimizer adam differs from the run's momentum"),
        (["--seed", "1"], "--seed 1 differs from the run's 0"),
        (["--batch-size", "4"], "--batch-size 4 differs from the run's 8"),
    ],
)
def test_resume_refuses_options_that_differ_from_the_run(option, message, tmp_path, capsys):
    """--resume continues a run with its own settings: an option given with a different value
    is refused with one line (exit status 2); the same value, or a new --epochs, is accepted."""
    state = _state(epoch=3)
    save_checkpoint(tmp_path, **state)
    config = resumed_config(state, argparse.Namespace(given=set()), tmp_path)
    report = {"epochs": 4, "config": config}  # a complete run: nothing to train
    (tmp_path / "metrics.json").write_text(json.dumps(report))
    args = ["train", "--resume", "--run-dir", str(tmp_path), "--no-progress"]
    assert cli.main([*args, *option]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert cli.main([*args, "--lr", "0.05", "--hidden", "16", "--epochs", "4"]) == 0
    assert "is complete (4 epochs)" in capsys.readouterr().out


def test_resume_refuses_fewer_epochs_than_an_unfinished_run_has_trained(tmp_path, capsys):
    """A run killed after 4 epochs, resumed with --epochs 3, is refused with one line (its
    report would say 3 epochs of a run that trained 4); a finished run says it is complete."""
    save_checkpoint(tmp_path, **_state(epoch=3))
    args = ["train", "--resume", "--run-dir", str(tmp_path), "--no-progress", "--epochs", "3"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"jaxdnn: error: cannot resume from {tmp_path}: the run has trained 4 epochs, more "
        "than --epochs 3"
    ]
    assert not (tmp_path / "metrics.json").exists()


def test_resume_from_another_directory_takes_the_data_file_by_its_content(
    tmp_path, monkeypatch, capsys
):
    """A run (a sweep) started on --data data.csv and resumed from another directory: without
    --data, one line says to name the file from there; --data ../data.csv, the same bytes by
    another path, continues it; a file of other content is refused."""
    rows = "".join(f"{i % 7},{(i * 3) % 5},{i % 2}\n" for i in range(40))
    (tmp_path / "data.csv").write_text("a,b,y\n" + rows)
    (tmp_path / "other.csv").write_text("a,b,y\n" + rows + "1,1,1\n")
    monkeypatch.chdir(tmp_path)
    common = ["--data", "data.csv", "--hidden", "4", "--epochs", "2", "--no-progress"]
    assert cli.main(["train", *common, "--run-dir", "run"]) == 0
    assert cli.main(["sweep", *common, "--lr", "0.1", "--seeds", "0", "--run-dir", "sweep"]) == 0
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    capsys.readouterr()
    for command, run_dir in (("train", "../run"), ("sweep", "../sweep")):
        resume = [command, "--resume", "--run-dir", run_dir, "--epochs", "3", "--no-progress"]
        assert cli.main(resume) == 2
        err = capsys.readouterr().err
        assert "cannot read --data data.csv" in err and "give --data with its path" in err
        assert cli.main([*resume, "--data", "../other.csv"]) == 2
        assert "--data ../other.csv differs from the" in capsys.readouterr().err
        assert cli.main([*resume, "--data", "../data.csv"]) == 0
        assert "resuming after epoch 2" in capsys.readouterr().out


def test_out_of_memory_is_one_line_naming_the_size(tmp_path, capsys):
    """A network whose parameters alone exceed the device's memory is refused before anything
    is allocated: one line with its widths and size, exit status 1, no run directory left."""
    for command in ("train", "sweep"):
        run_dir = tmp_path / command
        argv = [command, "--hidden", "1000000", "1000000", "--run-dir", str(run_dir)]
        assert cli.main([*argv, "--no-progress"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("jaxdnn: error: out of memory"), err
        assert "(64, 1000000, 1000000, 10)" in err[0] and "3,725.6 GiB" in err[0]
        assert not run_dir.exists()


def test_a_loss_that_rises_a_hundredfold_is_warned_about(tmp_path, capsys):
    """--lr 100 keeps the loss finite but multiplies it many times over: the run finishes
    (exit status 0) with a warning naming the rise and the learning rate."""
    argv = [*TRAIN, "--lr", "100", "--epochs", "2", "--run-dir", str(tmp_path)]
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert "jaxdnn: warning: the training loss rose from" in err
    assert "the learning rate 100 is probably too large" in err


def test_a_closed_stdout_stops_quietly_after_writing_the_run(tmp_path):
    """`jaxdnn train … | head -1`: once the reader is gone, the command stops without a
    traceback (exit status 141, as for SIGPIPE), after the run directory is complete."""
    proc = start(tmp_path, "--epochs", "1")
    assert proc.stdout.readline().startswith("jaxdnn ")
    proc.stdout.close()
    proc.wait()
    assert proc.returncode == 141
    assert "Traceback" not in proc.stderr.read()
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_output_is_one_line_exit_1(tmp_path):
    """`jaxdnn … > file` on a full disk (here /dev/full): one line and exit status 1, whether
    the output fails while printed (unbuffered, and verify starting its workers) or when it is
    flushed at the end (a train's run directory is complete by then), --help and --version
    included."""
    verify = [SCRIPT, "verify", "--only", "P-ACT-(RELU|TANH)$", "--jobs", "2"]
    commands = {
        "list": ([SCRIPT, "verify", "--list"], "1"),
        "help": ([SCRIPT, "train", "--help"], ""),  # argparse's own printing
        "version": ([SCRIPT, "--version"], ""),
        "verify": (verify, ""),
        "train": ([SCRIPT, *TRAIN, "--epochs", "1", "--run-dir", str(tmp_path)], ""),
    }
    for name, (command, unbuffered) in commands.items():
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                command,
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                env={**SUBPROCESS_ENV, "PYTHONUNBUFFERED": unbuffered},
                timeout=600,
            )
        assert done.returncode == 1, (name, done.stderr)
        assert done.stderr.splitlines() == [
            "jaxdnn: error: cannot write the output: No space left on device"
        ], name
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 1
    for args in (["--version"], ["verify", "--list"]):  # started with stdout closed: `>&-`
        closed = ["bash", "-c", 'exec "$@" >&-', "bash", SCRIPT, *args]
        done = subprocess.run(closed, capture_output=True, text=True, env=SUBPROCESS_ENV)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.splitlines() == [
            "jaxdnn: error: cannot write the output: standard output is closed"
        ], args


def test_a_run_started_with_stderr_closed_trains_without_a_progress_bar(tmp_path, monkeypatch):
    """`jaxdnn train 2>&-` (sys.stderr is None): the run trains and writes its directory."""
    monkeypatch.setattr(sys, "stderr", None)
    argv = ["train", "--dataset", "iris", "--hidden", "16", "--epochs", "1"]
    assert cli.main([*argv, "--run-dir", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 1


def test_an_interrupted_sweep_resumes_bit_identically(tmp_path, monkeypatch, capsys):
    """A sweep stopped after its second epoch (its checkpoint written, then Ctrl-C as the third
    epoch's is written) and continued with --resume ends with every model's parameters,
    optimizer state and curves, and the report, equal bit for bit to an uninterrupted sweep's;
    one stopped before its first checkpoint starts again with its own settings; one stopped
    while its final plot is drawn completes its report; a new sweep in a finished sweep's
    directory, stopped before any report of its own, resumes as itself. A finished sweep
    resumed says so and rewrites nothing, also with fewer --epochs than it trained; an option
    that would change the sweep, or a run directory that does not exist or holds no sweep, is
    refused."""
    import jaxdnn.cli.report as report
    import jaxdnn.cli.run as run

    grid = ["--lr", "0.05", "0.1", "--seeds", "0", "1"]
    common = ["sweep", "--dataset", "iris", "--epochs", "4", "--hidden", "8", *grid]
    assert cli.main([*common, "--no-progress", "--run-dir", str(tmp_path / "whole")]) == 0
    write_checkpoint, calls, stop_at = run.write_sweep_checkpoint, [], [3]

    def interrupted(*args, **kwargs):
        calls.append(args)
        if len(calls) == stop_at[0]:
            raise KeyboardInterrupt
        write_checkpoint(*args, **kwargs)

    monkeypatch.setattr(run, "write_sweep_checkpoint", interrupted)
    assert cli.main([*common, "--no-progress", "--run-dir", str(tmp_path / "cut")]) == 130
    monkeypatch.undo()
    resume = ["sweep", "--resume", "--run-dir", str(tmp_path / "cut")]
    capsys.readouterr()
    assert cli.main(resume) == 0  # with the progress bar, on stderr
    assert "resuming after epoch 2" in capsys.readouterr().out
    whole, cut = (json.loads((tmp_path / d / "sweep.json").read_text()) for d in ("whole", "cut"))
    assert cut["history"] == whole["history"] and len(cut["history"]["epoch"]) == 4
    assert cut["summary"]["best"] == whole["summary"]["best"]
    assert cut["summary"]["best_test"] == whole["summary"]["best_test"]
    states = [
        unpackb((tmp_path / d / "sweep-checkpoint.msgpack").read_bytes()) for d in ("whole", "cut")
    ]
    chex.assert_trees_all_equal(*((s["params"], s["opt_state"]) for s in states))

    # stopped before its first checkpoint: --resume alone starts it again with its settings
    first = tmp_path / "first"
    first.mkdir()  # Ctrl-C ends the process at once, leaving the directory it created
    calls.clear()
    stop_at[0] = 1
    monkeypatch.setattr(run, "write_sweep_checkpoint", interrupted)
    assert cli.main([*common, "--no-progress", "--run-dir", str(first)]) == 130
    monkeypatch.undo()
    assert not (first / "sweep-checkpoint.msgpack").exists()
    capsys.readouterr()
    assert cli.main(["sweep", "--resume", "--run-dir", str(first), "--no-progress"]) == 0
    assert "starting the sweep from its first epoch" in capsys.readouterr().out
    assert json.loads((first / "sweep.json").read_text())["history"] == whole["history"]

    # a new sweep in the finished one's directory, stopped after its last checkpoint, before
    # any sweep.json of its own: the finished sweep's report is not this sweep's
    again = tmp_path / "again"
    shutil.copytree(tmp_path / "whole", again)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_sweep", stopped)
    new = ["sweep", "--dataset", "iris", "--epochs", "1", "--hidden", "8", "--lr", "0.2"]
    assert cli.main([*new, "--seeds", "0", "--no-progress", "--run-dir", str(again)]) == 130
    monkeypatch.undo()
    capsys.readouterr()
    assert cli.main(["sweep", "--resume", "--run-dir", str(again), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "resuming after epoch 1" in out
    assert "sweep: 1 model of widths" in out and ", 1 epoch, " in out  # not "1 models"
    assert "\n1 model × " in out
    assert json.loads((again / "sweep.json").read_text())["settings"]["learning_rate"] == [0.2]

    def no_plot(*args, **kwargs):  # interrupted while the final report's plot is written
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "_sweep_plot", no_plot)
    assert cli.main([*common, "--no-progress", "--run-dir", str(tmp_path / "late")]) == 130
    monkeypatch.undo()
    late = tmp_path / "late"
    assert json.loads((late / "sweep.json").read_text())["summary"] is None  # not yet reported
    assert cli.main(["sweep", "--resume", "--run-dir", str(late), "--no-progress"]) == 0
    assert (late / "sweep.png").exists()
    assert (
        json.loads((late / "sweep.json").read_text())["summary"]["best"] == whole["summary"]["best"]
    )

    report_bytes = (tmp_path / "cut" / "sweep.json").read_bytes()
    assert cli.main(resume) == 0
    assert "the sweep in" in capsys.readouterr().out  # is complete (4 epochs); nothing to do
    assert cli.main([*resume, *grid, "--dataset", "iris", "--beta", "0.90"]) == 0  # its own values
    assert "is complete (4 epochs); nothing to do" in capsys.readouterr().out
    assert cli.main([*resume, "--epochs", "3"]) == 0  # fewer epochs than a finished sweep's
    assert "is complete (4 epochs); nothing to do" in capsys.readouterr().out
    assert (tmp_path / "cut" / "sweep.json").read_bytes() == report_bytes
    refused = {
        "--lr 0.3 differs from the sweep's [0.05, 0.1]: --resume continues": [
            *resume,
            "--lr",
            "0.3",
        ],
        "--data-seed 1 differs from the sweep's 0": [*resume, "--data-seed", "1"],
        "there is no sweep in": ["sweep", "--resume", "--run-dir", str(tmp_path / "none")],
        "(no sweep-checkpoint.msgpack, no sweep-config.json)": [
            *("sweep", "--resume", "--run-dir", str(tmp_path))  # holds the sweeps' directories
        ],
    }
    for message, argv in refused.items():
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sweep-config.json", '{"epochs": 3, "seeds": "a"}', "has a bad 'seeds' ('a')"),
        ("sweep-config.json", '{"epochs": 3, "hidden": 5}', "has a bad 'hidden' (5)"),
        ("sweep-config.json", '{"epochs": 3, "optimizer": "x"}', "has a bad 'optimizer' ('x')"),
        ("sweep-config.json", '{"epochs": 3, "devices": 0}', "has a bad 'devices' (0)"),
        ("sweep-config.json", '{"seeds": [1]}', "sweep-config.json has no 'epochs'"),
        ("sweep-config.json", "[1]", "sweep-config.json does not hold settings"),
        ("sweep-config.json", "{", "sweep-config.json is unreadable"),
        ("sweep-config.json", '{"epochs": 3, "seeds": [1, 1]}', "--seeds lists 1 twice"),
        (
            "sweep-checkpoint.msgpack",
            {"epoch": 2, "config": {"epochs": 3, "beta": [2.0]}},
            "sweep-checkpoint.msgpack has a bad 'beta' ([2.0])",
        ),
        (
            "sweep-checkpoint.msgpack",
            {"epoch": 0, "params": {}, "config": {"epochs": 3}},
            "sweep-checkpoint.msgpack is corrupt (epoch 0)",
        ),
        ("sweep-checkpoint.msgpack", {"config": {}}, "is not a sweep's (KeyError('epoch'))"),
        (  # an unfinished sweep resumed with fewer epochs than it trained
            "sweep-checkpoint.msgpack",
            {"epoch": 4, "params": {}, "config": {"epochs": 3}},
            "the sweep has trained 4 epochs, more than --epochs 3",
        ),
    ],
)
def test_crafted_sweep_settings_are_refused_on_resume_with_one_line(
    name, content, message, tmp_path, capsys
):
    """The settings a sweep is resumed with (from its checkpoint, or from sweep-config.json
    when it was killed before its first) are checked value by value: a bad one is one line
    naming the file and the setting, exit status 2."""
    from jaxdnn.checkpoint import packb

    path = tmp_path / name
    path.write_bytes(packb(content) if isinstance(content, dict) else content.encode())
    assert cli.main(["sweep", "--resume", "--run-dir", str(tmp_path), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and message in err, err
    assert not out  # it does not say it starts


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lr", "0.1", "0.1"], "--lr lists 0.1 twice, got [0.1, 0.1]"),
        (["--seeds", "1", "2", "1"], "--seeds lists 1 twice, got [1, 2, 1]"),
        (["--beta", "0.9", "0.90"], "--beta lists 0.9 twice, got [0.9, 0.9]"),
        (["--devices", "0"], "--devices must be at least 1, got 0"),
        (
            ["--seeds", "0", "1", "--devices", "3"],
            "--devices 3 divides neither the 2 seeds nor the 4 grid points per seed: the models "
            "are split evenly along one of the two",
        ),
        (
            ["--optimizer", "adam", "--lr", "0.1", "--beta", "0.1", "0.2", "--seeds", "0"]
            + ["--devices", "2"],  # adam has no β: one point per seed
            "--devices 2 divides neither the 1 seed nor the 1 grid point per seed",
        ),
    ],
)
def test_a_sweep_grid_listing_a_value_twice_is_refused(argv, message, tmp_path, capsys):
    """A grid value given twice would train the same model twice, and models that cannot be
    split evenly across --devices would leave a device idle: one line, exit status 2."""
    assert cli.main(["sweep", *argv, "--run-dir", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"jaxdnn: error: {message}"), err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("command", "present", "message"),
    [
        ("train", "sweep-config.json", "; it holds a sweep: jaxdnn sweep --resume"),
        ("sweep", "config.json", "; it holds a run: jaxdnn train --resume"),
        ("sweep", "checkpoint.msgpack", "; it holds a run: jaxdnn train --resume"),
    ],
)
def test_resuming_the_other_kind_of_directory_says_which_it_holds(
    command, present, message, tmp_path, capsys
):
    """train --resume on a sweep's directory (and sweep --resume on a run's) is refused, and
    the line says which command resumes what the directory holds."""
    (tmp_path / present).write_text("{}")
    assert cli.main([command, "--resume", "--run-dir", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].endswith(message), err


def test_a_sweep_takes_as_many_cpu_devices_as_divide_its_grid():
    """Without --devices a sweep on a CPU takes the most devices, at most one per core, that
    divide its seeds or its points per seed."""
    from jaxdnn.cli.parse import sweep_devices

    assert sweep_devices(2, 2, 4) == 2
    assert sweep_devices(8, 2, 4) == 4
    assert sweep_devices(3, 2, 4) == 2
    assert sweep_devices(8, 3, 5) == 5
    assert sweep_devices(6, 4, 3) == 4
    assert sweep_devices(8, 7, 1) == 7
    assert sweep_devices(1, 4, 4) == 1
    assert sweep_devices(4, 1, 1) == 1
