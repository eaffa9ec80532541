"""Test configuration: float64, loud broadcasting and dtype bugs, 8 CPU devices, one hypothesis
profile.

Catalogue §1.8: every math test runs in float64. Implicit rank promotion ((n, m) + (m,)) and
implicit dtype promotion raise, so that a silent broadcasting bug fails loudly.
"""

import atexit
import os
import tempfile

# The suite compiles many small programs once each: XLA's CPU backend optimisations and fusion
# emitters buy these no measurable run time but double their compile time (the flags of
# ``jaxdnn verify``, jaxdnn.verify.FAST_COMPILE). Benchmarks keep the defaults.
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_backend_optimization_level=0 --xla_cpu_use_fusion_emitters=false"
).strip()
# Command-line subprocesses inherit the environment above (cheaper compilation; every run
# compared with another uses the same flags), but not the float64 mode set in-process below.
SUBPROCESS_ENV = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
# The command-line tests start some sixty jaxdnn processes that compile the same few programs:
# they share JAX's persistent compilation cache (a compiled program is loaded, not compiled
# again; the executable, and so every number, is the same).
SUBPROCESS_ENV.setdefault(
    "JAX_COMPILATION_CACHE_DIR",
    os.path.join(tempfile.gettempdir(), f"jaxdnn-tests-xla-{os.getuid()}"),
)
SUBPROCESS_ENV.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
# In this process the CPU is split into 8 devices, so that data-parallel training is tested on a
# real mesh; everything else runs on device 0 as before. (Subprocesses do not get this: it
# slows a JAX process that compiles many programs by about 20 %.)
os.environ["XLA_FLAGS"] += " --xla_force_host_platform_device_count=8"

import jax  # noqa: E402  (XLA_FLAGS must be set before JAX starts its backend)
from hypothesis import settings  # noqa: E402

import jaxdnn.testing as jt  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")
# The tests' own programs go to the same persistent cache: a repeated run of the suite loads
# them instead of compiling them again (on 2 cores about 240 s for a first run, 180 s after).
jax.config.update("jax_compilation_cache_dir", SUBPROCESS_ENV["JAX_COMPILATION_CACHE_DIR"])
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)

# JAX compiles on first use of each shape, which exceeds hypothesis' default deadline: the
# settings jaxdnn.testing offers its users.
settings.register_profile("jaxdnn", jt.jax_settings(max_examples=100))
settings.load_profile("jaxdnn")

# A pytest-xdist worker has reported every result by the time the interpreter exits; what is
# left is freeing the thousands of programs it compiled, one by one (about 4 s on 2 cores, while
# the whole run waits). It ends in an exit handler instead (those registered later run first).
if os.environ.get("PYTEST_XDIST_WORKER"):
    atexit.register(os._exit, 0)
