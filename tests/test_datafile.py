"""Reading your own data: CSV and NPZ files into data sets, the task inferred, bad files refused
with the file, row and column named."""

import numpy as np
import pytest

from jaxdnn.datafile import DataFileError, class_indices, read_data, read_features


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_string_labels_is_multiclass_with_names_kept(tmp_path):
    """String labels become classes in alphabetical order, one-hot rows; the target is the last
    column by default; quoted fields and spaces around numbers parse."""
    path = write(
        tmp_path / "flowers.csv",
        'petal length,"width, cm",species\n1.5, 0.25,setosa\n4.0,1.5,versicolor\n'
        "5.5,2.0,virginica\n1.25,0.5,setosa\n",
    )
    data = read_data(path)
    assert (data.name, data.task, data.target_name) == ("flowers", "multiclass", "species")
    assert data.feature_names == ("petal length", "width, cm")
    assert data.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(data.X, [[1.5, 0.25], [4.0, 1.5], [5.5, 2.0], [1.25, 0.5]])
    np.testing.assert_array_equal(data.Y, np.eye(3)[[0, 1, 2, 0]])
    assert data.loss == "softmax_cross_entropy" and data.test is None


def test_two_classes_are_binary_and_integer_labels_sort_numerically(tmp_path):
    """Two string classes give the sigmoid head (a 0/1 column, the second name positive);
    integer labels sort as numbers (2 before 10), and --target picks any column."""
    path = write(tmp_path / "b.csv", "y,x\nyes,1\nno,2\nyes,3\nno,4\n")
    data = read_data(path, target="y")
    assert (data.task, data.class_names, data.feature_names) == ("binary", ("no", "yes"), ("x",))
    np.testing.assert_array_equal(data.Y, [[1.0], [0.0], [1.0], [0.0]])
    path = write(tmp_path / "i.csv", "x,label\n1,10\n2,2\n3,10\n4,2\n5,3\n6,3\n")
    data = read_data(path)
    assert (data.task, data.class_names) == ("multiclass", ("2", "3", "10"))
    np.testing.assert_array_equal(data.Y.argmax(axis=1), [2, 0, 2, 0, 1, 1])


def test_real_target_is_regression_and_task_can_be_forced(tmp_path):
    path = write(tmp_path / "r.csv", "a,b,price\n1,2,3.5\n2,3,4.25\n3,4,1e3\n4,5,-2.0\n")
    data = read_data(path)
    assert (data.task, data.class_names) == ("regression", ())
    np.testing.assert_array_equal(data.Y, [[3.5], [4.25], [1000.0], [-2.0]])
    counts = write(tmp_path / "c.csv", "a,n\n1,3\n2,5\n3,8\n4,13\n")  # integers seen once
    with pytest.raises(DataFileError, match=r"looks like a measurement.*--task regression"):
        read_data(counts)
    assert read_data(counts, task="regression").task == "regression"
    assert read_data(counts, task="multiclass").class_names == ("3", "5", "8", "13")
    with pytest.raises(DataFileError, match="binary classification needs two classes"):
        read_data(counts, task="binary")
    with pytest.raises(DataFileError, match="regression needs a numeric target"):
        read_data(write(tmp_path / "s.csv", "a,s\n1,x\n2,y\n3,x\n"), task="regression")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,y\n1,2,0\n3,,1\n5,6,0\n", r"missing value in row 2 \(line 3\), column 'b'"),
        ("a,b,y\n1,2,0\n3,NA,1\n5,6,0\n", r"missing value in row 2 \(line 3\), column 'b'"),
        ("a,b,y\n1,2,0\n3,4,1\n5,nan,0\n", r"missing value in row 3 \(line 4\), column 'b'"),
        ("a,b,y\n1,2,0\n3,4,\n5,6,0\n", r"missing value in row 2 \(line 3\), column 'y'"),
        ("a,b,y\n1,2,0\n3,inf,1\n5,6,0\n", r"row 2, column 'b': 'inf' is not a finite number"),
        ("a,colour,y\n1,red,0\n3,blue,1\n5,red,0\n", r"column 'colour' is not numeric \('red'"),
        ("a,b,y\n1,2,0\n3,4\n5,6,0\n", r"row 2 \(line 3\) has 2 fields; the header has 3"),
        ("a,a,y\n1,2,0\n", "names column 'a' twice"),
        ("a,,y\n1,2,0\n", "column 2 has no name"),
        ("", "empty file"),
        ("a,b,y\n", "a header and no rows"),
        ("a,b,y\n1,2,0\n3,4,1\n", "2 rows; training needs at least 3"),
        ("a,b,y\n1,2,0\n3,4,0\n5,6,0\n", "holds one class"),
    ],
)
def test_bad_csv_files_are_refused_naming_row_and_column(tmp_path, text, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataFileError, match=message) as error:
        read_data(path)
    assert str(path) in str(error.value)


