"""jaxdnn: the mathematics of dense neural networks as pure, jit-compiled JAX functions.

Every activation, loss and layer sits beside its closed-form Jacobian or gradient, each checked
against ``jax.grad`` / ``jax.jacfwd`` in the test suite. Conventions (row vectors, ``W`` of
shape (out, in), ReLU′(0) = 0) follow the documents cited in each docstring. The top-level
namespace gathers the public names of the modules below; ``jaxdnn.testing`` (hypothesis
strategies and assertions) and ``jaxdnn.devices`` (device choice, data-parallel meshes) are
imported on their own.
"""

import importlib

from jaxdnn._version import __version__
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

# module objects under private names: `dense`, `backprop` and `sweep` are also function names
_MODULES = tuple(
    importlib.import_module(f"jaxdnn.{name}")
    for name in (
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
)
__all__ = ["__version__", *(name for module in _MODULES for name in module.__all__)]
