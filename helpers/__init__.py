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
    COSTS,
    Gradients,
    Network,
    Trace,
    cost_surface,
    get_parameter,
    logistic_cost,
    parameter_names,
    set_parameter,
    sigmoid,
)

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "GradientCheck",
    "Gradients",
    "Network",
    "ParameterVerdict",
    "Trace",
    "chain_example",
    "check_gradients",
    "cost_surface",
    "get_parameter",
    "gradients_with",
    "logistic_cost",
    "max_relative_error",
    "numerical_gradients",
    "office_hours_example",
    "parameter_names",
    "relative_error",
    "set_parameter",
    "sigmoid",
    "two_two_two_example",
]
