"""Test configuration: float64, loud broadcasting and dtype bugs, one hypothesis profile.

Catalogue §1.8: every math test runs in float64. Implicit rank promotion ((n, m) + (m,)) and
implicit dtype promotion raise, so that a silent broadcasting bug fails loudly.
"""

import jax
from hypothesis import HealthCheck, settings

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")

# JAX compiles on first use of each shape, which exceeds hypothesis' default deadline.
settings.register_profile(
    "jaxdnn",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("jaxdnn")
