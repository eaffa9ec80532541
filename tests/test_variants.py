"""Each closed form right both compiled and not: every activation, derivative, Jacobian, loss and
gradient of the oracle table, run as its Python function under ``chex.variants`` (jitted, and
un-jitted op by op), within 8 ulps of the 50-digit oracle at its points. A function right only
under one of them (a branch that depends on a concrete value, a dtype that changes under
tracing) fails here."""

import chex
from absl.testing import parameterized

import jaxdnn as jd
from jaxdnn.catalogue import oracle


def _python_function(name):
    """The undecorated function behind jaxdnn's ``jax.jit`` (itself when it is not jitted)."""
    function = getattr(jd, name)
    return getattr(function, "__wrapped__", function)


class ClosedFormsJittedAndNot(chex.TestCase):
    @chex.variants(with_jit=True, without_jit=True)
    @parameterized.named_parameters(*((name, name) for _, name, _ in oracle.ORACLES))
    def test_within_a_few_ulps_of_the_oracle(self, name):
        accuracy = oracle.compare(name, self.variant(_python_function(name)))
        self.assertTrue(accuracy.passed, "\n".join(accuracy.failures[:5]))
