"""The public API: importable from the top level, typed, documented with ID and source."""

import inspect
import re
import subprocess
import sys
import typing

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxdnn as jd


def _unwrap(obj):
    return getattr(obj, "__wrapped__", obj)


PUBLIC = [name for name in jd.__all__ if name != "__version__"]
FUNCTIONS = [
    name
    for name in PUBLIC
    if inspect.isfunction(getattr(getattr(jd, name), "__wrapped__", getattr(jd, name)))
]
CLASSES = [name for name in PUBLIC if inspect.isclass(getattr(jd, name))]
SOURCES = re.compile(r"00[0-4]_[0-9a-f]{16}\.txt")
CATALOGUE_ID = re.compile(r"\bP-[A-Z0-9]+(?:-[A-Z0-9]+)*")
INFRASTRUCTURE = (
    "jaxdnn.checkpoint",
    "jaxdnn.data",
    "jaxdnn.datafile",
    "jaxdnn.model",
    "jaxdnn.validation",
)
"""Modules that state no mathematics (checkpoints, data sets and files, saved models, argument
validation):
their docstrings say what they do instead of citing a catalogue ID and a source."""
MATHEMATICS = [n for n in FUNCTIONS if _unwrap(getattr(jd, n)).__module__ not in INFRASTRUCTURE]


def test_version_is_exposed():
    assert re.fullmatch(r"\d+\.\d+\.\d+", jd.__version__)


