"""Backpropagation as the sources did it, slips included, one switch per slip.

The spot-the-bug companion shows each slip on its own; here they are put back together,
so that the office-hours notes' printed numbers come out of their own slips, and each
slip can be turned off to see what it changed.

``notes_backprop_step`` is one step of the office-hours notes (source 000) on the 2-2-1
network. What the notes printed after one step from w1..w6 = 0.1..0.6 at (x1, x2, y) =
(0, 1, 1), lr = 0.2::

    w3 -> 0.30163   w4 -> 0.40223   w5 -> 0.50891   w6 -> 0.60891   new y_hat -> 0.658680

(w1 and w2 stay 0.1 and 0.2 because x1 = 0). Every one of these digits comes out of
mistakes 3, 4 and 5 together, computed at full precision (``AS_PRINTED``):

* w5 needs mistake 3 (the extra y_hat(1 - y_hat)); the right step gives 0.53950.
* w3 and w4 need mistakes 3 and 4 (the hidden slope a(1 - a)); without 4: 0.30190, 0.40224.
* w6 needs mistakes 3 and 5 (moved by dE/dw5); without 5: 0.60929.
* the new y_hat needs all three; the right step gives 0.667389.

Mistake 2 (the log10 cost) changes the printed cost, never the step. Mistake 6, the
reuse of a rounded a3 (.646, then .65), is *not* in the printed numbers: the notes' code
carried full precision. Reusing a3 = .65 gives w3 0.30162, w5 0.50888, w6 0.60888 and a
new y_hat of 0.658671; even .646 changes the new y_hat to 0.658681. So the switch for
mistake 6 shows what the class's hand arithmetic would have given, and ``ALL_SLIPS``
(every switch on) does not reproduce the printed numbers; ``AS_PRINTED`` does.

Two more slips, from the other sources, as functions with a switch between the flawed
and the right version; both return gradients a gradient check can judge:

* ``stream_output_gradient``: the livestream's (source 001) dW_ho = (delta_o) @ H^T
  with the wrong layer's outputs (X or O) where H belongs.
* ``hidden_gradient_by_paths``: the live session's (source 003) derivative of a sum
  taken as the product of the per-path derivatives instead of their sum.

And the livestream's intuition for the hidden layer, ``blame_hidden_deltas`` (the output
error shared out in proportion to the weights, or W^T e), beside which lesson 4 puts the
true deltas; ``multiplication_counts`` counts what backpropagation costs against one
wiggle per weight.

Only numpy is imported here, as in network.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import ACTIVATIONS, Network, _check_learning_rate, sigmoid, softplus

__all__ = [
    "ALL_SLIPS",
    "AS_PRINTED",
    "BLAME_RULES",
    "NOTES_PRINTED",
    "RIGHT",
    "SLIPS",
    "BlameDeltas",
    "MultiplicationCount",
    "NotesStep",
    "PathGradients",
    "blame_hidden_deltas",
    "hidden_gradient_by_paths",
    "multiplication_counts",
    "notes_backprop_step",
    "side_by_side",
    "stream_output_gradient",
]

#: switch name -> the office-hours mistake it replays (numbering of SOURCES.md, source 000).
SLIPS = {
    "log10_cost": "mistake 2: cost printed in log base 10, derivative of the natural-log cost used",
    "output_slope_twice": "mistake 3: dE/dy_hat = y_hat - y, then times y_hat(1 - y_hat) again",
    "hidden_slope_from_a": "mistake 4: hidden sigmoid slope a(1 - a) instead of z(1 - z)",
    "w6_uses_dw5": "mistake 5: w6 updated with dE/dw5",
    "rounded_intermediates": "mistake 6: a3 rounded (.646 -> .65) and reused",
}
#: every switch off: the right step, equal to Network.step.
RIGHT = dict.fromkeys(SLIPS, False)
#: every switch on, the rounding too: not what the notes printed (see the module docstring).
ALL_SLIPS = dict.fromkeys(SLIPS, True)
#: the switches that reproduce the notes' printed numbers.
AS_PRINTED = {**ALL_SLIPS, "rounded_intermediates": False}
#: the notes' printed results, as printed (strings keep the printed digits).
NOTES_PRINTED = {"new w3": "0.30163", "new w4": "0.40223", "new w5": "0.50891", "new w6": "0.60891",
                 "new y_hat": "0.658680"}

_WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")


# ---------------------------------------------------------------------------
# The office-hours step, as the notes did it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NotesStep:
    """Every number of one office-hours step, as computed with the given switches.

    Forward pass: ``a1, a2, z1, z2, a3, y_hat, cost`` (a3 after rounding if that switch
    is on; cost in log10 if that switch is on). Backward: ``output_delta`` (what is
    multiplied into the output gradients, dE/da3 when right), ``hidden_slopes``
    (dz1/da1, dz2/da2 as used), ``hidden_deltas`` (dE/da1, dE/da2), ``gradients``
    {"w1": dE/dw1, ...}, ``used_in_update`` (the gradient each weight was moved by:
    w6's is dE/dw5 under mistake 5), ``new_weights`` {"w1": ...}, ``new_net`` (a
    Network), ``new_y_hat`` and ``new_cost`` (a fresh forward pass, full precision).
    """

    switches: dict
    a1: float
    a2: float
    z1: float
    z2: float
    a3: float
    y_hat: float
    cost: float
    output_delta: float
    hidden_slopes: tuple
    hidden_deltas: tuple
    gradients: dict
    used_in_update: dict
    new_weights: dict
    new_net: Network
    new_y_hat: float
    new_cost: float

    def printed_digits(self):
        """The five results the notes printed, as this step gives them, to the notes' digits: new w3..w6 to 5
        decimals and the new y_hat to 6, keyed like NOTES_PRINTED (compare the two dicts)."""
        digits = {f"new {name}": f"{self.new_weights[name]:.5f}" for name in ("w3", "w4", "w5", "w6")}
        digits["new y_hat"] = f"{self.new_y_hat:.6f}"
        return digits

    def rows(self):
        """[(label, value), ...] in the order of the notes, for a side-by-side table."""
        rows = [("a1", self.a1), ("a2", self.a2), ("z1", self.z1), ("z2", self.z2), ("a3", self.a3),
                ("y_hat", self.y_hat), ("cost", self.cost), ("dE/da3", self.output_delta),
                ("dz1/da1", self.hidden_slopes[0]), ("dz2/da2", self.hidden_slopes[1]),
                ("dE/da1", self.hidden_deltas[0]), ("dE/da2", self.hidden_deltas[1])]
        rows += [(f"dE/d{name}", self.gradients[name]) for name in _WEIGHT_NAMES]
        rows.append(("w6 moved by", self.used_in_update["w6"]))
        rows += [(f"new {name}", self.new_weights[name]) for name in _WEIGHT_NAMES]
        rows += [("new y_hat", self.new_y_hat), ("new cost", self.new_cost)]
        return rows


def _check_office_hours_net(net):
    if not isinstance(net, Network):
        raise ValueError(f"net: expected a Network, got {type(net).__name__}")
    has_bias = any(b is not None for b in net.biases)
    if net.layer_sizes != (2, 2, 1) or net.activations != ("sigmoid", "sigmoid") or has_bias or (
        net.cost_name != "cross_entropy"
    ):
        raise ValueError(
            "net: expected the office-hours network (2-2-1, sigmoid, no biases, cross_entropy), "
            f"got {net!r}{' with biases' if has_bias else ''}"
        )


def _logistic_cost(a3, y):
    # -[y ln(y_hat) + (1 - y) ln(1 - y_hat)] from a3, as Network.cost computes it: no log of a rounded 0
    return float(softplus(a3) - y * a3)


def notes_backprop_step(net, x, y, lr, *, log10_cost=True, output_slope_twice=True, hidden_slope_from_a=True,
                        w6_uses_dw5=True, rounded_intermediates=False, a3_decimals=2):
    """One backpropagation step on the office-hours network, the way the notes did it.

    ``net, x, y, lr`` as from ``office_hours_example()`` (any weights, x and y will do).
    The defaults are ``AS_PRINTED``, the slips behind the notes' printed numbers; pass
    ``**RIGHT`` for the right step, equal to ``net.step(x, y, lr)``. One switch per slip:

    log10_cost: the cost is printed in log base 10 (natural-log cost / ln 10). The
        derivative stays the natural-log one, so the step does not change: the printed
        cost and the gradients belong to different costs.
    output_slope_twice: y_hat - y, which is already dE/da3, is called dE/dy_hat and
        multiplied by y_hat(1 - y_hat) again (the squared error's delta). Carried into
        the hidden layer too, as the notes did.
    hidden_slope_from_a: the hidden slopes are a1(1 - a1), a2(1 - a2), not z(1 - z).
    w6_uses_dw5: w6 is moved by dE/dw5 (the gradients themselves are unchanged).
    rounded_intermediates: a3 is rounded to ``a3_decimals`` places (2: the class's .65)
        and that value is reused: y_hat, the cost and the whole backward pass come from
        it. The fresh forward pass after the step is at full precision. The notes'
        printed numbers are not rounded this way (see the module docstring).

    Returns a NotesStep with every intermediate.
    """
    _check_office_hours_net(net)
    x2, single = net._check_x(x)
    if not single:
        raise ValueError(f"x: expected one example of shape (2,), got {np.shape(x)}")
    target = float(net._check_y(y, 1, True)[0, 0])
    lr = _check_learning_rate(lr)
    if isinstance(a3_decimals, bool) or not isinstance(a3_decimals, int) or a3_decimals < 0:
        raise ValueError(f"a3_decimals: expected a whole number of decimal places >= 0, got {a3_decimals!r}")
    switches = {"log10_cost": bool(log10_cost), "output_slope_twice": bool(output_slope_twice),
                "hidden_slope_from_a": bool(hidden_slope_from_a), "w6_uses_dw5": bool(w6_uses_dw5),
                "rounded_intermediates": bool(rounded_intermediates)}

    x1, x2_ = (float(v) for v in x2[0])
    (w1, w3), (w2, w4) = (map(float, row) for row in net.weights[0])
    w5, w6 = map(float, net.weights[1][0])
    cost_scale = math.log(10.0) if log10_cost else 1.0

    # forward pass, with the names of the diagram
    a1 = x1 * w1 + x2_ * w3
    a2 = x1 * w2 + x2_ * w4
    z1, z2 = float(sigmoid(a1)), float(sigmoid(a2))
    a3 = z1 * w5 + z2 * w6
    if rounded_intermediates:
        a3 = round(a3, a3_decimals)
    y_hat = float(sigmoid(a3))
    cost = _logistic_cost(a3, target) / cost_scale

    # output layer: y_hat - y is dE/da3 for the natural-log logistic cost
    output_delta = y_hat - target
    if output_slope_twice:
        output_delta *= y_hat * (1.0 - y_hat)
    dE_dw5, dE_dw6 = output_delta * z1, output_delta * z2

    # hidden layer: dE/da_h = dE/da3 * w_h * slope_h
    slope1, slope2 = (a1 * (1.0 - a1), a2 * (1.0 - a2)) if hidden_slope_from_a else (z1 * (1.0 - z1), z2 * (1.0 - z2))
    dE_da1 = output_delta * w5 * slope1
    dE_da2 = output_delta * w6 * slope2
    gradients = {"w1": dE_da1 * x1, "w2": dE_da2 * x1, "w3": dE_da1 * x2_, "w4": dE_da2 * x2_,
                 "w5": dE_dw5, "w6": dE_dw6}

    used = dict(gradients)
    if w6_uses_dw5:
        used["w6"] = gradients["w5"]
    old = {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5, "w6": w6}
    new = {name: old[name] - lr * used[name] for name in _WEIGHT_NAMES}
    new_net = net.replace(weights=[[[new["w1"], new["w3"]], [new["w2"], new["w4"]]], [[new["w5"], new["w6"]]]])

    new_a3 = float(new_net.forward(x2[0]).a[1][0])
    return NotesStep(
        switches=switches, a1=a1, a2=a2, z1=z1, z2=z2, a3=a3, y_hat=y_hat, cost=cost,
        output_delta=output_delta, hidden_slopes=(slope1, slope2), hidden_deltas=(dE_da1, dE_da2),
        gradients=gradients, used_in_update=used, new_weights=new, new_net=new_net,
        new_y_hat=float(sigmoid(new_a3)), new_cost=_logistic_cost(new_a3, target) / cost_scale,
    )


def side_by_side(columns, digits=6):
    """A text table of NotesSteps, one column each: ``side_by_side({"notes": a, "right": b})``.

    Rows where the columns differ (by more than rounding noise) are marked with "*".
    """
    if not isinstance(columns, dict) or not columns or not all(isinstance(c, NotesStep) for c in columns.values()):
        raise ValueError("columns: expected a non-empty dict {title: NotesStep}")
    width = max(digits + 4, *(len(title) for title in columns))
    lines = [f"{'':<12}" + "".join(f"{title:>{width + 2}}" for title in columns)]
    all_rows = [step.rows() for step in columns.values()]
    for cells in zip(*all_rows):
        label = cells[0][0]
        values = [value + 0.0 for _, value in cells]  # + 0.0 prints -0.0 (x1 = 0 times a negative) as 0
        spread = max(values) - min(values)
        differs = spread > 1e-12 * max(1.0, max(abs(v) for v in values))
        cells_text = "".join(f"{v:>{width + 2}.{digits}f}" for v in values)
        lines.append(f"{label:<12}{cells_text}{'  *' if differs else ''}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Slips of the other sources: flawed and right, as gradients
# ---------------------------------------------------------------------------


def _single_example(net, x, y):
    if not isinstance(net, Network):
        raise ValueError(f"net: expected a Network, got {type(net).__name__}")
    if len(net.weights) != 2:
        raise ValueError(f"net: expected one hidden layer (two weight matrices), got {len(net.weights)} layers")
    x2, single = net._check_x(x)
    if not single:
        raise ValueError(f"x: expected one example of shape ({net.layer_sizes[0]},), got {np.shape(x)}")
    return x2[0], net._check_y(y, 1, True)[0]


def _output_deltas(net, a_out, y_hat, y):
    """dE/da for each output unit, the cost summed over the outputs."""
    if net.cost_name in ("cross_entropy", "categorical_cross_entropy"):
        # the output's slope cancels: sigmoid against the logistic cost, softmax's Jacobian against its cost
        return y_hat - y
    return (y_hat - y) * ACTIVATIONS[net.activations[-1]][1](a_out)


def stream_output_gradient(net, x, y, *, multiply_by="hidden"):
    """dE/dW_ho, the output layer's gradient, by the livestream's matrix formula (source 001).

    The livestream writes dW_ho = lr * (E * O * (1 - O)) @ H^T: the output deltas times
    the outputs of the layer that *sends* into W_ho, the hidden layer H. Here the deltas
    are the right ones for ``net``'s cost (for the logistic cost y_hat - y: its O(1 - O)
    cancels) and without lr, so the result is a gradient. ``multiply_by``:

    "hidden": H, right; equals ``net.gradients(x, y).weights[1]``.
    "input": X where H belongs. Runs without complaint when there are as many inputs as
        hidden neurons, as in the office-hours network.
    "output": O where H belongs. With one output (office hours) delta @ O^T is 1x1 and
        numpy broadcasts it over W_ho in W - lr * dW: both weights get the same gradient.
        That broadcast is what is returned.

    ``net`` has one hidden layer; ``x`` is one example.
    """
    x_row, y_row = _single_example(net, x, y)
    trace = net.forward(x_row)
    senders = {"hidden": trace.z[0], "input": x_row, "output": trace.z[1]}
    if multiply_by not in senders:
        raise ValueError(f"multiply_by: expected one of {sorted(senders)}, got {multiply_by!r}")
    deltas = _output_deltas(net, trace.a[1], trace.z[1], y_row)
    gradient = np.outer(deltas, senders[multiply_by])
    shape = net.weights[1].shape
    try:
        return np.broadcast_to(gradient, shape).copy()
    except ValueError:
        raise ValueError(
            f"multiply_by: {multiply_by!r} gives a gradient of shape {gradient.shape}, which cannot stand in for "
            f"W_ho's {shape} (numpy would refuse the update too)"
        ) from None


@dataclass(frozen=True)
class PathGradients:
    """The hidden layer's gradients, path by path.

    ``path_terms[k, h]`` is dE/dz_h through output k alone (delta_k * W_ho[k, h]);
    ``dE_dz_hidden`` combines them (summed when right, multiplied under the slip);
    ``hidden_deltas`` = dE_dz_hidden * f'(a_h); ``weights`` = dE/dW_ih (shape of W_ih);
    ``biases`` = dE/db_h, or None when the hidden layer has no bias.
    """

    path_terms: np.ndarray
    dE_dz_hidden: np.ndarray
    hidden_deltas: np.ndarray
    weights: np.ndarray
    biases: np.ndarray | None


def hidden_gradient_by_paths(net, x, y, *, multiply_paths=False):
    """dE_total/dW_ih when every hidden neuron reaches E_total = E_1 + E_2 + ... by one path per output.

    The live session (source 003): a hidden weight such as w1 of the 2-2-2 network
    changes z_h1, which changes both outputs o1 and o2, so dE_total/dz_h1 is a sum of
    one chain-rule product per path. ``multiply_paths=True`` is its slip: the
    derivative of the sum taken as the product of the path terms. With a single output
    there is one path and the two agree; with two or more they do not.

    ``net`` has one hidden layer; ``x`` is one example. Right: equals
    ``net.gradients(x, y).weights[0]`` (and ``.biases[0]``).
    """
    x_row, y_row = _single_example(net, x, y)
    trace = net.forward(x_row)
    deltas = _output_deltas(net, trace.a[1], trace.z[1], y_row)
    path_terms = deltas[:, None] * net.weights[1]  # (n_out, n_hidden): through output k to hidden h
    combined = path_terms.prod(axis=0) if multiply_paths else path_terms.sum(axis=0)
    hidden_deltas = combined * ACTIVATIONS[net.activations[0]][1](trace.a[0])
    bias = None if net.biases[0] is None else hidden_deltas.copy()
    return PathGradients(path_terms, combined, hidden_deltas, np.outer(hidden_deltas, x_row), bias)


# ---------------------------------------------------------------------------
# Livestream: the hidden layer's error by "blame"
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BlameDeltas:
    """The hidden layer's error as the livestream (source 001) shares it out.

    ``output_errors`` e = y - y_hat (target minus guess, the stream's sign); ``hidden_errors``
    e_h, the share of the output errors each hidden neuron receives; ``hidden_deltas`` what the
    rule claims for dE/da_h in the course's sign: -e_h * f'(a_h) (the stream adds
    lr * e_h * f'(a_h) * x to a weight, which is the step w - lr * dE/dw with that dE/da_h).
    """

    rule: str
    output_errors: np.ndarray
    hidden_errors: np.ndarray
    hidden_deltas: np.ndarray


BLAME_RULES = ("proportional", "transposed")


def blame_hidden_deltas(net, x, y, *, rule="proportional"):
    """Hidden deltas by the livestream's "blame" rule instead of the chain rule.

    ``rule="proportional"``: every output error e_k is split among the hidden neurons in
    proportion to their weights into output k, e_h = sum_k W[k, h] / (sum_j W[k, j]) * e_k
    (office hours: e_h1 = w5 / (w5 + w6) * e). ``rule="transposed"``: the denominators
    dropped, e_h = sum_k W[k, h] e_k, i.e. W^T e.

    Neither looks at the output neuron's slope. For the logistic cost with a sigmoid output
    the chain rule's dE/da_out is y_hat - y = -e, so "transposed" is then exactly
    backpropagation; for the squared error it lacks the factor f'(a_out). "proportional"
    is off by 1 / sum_j W[k, j] besides: with one output and weights of mixed sign it can
    flip the sign. A zero sum of weights (the rule divides by it) raises ValueError.

    ``net`` has one hidden layer; ``x`` is one example.
    """
    if rule not in BLAME_RULES:
        raise ValueError(f"rule: expected one of {BLAME_RULES}, got {rule!r}")
    x_row, y_row = _single_example(net, x, y)
    trace = net.forward(x_row)
    errors = y_row - trace.z[1]
    w_out = np.asarray(net.weights[1])
    if rule == "proportional":
        sums = w_out.sum(axis=1)
        if np.any(sums == 0):
            k = int(np.flatnonzero(sums == 0)[0])
            raise ValueError(f"net: the weights into output {k + 1} sum to 0, and the proportional rule divides "
                             "by that sum")
        shares = w_out / sums[:, None]
    else:
        shares = w_out
    hidden_errors = shares.T @ errors
    slopes = ACTIVATIONS[net.activations[0]][1](trace.a[0])
    return BlameDeltas(rule, errors, hidden_errors, -hidden_errors * slopes)


# ---------------------------------------------------------------------------
# What backpropagation costs, against one wiggle per weight
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MultiplicationCount:
    """Multiplications for one example in a fully connected network without biases.

    ``forward``: the weighted sums, one multiplication per weight. ``backward``: given the
    stored forward pass, dE/dW = delta z^T for every layer (one per weight), and for every
    hidden layer W^T delta (one per weight above it) plus z(1 - z) and the product with it
    (two per neuron); the output delta y_hat - y takes none (logistic cost, sigmoid output).
    ``backprop`` = forward + backward, all gradients at once. ``finite_differences``: one
    extra forward pass per weight (E(w + eps) against the E(w) already known), the cheapest
    wiggle check; the central differences of a gradient check take twice that.
    Activations (exp) and the cost are not counted: they add one per neuron per pass.
    """

    layer_sizes: tuple
    weights: int
    forward: int
    backward: int

    @property
    def backprop(self):
        return self.forward + self.backward

    @property
    def finite_differences(self):
        return self.weights * self.forward


def multiplication_counts(layer_sizes):
    """MultiplicationCount for ``layer_sizes`` = (n_in, n_hidden..., n_out), e.g. (2, 2, 1) or (784, 100, 10)."""
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__iter__"):
        raise ValueError(f"layer_sizes: expected a sequence of layer sizes such as (2, 2, 1), got {layer_sizes!r}")
    sizes = tuple(layer_sizes)
    if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(f"layer_sizes: expected at least two positive whole numbers, got {layer_sizes!r}")
    sizes = tuple(int(n) for n in sizes)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    weights = sum(n_in * n_out for n_in, n_out in pairs)
    hidden = sum(n_hidden * n_above + 2 * n_hidden for n_hidden, n_above in zip(sizes[1:-1], sizes[2:]))
    return MultiplicationCount(sizes, weights, forward=weights, backward=weights + hidden)
