"""The README's Python examples run as pasted: each block in a fresh interpreter with JAX's
default configuration (float32 unless the block asks for float64, default promotion rules), not
in this suite's strict process."""

import pathlib
import re
import subprocess
import sys

from conftest import SUBPROCESS_ENV

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
OWN_DATA = re.search(
    r"## Your own data\n.*?```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S
)

# How each block runs, and what is checked after it (appended, the block itself is unchanged).
CHECKS = {
    0: "import numpy as np\nnp.testing.assert_allclose(dW, np.outer(g, y))\n",
    2: (
        "assert history['epoch'] == [0, 1, 2], history\n"
        "assert len(params[0]['W'].sharding.device_set) == 4\n"
    ),
}


def _run(args, cwd, extra_env=None):
    env = dict(SUBPROCESS_ENV) | (extra_env or {})
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def test_readme_has_the_blocks_this_test_knows():
    assert len(BLOCKS) == 4 and OWN_DATA is not None
    assert len(BLOCKS[0].strip().splitlines()) <= 20  # "the functional API in 20 lines"


def test_functional_api_block_runs_as_pasted(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(BLOCKS[0] + CHECKS[0], encoding="utf-8")
    result = _run([sys.executable, str(script)], tmp_path)
    assert result.returncode == 0, result.stderr


def test_property_test_block_passes_under_pytest_with_hypothesis(tmp_path):
    """Saved as test_relu.py and run by pytest, as the README says: hypothesis runs its examples
    (the deadline would fail the first, compiling, example without jt.jax_settings)."""
    (tmp_path / "test_relu.py").write_text(BLOCKS[1], encoding="utf-8")
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b1 passed\b", result.stdout), result.stdout


def test_data_parallel_block_runs_on_a_cpu_split_into_4_devices(tmp_path):
    """The CPU split the README describes (XLA_FLAGS set before JAX starts)."""
    script = tmp_path / "data_parallel.py"
    script.write_text(BLOCKS[2] + CHECKS[2], encoding="utf-8")
    flags = SUBPROCESS_ENV.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    result = _run([sys.executable, str(script)], tmp_path, {"XLA_FLAGS": flags.strip()})
    assert result.returncode == 0, result.stderr


def test_own_data_blocks_train_on_a_file_predict_and_load_the_model(tmp_path):
    """The shell block of "Your own data" pasted into bash (the jaxdnn and python of this
    environment first on the PATH), then the Python block in the same directory: the file is
    written, trained on, predicted, and the model loads and scores it."""
    env = {"PATH": f"{pathlib.Path(sys.executable).parent}:{SUBPROCESS_ENV.get('PATH', '')}"}
    assert OWN_DATA is not None
    shell = _run(["bash", "-e", "-c", OWN_DATA[1]], tmp_path, env)
    assert shell.returncode == 0, shell.stderr
    assert "tumours (binary, 2 classes, 398 train / 86 validation / 85 test)" in shell.stdout
    assert shell.stdout.splitlines()[-3] == "diagnosis,p_benign,p_malignant"  # head -3
    rows = (tmp_path / "predictions.csv").read_text().splitlines()
    assert len(rows) == 570 and rows[0] == "diagnosis,p_benign,p_malignant"
    script = tmp_path / "own_data.py"
    script.write_text(BLOCKS[3] + "assert model.metrics(X, y)['accuracy'] > 0.9\n")
    result = _run([sys.executable, str(script)], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "('benign', 'malignant')" in result.stdout
