"""jaxdnn: the mathematics of dense neural networks as pure, jit-compiled JAX functions.

Every activation, loss and layer sits beside its closed-form Jacobian or gradient, each checked
against ``jax.grad`` / ``jax.jacfwd`` in the test suite. Conventions (row vectors, ``W`` of
shape (out, in), ReLU′(0) = 0) follow the documents cited in each docstring.
"""

from jaxdnn._version import __version__
from jaxdnn.activations import (
    elementwise_jacobian,
    identity,
    identity_derivative,
    identity_jacobian,
    relu,
    relu_derivative,
    relu_jacobian,
    sigmoid,
    sigmoid_derivative,
    sigmoid_jacobian,
    softmax,
    softmax_jacobian,
    tanh,
    tanh_derivative,
    tanh_jacobian,
)
from jaxdnn.calculus import chain_jacobian, compose, first_order_remainder, gradient, jacobian
from jaxdnn.dense import (
    dense,
    dense_in_out,
    dense_jacobian_bias,
    dense_jacobian_input,
    dense_jacobian_weight_row,
    dense_jacobian_weights,
)
from jaxdnn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    categorical_cross_entropy,
    categorical_cross_entropy_from_labels,
    categorical_cross_entropy_gradient,
    half_mean_squared_error,
    half_mean_squared_error_gradient,
    sigmoid_binary_cross_entropy,
    sigmoid_binary_cross_entropy_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    squared_error,
    squared_error_gradient,
)
from jaxdnn.matrices import (
    identity_matrix,
    indicator_positive,
    kronecker_delta,
    matmul,
    row_norm,
    scalar_mul,
    stack_rows,
)
from jaxdnn.neuron import neuron, neuron_gradients, relu_neuron_mse, relu_neuron_mse_gradients
from jaxdnn.optim import gd_step
from jaxdnn.simplified import (
    dense_bias_gradient,
    dense_input_gradient,
    dense_weight_gradient,
    elementwise_backward,
    relu_backward,
    relu_dense_backward,
)
from jaxdnn.worked_examples import (
    hadamard_jacobians,
    poly_exp,
    poly_exp_jacobian,
    quad_cos,
    quad_cos_gradient,
    scalar_expansion_jacobians,
    sin_log,
    sin_log_inner,
    sin_log_inner_jacobian,
    sin_log_jacobian,
    sin_log_outer_jacobian,
    sin_square,
    sin_square_derivative,
)

__all__ = [
    "__version__",
    # activations
    "relu",
    "relu_derivative",
    "relu_jacobian",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_jacobian",
    "tanh",
    "tanh_derivative",
    "tanh_jacobian",
    "identity",
    "identity_derivative",
    "identity_jacobian",
    "softmax",
    "softmax_jacobian",
    "elementwise_jacobian",
    # calculus
    "jacobian",
    "gradient",
    "compose",
    "chain_jacobian",
    "first_order_remainder",
    # dense layer
    "dense",
    "dense_jacobian_input",
    "dense_jacobian_weight_row",
    "dense_jacobian_weights",
    "dense_jacobian_bias",
    "dense_in_out",
    # losses
    "categorical_cross_entropy",
    "categorical_cross_entropy_gradient",
    "categorical_cross_entropy_from_labels",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_gradient",
    "squared_error",
    "squared_error_gradient",
    "half_mean_squared_error",
    "half_mean_squared_error_gradient",
    # matrices
    "stack_rows",
    "matmul",
    "scalar_mul",
    "identity_matrix",
    "row_norm",
    "kronecker_delta",
    "indicator_positive",
    # neuron
    "neuron",
    "neuron_gradients",
    "relu_neuron_mse",
    "relu_neuron_mse_gradients",
    # optimisation
    "gd_step",
    # simplified Jacobians
    "relu_backward",
    "elementwise_backward",
    "dense_weight_gradient",
    "dense_bias_gradient",
    "dense_input_gradient",
    "relu_dense_backward",
    # worked examples
    "quad_cos",
    "quad_cos_gradient",
    "poly_exp",
    "poly_exp_jacobian",
    "sin_square",
    "sin_square_derivative",
    "sin_log",
    "sin_log_inner",
    "sin_log_inner_jacobian",
    "sin_log_outer_jacobian",
    "sin_log_jacobian",
    "hadamard_jacobians",
    "scalar_expansion_jacobians",
]
