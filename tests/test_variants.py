"""Each closed form right both compiled and not: every activation, derivative, Jacobian, loss and
gradient of the oracle table, run under ``chex.variants`` jitted, and un-jitted (op by op, inside
``jax.disable_jit``, so that jaxdnn's own ``jax.jit`` is off too), within 8 ulps of the 50-digit
oracle at its points. A function right only under one of them (a branch that depends on a
concrete value, a dtype that changes under tracing) fails here."""

import contextlib

import chex
import jax
from absl.testing import parameterized

import jaxdnn as jd
from jaxdnn.catalogue import oracle


class ClosedFormsJittedAndNot(chex.TestCase):
    @chex.variants(with_jit=True, without_jit=True)
    @parameterized.named_parameters(*((name, name) for _, name, _ in oracle.ORACLES))
    def test_within_a_few_ulps_of_the_oracle(self, name):
        eager = self.variant.type == chex.ChexVariantType.WITHOUT_JIT
        with jax.disable_jit() if eager else contextlib.nullcontext():
            accuracy = oracle.compare(name, self.variant(getattr(jd, name)))
        self.assertTrue(accuracy.passed, "\n".join(accuracy.failures[:5]))