def test_import_in_a_fresh_interpreter_prints_the_version():
    out = subprocess.run(
        [sys.executable, "-c", "import jaxdnn as jd; print(jd.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == jd.__version__
    for module in ("jaxdnn.cli", "jaxdnn"):  # python -m jaxdnn is the command too
        command = subprocess.run(
            [sys.executable, "-m", module, "--version"], capture_output=True, text=True
        )
        assert (command.returncode, command.stdout) == (0, f"jaxdnn {jd.__version__}\n")


EXTRAS_BLOCKED = (
    "import sys\n"
    "for name in ('sklearn', 'matplotlib', 'tqdm', 'hypothesis', 'mpmath', 'flax'):\n"
    "    sys.modules[name] = None  # as if not installed\n"
)


def _python(script: str) -> tuple[list[str], list[str]]:
    """Run ``script`` in a fresh interpreter; its stdout and stderr lines (exit status 0)."""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines(), out.stderr.splitlines()


def test_every_submodule_named_like_a_public_name_is_declared_shadowed():
    import pkgutil

    submodules = {info.name for info in pkgutil.iter_modules(jd.__path__)}
    assert submodules & set(jd.__all__) == jd._SHADOWED


def test_the_namespace_loads_on_first_use_and_argument_errors_need_no_jax():
    """``import jaxdnn`` and the command line's argument checks start no JAX; a submodule
    imported first leaves ``jaxdnn.dense`` (and the other shadowed names) the function."""
    script = (
        "import sys\n"
        "import jaxdnn, jaxdnn.cli\n"
        "from jaxdnn.cli import main\n"
        "codes = [main(a) for a in (['train', '--lr', '0'], ['sweep', '--epochs', '0'],\n"
        "                           ['verify', '--jobs', '0'])]\n"
        "print(codes, 'jax' in sys.modules)\n"
        "import jaxdnn.dense, jaxdnn.sweep, jaxdnn.backprop, jaxdnn.neuron\n"
        "from jaxdnn import metrics\n"
        "print([callable(getattr(jaxdnn, n)) for n in sorted(jaxdnn._SHADOWED)],\n"
        "      metrics.__name__, jaxdnn.testing.__name__, len(jaxdnn.__all__) > 100)\n"
        "try:\n"
        "    jaxdnn.no_such_name\n"
        "except AttributeError as error:\n"
        "    print(error)\n"
    )
    stdout, stderr = _python(script)
    assert stdout == [
        "[2, 2, 2] False",
        "[True, True, True, True] jaxdnn.metrics jaxdnn.testing True",
        "module 'jaxdnn' has no attribute 'no_such_name'",
    ]
    assert stderr == [
        "jaxdnn: error: --lr must be a finite number > 0, got 0.0",
        "jaxdnn: error: --epochs must lie in [1, 2147483647], got 0",
        "jaxdnn: error: --jobs must be at least 1, got 0",
    ]


def test_the_functional_api_imports_without_the_extras_and_each_command_names_its_own():
    """Without scikit-learn, matplotlib, tqdm, hypothesis and mpmath, ``import jaxdnn`` and a
    gradient work; jaxdnn train and jaxdnn verify stop with one line naming the pip install of
    their extra (exit status 1), and load_dataset raises naming scikit-learn."""
    script = EXTRAS_BLOCKED + (
        "import jax, jaxdnn as jd\n"
        "params = jd.init_params(jax.random.PRNGKey(0), (2, 3))\n"
        "jd.backprop(params, jax.numpy.ones(2), jax.numpy.array([1.0, 0.0, 0.0]))\n"
        "try:\n"
        "    jd.load_dataset('iris')\n"
        "except ModuleNotFoundError as error:\n"
        "    print(error)\n"
        "from jaxdnn import cli\n"
        "print(cli.main(['train']), cli.main(['verify', '--list']))\n"
    )
    stdout, stderr = _python(script)
    assert stdout == [
        "load_dataset (the data sets ship with scikit-learn) needs scikit-learn (not installed): "
        "pip install 'jaxdnn[cli]'",
        "1 1",
    ]
    assert stderr == [
        "jaxdnn: error: jaxdnn train needs scikit-learn, matplotlib, tqdm (not installed): "
        "pip install 'jaxdnn[cli]'",
        "jaxdnn: error: jaxdnn verify needs hypothesis, mpmath, scikit-learn (not installed): "
        "pip install 'jaxdnn[testing]'",
    ]


def test_every_public_name_is_a_function_class_or_a_registry():
    assert set(PUBLIC) == set(FUNCTIONS) | set(CLASSES) | {"LOSS_HEADS", "HEADS", "DATASETS"}


@pytest.mark.parametrize("name", CLASSES)
def test_public_class_has_docstring_with_catalogue_id_and_source(name):
    doc = inspect.getdoc(getattr(jd, name)) or ""
    assert CATALOGUE_ID.search(doc) and SOURCES.search(doc), name


@pytest.mark.parametrize("name", MATHEMATICS)
def test_public_function_has_docstring_with_catalogue_id_and_source(name):
    """Every public mathematical function documents its formula with a catalogue ID and a
    source document."""
    doc = inspect.getdoc(getattr(jd, name)) or ""
    assert CATALOGUE_ID.search(doc), f"{name}: no catalogue ID in its docstring"
    assert SOURCES.search(doc), f"{name}: no source document in its docstring"


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - set(MATHEMATICS)))
def test_infrastructure_function_says_what_it_does(name):
    """Checkpoints, data sets and validation state no mathematics: their public functions need a
    docstring of at least one sentence, not a catalogue ID."""
    doc = inspect.getdoc(getattr(jd, name)) or ""
    assert len(doc.split()) >= 5 and "." in doc, name


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_function_has_type_hints(name):
    """Every parameter and the return value carry a type hint."""
    fn = _unwrap(getattr(jd, name))
    hints = typing.get_type_hints(fn)
    params = [
        p
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in hints
    ]
    missing = [p.name for p in params if p.name not in hints]
    assert not missing, f"{name}: parameters without a type hint: {missing}"
    assert "return" in hints, f"{name}: no return type hint"


ARRAY_FUNCTIONS = {
    "relu": (jnp.array([[1.0, -2.0], [0.0, 3.0]]),),
    "softmax_jacobian": (jnp.array([0.1, 0.2, 0.7]),),
    "dense": (jnp.ones((2, 3)), jnp.ones((4, 3)), jnp.ones(4)),
    "softmax_cross_entropy": (jnp.ones((2, 3)), jnp.eye(3)[:2]),
    "relu_dense_backward": (jnp.ones(4), jnp.ones(3), jnp.ones((4, 3)), jnp.ones(4)),
}


@pytest.mark.parametrize("name", list(ARRAY_FUNCTIONS))
def test_public_functions_are_jit_compatible(name):
    """Catalogue §1.8: jax.jit(f)(*args) equals f(*args)."""
    fn, args = getattr(jd, name), ARRAY_FUNCTIONS[name]
    for a, b in zip(jax.tree.leaves(jax.jit(fn)(*args)), jax.tree.leaves(fn(*args)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
