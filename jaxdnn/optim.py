"""Hand-written optimizers over parameter pytrees (catalogue §2.I P-GD-STEP-004, §2.K, §4).

Each constructor returns an ``optax.GradientTransformation`` whose ``update`` turns gradients
into *updates to add* (``optax.apply_updates(params, updates)``), so the optimizers compose with
``optax.chain``. The update rules are written here, leaf by leaf with ``jax.tree.map``; no optax
transform is called. Their exact optax equivalents (catalogue §4) are cross-checked in the tests.

As in optax, ``learning_rate`` is a number or a schedule (a function of the step count, 0 at
the first update, such as ``optax.cosine_decay_schedule(…)``), and ``update(updates, state,
params=None)`` takes optax's argument names. Every state carries that step ``count``.

Hyperparameters are checked when they are concrete numbers (decision 6): learning rates must be
finite and positive, decays β in [0, 1), ε positive; the ``ValueError`` names the argument, and a
value that is no number at all (a string, None, a list) raises a ``TypeError`` naming it. Traced
values (e.g. under ``jax.vmap`` over learning rates) are not checked.

Each optimizer remembers its constructor and hyperparameters (``HyperparameterizedTransformation``):
``fit`` compiles one program per constructor and passes the numbers as arguments, so a second
optimizer with equal settings — or another learning rate — reuses the compiled epoch.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array
from jax.typing import ArrayLike

__all__ = [
    "HyperparameterizedTransformation",
    "gd_step",
    "GradientDescentState",
    "MomentumState",
    "RMSpropState",
    "AdamState",
    "gradient_descent",
    "momentum",
    "rmsprop",
    "adam",
    "ema",
    "learning_rate_schedule",
]

PyTree = Any
Schedule = Callable[[Array], ArrayLike]
LearningRate = float | Schedule


class HyperparameterizedTransformation(optax.GradientTransformation):
    """An ``optax.GradientTransformation`` (the pair ``init``, ``update``) that also remembers how
    it was built: ``constructor(**hyperparameters)`` gives an equal transformation. ``fit`` uses
    this to share one compiled epoch between optimizers of equal settings.

    The hand-written optimizers of P-OPT-GD, P-ALG-MOMENTUM, P-ALG-RMSPROP and P-ALG-ADAM
    (001_602cbf05fdb6a620.txt §6.2; 002_0dd137535febb580.txt §7) are of this kind.

    Attributes:
        init: ``init(params)``, the initial state.
        update: ``update(updates, state, params=None)``, the updates and the new state.
    """

    constructor: Callable[..., optax.GradientTransformation]
    hyperparameters: dict[str, Any]


def _remember(
    transformation_init: Callable, update: Callable, constructor: Callable, **hyperparameters: Any
) -> HyperparameterizedTransformation:
    transformation = HyperparameterizedTransformation(transformation_init, update)
    transformation.constructor = constructor
    transformation.hyperparameters = hyperparameters
    return transformation


def _concrete(name: str, value: Any) -> float | None:
    """The value as a float if it is a concrete number, None if it is traced.

    Raises:
        TypeError: naming the argument if the value is not a real number (a string, None, a
            boolean, a list, an array of more than one element).
    """
    if isinstance(value, jax.core.Tracer):
        return None
    if isinstance(value, bool | str | bytes) or value is None:
        raise TypeError(f"{name} must be a real number, got {value!r}")
    shape = getattr(value, "shape", None)
    if shape is not None and shape != ():
        raise TypeError(f"{name} must be a scalar, got an array of shape {shape}")
    if shape is None and not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    if shape is not None and not jnp.issubdtype(value.dtype, jnp.number):
        raise TypeError(f"{name} must be a real number, got dtype {value.dtype}")
    return float(value)


def _check_learning_rate(learning_rate: LearningRate) -> None:
    """A number (finite, > 0) or a schedule: a callable of the step count (checked when called)."""
    if callable(learning_rate):
        return
    value = _concrete("learning_rate", learning_rate)
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ValueError(f"learning_rate must be finite and > 0, got {value!r}")


def _learning_rate_at(learning_rate: LearningRate, count: Array) -> Array:
    """α_t: the number itself, or the schedule at the step count (0 at the first update)."""
    return jnp.asarray(learning_rate(count) if callable(learning_rate) else learning_rate)


def _check_decay(name: str, beta: ArrayLike) -> None:
    value = _concrete(name, beta)
    if value is not None and not (0 <= value < 1):
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")


def _check_positive(name: str, eps: ArrayLike) -> None:
    value = _concrete(name, eps)
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")


def _check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def _zero_count() -> Array:
    return jnp.zeros([], jnp.int32)


def _zeros_like(params: PyTree) -> PyTree:
    return jax.tree.map(jnp.zeros_like, params)


def gd_step(params: PyTree, grads: PyTree, learning_rate: ArrayLike) -> PyTree:
    """One gradient-descent step $θ ← θ − α·∂C/∂θ$ for every parameter θ of the pytree.

    Each weight and each bias moves against the sign of its own partial derivative: −∇C is the
    direction of steepest descent, ∇C that of steepest ascent (E-17); every parameter is paired
    with its own partial (E-18).

    P-GD-STEP-004 (004_6f61966887c71a84.txt "Gradient descent algorithm";
    002_0dd137535febb580.txt §6; corrected E-17, E-18), P-ALG-BP-GD (001_602cbf05fdb6a620.txt
    Def 6.6: all layers updated simultaneously).

    Raises:
        ValueError: naming ``grads`` if its structure or leaf shapes differ from ``params``.
        TypeError: naming ``learning_rate`` if it is not a number.

    Args:
        params: the parameters, any pytree.
        grads: ∂C/∂θ, of the structure and shapes of ``params``.
        learning_rate: α, a number.

    Returns:
        The new parameters.
    """
    _concrete("learning_rate", learning_rate)
    if jax.tree.structure(params) != jax.tree.structure(grads):  # type: ignore[operator]
        raise ValueError(
            "grads must have the structure of params, got "
            f"{jax.tree.structure(grads)} and {jax.tree.structure(params)}"
        )
    for p, g in zip(jax.tree.leaves(params), jax.tree.leaves(grads), strict=True):
        if jnp.shape(p) != jnp.shape(g):
            raise ValueError(
                "grads must have the shapes of params, got a leaf "
                f"{jnp.shape(g)} for {jnp.shape(p)}"
            )
    return _gd_step(params, grads, learning_rate)


@jax.jit
def _gd_step(params: PyTree, grads: PyTree, learning_rate: ArrayLike) -> PyTree:
    return jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)


# --- gradient descent -------------------------------------------------------------------------


class GradientDescentState(NamedTuple):
    """Gradient descent keeps only the step count (0 before the first update), read by a
    learning-rate schedule.

    P-OPT-GD (001_602cbf05fdb6a620.txt Def 6.4).

    Attributes:
        count: the number of updates applied (an integer scalar).
    """

    count: Array  # type: ignore[assignment]  # optax's name for the step count


def gradient_descent(learning_rate: LearningRate) -> HyperparameterizedTransformation:
    """Gradient descent: $x^(n+1) = x^(n) − α∇f(x^(n))$ for every n ≥ 0 (update −α·g).

    Equals ``optax.sgd(learning_rate=α)``, also with a schedule α_n. The recurrence starts at
    n = 0: x^(1) is defined (001 states it for n ∈ ℕ*, E-06).

    P-OPT-GD (001_602cbf05fdb6a620.txt Def 6.4 eq (22), corrected E-06; 004_6f61966887c71a84.txt
    GD; 002_0dd137535febb580.txt §6), P-ALG-BP-GD (001 Def 6.6).

    Raises:
        ValueError: naming ``learning_rate`` if it is not finite and positive.
        TypeError: naming ``learning_rate`` if it is neither a number nor a schedule.

    Args:
        learning_rate: α > 0, a number or an optax schedule of the step count.

    Returns:
        An optax ``GradientTransformation`` (``init``, ``update``).
    """
    _check_learning_rate(learning_rate)

    def init(params: PyTree) -> GradientDescentState:
        return GradientDescentState(_zero_count())

    def update(updates: PyTree, state: GradientDescentState, params: PyTree = None):
        lr = _learning_rate_at(learning_rate, state.count)
        return jax.tree.map(lambda g: -lr * g, updates), GradientDescentState(state.count + 1)

    return _remember(init, update, gradient_descent, learning_rate=learning_rate)


# --- momentum -------------------------------------------------------------------------------


class MomentumState(NamedTuple):
    """The step count and the momentum buffer m (one array per parameter, zeros at the start).

    P-ALG-MOMENTUM (001_602cbf05fdb6a620.txt Def 6.5).

    Attributes:
        count: the number of updates applied (an integer scalar).
        momentum: the buffer m, with the structure of the parameters.
    """

    count: Array  # type: ignore[assignment]  # optax's name for the step count
    momentum: PyTree


def momentum(learning_rate: LearningRate, beta: float) -> HyperparameterizedTransformation:
    """Gradient descent with momentum, exponential-moving-average form:

    $$m^(0) = 0;  m^(n+1) = β·m^(n) + (1 − β)·∇f(x^(n));  x^(n+1) = x^(n) − α·m^(n+1)$$

    for n ≥ 0, one buffer per parameter (BP with momentum, 001 Def 6.7). Equals
    ``optax.sgd(learning_rate=α(1 − β), momentum=β)`` and
    ``optax.chain(optax.ema(β, debias=False), optax.scale(−α))``; not ``optax.sgd(α,
    momentum=β)`` (heavy ball, larger by 1/(1 − β)). 001 indexes the update with m^(n), which
    makes the first step a no-op (E-05); β = 1 would never move (E-07).

    P-ALG-MOMENTUM (001_602cbf05fdb6a620.txt Def 6.5 eq (23), corrected E-05, E-07;
    002_0dd137535febb580.txt §7.4), P-ALG-BP-MOMENTUM (001 Def 6.7, corrected E-05, E-36).

    Raises:
        ValueError: naming ``learning_rate`` or ``beta`` if out of range (β must lie in [0, 1)).
        TypeError: naming the argument if it is not a number (or, for ``learning_rate``, a
            schedule).

    Args:
        learning_rate: α > 0, a number or an optax schedule of the step count.
        beta: β ∈ [0, 1), the weight of the previous buffer.

    Returns:
        An optax ``GradientTransformation`` (``init``, ``update``).

    Examples:
        >>> opt = jaxdnn.momentum(0.1, 0.9)
        >>> params = {"w": jnp.array([1.0, -2.0])}
        >>> state = opt.init(params)
        >>> updates, state = opt.update({"w": jnp.array([1.0, 1.0])}, state)
        >>> print(updates["w"])  # −α(1 − β)g on the first step
        [-0.01 -0.01]
    """
    _check_learning_rate(learning_rate)
    _check_decay("beta", beta)

    def init(params: PyTree) -> MomentumState:
        return MomentumState(_zero_count(), _zeros_like(params))

    def update(updates: PyTree, state: MomentumState, params: PyTree = None):
        m = jax.tree.map(lambda m, g: beta * m + (1 - beta) * g, state.momentum, updates)
        lr = _learning_rate_at(learning_rate, state.count)
        return jax.tree.map(lambda m: -lr * m, m), MomentumState(state.count + 1, m)

    return _remember(init, update, momentum, learning_rate=learning_rate, beta=beta)


# --- RMSprop --------------------------------------------------------------------------------


class RMSpropState(NamedTuple):
    """The step count and the moving average v of squared gradients (zeros at the start).

    P-ALG-RMSPROP (002_0dd137535febb580.txt §7.5).

    Attributes:
        count: the number of updates applied (an integer scalar).
        nu: the moving average v of squared gradients.
    """

    count: Array  # type: ignore[assignment]  # optax's name for the step count
    nu: PyTree


def rmsprop(
    learning_rate: LearningRate,
    decay: float = 0.9,
    eps: float = 1e-8,
    eps_in_sqrt: bool = True,
) -> HyperparameterizedTransformation:
    """RMSprop: $v_0 = 0$, $v_t = β·v_{t−1} + (1 − β)·g_t²$, $w_{t+1} = w_t − η·g_t/√(v_t + ε)$.

    ``eps_in_sqrt=True`` puts ε inside the root as 002 eq. (9) does (≡ ``optax.rmsprop(η,
    decay=β, eps=ε)``); ``False`` uses √v_t + ε, the PyTorch convention (≡ optax with
    ``eps_in_sqrt=False``). 002 writes v_i for v_t and leaves v_0 unspecified (E-04).

    P-ALG-RMSPROP (002_0dd137535febb580.txt §7.5 eqs (8)–(10), corrected E-04).

    Raises:
        ValueError: naming ``learning_rate``, ``decay`` or ``eps`` if out of range.
        TypeError: naming the argument if it is not a number (a schedule for ``learning_rate``,
            a bool for ``eps_in_sqrt``).

    Args:
        learning_rate: η > 0, a number or an optax schedule of the step count.
        decay: β ∈ [0, 1), the weight of the previous average.
        eps: ε > 0, added to v_t under the root.
        eps_in_sqrt: ε inside the root (002, optax's default) or outside (PyTorch).

    Returns:
        An optax ``GradientTransformation`` (``init``, ``update``).
    """
    _check_learning_rate(learning_rate)
    _check_decay("decay", decay)
    _check_positive("eps", eps)
    _check_flag("eps_in_sqrt", eps_in_sqrt)

    def init(params: PyTree) -> RMSpropState:
        return RMSpropState(_zero_count(), _zeros_like(params))

    def update(updates: PyTree, state: RMSpropState, params: PyTree = None):
        nu = jax.tree.map(lambda v, g: decay * v + (1 - decay) * g * g, state.nu, updates)
        lr = _learning_rate_at(learning_rate, state.count)

        def step(g: Array, v: Array) -> Array:
            denominator = jnp.sqrt(v + eps) if eps_in_sqrt else jnp.sqrt(v) + eps
            return -lr * g / denominator

        return jax.tree.map(step, updates, nu), RMSpropState(state.count + 1, nu)

    return _remember(
        init,
        update,
        rmsprop,
        learning_rate=learning_rate,
        decay=decay,
        eps=eps,
        eps_in_sqrt=bool(eps_in_sqrt),
    )


# --- Adam -----------------------------------------------------------------------------------


class AdamState(NamedTuple):
    """Adam's step count (0 before the first update, so t = count + 1) and its two moments.

    P-ALG-ADAM (002_0dd137535febb580.txt §7.6).

    Attributes:
        count: the number of updates applied (an integer scalar).
        mu: the first moment m.
        nu: the second moment v.
    """

    count: Array  # type: ignore[assignment]  # optax's name for the step count
    mu: PyTree
    nu: PyTree


def adam(
    learning_rate: LearningRate,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    *,
    eps_root: float = 0.0,
    bias_correction: bool = True,
) -> HyperparameterizedTransformation:
    """Adam (Kingma & Ba): for t = 1, 2, …

    $$m_t = β₁m_{t−1} + (1 − β₁)g_t,   v_t = β₂v_{t−1} + (1 − β₂)g_t²,$$

    $$m̂_t = m_t/(1 − β₁^t),   v̂_t = v_t/(1 − β₂^t),   w_t = w_{t−1} − η·m̂_t/(√(v̂_t + ε_root) + ε)$$

    with m_0 = v_0 = 0. The defaults equal ``optax.adam(η, b1, b2, eps)``. 002 prints an extra
    factor g_t², no bias correction and ε inside the root (E-03); ``bias_correction=False,
    eps=0, eps_root=ε`` gives 002's form without the g_t² factor (P-ALG-ADAM-002). The first step
    has magnitude ≈ η for any non-zero gradient.

    P-ALG-ADAM (002_0dd137535febb580.txt §7.6 eqs (11)–(14), corrected E-03 to Kingma & Ba),
    P-ALG-ADAM-002.

    Raises:
        ValueError: naming ``learning_rate``, ``b1``, ``b2``, ``eps`` or ``eps_root`` if out of
            range (ε and ε_root must be ≥ 0 and not both 0).
        TypeError: naming the argument if it is not a number (a schedule for ``learning_rate``,
            a bool for ``bias_correction``).

    Args:
        learning_rate: η > 0, a number or an optax schedule of the step count.
        b1: β₁ ∈ [0, 1), the first moment's decay.
        b2: β₂ ∈ [0, 1), the second moment's decay.
        eps: ε ≥ 0, added to the root.
        eps_root: ε_root ≥ 0, added under the root.
        bias_correction: divide the moments by 1 − β^t (Kingma & Ba), or not (002).

    Returns:
        An optax ``GradientTransformation`` (``init``, ``update``).

    Examples:
        >>> opt = jaxdnn.adam(1e-3)
        >>> state = opt.init({"w": jnp.zeros(2)})
        >>> updates, state = opt.update({"w": jnp.array([3.0, -0.5])}, state)
        >>> print(updates["w"].round(6))  # the first step has magnitude ≈ η
        [-0.001  0.001]
    """
    _check_learning_rate(learning_rate)
    _check_decay("b1", b1)
    _check_decay("b2", b2)
    _check_flag("bias_correction", bias_correction)
    for name, value in (("eps", eps), ("eps_root", eps_root)):
        concrete = _concrete(name, value)
        if concrete is not None and not (math.isfinite(concrete) and concrete >= 0):
            raise ValueError(f"{name} must be finite and >= 0, got {concrete!r}")
    if _concrete("eps", eps) == 0 and _concrete("eps_root", eps_root) == 0:
        raise ValueError("eps must be > 0 when eps_root is 0 (the denominator √v̂ may be 0)")

    def init(params: PyTree) -> AdamState:
        return AdamState(jnp.zeros([], jnp.int32), _zeros_like(params), _zeros_like(params))

    def update(updates: PyTree, state: AdamState, params: PyTree = None):
        mu = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, state.mu, updates)
        nu = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, state.nu, updates)
        lr = _learning_rate_at(learning_rate, state.count)
        t = state.count + 1
        if bias_correction:
            # 1 − βᵗ in the default float type, then cast: optax rounds it the same way.
            t_float = t.astype(jnp.result_type(float))
            mu_hat = jax.tree.map(lambda m: m / (1 - b1**t_float).astype(m.dtype), mu)
            nu_hat = jax.tree.map(lambda v: v / (1 - b2**t_float).astype(v.dtype), nu)
        else:
            mu_hat, nu_hat = mu, nu
        steps = jax.tree.map(
            lambda m, v: -lr * (m / (jnp.sqrt(v + eps_root) + eps)), mu_hat, nu_hat
        )
        return steps, AdamState(t, mu, nu)

    return _remember(
        init,
        update,
        adam,
        learning_rate=learning_rate,
        b1=b1,
        b2=b2,
        eps=eps,
        eps_root=eps_root,
        bias_correction=bool(bias_correction),
    )


# --- exponential moving average -----------------------------------------------------------


def ema(values: Sequence[ArrayLike] | ArrayLike, beta: float, debias: bool = False) -> Array:
    """Exponential moving average of a sequence g_1, …, g_N (stacked on the first axis):
    $EMA_0 = 0$, $EMA_n = β·EMA_{n−1} + (1 − β)·g_n$, optionally debiased by $1/(1 − βⁿ)$.

    The weights (1 − β)β^{n−k} of EMA_n sum to 1 − βⁿ, hence the debiasing. Returns the
    sequence EMA_1, …, EMA_N. Equals ``optax.ema(β, debias=…)`` applied along the sequence.

    P-ALG-EMA (002_0dd137535febb580.txt §7.4 "exponentially weighted average of the gradients").

    Raises:
        ValueError: naming ``beta`` if it is not in [0, 1).

    Args:
        values: g_1, …, g_N stacked on the first axis.
        beta: β ∈ [0, 1).
        debias: divide EMA_n by 1 − βⁿ.

    Returns:
        EMA_1, …, EMA_N, of the shape of ``values``.
    """
    _check_decay("beta", beta)
    values = jnp.asarray(values)
    if values.ndim == 0 or values.shape[0] == 0:
        raise ValueError(
            f"values must hold at least one g_n along axis 0, got shape {values.shape}"
        )

    return _ema(values, beta, debias)


@functools.partial(jax.jit, static_argnames="debias")
def _ema(values: Array, beta: Array, debias: bool) -> Array:
    """:func:`ema`'s computation, compiled once per shape (β is an argument, not a constant)."""

    def step(average: Array, g: Array) -> tuple[Array, Array]:
        average = beta * average + (1 - beta) * g
        return average, average

    _, averages = jax.lax.scan(step, jnp.zeros_like(values[0]), values)
    if debias:
        n = jnp.arange(1, values.shape[0] + 1, dtype=averages.dtype)
        averages = averages / (1 - beta**n).reshape((-1,) + (1,) * (values.ndim - 1))
    return averages


SCHEDULES = ("constant", "cosine", "step")


def learning_rate_schedule(name: str, learning_rate: float, steps: int) -> LearningRate:
    """The step size α_t over a run of ``steps`` updates, built from optax's schedules:
    ``"constant"``: α (the number itself); ``"cosine"``: $α·½(1 + cos(π·t/steps))$, falling to 0
    at the last step (``optax.cosine_decay_schedule``); ``"step"``: α, then α/10 from half the
    steps and α/100 from three quarters (``optax.piecewise_constant_schedule``).

    P-OPT-GD (001_602cbf05fdb6a620.txt Def 6.4: the step size α_n may depend on n).

    Raises:
        ValueError: naming ``name`` or ``steps`` if unknown or not a positive integer.

    Args:
        name: ``"constant"``, ``"cosine"`` or ``"step"``.
        learning_rate: α, the initial step size.
        steps: the number of updates of the run.

    Returns:
        α itself (constant), or an optax schedule of the step count.
    """
    if name not in SCHEDULES:
        raise ValueError(f"name must be one of {SCHEDULES}, got {name!r}")
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    _check_learning_rate(learning_rate)
    if name == "constant":
        return learning_rate
    if name == "cosine":
        schedule = optax.cosine_decay_schedule(learning_rate, int(steps))
    else:
        half = max(1, int(steps) // 2)
        three_quarters = max(half + 1, int(steps) * 3 // 4)
        schedule = optax.piecewise_constant_schedule(
            learning_rate, {half: 0.1, three_quarters: 0.1}
        )

    def jaxdnn_schedule(count: Array) -> Array:
        # optax's schedules mix Python floats with the integer count: standard promotion
        with jax.numpy_dtype_promotion("standard"):
            return jnp.asarray(schedule(count))

    return jaxdnn_schedule
