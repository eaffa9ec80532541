"""The docstrings' examples run as written, in JAX's default configuration (float32, default
rank promotion) as a user pastes them: one fresh interpreter runs every ``>>>`` example of the
public API under doctest."""

import subprocess
import sys

from conftest import SUBPROCESS_ENV

RUN_EXAMPLES = r"""
import doctest, importlib, inspect
import jax, jax.numpy as jnp
import jaxdnn, jaxdnn.testing

found, failed = 0, []
for module in ("jaxdnn", "jaxdnn.testing", "jaxdnn.devices", "jaxdnn.catalogue.oracle"):
    module = importlib.import_module(module)
    for name in module.__all__:
        doc = inspect.getdoc(getattr(module, name)) or ""
        if ">>>" not in doc:
            continue
        found += 1
        test = doctest.DocTestParser().get_doctest(
            doc, {"jax": jax, "jnp": jnp, "jaxdnn": jaxdnn}, name, None, 0
        )
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        if runner.failures:
            failed.append(name)
print(found, "examples;", "failed:", failed)
"""


def test_every_docstring_example_runs_as_written():
    out = subprocess.run(
        [sys.executable, "-c", RUN_EXAMPLES],
        env=SUBPROCESS_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("failed: []"), out.stdout + out.stderr
    # fit, sweep, backprop, the optimizers, the metrics, the assertions of jaxdnn.testing …
    assert int(out.stdout.split()[-4]) >= 14, out.stdout
