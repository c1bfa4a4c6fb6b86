"""The numbers every view reads, computed once per change: forward pass, gradients, cost and one step.

    state = compute_state(net, x, y, lr)     # numpy only, like network.py; views and widgets only read it

It lives beside the maths rather than in the drawing code, so the explorer, the backward step-through and
the training playground share one definition of "what is true now".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Gradients, Network, Trace, get_parameter, parameter_names

__all__ = ["State", "compute_state"]


@dataclass(frozen=True)
class State:
    """Everything the views show, computed once per change (full precision; views round)."""

    net: Network
    x: np.ndarray
    y: np.ndarray
    lr: float | None  # None: the lesson has not taught steps yet, so there are no next_* values
    names: dict  # {name: where} from parameter_names, in slider order
    trace: Trace
    gradients: Gradients
    cost: float
    next_net: Network | None  # after one gradient-descent step (None: no lr, or no step possible)
    next_trace: Trace | None
    next_cost: float | None
    values: dict = field(default_factory=dict)  # {name: value}
    grads: dict = field(default_factory=dict)  # {name: dE/dname}
    changes: dict = field(default_factory=dict)  # {name: -lr dE/dname}
    new_values: dict = field(default_factory=dict)  # {name: value after the step}
    step_problem: str | None = None  # why no step could be taken here (e.g. it would overflow)

    @property
    def y_hat(self):
        return self.trace.output

    @property
    def next_y_hat(self):
        return None if self.next_trace is None else self.next_trace.output

    @property
    def has_step(self):
        return self.next_net is not None


def compute_state(net, x, y, lr, names=None, numbering="by_sender"):
    """Forward pass, gradients, cost and (when ``lr`` is given) one step of ``net`` on (x, y).

    Raises ValueError (naming the argument) for input the network refuses. A step that the network
    refuses (say, one that would overflow at a huge lr) is no error here: the state then has no
    next_* values and ``step_problem`` says why, so the views can say so and the explorer goes on.
    """
    if names is None:
        names = parameter_names(net, numbering)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    gradients = net.gradients(x, y)
    values = {name: get_parameter(net, where) for name, where in names.items()}
    grads = {}
    for name, (kind, layer, row, col) in names.items():
        grads[name] = float(gradients.weights[layer][row, col] if kind == "weight" else gradients.biases[layer][row])
    next_net = next_trace = next_cost = None
    new_values, changes, step_problem = {}, {}, None
    if lr is not None:
        try:
            next_net = net.step(x, y, lr)
            next_trace, next_cost = next_net.forward(x), next_net.cost(x, y)
        except ValueError as error:
            next_net = next_trace = next_cost = None
            step_problem = str(error)
        else:
            new_values = {name: get_parameter(next_net, where) for name, where in names.items()}
            changes = {name: new_values[name] - values[name] for name in names}
    return State(
        net=net,
        x=x,
        y=y,
        lr=None if lr is None else float(lr),
        names=dict(names),
        trace=net.forward(x),
        gradients=gradients,
        cost=net.cost(x, y),
        next_net=next_net,
        next_trace=next_trace,
        next_cost=next_cost,
        values=values,
        grads=grads,
        changes=changes,
        new_values=new_values,
        step_problem=step_problem,
    )
