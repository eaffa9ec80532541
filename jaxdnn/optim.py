"""Gradient-descent updates over parameter pytrees (catalogue §2.I P-GD-STEP-004)."""

from __future__ import annotations

from typing import Any

import jax
from jax.typing import ArrayLike

__all__ = ["gd_step"]

PyTree = Any


@jax.jit
def gd_step(params: PyTree, grads: PyTree, learning_rate: ArrayLike) -> PyTree:
    """One gradient-descent step θ ← θ − α·∂C/∂θ for every parameter θ of the pytree.

    Each weight and each bias moves against the sign of its own partial derivative: −∇C is the
    direction of steepest descent, ∇C that of steepest ascent (E-17); every parameter is paired
    with its own partial (E-18).

    P-GD-STEP-004 (004_6f61966887c71a84.txt "Gradient descent algorithm";
    002_0dd137535febb580.txt §6; corrected E-17, E-18).
    """
    return jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)
