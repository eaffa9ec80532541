"""The README's Python examples run as written."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3
    assert len(blocks[0].strip().splitlines()) <= 20
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    namespace["test_relu_jacobian"].hypothesis.inner_test(np.array([0.0, -1.0, 2.0]))
    np.testing.assert_allclose(namespace["dW"], np.outer(namespace["g"], namespace["y"]))
    # the data-parallel example (the suite's CPU has 8 devices): 3 epochs on 4 of them
    assert namespace["history"]["epoch"] == [0, 1, 2]
    assert len(namespace["params"][0]["W"].sharding.device_set) == 4
