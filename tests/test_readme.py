"""The README's Python examples run as pasted: each block in a fresh interpreter with JAX's
default configuration (float32 unless the block asks for float64, default promotion rules), not
in this suite's strict process. (The tutorials of the documentation site run when the site is
built, in CI's docs job.)"""

import pathlib
import re
import subprocess
import sys

from conftest import SUBPROCESS_ENV

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)

# How each block runs, and what is checked after it (appended, the block itself is unchanged).
CHECKS = {
    0: "import numpy as np\nnp.testing.assert_allclose(dW, np.outer(g, y))\n",
}


def _run(args, cwd):
    env = dict(SUBPROCESS_ENV)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)


def test_readme_has_the_blocks_this_test_knows():
    assert len(BLOCKS) == 2
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
