"""Matrices and helpers in the row-vector convention (catalogue §2.A).

A vector of ℝⁿ is a row, stored as an array of shape ``(n,)``; an m-tuple of vectors of ℝⁿ is
the m×n matrix whose row i is vector i (001_602cbf05fdb6a620.txt Convention 2). Indices in the
documents are 1-based, indices in code 0-based.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

__all__ = [
    "stack_rows",
    "matmul",
    "scalar_mul",
    "identity_matrix",
    "row_norm",
    "kronecker_delta",
    "indicator_positive",
]


def stack_rows(vectors: Sequence[ArrayLike]) -> Array:
    """Stack m row vectors of ℝⁿ into the m×n matrix whose row i is vector i.

    ``stack_rows([x_1, …, x_m])[i - 1] == x_i``.

    P-MAT-ROWVEC (001_602cbf05fdb6a620.txt Convention 2; 000_e9869ddaa8874969.txt Convention).

    Args:
        vectors: m rows, each ``(n,)``.

    Returns:
        The ``(m, n)`` matrix.
    """
    rows = [jnp.asarray(v) for v in vectors]
    if not rows or any(r.ndim != 1 or r.shape != rows[0].shape for r in rows):
        raise ValueError(
            "vectors must be one or more vectors of one length, got shapes "
            f"{[tuple(r.shape) for r in rows]}"
        )
    return jnp.stack(rows, axis=0)


@jax.jit
def matmul(A: ArrayLike, B: ArrayLike) -> Array:
    """Matrix product $C = AB ∈ M_{n,p}$ of A ∈ M_{n,m} and B ∈ M_{m,p}.

    $C_ij = Σ_{k=1}^{m} A_ik B_kj$: the sum runs over the inner dimension m.

    P-MAT-PRODUCT (001_602cbf05fdb6a620.txt Notation 2, corrected E-08: the document sums k up
    to n, the number of rows of A; 000_e9869ddaa8874969.txt §2 gives the shape as m×p).

    Raises:
        ValueError: if A or B is not a matrix or the inner dimensions differ.

    Args:
        A: an ``(n, m)`` matrix.
        B: an ``(m, p)`` matrix.

    Returns:
        The ``(n, p)`` product.
    """
    A, B = jnp.asarray(A), jnp.asarray(B)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"matmul: A and B must be matrices, got shapes {A.shape} and {B.shape}")
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            f"matmul: inner dimensions differ: A has shape {A.shape}, B has shape {B.shape}"
        )
    return jnp.einsum("ik,kj->ij", A, B)


@jax.jit
def scalar_mul(a: ArrayLike, B: ArrayLike) -> Array:
    """Scalar multiplication $(a·B)_ij = a·B_ij$, with $a·B = B·a$.

    P-MAT-SCALAR (000_e9869ddaa8874969.txt §2, where it is called an "element wise product";
    003_4420902fd2b6113f.txt "scalar wise product").

    Args:
        a: a scalar.
        B: an array.

    Returns:
        a·B, of B's shape.
    """
    return jnp.asarray(a) * jnp.asarray(B)


def identity_matrix(n: int, dtype: jnp.dtype | None = None) -> Array:
    """The identity matrix I_n: $(I_n)_ij = δ_ij$, with $I_n·A = A = A·I_m$.

    P-MAT-TRANSPOSE-ID (001_602cbf05fdb6a620.txt Notations 3–4).

    Args:
        n: the size.
        dtype: the dtype (default JAX's default float).

    Returns:
        The ``(n, n)`` identity.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return jnp.eye(int(n), dtype=dtype)


def as_floating(z: ArrayLike) -> Array:
    """``z`` as a JAX array of a floating dtype: integers become the default float (float32, or
    float64 with ``jax_enable_x64``); floating arrays keep their dtype."""
    z = jnp.asarray(z)
    return z if jnp.issubdtype(z.dtype, jnp.inexact) else z.astype(jnp.result_type(float))


@jax.jit
def row_norm(a: ArrayLike) -> Array:
    """Euclidean norm of a row vector: $‖a‖_n = √(a·aᵀ)$, computed as s·√((a/s)·(a/s)ᵀ) with
    s = max_i abs(a_i), finite and accurate from 1e−300 to 1e300.

    Not differentiable at a = 0; differentiate ‖a‖² = a·aᵀ instead.

    P-MAT-NORM (001_602cbf05fdb6a620.txt Notation 5).

    Args:
        a: a row vector ``(n,)``.

    Returns:
        ‖a‖, a scalar.
    """
    a = as_floating(a)
    if a.ndim != 1:
        raise ValueError(f"a must be a row vector (n,), got shape {a.shape}")
    # s·‖a/s‖ with s = max abs(a_i): a·aᵀ itself overflows for entries near 1e155 and
    # underflows for entries near 1e−155; s is held out of autodiff (the norm is homogeneous)
    s = jax.lax.stop_gradient(jnp.max(jnp.abs(a), initial=0.0))
    safe = jnp.where(s > 0, s, 1.0)
    scaled = a / safe
    return jnp.where(s > 0, safe * jnp.sqrt(scaled @ scaled), 0.0)


@jax.jit
def kronecker_delta(i: ArrayLike, j: ArrayLike) -> Array:
    """Kronecker delta: $δ_ij = 1$ if i = j, else 0 (an integer array).

    P-UTIL-KRONECKER (001_602cbf05fdb6a620.txt Notation 9).

    Args:
        i: an integer array.
        j: an integer array, broadcast against i.

    Returns:
        δ_ij, an integer array.
    """
    return (jnp.asarray(i) == jnp.asarray(j)).astype(jnp.int32)


@jax.jit
def indicator_positive(z: ArrayLike) -> Array:
    """Element-wise indicator of ℝ^{+*}: $𝟙[z > 0] = 1$ if z > 0 else 0, in z's dtype.

    ``0.0`` and ``-0.0`` map to 0. XLA on CPU flushes subnormal inputs to zero, so a subnormal
    positive z maps to 0 as well; the smallest normal number ``finfo.tiny`` maps to 1.

    P-UTIL-INDICATOR (001_602cbf05fdb6a620.txt Notation 10 and Assumption 1;
    000_e9869ddaa8874969.txt 𝟙_{ℝ⁺∖{0}}).

    Args:
        z: any real array.

    Returns:
        𝟙[z > 0], of z's shape and dtype.
    """
    z = jnp.asarray(z)
    return (z > 0).astype(z.dtype)