def test_unknown_target_column_is_named(tmp_path):
    path = write(tmp_path / "d.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    with pytest.raises(DataFileError, match=r"no column 'label'; the columns are 'a', 'b', 'y'"):
        read_data(path, target="label")
    with pytest.raises(DataFileError, match="no such file"):
        read_data(tmp_path / "absent.csv")


def test_npz_with_a_given_test_split_and_string_labels(tmp_path):
    rng = np.random.default_rng(0)
    X, X_test = rng.normal(size=(20, 3)), rng.normal(size=(6, 3))
    y = np.array(["cat", "dog", "emu", "dog"] * 5)
    path = tmp_path / "animals.npz"
    np.savez(path, X=X, y=y, X_test=X_test, y_test=y[:6])
    data = read_data(path)
    assert (data.task, data.class_names, data.feature_names) == (
        "multiclass",
        ("cat", "dog", "emu"),
        ("x0", "x1", "x2"),
    )
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.test[0], X_test)
    np.testing.assert_array_equal(data.test[1].argmax(axis=1), [0, 1, 2, 1, 0, 1])
    np.savez(path, X=X, y=np.arange(20) / 7)  # floats: regression
    assert read_data(path).task == "regression"


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((5, 2))}, "no array 'y'"),
        ({"X": np.zeros(5), "y": np.zeros(5)}, r"X must be a matrix \(n, m\)"),
        ({"X": np.zeros((5, 2)), "y": np.zeros(4)}, r"y must have shape \(5,\)"),
        ({"X": np.array([[1.0, np.nan]] * 5), "y": np.arange(5) % 2}, "missing value .* row 1"),
        ({"X": np.array([["a", "b"]] * 5), "y": np.arange(5) % 2}, "holds <U1 values"),
        (  # a cast to float64 would drop the imaginary parts
            {"X": np.ones((5, 2)) + 1j, "y": np.arange(5) % 2},
            "X holds complex128 values; jaxdnn takes real features",
        ),
        ({"X": np.ones((5, 2)), "y": np.arange(5) + 0j}, "y holds complex128 values"),
        ({"X": np.zeros((5, 2)), "y": np.arange(5) % 2, "X_test": np.zeros((2, 2))}, "together"),
        (
            {
                "X": np.zeros((6, 2)),
                "y": np.arange(6) % 2,
                "X_test": np.zeros((2, 2)),
                "y_test": np.array([0, 5]),
            },  # fmt: skip
            "y_test holds the class '5'",
        ),
    ],
)
def test_bad_npz_files_are_refused_naming_the_array(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataFileError, match=message):
        read_data(path)


def test_features_to_predict_are_found_by_name_and_the_target_is_optional(tmp_path):
    path = write(tmp_path / "new.csv", "b,extra,a\n2,x,1\n4,y,3\n")
    X, labels = read_features(path, ("a", "b"), "label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    assert labels is None
    with pytest.raises(DataFileError, match="no column 'c'"):
        read_features(path, ("a", "c"), "label")


def test_class_indices_names_an_unknown_label():
    np.testing.assert_array_equal(
        class_indices(np.array(["b", " a", "c"]), ("c", "a", "b")), [2, 1, 0]
    )
    with pytest.raises(ValueError, match="labels holds the class 'd'"):
        class_indices(np.array(["a", "d"]), ("a", "b"))
