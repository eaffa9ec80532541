"""Property-testing tools: hypothesis strategies and closed-form-versus-autodiff assertions.

jaxdnn's own tests draw their inputs from these strategies (catalogue §1.9), and users can
property-test the gradients of their own code with them::

    from hypothesis import given
    import jaxdnn.testing as jt

    @jt.jax_settings()
    @given(jt.vectors())
    def test_my_jacobian(z):
        jt.assert_jacobian_matches_autodiff(my_activation, my_activation_jacobian, z)

``jax_settings`` lifts hypothesis's 200 ms deadline, which the first example of every shape
exceeds while JAX compiles it.

Every float strategy excludes NaN, infinities and subnormal numbers (XLA on CPU flushes
subnormals to zero, so they would test the compiler rather than the mathematics). Importing this
module needs ``hypothesis``, a dependency of jaxdnn. Run under ``jax_enable_x64``:
the default tolerances (rtol 1e-10, atol 1e-12) are for float64.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from jaxdnn._extras import require

require("testing", "jaxdnn.testing")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from jax import Array  # noqa: E402

__all__ = [
    "RTOL",
    "ATOL",
    "finite_floats",
    "vectors",
    "integer_valued_vectors",
    "logits",
    "probabilities",
    "simplex_points",
    "one_hot",
    "spd_matrices",
    "sizes",
    "DEFAULT_SIZES",
    "jax_settings",
    "assert_close",
    "autodiff_jacobians",
    "optax_adam_002",
    "assert_jacobian_matches_autodiff",
    "assert_gradient_matches_autodiff",
]

RTOL = 1e-10
"""Relative tolerance of closed form versus autodiff in float64 (catalogue §1.9)."""
ATOL = 1e-12
"""Absolute tolerance of closed form versus autodiff in float64 (catalogue §1.9)."""


_Builder = TypeVar("_Builder", bound=Callable[..., Any])


def _shared(builder: _Builder) -> _Builder:
    """Build each strategy once per arguments: hypothesis validates a new strategy object on its
    first draw, which costs more than drawing from it; a strategy is immutable, so one object per
    arguments serves every caller (unhashable arguments build a fresh one)."""
    cached = functools.cache(builder)

    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Any:
        try:
            return cached(*args, **kwargs)
        except TypeError:  # an unhashable argument, such as a list for a shape
            return builder(*args, **kwargs)

    return cast(_Builder, build)


@_shared
def finite_floats(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    """Finite float64 values in [min_value, max_value]: no NaN, no infinity, no subnormal.

    Args:
        min_value: the lower bound.
        max_value: the upper bound.

    Returns:
        A hypothesis strategy of floats.
    """
    return st.floats(
        min_value,
        max_value,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
        width=64,
    )


DEFAULT_SIZES = (1, 2, 5)
"""Vector lengths drawn by default: width 1 (the catalogue's edge case), 2 and a general 5.
Few distinct shapes keep compilation, not mathematics, from dominating a test run."""


@_shared
def sizes(choices: tuple[int, ...] = DEFAULT_SIZES) -> st.SearchStrategy[int]:
    """Vector lengths drawn from ``choices`` (default 1, 2 and 5).

    Args:
        choices: the lengths to draw from.

    Returns:
        A hypothesis strategy of ints.
    """
    return st.sampled_from(choices)


@_shared
def _array(elements: st.SearchStrategy[float], shape: Any) -> st.SearchStrategy[np.ndarray]:
    """A float64 array of ``shape`` (an int, a tuple or a strategy of lengths) with entries from
    ``elements``: a fixed-length list, which hypothesis draws and shrinks about twice as fast as
    ``hypothesis.extra.numpy.arrays``."""
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda size: _array(elements, size))
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    size = math.prod(shape)
    return st.lists(elements, min_size=size, max_size=size).map(
        lambda entries: np.array(entries, dtype=np.float64).reshape(shape)
    )


def _shape(size: int | tuple[int, ...] | None) -> Any:
    return sizes() if size is None else size


@_shared
def vectors(
    size: int | tuple[int, ...] | None = None, bound: float = 10.0
) -> st.SearchStrategy[np.ndarray]:
    """``st_vec``: entries in [−bound, bound] mixed with exact ``0.0`` and ``-0.0``.

    ``size`` fixes the shape (an int or a tuple); by default a length of ``DEFAULT_SIZES`` is drawn.

    Args:
        size: the shape: an int, a tuple, or None to draw a length from ``DEFAULT_SIZES``.
        bound: the largest absolute value.

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    elements = st.one_of(finite_floats(-bound, bound), st.sampled_from([0.0, -0.0]))
    return _array(elements, _shape(size))


@_shared
def integer_valued_vectors(
    size: int | tuple[int, ...] | None = None, bound: int = 3
) -> st.SearchStrategy[np.ndarray]:
    """``st_int``: integer-valued floats in [−bound, bound].

    Sums of products of such values are exact, so pre-activations y·Wᵀ + b hit exactly 0
    often: the ReLU ties of Assumption 1 become reachable.

    Args:
        size: the shape: an int, a tuple, or None to draw a length from ``DEFAULT_SIZES``.
        bound: the largest absolute value.

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    return _array(st.integers(-bound, bound).map(float), _shape(size))


@_shared
def logits(
    size: int | tuple[int, ...] | None = None, bound: float = 15.0
) -> st.SearchStrategy[np.ndarray]:
    """``st_logits``: entries in [−bound, bound]; with bound 15 every softmax entry lies
    strictly inside ]0, 1[ in float64.

    Args:
        size: the shape: an int, a tuple, or None to draw a length from ``DEFAULT_SIZES``.
        bound: the largest absolute value.

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    return _array(finite_floats(-bound, bound), _shape(size))


@_shared
def probabilities(
    size: int | tuple[int, ...] | None = None, eps: float = 1e-6
) -> st.SearchStrategy[np.ndarray]:
    """``st_prob``: entries in [eps, 1 − eps].

    Args:
        size: the shape: an int, a tuple, or None to draw a length from ``DEFAULT_SIZES``.
        eps: the distance kept from 0 and 1.

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    return _array(finite_floats(eps, 1 - eps), _shape(size))


@_shared
def simplex_points(size: int | None = None) -> st.SearchStrategy[np.ndarray]:
    """``st_simplex``: points of the open probability simplex (softmax of ``logits``).

    Args:
        size: the length (default drawn from ``DEFAULT_SIZES``).

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    _check_length(size)
    return logits(size).map(lambda z: np.asarray(jax.nn.softmax(jnp.asarray(z))))


def _check_length(size: int | None) -> None:
    """A simplex point or one-hot row has at least one coordinate (its entries sum to 1)."""
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise ValueError(
            f"size must be None or an integer >= 1 (the entries sum to 1), got {size!r}"
        )


@_shared
def one_hot(size: int | None = None) -> st.SearchStrategy[np.ndarray]:
    """``st_onehot(K)``: a one-hot row of length K (drawn from ``DEFAULT_SIZES`` when not given).

    Args:
        size: K, the length (default drawn from ``DEFAULT_SIZES``).

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    _check_length(size)
    size_strategy = sizes() if size is None else st.just(size)
    return size_strategy.flatmap(
        lambda k: st.integers(0, k - 1).map(lambda c: np.eye(k, dtype=np.float64)[c])
    )


@_shared
def spd_matrices(n: int, bound: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    """``st_spd(n)``: symmetric positive semi-definite BᵀB + μI with μ ∈ [0, 1] (possibly
    singular when μ = 0).

    Args:
        n: the matrix size.
        bound: the largest absolute entry of B.

    Returns:
        A hypothesis strategy of float64 arrays.
    """
    return st.tuples(_array(finite_floats(-bound, bound), (n, n)), finite_floats(0.0, 1.0)).map(
        lambda bm: bm[0].T @ bm[0] + bm[1] * np.eye(n)
    )


def jax_settings(max_examples: int = 100, **overrides: Any) -> settings:
    """Hypothesis settings for properties of JAX code, used as a decorator above ``@given``.

    No deadline: the first example of each shape compiles the function under test, which takes
    longer than hypothesis's default 200 ms and would fail a correct property. The "too slow"
    and "data too large" health checks are off for the same reason (arrays are drawn element by
    element). ``overrides`` are passed on to ``hypothesis.settings``.

    Args:
        max_examples: the number of examples hypothesis draws.
        **overrides: further ``hypothesis.settings`` arguments.

    Returns:
        The settings (a decorator).
    """
    options = {
        "deadline": None,
        "max_examples": max_examples,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    return settings(**(options | overrides))


def assert_close(actual: Any, desired: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """``close(a, b)`` of catalogue §1.9: assert_allclose with rtol 1e-10, atol 1e-12.

    Args:
        actual: the value computed.
        desired: the value expected.
        rtol: the relative tolerance.
        atol: the absolute tolerance.

    Raises:
        AssertionError: with the largest difference, when they differ.
    """
    _assert_allclose(np.asarray(actual), np.asarray(desired), rtol, atol)


def _assert_allclose(actual: np.ndarray, desired: np.ndarray, rtol: float, atol: float) -> None:
    """``np.testing.assert_allclose``; a failure in a precision too coarse for the tolerance (a
    float32 value under float64's rtol: JAX without ``jax_enable_x64``) says so."""
    try:
        np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol)
    except AssertionError as error:
        coarse = [
            a.dtype
            for a in (actual, desired)
            if np.issubdtype(a.dtype, np.inexact) and rtol < np.finfo(a.dtype).eps
        ]
        if not coarse:
            raise
        raise AssertionError(
            f"{error}\nThe values are {coarse[0]}, whose precision (eps "
            f"{np.finfo(coarse[0]).eps:.1e}) is coarser than rtol={rtol:g}: enable float64 "
            "with jax.config.update('jax_enable_x64', True) before any computation, or pass "
            "an rtol and atol for this precision"
        ) from None


@functools.cache
def autodiff_jacobians(
    f: Callable[..., Array], argnums: int = 0
) -> tuple[tuple[Callable, ...], ...]:
    """``((jit(jacfwd f), jit(jacrev f)), (jacfwd f, jacrev f))``: the reference Jacobians of
    f with respect to ``args[argnums]``, compiled and eager.

    Cached per (f, argnums), so that hypothesis examples (and ``jaxdnn verify``) share compiled
    programs. P-DIFF-JACOBIAN, P-DIFF-UNIQUE (001_602cbf05fdb6a620.txt Def 1.2, Prop 1.1).

    Args:
        f: the function.
        argnums: the argument to differentiate.

    Returns:
        The four Jacobian functions.
    """
    fwd, rev = jax.jacfwd(f, argnums=argnums), jax.jacrev(f, argnums=argnums)
    return (jax.jit(fwd), jax.jit(rev)), (fwd, rev)


_EAGER_CHECKED: set[tuple[Any, ...]] = set()


def _signature(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((np.shape(a), np.asarray(a).dtype.str) for a in args)


def assert_jacobian_matches_autodiff(
    f: Callable[..., Array],
    closed_form: Callable[..., Array],
    *args: Any,
    argnums: int = 0,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Assert that ``closed_form(*args)`` equals the Jacobian of f with respect to
    ``args[argnums]`` computed by ``jax.jacfwd`` and ``jax.jacrev`` ("AD==" of catalogue §1.9).

    The jitted Jacobians are compared on every call; the eager (uncompiled) ones on the first
    call for each function and argument shapes, as re-tracing them costs milliseconds per call
    and they compute the same numbers. Shapes must agree exactly.

    Args:
        f: the function to differentiate.
        closed_form: the closed form to check, called with the same arguments.
        *args: the point: the arguments of both functions.
        argnums: the argument to differentiate.
        rtol: the relative tolerance.
        atol: the absolute tolerance.

    Raises:
        AssertionError: with the largest difference, when they differ.

    Examples:
        >>> jaxdnn.testing.assert_jacobian_matches_autodiff(
        ...     jaxdnn.softmax, jaxdnn.softmax_jacobian, jnp.array([0.5, -1.0, 2.0]),
        ...     rtol=1e-5, atol=1e-6,
        ... )
    """
    expected = np.asarray(closed_form(*args))
    jitted, eager = autodiff_jacobians(f, argnums)
    key = (f, closed_form, argnums, _signature(args))
    checks = jitted if key in _EAGER_CHECKED else jitted + eager
    _EAGER_CHECKED.add(key)
    for jac in checks:
        got = np.asarray(jac(*args))
        assert got.shape == expected.shape, (
            f"closed form's shape {expected.shape} != autodiff's {got.shape}"
        )
        _assert_allclose(expected, got, rtol, atol)


def assert_gradient_matches_autodiff(
    f: Callable[..., Array],
    closed_form: Callable[..., Array],
    *args: Any,
    argnums: int = 0,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Assert that ``closed_form(*args)`` equals ``jax.grad(f)`` (jitted) and the forward- and
    reverse-mode Jacobians of the scalar f with respect to ``args[argnums]``.

    Args:
        f: a scalar function.
        closed_form: the closed form to check, called with the same arguments.
        *args: the point: the arguments of both functions.
        argnums: the argument to differentiate.
        rtol: the relative tolerance.
        atol: the absolute tolerance.

    Raises:
        AssertionError: with the largest difference, when they differ.

    Examples:
        >>> z, y = jnp.array([2.0, 0.0, -1.0]), jnp.array([0.0, 1.0, 0.0])
        >>> jaxdnn.testing.assert_gradient_matches_autodiff(
        ...     jaxdnn.softmax_cross_entropy, jaxdnn.softmax_cross_entropy_gradient, z, y,
        ...     rtol=1e-5, atol=1e-6,
        ... )
    """
    assert_jacobian_matches_autodiff(f, closed_form, *args, argnums=argnums, rtol=rtol, atol=atol)
    grad = _autodiff_gradient(f, argnums)
    _assert_allclose(np.asarray(closed_form(*args)), np.asarray(grad(*args)), rtol, atol)


@functools.cache
def _autodiff_gradient(f: Callable[..., Array], argnums: int) -> Callable[..., Array]:
    return jax.jit(jax.grad(f, argnums=argnums))


def optax_adam_002(learning_rate: float, b1: float, b2: float, eps_root: float) -> Any:
    """The optax transformation equal to 002's Adam without the g² factor (no bias
    correction, ε inside the root), i.e. ``jaxdnn.adam(lr, b1, b2, 0.0, eps_root=ε,
    bias_correction=False)``: ``optax.adam`` with, at step t, learning rate
    η(1 − β₁^t)/√(1 − β₂^t), eps_root ε/(1 − β₂^t) and eps 0 (catalogue §4).

    Undoing optax's bias corrections turns m̂_t/√(v̂_t + ε̂) into m_t/√(v_t + ε) times η.

    P-ALG-ADAM-002 (002_0dd137535febb580.txt §7.6, corrected E-03).

    Args:
        learning_rate: η.
        b1: β₁.
        b2: β₂.
        eps_root: ε, under the root.

    Returns:
        An optax transformation.
    """
    import optax

    return optax.inject_hyperparams(optax.adam)(
        learning_rate=lambda c: learning_rate * (1 - b1 ** (c + 1)) / jnp.sqrt(1 - b2 ** (c + 1)),
        b1=b1,
        b2=b2,
        eps=0.0,
        eps_root=lambda c: eps_root / (1 - b2 ** (c + 1)),
    )
