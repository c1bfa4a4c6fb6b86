"""Shared helpers for the backpropagation lessons.

Numerics (numpy only) are imported here; drawing (matplotlib) and widgets
(ipywidgets) are imported from their own modules so the core stays light:
``from helpers.widgets import Explorer``.
"""

from .examples import chain_example, office_hours_example, two_two_two_example
from .gradcheck import (
    GradientCheck,
    ParameterVerdict,
    check_gradients,
    gradients_with,
    max_relative_error,
    numerical_gradients,
    relative_error,
)
from .network import (
    ACTIVATIONS,
    COST_NEEDS_OUTPUT,
    COSTS,
    LAST_LAYER_ACTIVATIONS,
    Gradients,
    Network,
    Trace,
    cost_surface,
    get_parameter,
    log_softmax,
    logistic_cost,
    one_hot,
    parameter_names,
    set_parameter,
    sigmoid,
    softmax,
)

__all__ = [
    "ACTIVATIONS",
    "COST_NEEDS_OUTPUT",
    "COSTS",
    "GradientCheck",
    "Gradients",
    "LAST_LAYER_ACTIVATIONS",
    "Network",
    "ParameterVerdict",
    "Trace",
    "chain_example",
    "check_gradients",
    "cost_surface",
    "get_parameter",
    "gradients_with",
    "log_softmax",
    "logistic_cost",
    "max_relative_error",
    "numerical_gradients",
    "office_hours_example",
    "one_hot",
    "parameter_names",
    "relative_error",
    "set_parameter",
    "sigmoid",
    "softmax",
    "two_two_two_example",
]
