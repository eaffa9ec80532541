"""``jaxdnn train --data`` on your own files, ``jaxdnn predict`` with a trained run, and the
generalisation controls --l2, --patience and --schedule, from the command line."""

import csv
import json
import math
import signal

import chex
import numpy as np
import pytest
from test_cli_faults import assert_same_run, start

import jaxdnn as jd
from jaxdnn import cli
from jaxdnn.checkpoint import load_training_state, stored_params
from jaxdnn.model import FeatureOutOfRange

QUICK = ["--hidden", "8", "--epochs", "2", "--no-progress"]


def export_csv(path, X, target, names, target_name="target"):
    """A CSV file as a user would write it: a header, every float in full (repr)."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*names, target_name])
        for row, value in zip(X.tolist(), target.tolist(), strict=True):
            writer.writerow([*map(repr, row), value])
    return path


def metrics_of(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


@pytest.mark.parametrize("name", list(jd.DATASETS))
def test_a_bundled_data_set_exported_to_csv_trains_as_through_dataset(name, tmp_path, capsys):
    """Every bundled data set written to CSV (class codes as integers, regression targets as
    real numbers) and trained with --data gives the same split, task and metrics, bit for bit,
    as --dataset with the same seed."""
    dataset = jd.load_dataset(name)
    if dataset.task == "regression":
        target = dataset.Y[:, 0]
    elif dataset.task == "binary":
        target = dataset.Y[:, 0].astype(int)
    else:
        target = dataset.Y.argmax(axis=1)
    path = export_csv(tmp_path / f"{name}.csv", dataset.X, target, dataset.feature_names)
    assert cli.main(["train", "--dataset", name, "--run-dir", str(tmp_path / "a"), *QUICK]) == 0
    assert cli.main(["train", "--data", str(path), "--run-dir", str(tmp_path / "b"), *QUICK]) == 0
    bundled, exported = metrics_of(tmp_path / "a"), metrics_of(tmp_path / "b")
    assert exported["task"] == bundled["task"] == dataset.task
    assert exported["metrics"] == bundled["metrics"]
    out = capsys.readouterr().out
    assert f"{name} ({dataset.task}" in out


def test_string_labels_train_predict_and_reproduce_the_report(tmp_path, capsys):
    """A CSV with string class names and the target in the middle: the names appear in the
    per-class table, metrics.json and the confusion matrix; jaxdnn predict writes one row per
    sample (the class name and a probability per class); predicting the test rows reproduces
    the report's test metrics exactly, through the command line and through load_model."""
    data = jd.load_dataset("wine")
    names = np.array(["barolo", "grignolino", "barbera"])[data.Y.argmax(axis=1)]
    features = [f.replace("/", "_") for f in data.feature_names]
    path = export_csv(tmp_path / "wine.csv", data.X, names, features, "cultivar")
    run_dir = tmp_path / "run"
    argv = ["train", "--data", str(path), "--target", "cultivar", "--run-dir", str(run_dir)]
    assert cli.main([*argv, "--epochs", "5", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "wine (multiclass, 3 classes, 125 train / 27 validation / 26 test)" in out
    for name in ("barbera", "barolo", "grignolino"):  # alphabetical: the classes' order
        assert f"\n{name} " in out
    summary = metrics_of(run_dir)
    assert list(summary["per_class_test"]) == ["barbera", "barolo", "grignolino"]
    assert sum(row["support"] for row in summary["per_class_test"].values()) == 26

    test_rows = np.load(run_dir / "splits.npz")["test"]
    test_file = export_csv(
        tmp_path / "test.csv", data.X[test_rows], names[test_rows], features, "cultivar"
    )
    out_file = tmp_path / "predictions.csv"
    argv = ["predict", "--run-dir", str(run_dir), "--data", str(test_file), "--out", str(out_file)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    row = printed[-1].split()
    assert row[0] == "test.csv" and float(row[2]) == pytest.approx(
        summary["metrics"]["test"]["accuracy"], abs=5e-5
    )
    with open(out_file, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["cultivar", "p_barbera", "p_barolo", "p_grignolino"]
    assert len(rows) == 1 + len(test_rows)
    predicted = np.array([r[0] for r in rows[1:]])
    probabilities = np.array([[float(p) for p in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    assert np.mean(predicted == names[test_rows]) == summary["metrics"]["test"]["accuracy"]

    # a class the model does not know: one line before anything is written, stdout included
    unknown = export_csv(tmp_path / "new.csv", data.X[:3], np.array(["barolo", "nebbiolo", "x"]),
                         features, "cultivar")  # fmt: skip
    for out in (tmp_path / "not-written.csv", "-"):
        argv = ["predict", "--run-dir", str(run_dir), "--data", str(unknown), "--out", str(out)]
        assert cli.main(argv) == 2
        printed = capsys.readouterr()
        assert printed.out == "" and printed.err.splitlines() == [
            f"jaxdnn: error: {unknown}: column 'cultivar' holds the class 'nebbiolo', which is "
            "not one of the model's classes 'barbera', 'barolo', 'grignolino'; drop the column "
            "to predict without metrics"
        ]
    assert not (tmp_path / "not-written.csv").exists()

    model = jd.load_model(run_dir)
    assert model.class_names == ("barbera", "barolo", "grignolino")
    assert model.metrics(data.X[test_rows], names[test_rows]) == summary["metrics"]["test"]
    np.testing.assert_array_equal(model.predict(data.X[test_rows]), predicted)
    np.testing.assert_array_equal(model.predict_proba(data.X[test_rows]), probabilities)


def test_a_regression_file_predicts_in_the_targets_units(tmp_path, capsys):
    data = jd.load_dataset("diabetes")
    path = export_csv(tmp_path / "d.csv", data.X, data.Y[:, 0], data.feature_names, "progression")
    run_dir = tmp_path / "run"
    assert cli.main(["train", "--data", str(path), "--run-dir", str(run_dir), *QUICK]) == 0
    summary = metrics_of(run_dir)
    assert summary["task"] == "regression"
    model = jd.load_model(run_dir)
    test = np.load(run_dir / "splits.npz")["test"]
    assert model.metrics(data.X[test], data.Y[test, 0]) == summary["metrics"]["test"]
    argv = ["predict", "--run-dir", str(run_dir), "--data", str(path), "--out", "-"]
    capsys.readouterr()
    assert cli.main(argv) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0] == "progression" and len(lines) == 1 + len(data.X)  # the CSV alone
    assert "rmse" in printed.err  # the metrics go to standard error
    values = np.array([float(v) for v in lines[1:]])
    rmse = math.sqrt(np.mean((values[test] - data.Y[test, 0]) ** 2))
    assert rmse == pytest.approx(summary["metrics"]["test"]["rmse"], rel=1e-5)
    with pytest.raises(ValueError, match="predict_proba needs a classifier"):
        model.predict_proba(data.X[:2])
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text().replace(",151.0\n", ",high\n", 1))
    assert cli.main(["predict", "--run-dir", str(run_dir), "--data", str(bad), "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: row 1, column 'progression': 'high' is not a finite number" in err
    assert cli.main(["predict", "--run-dir", str(tmp_path / "none"), "--data", str(path)]) == 2
    assert "no run directory" in capsys.readouterr().err


def test_npz_with_a_given_test_split_keeps_it(tmp_path):
    data = jd.load_dataset("breast_cancer")
    y = np.array(["benign", "malignant"])[1 - data.Y[:, 0].astype(int)]  # 1 in the data: benign
    path = tmp_path / "tumours.npz"
    np.savez(path, X=data.X[:400], y=y[:400], X_test=data.X[400:], y_test=y[400:])
    run_dir = tmp_path / "run"
    assert cli.main(["train", "--data", str(path), "--run-dir", str(run_dir), *QUICK]) == 0
    rows = np.load(run_dir / "splits.npz")
    np.testing.assert_array_equal(rows["test"], np.arange(len(data.X) - 400))
    assert sorted([*rows["train"], *rows["validation"]]) == list(range(400))
    summary = metrics_of(run_dir)
    assert summary["task"] == "binary"
    model = jd.load_model(run_dir)
    assert model.class_names == ("benign", "malignant")
    assert model.metrics(data.X[400:], y[400:]) == summary["metrics"]["test"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "absent.csv"], "cannot read --data absent.csv: No such file or directory"),
        (["--data", "x.csv", "--dataset", "iris"], "give --dataset or --data, not both"),
        (["--target", "y"], "--target applies to --data FILE only"),
        (["--task", "binary"], "--task applies to --data FILE only"),
        (["--l2", "-1"], "--l2 must be a finite number >= 0, got -1.0"),
        (["--l2", "nan"], "--l2 must be a finite number >= 0, got nan"),
        (["--patience", "0"], "--patience must be at least 1, got 0"),
        (["--schedule", "linear"], "argument --schedule: invalid choice: 'linear'"),
    ],
)
def test_bad_train_options_are_one_line(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", *argv, "--run-dir", str(tmp_path / "run"), *QUICK]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "run").exists()


def test_bad_files_and_runs_for_predict_are_one_line(tmp_path, capsys):
    features = np.random.default_rng(0).normal(size=(40, 2))
    path = export_csv(tmp_path / "ok.csv", features, np.arange(40) % 2, ["a", "b"], "y")
    tiny = export_csv(tmp_path / "tiny.csv", features[:5], np.arange(5) % 2, ["a", "b"], "y")
    categorical = tmp_path / "cat.csv"
    categorical.write_text("a,b,y\n1,red,0\n2,blue,1\n3,red,0\n4,red,1\n")
    missing = tmp_path / "missing.csv"
    missing.write_text("a,b,y\n1,2,0\n3,,1\n5,6,0\n7,8,1\n")
    # values float32 (or float64's statistics) cannot hold: one line, not NaN metrics
    spread = tmp_path / "spread.csv"
    spread.write_text("a,b,y\n" + "".join(f"{(-1) ** i * 1e308},{i},{i % 2}\n" for i in range(20)))
    far_target = tmp_path / "far_target.csv"
    far_target.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{1e39 if i == 2 else i / 2}\n"
                                               for i in range(20)))  # fmt: skip
    far_test = tmp_path / "far_test.npz"  # 1e39 where the training rows lie within ±1.5
    X_test = np.array([[0.0, 0.0], [0.0, 1e39]])
    np.savez(far_test, X=features, y=np.arange(40) % 2, X_test=X_test, y_test=np.array([0, 1]))
    unfinished, swept = tmp_path / "unfinished", tmp_path / "swept"  # no model.msgpack in either
    unfinished.mkdir()
    (unfinished / "config.json").write_text("{}")
    swept.mkdir()
    (swept / "sweep-config.json").write_text("{}")
    cases = [
        (["train", "--data", str(spread)], "the mean or standard deviation of 'a' overflows"),
        (["train", "--data", str(far_target)], "the target 'y' in row 3 is 1e+39, beyond float32"),
        (["train", "--data", str(far_test)], "in row 2 of the given test split lies"),
        (["train", "--data", str(categorical)], "column 'b' is not numeric ('red' in row 1)"),
        (["train", "--data", str(missing)], "missing value in row 2 (line 3), column 'b'"),
        (["train", "--data", str(tiny)], "tiny has 5 rows: too few for a validation split"),
        (["predict", "--run-dir", str(tmp_path), "--data", str(path)], "no run in"),
        (["predict", "--run-dir", str(unfinished), "--data", str(path)], "has not finished"),
        (["predict", "--run-dir", str(swept), "--data", str(path)], "holds a sweep"),
    ]
    for argv, message in cases:
        assert cli.main([*argv, "--run-dir", str(tmp_path / "run")] if argv[0] == "train"
                        else argv) == 2  # fmt: skip
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert cli.main(["train", "--data", str(path), "--run-dir", str(tmp_path / "run"), *QUICK]) == 0
    with pytest.raises(FeatureOutOfRange, match=r"X\[1, 1\] = 1e\+39 lies .* beyond float32's"):
        jd.load_model(tmp_path / "run").predict(X_test)  # a ValueError, with its place:
    assert issubclass(FeatureOutOfRange, ValueError)
    with pytest.raises(ValueError, match="X must hold real numbers, got complex128"):
        jd.load_model(tmp_path / "run").predict(np.ones((2, 2)) + 1j)
    with pytest.raises(FeatureOutOfRange) as raised:
        jd.load_model(tmp_path / "run").predict(X_test[::-1])
    assert (raised.value.row, raised.value.column) == (0, 1)
    far = tmp_path / "far.csv"  # the same through the command line, without the target
    far.write_text("a,b\n0,1\n0,1e39\n")
    assert cli.main(["predict", "--run-dir", str(tmp_path / "run"), "--data", str(far)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"{far}: 'b' in row 2 lies" in err[0], err
    assert not (tmp_path / "run" / "predictions.csv").exists()
    other = tmp_path / "other.csv"
    other.write_text("a,c\n1,2\n")
    argv = ["predict", "--run-dir", str(tmp_path / "run"), "--data", str(other)]
    assert cli.main(argv) == 2
    assert "no column 'b'; the model's features are 'a', 'b'" in capsys.readouterr().err


def test_patience_restores_the_best_epoch_and_the_model_holds_it(tmp_path, capsys):
    """diabetes overfits: --patience 3 stops 3 epochs after the lowest validation loss, the
    report and the model use that epoch's parameters (kept in the checkpoint), and the
    checkpoint's last parameters are those of the last epoch trained."""
    run_dir = tmp_path / "run"
    argv = ["train", "--dataset", "diabetes", "--hidden", "16", "--batch-size", "8", "--epochs",
            "30", "--patience", "3", "--no-progress", "--run-dir", str(run_dir)]  # fmt: skip
    assert cli.main(argv) == 0
    history = json.loads((run_dir / "history.json").read_text())
    best = int(np.argmin(history["val_loss"]))
    assert len(history["epoch"]) == best + 4 < 30
    summary = metrics_of(run_dir)
    assert summary["best_epoch"] == best and summary["epochs"] == best + 4
    out = capsys.readouterr().out
    assert (
        f"stopped early after epoch {best + 4}: the best validation loss was epoch {best + 1}'s"
        in out
    )
    state = load_training_state(run_dir)
    assert state["best"]["epoch"] == best
    model = jd.load_model(run_dir)
    chex.assert_trees_all_equal(model.params, stored_params(state["best"]["params"]))
    assert not np.array_equal(model.params[0]["W"], state["params"]["0"]["W"])
    assert summary["metrics"]["validation"]["loss"] == pytest.approx(
        history["val_loss"][best], rel=1e-6
    )


def test_resume_with_patience_and_a_schedule_is_bit_identical(tmp_path):
    """Killed during a checkpoint write and after the early stop's last checkpoint (before the
    report), a run with --patience and --schedule step resumes to the same parameters,
    optimizer state, early-stopping state, history, metrics and model as an uninterrupted run."""
    options = ["--dataset", "diabetes", "--epochs", "30", "--patience", "3", "--schedule", "step"]
    whole = start(tmp_path / "whole", *options)
    moments = ["replace:checkpoint.msgpack#5", "write:history.json#1"]
    killed = [start(tmp_path / str(i), *options, kill_at=m) for i, m in enumerate(moments)]
    for proc in killed:
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
    resumed = [
        start(tmp_path / str(i), "--dataset", "diabetes", "--resume") for i in range(len(moments))
    ]
    assert whole.communicate() and whole.returncode == 0
    for i, proc in enumerate(resumed):
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert "resuming after epoch" in out
        assert_same_run(tmp_path / "whole", tmp_path / str(i))
        a, b = (load_training_state(tmp_path / d)["best"] for d in ("whole", str(i)))
        chex.assert_trees_all_equal(a, b)
        model = (tmp_path / "whole" / "model.msgpack").read_bytes()
        assert (tmp_path / str(i) / "model.msgpack").read_bytes() == model
    history = json.loads((tmp_path / "whole" / "history.json").read_text())
    assert len(history["epoch"]) < 30  # it did stop early


def test_a_run_stopped_before_its_first_checkpoint_may_take_new_epochs_under_a_schedule(
    tmp_path, monkeypatch, capsys
):
    """Nothing was trained: --resume starts the run again from its config.json, and a new
    --epochs is the span of its schedule."""

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    run_dir = tmp_path / "run"
    run_dir.mkdir()  # Ctrl-C ends the process at once, leaving the directory it created
    argv = ["train", "--dataset", "iris", "--schedule", "cosine", "--run-dir", str(run_dir)]
    monkeypatch.setattr(jd, "fit", stopped)  # stopped as its first epoch begins
    assert cli.main([*argv, *QUICK]) == 130
    monkeypatch.undo()
    assert (run_dir / "config.json").exists() and not (run_dir / "checkpoint.msgpack").exists()
    resume = ["train", "--resume", "--run-dir", str(run_dir), "--epochs", "3", "--no-progress"]
    assert cli.main(resume) == 0
    assert "starting the run from its first epoch" in capsys.readouterr().out
    config = json.loads((run_dir / "metrics.json").read_text())["config"]
    assert (config["epochs"], config["schedule"], config["hidden"]) == (3, "cosine", [8])


def test_resume_refuses_a_changed_data_file_and_new_epochs_under_a_schedule(tmp_path, capsys):
    data = jd.load_dataset("iris")
    path = export_csv(tmp_path / "iris.csv", data.X, data.Y.argmax(axis=1), data.feature_names)
    run_dir = str(tmp_path / "run")
    argv = ["train", "--data", str(path), "--run-dir", run_dir, "--schedule", "cosine", *QUICK]
    assert cli.main(argv) == 0
    resume = ["train", "--resume", "--run-dir", run_dir, "--no-progress"]
    assert cli.main([*resume, "--epochs", "3"]) == 2
    assert "--epochs cannot change on --resume with --schedule cosine" in capsys.readouterr().err
    path.write_text(path.read_text().replace("5.1", "5.2", 1))
    assert cli.main(resume) == 2
    assert "changed since the run started" in capsys.readouterr().err


def test_metrics_in_large_units_keep_the_table_aligned(capsys):
    """Targets in large units (10⁵ and up) print with 4 significant digits, so that every row
    of the metrics table stays as wide as its header, a space between the columns."""
    from jaxdnn.cli.tables import print_metrics
    from jaxdnn.heads import HEADS

    rows = {
        "train": {"loss": 0.5, "rmse": 1.5e10, "mae": 999999.5},
        "test": {"loss": 0.25, "rmse": 12.0, "mae": -3.0e6},
    }
    print_metrics(rows, HEADS["regression"])
    lines = capsys.readouterr().out.splitlines()
    assert len({len(line) for line in lines}) == 1, lines
    assert lines[1].split()[1:] == ["0.5000", "1.5e+10", "1e+06"]
    assert lines[2].split()[1:] == ["0.2500", "12.0000", "-3e+06"]
    rows = {"test": {"loss": 1.0, "rmse": 99999.5, "mae": -9999.5}}  # the widest 4 decimals
    print_metrics(rows, HEADS["regression"])
    assert capsys.readouterr().out.splitlines()[1].split()[1:] == [
        "1.0000",
        "99999.5000",
        "-9999.5000",
    ]
