"""Matrices and helpers (catalogue §2.A; errata E-08, E-40)."""

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxdnn as jd
import jaxdnn.testing as jt

TINY = float(np.finfo(np.float64).tiny)
dims = st.sampled_from([1, 2, 3, 5])


@given(st.integers(1, 4), dims, st.data())
def test_P_MAT_ROWVEC_stack_rows(m, n, data):
    """P-MAT-ROWVEC: m vectors of ℝⁿ stack into an m×n matrix whose row i is vector i."""
    xs = [data.draw(jt.vectors(size=n)) for _ in range(m)]
    X = np.asarray(jd.stack_rows(xs))
    assert X.shape == (m, n)
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(X[i], x)


def test_P_MAT_ENTRY_E40_row_and_column_lengths():
    """P-MAT-ENTRY, E-40: for A ∈ M_{n,m} with n ≠ m, a row A_{i,:} has m entries and a column
    A_{:,j} has n entries (001 Notation 1 writes the row with n entries)."""
    n, m = 2, 5
    A = jnp.arange(n * m, dtype=jnp.float64).reshape(n, m)
    assert A[1, :].shape == (m,)
    assert A[:, 3].shape == (n,)
    assert float(A[1, 3]) == 1 * m + 3  # a_{2,4} in the document's 1-based indexing


@given(dims, dims, dims, st.data())
def test_P_MAT_PRODUCT_equals_triple_loop(n, m, p, data):
    """P-MAT-PRODUCT: C = AB ∈ M_{n,p}, C_ij = Σ_{k=1}^{m} A_ik B_kj (inner dimension m)."""
    A = data.draw(jt.vectors(size=(n, m)))
    B = data.draw(jt.vectors(size=(m, p)))
    C = np.asarray(jd.matmul(A, B))
    loop = np.array(
        [[sum(A[i, k] * B[k, j] for k in range(m)) for j in range(p)] for i in range(n)]
    )
    assert C.shape == (n, p)
    jt.assert_close(C, loop)
    jt.assert_close(C, A @ B)


def test_P_MAT_PRODUCT_rejects_mismatched_inner_dimensions():
    """P-MAT-PRODUCT: mismatched inner dimensions raise a ValueError naming the shapes."""
    with pytest.raises(ValueError, match=r"inner dimensions differ.*\(2, 3\).*\(2, 4\)"):
        jd.matmul(jnp.ones((2, 3)), jnp.ones((2, 4)))


def test_P_MAT_PRODUCT_E08_sum_over_inner_dimension():
    """E-08: A ∈ M_{2,3}, B ∈ M_{3,4}: summing k = 1…2 (n, as printed) drops the third term;
    the product has shape (2, 4), not (3, 4)."""
    A = jnp.arange(1.0, 7.0).reshape(2, 3)
    B = jnp.arange(1.0, 13.0).reshape(3, 4)
    printed = np.einsum("ik,kj->ij", np.asarray(A)[:, :2], np.asarray(B)[:2, :])
    C = np.asarray(jd.matmul(A, B))
    assert C.shape == (2, 4)
    np.testing.assert_array_equal(C, np.asarray(A) @ np.asarray(B))
    assert not np.allclose(C, printed)


@given(
    jt.finite_floats(-10, 10) | st.sampled_from([0.0, -0.0]),
    jt.vectors(size=(2, 3)),
    jt.vectors(size=(2, 3)),
    jt.finite_floats(-10, 10),
)
def test_P_MAT_SCALAR_commutative_and_linear(a, B, C, c):
    """P-MAT-SCALAR: (a·B)_ij = a·B_ij; a·B = B·a; linear in a and in B."""
    jt.assert_close(jd.scalar_mul(a, B), a * B)  # close: XLA flushes subnormal products
    np.testing.assert_array_equal(jd.scalar_mul(a, B), jd.scalar_mul(B, a))
    jt.assert_close(jd.scalar_mul(a, B + C), a * B + a * C)
    jt.assert_close(jd.scalar_mul(a + c, B), a * B + c * B)


@given(dims, dims, dims, st.data())
def test_P_MAT_TRANSPOSE_ID_identities(n, m, p, data):
    """P-MAT-TRANSPOSE-ID: (AB)ᵀ = BᵀAᵀ and I_n·A = A = A·I_m (exact with integer entries)."""
    A = data.draw(jt.integer_valued_vectors(size=(n, m)))
    B = data.draw(jt.integer_valued_vectors(size=(m, p)))
    np.testing.assert_array_equal(np.asarray(jd.matmul(A, B)).T, jd.matmul(B.T, A.T))
    np.testing.assert_array_equal(jd.matmul(jd.identity_matrix(n, jnp.float64), A), A)
    np.testing.assert_array_equal(jd.matmul(A, jd.identity_matrix(m, jnp.float64)), A)
    np.testing.assert_array_equal(A.T[0], A[:, 0])


@given(jt.vectors(size=4), jt.vectors(size=4), jt.finite_floats(-10, 10))
def test_P_MAT_NORM_properties(a, b, t):
    """P-MAT-NORM: ‖a‖ = √(a·aᵀ) equals the Euclidean norm; ‖ta‖ = abs(t)‖a‖; triangle
    inequality."""
    jt.assert_close(jd.row_norm(a), np.linalg.norm(a))
    jt.assert_close(float(jd.row_norm(a)) ** 2, a @ a)
    jt.assert_close(jd.row_norm(t * a), abs(t) * float(jd.row_norm(a)))
    assert float(jd.row_norm(a + b)) <= float(jd.row_norm(a)) + float(jd.row_norm(b)) + 1e-12
    assert float(jd.row_norm(jnp.zeros(4))) == 0.0


@given(st.integers(0, 5), st.integers(0, 5))
def test_P_UTIL_KRONECKER(i, j):
    """P-UTIL-KRONECKER: δ_ij = 1 iff i = j, i.e. the entries of the identity."""
    assert int(jd.kronecker_delta(i, j)) == int(np.eye(6)[i, j])


@given(jt.vectors())
def test_P_UTIL_INDICATOR_definition(z):
    """P-UTIL-INDICATOR: 𝟙[z > 0] element-wise, exactly."""
    np.testing.assert_array_equal(jd.indicator_positive(z), (z > 0).astype(np.float64))


def test_P_UTIL_INDICATOR_edge_cases():
    """P-UTIL-INDICATOR: 0.0 and −0.0 → 0; the smallest normal float64 (2.2e−308) → 1."""
    np.testing.assert_array_equal(
        jd.indicator_positive(jnp.array([0.0, -0.0, TINY, -TINY])), [0.0, 0.0, 1.0, 0.0]
    )
