"""jaxdnn: the mathematics of dense neural networks as pure, jit-compiled JAX functions.

Every activation, loss and layer sits beside its closed-form Jacobian or gradient, each checked
against ``jax.grad`` / ``jax.jacfwd`` in the test suite. Conventions (row vectors, ``W`` of
shape (out, in), ReLU′(0) = 0) follow the documents cited in each docstring. The top-level
namespace gathers the public names of the modules below; ``jaxdnn.testing`` (hypothesis
strategies and assertions) and ``jaxdnn.devices`` (device choice, data-parallel meshes) are
imported on their own.

The modules load on first use of any top-level name, not at ``import jaxdnn``: the command line
answers ``--help`` and refuses bad arguments without starting JAX.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

from jaxdnn._version import __version__ as __version__

if TYPE_CHECKING:  # the namespace as it is once loaded, for type checkers
    from jaxdnn.activations import *  # noqa: F403
    from jaxdnn.backprop import *  # noqa: F403
    from jaxdnn.calculus import *  # noqa: F403
    from jaxdnn.checkpoint import *  # noqa: F403
    from jaxdnn.data import *  # noqa: F403
    from jaxdnn.datafile import *  # noqa: F403
    from jaxdnn.dense import *  # noqa: F403
    from jaxdnn.heads import *  # noqa: F403
    from jaxdnn.linear_models import *  # noqa: F403
    from jaxdnn.losses import *  # noqa: F403
    from jaxdnn.matrices import *  # noqa: F403
    from jaxdnn.metrics import *  # noqa: F403
    from jaxdnn.model import *  # noqa: F403
    from jaxdnn.network import *  # noqa: F403
    from jaxdnn.neuron import *  # noqa: F403
    from jaxdnn.optim import *  # noqa: F403
    from jaxdnn.simplified import *  # noqa: F403
    from jaxdnn.sweep import *  # noqa: F403
    from jaxdnn.theory import *  # noqa: F403
    from jaxdnn.train import *  # noqa: F403
    from jaxdnn.validation import *  # noqa: F403
    from jaxdnn.worked_examples import *  # noqa: F403

_MODULE_NAMES = (
    "activations",
    "calculus",
    "matrices",
    "dense",
    "simplified",
    "losses",
    "network",
    "backprop",
    "optim",
    "theory",
    "linear_models",
    "train",
    "sweep",
    "data",
    "datafile",
    "heads",
    "model",
    "metrics",
    "checkpoint",
    "validation",
    "neuron",
    "worked_examples",
)
"""The modules whose public names (their ``__all__``) make up the top-level namespace."""

_SHADOWED = frozenset({"backprop", "dense", "neuron", "sweep"})
"""Module names that are also names of functions: ``jaxdnn.dense`` is the function."""


def _load() -> None:
    """Import every module of :data:`_MODULE_NAMES` and bind its public names here."""
    namespace = globals()
    modules = tuple(importlib.import_module(f"jaxdnn.{name}") for name in _MODULE_NAMES)
    for module in modules:
        namespace.update({name: getattr(module, name) for name in module.__all__})
    # module objects under private names: `dense`, `backprop`, `neuron` and `sweep` are also
    # function names
    namespace["_MODULES"] = modules
    namespace["__all__"] = ["__version__", *(n for m in modules for n in m.__all__)]


def __getattr__(name: str) -> Any:
    """A submodule (``jaxdnn.metrics``, ``from jaxdnn import testing``) loads alone; any other
    name loads the namespace."""
    if name.startswith("__") and name != "__all__":  # __path__, __file__, … are set
        raise AttributeError(f"module 'jaxdnn' has no attribute {name!r}")
    if name not in _SHADOWED and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    if "_MODULES" not in globals():
        _load()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module 'jaxdnn' has no attribute {name!r}")


def __dir__() -> list[str]:
    if "_MODULES" not in globals():
        _load()
    return sorted(globals())


class _Namespace(types.ModuleType):
    """Importing ``jaxdnn.dense`` (or another of :data:`_SHADOWED`) before the namespace loads
    would make ``jaxdnn.dense`` that module; the function's name is kept for the function."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Namespace
