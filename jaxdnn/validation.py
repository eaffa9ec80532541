"""Checks at the API boundary (decision 5): training entry points, data loaders, and the static
shape checks of the mathematics.

The mathematical functions stay total and fast: what they check is static (shapes, ranks, the
structure of the parameters), so it costs nothing under ``jax.jit`` and holds whatever JAX's
rank-promotion mode. Values (finite, one-hot, labels in range) are checked where they are
concrete: data entering training is checked here once. A bad input raises a ``ValueError`` (or a
``TypeError`` for a wrong kind of object) that names the argument, its shape and the first bad row.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

# The other checks are the library's own boundary helpers (not part of the public namespace).
__all__ = ["check_dataset"]

# JAX arrays are immutable: a pair that passed the checks once passes them again. Remembering
# it (weakly) spares a training loop that calls fit epoch by epoch a pass over its data per call.
_PASSED: dict[tuple, tuple[weakref.ref, weakref.ref]] = {}


def _remember(key: tuple, X: Any, Y: Any) -> None:
    forget = lambda _: _PASSED.pop(key, None)  # noqa: E731
    _PASSED[key] = (weakref.ref(X, forget), weakref.ref(Y, forget))


def _passed_before(key: tuple, X: ArrayLike, Y: ArrayLike) -> bool:
    refs = _PASSED.get(key)
    return refs is not None and refs[0]() is X and refs[1]() is Y


def _first_row(bad_rows: ArrayLike) -> int | None:
    """Index of the first True entry of a per-row flag vector, or None."""
    bad_rows = np.asarray(bad_rows)
    return int(np.flatnonzero(bad_rows)[0]) if bad_rows.any() else None


@jax.jit
def _non_finite_rows(A: jax.Array) -> jax.Array:
    return ~jnp.all(jnp.isfinite(A), axis=1)


def check_dataset(
    X: ArrayLike,
    Y: ArrayLike,
    loss: str,
    names: tuple[str, str] = ("X", "Y"),
    n_inputs: int | None = None,
    n_outputs: int | None = None,
) -> tuple[jax.Array | np.ndarray, jax.Array | np.ndarray]:
    """Check a data set for training with the head ``loss`` and return it: NumPy arrays, or the
    JAX arrays given, which stay on their device (the checks reduce there).

    X must be a finite matrix (n, m_0) and Y a finite matrix (n, m_p) with the same number of
    rows; for ``"softmax_cross_entropy"`` every row of Y is non-negative and sums to 1 (one-hot
    or soft labels, decision 5); for ``"sigmoid_binary_cross_entropy"`` Y lies in [0, 1].
    Y may also be given one value per sample, shape (n,): integer class labels in [0, m_p) for
    the softmax head (returned as one-hot rows), the targets of a single output otherwise
    (returned as one column).
    ``n_inputs`` / ``n_outputs`` are the widths the network expects. JAX arrays that passed
    once with the same settings are not checked again (they are immutable).

    P-NET-BATCH (000_e9869ddaa8874969.txt §5: X ∈ M_{n,m}, Y ∈ M_{n,l}), P-NET-OBJECTIVE
    (001_602cbf05fdb6a620.txt Def 5.2: one-hot targets).

    Raises:
        ValueError: naming the argument, its shape and the first bad row.

    Args:
        X: the inputs.
        Y: the targets.
        loss: the loss head's name.
        names: how the error messages name X and Y.
        n_inputs: the network's input width m_0, or None.
        n_outputs: its output width m_p, or None.

    Returns:
        ``(X, Y)``, Y as the head's ``(n, m_p)`` matrix.
    """
    x_name, y_name = names
    X, Y = (A if isinstance(A, jax.Array) else np.asarray(A) for A in (X, Y))
    given = Y.shape  # the messages show the shape given, not that of the matrix made of labels
    if Y.ndim == 1:
        Y = _target_matrix(Y, loss, y_name, n_outputs)
    on_device = isinstance(X, jax.Array) and isinstance(Y, jax.Array)
    key = (id(X), id(Y), loss, names, n_inputs, n_outputs)
    if on_device and _passed_before(key, X, Y):
        return X, Y
    for name, A in ((x_name, X), (y_name, Y)):
        if A.ndim != 2:
            raise ValueError(f"{name} must be a matrix (one sample per row), got shape {A.shape}")
        if A.shape[0] == 0:
            raise ValueError(f"{name} has no rows (shape {A.shape})")
        if not np.issubdtype(A.dtype, np.number) or np.issubdtype(A.dtype, np.complexfloating):
            raise ValueError(f"{name} must hold real numbers, got dtype {A.dtype}")
        xp = jnp if isinstance(A, jax.Array) else np
        i = _first_row(_non_finite_rows(A) if xp is jnp else ~np.isfinite(A).all(axis=1))
        if i is not None:
            raise ValueError(
                f"{name} of shape {A.shape} has a non-finite value in row {i}: {np.asarray(A[i])}"
            )
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of rows, got shapes "
            f"{X.shape} and {given}"
        )
    if n_inputs is not None and X.shape[1] != n_inputs:
        raise ValueError(
            f"{x_name} of shape {X.shape} must have {n_inputs} columns (the network's input width)"
        )
    if n_outputs is not None and Y.shape[1] != n_outputs:
        raise ValueError(
            f"{y_name} of shape {Y.shape} must have {n_outputs} columns "
            "(the network's output width)"
        )
    xp = jnp if isinstance(Y, jax.Array) else np
    if loss == "softmax_cross_entropy":
        not_one_hot = (Y < 0).any(axis=1) | (xp.abs(Y.sum(axis=1) - 1.0) > 1e-6)
        i = _first_row(not_one_hot)
        if i is not None:
            raise ValueError(
                f"{y_name} of shape {Y.shape} must hold one-hot rows (non-negative, summing to 1) "
                f"for loss={loss!r}; row {i} is {np.asarray(Y[i])}"
            )
    elif loss == "sigmoid_binary_cross_entropy":
        i = _first_row(((Y < 0) | (Y > 1)).any(axis=1))
        if i is not None:
            raise ValueError(
                f"{y_name} of shape {Y.shape} must lie in [0, 1] for loss={loss!r}; "
                f"row {i} is {np.asarray(Y[i])}"
            )
    if on_device:
        _remember(key, X, Y)
    return X, Y


def _target_matrix(
    Y: jax.Array | np.ndarray, loss: str, y_name: str, n_outputs: int | None
) -> jax.Array | np.ndarray:
    """Targets given one per sample, shape (n,), as the (n, m_p) matrix of the head: integer
    class labels in [0, m_p) become one-hot rows for the softmax head (Keras's "sparse" labels;
    the integer-label cross-entropy P-LOSS-CCE-INTLABEL of 002 §4.2 eq (2)); a single output's
    targets (sigmoid or regression head) become one column."""
    if loss != "softmax_cross_entropy":
        return Y[:, None]
    classes = n_outputs
    if classes is None:  # the largest label decides, once the labels are known to be integers
        integer = np.issubdtype(Y.dtype, np.integer)
        classes = int(np.asarray(Y).max(initial=-1)) + 1 if integer else 0
    check_class_labels(y_name, Y, classes)
    if isinstance(Y, jax.Array):
        return jax.nn.one_hot(Y, classes, dtype=jnp.result_type(float))
    return np.eye(classes)[np.asarray(Y)]


def check_class_labels(name: str, labels: Any, n_classes: int, where: str = "") -> None:
    """Class labels: an integer array whose values (when concrete; under ``jax.jit`` the caller
    validates at the boundary, decision 5) lie in [0, n_classes).

    Raises:
        ValueError: naming ``name`` (after ``where``, e.g. the function), its shape and the
            first label outside the range.
    """
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise ValueError(
            f"{where}{name} of shape {labels.shape} must hold integer class labels, got dtype "
            f"{labels.dtype}"
        )
    if isinstance(labels, jax.core.Tracer):
        return
    values = np.asarray(labels).ravel()
    bad = np.flatnonzero((values < 0) | (values >= n_classes))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{where}{name} of shape {labels.shape} must hold class labels in [0, {n_classes}); "
            f"{name}[{i}] = {int(values[i])}"
        )


def _shape_of(value: Any) -> tuple[int, ...]:
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else np.shape(value)


def check_same_shape(function: str, first: tuple[str, Any], second: tuple[str, Any]) -> None:
    """Two arguments of ``function`` must have one shape: no broadcasting (static).

    Raises:
        ValueError: naming both arguments and their shapes.
    """
    (a_name, a), (b_name, b) = first, second
    a_shape, b_shape = _shape_of(a), _shape_of(b)
    if a_shape != b_shape:
        raise ValueError(
            f"{function}: {a_name} and {b_name} must have the same shape (no broadcasting), "
            f"got {a_shape} and {b_shape}"
        )


def check_has_last_axis(function: str, name: str, value: Any) -> None:
    """``value`` must be one vector ``(m,)`` or a batch ``(n, m)``: a scalar has no last axis for
    ``function`` to work along (static).

    Raises:
        ValueError: naming the argument.
    """
    if len(_shape_of(value)) == 0:
        raise ValueError(
            f"{function}: {name} must be one vector (m,) or a batch (n, m), got a scalar"
        )


def _dtype_of(value: Any) -> np.dtype:
    dtype = getattr(value, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(value).dtype


def check_params(params: Any, name: str = "params") -> tuple[int, ...]:
    """The parameters must be a non-empty list of layers ``{"W": (m_k, m_{k−1}), "b": (m_k,)}``
    with floating entries, each layer's input width equal to the previous layer's output width.
    Static (shapes only), so it costs nothing under ``jit``. Returns the widths (m_0, …, m_p).

    P-NET-DEF (001_602cbf05fdb6a620.txt Def 5.1: W^(k) ∈ M_{m_k, m_{k−1}}, b^(k) ∈ ℝ^{m_k}).

    Raises:
        TypeError: if ``params`` is not a list of dicts.
        ValueError: naming the layer (``params[k]["W"]``) whose shape does not fit.
    """
    if not isinstance(params, list | tuple):
        raise TypeError(
            f"{name} must be a list of layers {{'W': (out, in), 'b': (out,)}} (as init_params "
            f"returns), got {type(params).__name__}"
        )
    if not params:
        raise ValueError(f"{name} must hold at least one layer, got an empty list")
    widths: list[int] = []
    for k, layer in enumerate(params):
        if not isinstance(layer, Mapping) or set(layer) != {"W", "b"}:
            keys = sorted(layer) if isinstance(layer, Mapping) else type(layer).__name__
            raise TypeError(f"{name}[{k}] must be a dict with the keys 'W' and 'b', got {keys}")
        W_shape, b_shape = _shape_of(layer["W"]), _shape_of(layer["b"])
        for part in ("W", "b"):
            dtype = _dtype_of(layer[part])
            if not jnp.issubdtype(dtype, jnp.floating):
                raise ValueError(
                    f"{name}[{k}]['{part}'] must hold floating-point numbers, got dtype {dtype}"
                )
        if len(W_shape) != 2:
            raise ValueError(f"{name}[{k}]['W'] must be a matrix (out, in), got shape {W_shape}")
        if b_shape != (W_shape[0],):
            raise ValueError(
                f"{name}[{k}]['b'] must have shape ({W_shape[0]},) to match {name}[{k}]['W'] of "
                f"shape {W_shape}, got {b_shape}"
            )
        if k == 0:
            widths.append(W_shape[1])
        elif W_shape[1] != widths[-1]:
            raise ValueError(
                f"{name}[{k}]['W'] has shape {W_shape}: its {W_shape[1]} columns must equal the "
                f"{widths[-1]} outputs of {name}[{k - 1}]"
            )
        widths.append(W_shape[0])
    return tuple(widths)


def check_key(key: Any, name: str = "key") -> None:
    """A PRNG key: ``jax.random.PRNGKey(seed)`` (uint32, shape (2,)) or ``jax.random.key(seed)``.

    Raises:
        TypeError: naming the argument.
    """
    dtype = getattr(key, "dtype", None)
    shape = getattr(key, "shape", None)
    if dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key) and shape == ():
        return
    if dtype is not None and np.dtype(dtype) == np.uint32 and shape == (2,):
        return
    raise TypeError(
        f"{name} must be a PRNG key (jax.random.PRNGKey(seed) or jax.random.key(seed)), got "
        f"{type(key).__name__}" + (f" of shape {shape} and dtype {dtype}" if shape else f" {key!r}")
    )


def check_optimizer(optimizer: Any, name: str = "optimizer") -> None:
    """An optax ``GradientTransformation``: an object with callable ``init`` and ``update``.

    Raises:
        TypeError: naming the argument; a constructor passed uncalled is named as such.
    """
    if callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None)):
        return
    hint = ""
    if callable(optimizer):
        hint = (
            f"; {getattr(optimizer, '__name__', 'this')} is a constructor: call it with its "
            "hyperparameters, e.g. jaxdnn.adam(1e-3)"
        )
    raise TypeError(
        f"{name} must be an optax.GradientTransformation (init, update), got "
        f"{type(optimizer).__name__} {optimizer!r:.60}{hint}"
    )


def check_opt_state(opt_state: Any, optimizer: Any, params: Any) -> None:
    """``opt_state`` must be a state of ``optimizer`` for ``params``: the tree, shapes and dtypes
    of ``optimizer.init(params)`` (computed abstractly, without allocating it).

    Raises:
        ValueError: naming ``opt_state``, with the first difference (the state of another
            optimizer, or of other parameters).
    """
    leaves, tree = jax.tree.flatten(params)
    signature = tuple((_shape_of(leaf), _dtype_of(leaf)) for leaf in leaves)
    try:
        expected = _initial_state(optimizer, tree, signature)
    except TypeError:  # an optimizer that cannot be hashed: no cache
        expected = _initial_state.__wrapped__(optimizer, tree, signature)
    expected_tree: Any  # a PyTreeDef, which the type stubs give no ==
    expected_leaves, expected_tree = jax.tree_util.tree_flatten_with_path(expected)
    given_leaves, given_tree = jax.tree_util.tree_flatten_with_path(opt_state)
    if given_tree != expected_tree:
        raise ValueError(
            "opt_state is not a state of this optimizer: optimizer.init(params) gives "
            f"{_outline(expected)}, opt_state is {_outline(opt_state)}"
        )
    for (path, want), (_, got) in zip(expected_leaves, given_leaves, strict=True):
        shape, dtype = _shape_of(got), _dtype_of(got)
        if shape != want.shape or dtype != want.dtype:
            raise ValueError(
                f"opt_state{jax.tree_util.keystr(path)} is {dtype}{list(shape)}, but "
                f"optimizer.init(params) gives {want.dtype}{list(want.shape)}: the state of "
                + ("other parameters" if shape != want.shape else "another precision")
            )


@functools.lru_cache(maxsize=32)
def _initial_state(optimizer: Any, tree: Any, signature: tuple) -> Any:
    """The shapes and dtypes of ``optimizer.init`` of parameters of this tree and signature
    (tracing ``init`` costs about 0.3 ms; a resumed run calls ``fit`` with the same optimizer
    again and again)."""
    params = jax.tree.unflatten(tree, [jax.ShapeDtypeStruct(s, d) for s, d in signature])
    return jax.eval_shape(optimizer.init, params)


def _outline(state: Any) -> str:
    """A state's structure in a few words: the type names of it and of its plain tuples'
    elements (``(ScaleByAdamState, EmptyState)`` for a chain)."""
    if isinstance(state, tuple) and not hasattr(state, "_fields") and state:
        return "(" + ", ".join(_outline(s) for s in state) + ")"
    return type(state).__name__


def check_finite(name: str, values: Any) -> None:
    """Concrete values must be finite (traced values pass: they cannot be read).

    Raises:
        ValueError: naming the argument and the first row with a NaN or an infinity.
    """
    if isinstance(values, jax.core.Tracer):
        return
    host = np.asarray(values)
    if not np.issubdtype(host.dtype, np.floating) or np.isfinite(host).all():
        return
    rows = ~np.isfinite(host.reshape(host.shape[0], -1)).all(axis=1) if host.ndim else [True]
    i = int(np.flatnonzero(rows)[0])
    where = f" in row {i}: {host[i]}" if host.ndim else f": {host}"
    raise ValueError(f"{name} of shape {host.shape} has a non-finite value{where}")
