"""The backward pass of one example, laid out as chain-rule steps for a step-through view.

``backward_walk(net, x, y)`` starts at the cost E and walks back to every weight and bias, one
chain-rule factor at a time, in the order a teacher would at the board::

    E                                 the cost
    ∂E/∂ŷ                             how E changes with the prediction
    δ3 = ∂E/∂a3                       × the output's slope f′(a3)
    ∂E/∂w5, ∂E/∂w6, (∂E/∂b2_1)        δ3 × what each weight multiplied (z1, z2; 1 for a bias)
    ∂E/∂z1 via a3, ...                for a hidden neuron: δ of a receiver × the weight between
    ∂E/∂z1                            the sum of those products, one per path (several receivers)
    δ1 = ∂E/∂a1                       × the hidden slope f′(a1)
    ∂E/∂w1, ∂E/∂w3, ...               δ1 × x1, δ1 × x2
    ... and so on down to the first layer.

Each ``WalkStep`` carries the number so far, the factor just multiplied in, the product written
out, and what the network diagram should light up (``highlight``). Neurons are named as the
lessons' diagrams name them (inputs x1.., then a_k/z_k counted across the network, output ŷ),
weights w1.. by ``parameter_names``.

The numbers are computed with the same numpy operations, on the same shapes, as
``Network.gradients``, so every final weight and bias gradient of the walk equals
``net.gradients(x, y)`` exactly, not just closely.

Only numpy is imported here, as in network.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import ACTIVATIONS, Network, _softmax_delta, parameter_names

__all__ = ["Walk", "WalkStep", "backward_walk", "neuron_names"]

MINUS = "\u2212"  # a real minus sign, as draw.fmt writes it

#: what each kind of step is, in walk order
STEP_KINDS = {
    "cost": "the cost E, where the walk starts",
    "cost_derivative": "∂E/∂ŷ for one output",
    "output_delta": "δ of an output neuron: ∂E/∂ŷ × the output's slope",
    "weight_gradient": "δ of the receiving neuron × what the weight multiplied",
    "bias_gradient": "δ of the neuron × 1",
    "path": "one path from a hidden neuron to E: δ of a receiver × the weight between",
    "sum_of_paths": "∂E/∂z of a hidden neuron: the sum of its paths (multivariable chain rule)",
    "hidden_delta": "δ of a hidden neuron: ∂E/∂z × its slope f′(a)",
}


@dataclass(frozen=True)
class WalkStep:
    """One chain-rule step.

    kind: one of STEP_KINDS. quantity: what this step computes ("δ3 = ∂E/∂a3").
    value: its number (the product so far). factor: the factor just multiplied in, as text
    ("σ′(a3) = ŷ(1 − ŷ)"); factor_value: its number, None where the step is not one
    multiplication (the cost, a sum of paths, the softmax Jacobian). expression: the product
    written out with numbers ("δ3 · z1 = −0.3563 × 0.5744 = −0.2046"). highlight: what the
    diagram lights up: ("cost",), ("node", layer, index) with layer 0 the inputs and layer l + 1
    the neurons of weights[l], ("edge", l, row, col) for weights[l][row, col], ("bias", l, row)
    for biases[l][row]. parameter: the weight or bias name ("w5", "b1_2") on a gradient step,
    else None. note: one sentence of why, where a step needs it ("" otherwise).
    """

    kind: str
    quantity: str
    value: float
    factor: str
    factor_value: float | None
    expression: str
    highlight: tuple
    parameter: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Walk:
    """The backward walk of one example: ``steps`` in order, the ``cost`` E, the
    ``names`` {parameter name: (kind, layer, row, col)} used, and the network's neuron names
    (``inputs``, and ``neurons[l][i] = (a name, z name)`` for the neurons of weights[l])."""

    steps: tuple
    cost: float
    names: dict
    inputs: tuple
    neurons: tuple

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, index):
        return self.steps[index]

    def pairs(self):
        """[(quantity, value), ...] in walk order."""
        return [(step.quantity, step.value) for step in self.steps]

    def gradient_steps(self):
        """{parameter name: dE/dparameter} from the walk's gradient steps, in parameter_names order."""
        found = {step.parameter: step.value for step in self.steps if step.parameter is not None}
        return {name: found[name] for name in self.names}

    def table(self):
        """The walk as text, one step a line: quantity, value, the product written out."""
        width = max(len(step.quantity) for step in self.steps)
        return "\n".join(f"{step.quantity:<{width}}  {_num(step.value):>10}   {step.expression}" for step in self.steps)


# ---------------------------------------------------------------------------
# Names and numbers as text
# ---------------------------------------------------------------------------


def neuron_names(layer_sizes):
    """(inputs, neurons): inputs x1, x2, ...; neurons[l][i] = (a name, z name) for the neurons of
    weights[l], counted across the network (a1, z1, a2, z2, then a3, ŷ for a 2-2-1 net; ŷ1, ŷ2
    for several outputs). The rule of draw.node_labels, written again so this module needs no
    matplotlib."""
    inputs = tuple(f"x{i + 1}" for i in range(layer_sizes[0]))
    neurons, count = [], 0
    for l, size in enumerate(layer_sizes[1:]):
        is_output = l == len(layer_sizes) - 2
        names = []
        for j in range(size):
            count += 1
            z_name = ("ŷ" if size == 1 else f"ŷ{j + 1}") if is_output else f"z{count}"
            names.append((f"a{count}", z_name))
        neurons.append(tuple(names))
    return inputs, tuple(neurons)


def fmt_significant(value, digits=4):
    """A number to ``digits`` significant digits, as the walk writes its products (a real minus sign,
    inf and NaN written out, never −0); the step-through's drawing writes them the same way."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else MINUS + "inf"
    return f"{value + 0.0:.{digits}g}".replace("-", MINUS)


_num = fmt_significant


def _term(value):
    """A number as a later term of a sum or product: negative ones in brackets."""
    text = _num(value)
    return f"({text})" if text.startswith(MINUS) else text


def _slope_text(activation, a_name, z_name, a_value):
    """The factor f′(a) as the lessons write it, in terms of the activation z where that is simplest."""
    if activation == "sigmoid":
        return f"σ′({a_name}) = {z_name}(1 − {z_name})"
    if activation == "tanh":
        return f"tanh′({a_name}) = 1 − {z_name}²"
    if activation == "relu":
        return f"relu′({a_name}) = 1, as {a_name} > 0" if a_value > 0 else f"relu′({a_name}) = 0, as {a_name} ≤ 0"
    if activation == "linear":
        return f"f′({a_name}) = 1 (linear)"
    return f"{activation}′({a_name})"


def _slope_symbol(slope_text):
    """The slope as it enters a product: z1(1 − z1) or 1 − z1² where that is how it is computed, else f′(a)."""
    left, right = slope_text.split(" = ")[0], slope_text.split(" = ")[1].split(",")[0]
    if "(1 −" in right:
        return right
    if right.startswith("1 −"):
        return f"({right})"
    return left


# ---------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------


def _one_example(net, x, y):
    """x as a (1, n_in) row and y as (1, n_out), or ValueError naming the argument."""
    if not isinstance(net, Network):
        raise ValueError(f"net: expected a Network, got {type(net).__name__}")
    x_row, single = net._check_x(x)  # names x and the expected shape
    if not single and x_row.shape[0] != 1:
        raise ValueError(
            f"x: expected one example, shape ({net.layer_sizes[0]},) or (1, {net.layer_sizes[0]}), got a batch of "
            f"shape {x_row.shape}: the walk shows one example's arithmetic (pick one row, e.g. x[0])"
        )
    return x_row, net._check_y(y, 1, True)


def _cost_derivative(cost, y_hat, y):
    """∂E/∂ŷ per output, as the cost's formula gives it (inf where ŷ rounds to 0 or 1 against y)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if cost == "mse":
            return y_hat - y
        # a term whose factor is 0 counts as 0 (y = 1 and ŷ = 1 is a perfect prediction, not 0/0)
        toward_one = np.where(y > 0, -y / y_hat, 0.0)
        if cost == "categorical_cross_entropy":
            return toward_one
        return toward_one + np.where(y < 1, (1 - y) / (1 - y_hat), 0.0)


def backward_walk(net, x, y, numbering="by_sender"):
    """The backward pass of ``net`` on one example ``(x, y)`` as a Walk of chain-rule steps.

    ``x`` has shape (n_in,) or (1, n_in); a batch of several examples is refused (the walk shows one
    example's arithmetic). ``numbering`` names the weights as ``parameter_names`` does. The final
    gradient of every weight and bias equals ``net.gradients(x, y)`` exactly.
    """
    x_row, y_row = _one_example(net, x, y)
    if net.activations[-1] == "softmax" and net.cost_name != "categorical_cross_entropy":
        # its Jacobian is not one factor per neuron; with its own cost it collapses to ŷ − y (shown)
        raise ValueError(f"net: a softmax output is walked with 'categorical_cross_entropy', got {net.cost_name!r}")
    names = parameter_names(net, numbering)
    net.gradients(x_row, y_row)  # refuses, with the usual message, a backward pass that overflows float64
    name_of = {where[1:]: name for name, where in names.items()}  # (layer, row, col) -> "w5"
    inputs, neurons = neuron_names(net.layer_sizes)
    n_layers = len(net.weights)
    cost = net.cost_name

    # The forward pass on the (1, n_in) row, exactly the arrays Network.gradients works from.
    trace = net.forward(x_row)
    a = [v[0] for v in trace.a]
    z = [v[0] for v in trace.z]
    y_vec = y_row[0]
    senders = [inputs] + [tuple(z_name for _, z_name in layer) for layer in neurons[:-1]]
    sent = [x_row[0]] + z[:-1]  # what each layer's weights multiplied
    steps = []

    def add(kind, quantity, value, factor, factor_value, expression, highlight, parameter=None, note=""):
        factor_value = None if factor_value is None else float(factor_value)
        steps.append(WalkStep(kind, quantity, float(value), factor, factor_value, expression, highlight, parameter,
                              note))

    def delta_name(l, i):
        return "δ" + neurons[l][i][0][1:]  # a3 -> δ3

    def parameter_steps(l, i, delta):
        """∂E/∂w for every weight into neuron i of layer l, then its bias: δ × what the weight multiplied."""
        d_name, a_name = delta_name(l, i), neurons[l][i][0]
        for j, (s_name, s_value) in enumerate(zip(senders[l], sent[l])):
            # Network.gradients: d.T @ z_in / 1, one multiplication per entry, so this product is the same number
            w_name = name_of[(l, i, j)]
            value = delta * s_value
            add("weight_gradient", f"∂E/∂{w_name}", value, f"∂{a_name}/∂{w_name} = {s_name}", s_value,
                f"{d_name} · {s_name} = {_num(delta)} × {_term(s_value)} = {_num(value)}", ("edge", l, i, j), w_name)
        if net.biases[l] is not None:
            b_name = name_of[(l, i, None)]
            add("bias_gradient", f"∂E/∂{b_name}", delta, f"∂{a_name}/∂{b_name} = 1", 1.0,
                f"{d_name} · 1 = {_num(delta)}", ("bias", l, i), b_name,
                "a bias is a weight on an input fixed at 1")

    # -- the cost ------------------------------------------------------------
    E = net.cost(x_row, y_row)
    single_out = len(y_vec) == 1
    y_names = ["y"] if single_out else [f"y{k + 1}" for k in range(len(y_vec))]
    formula = {"cross_entropy": "−Σ [y ln ŷ + (1 − y) ln(1 − ŷ)]", "mse": "½ Σ (ŷ − y)²",
               "categorical_cross_entropy": "−Σ y ln ŷ"}.get(cost, cost)
    if single_out:
        formula = formula.replace("Σ ", "")
    add("cost", "E", E, "", None, f"E = {formula} = {_num(E)}", ("cost",))

    # -- the output layer ----------------------------------------------------
    out = n_layers - 1
    activation = net.activations[out]
    y_hat = z[out]
    dE_dy_hat = _cost_derivative(cost, y_hat, y_vec)
    with np.errstate(all="ignore"):
        slopes = ACTIVATIONS[activation][1](a[out]) if activation in ACTIVATIONS and activation != "softmax" else None
        # Network._output_delta, operation for operation
        if cost == "mse":
            deltas = (y_hat - y_vec) * slopes
        elif cost == "categorical_cross_entropy":  # p - y, with the target's column kept accurate near p = 1
            deltas = _softmax_delta(y_hat, y_vec)
        else:  # cross_entropy (sigmoid): the slope cancels
            deltas = y_hat - y_vec
    def cost_derivative_step(k):
        yh_name, y_name, yh, target = neurons[out][k][1], y_names[k], y_hat[k], y_vec[k]
        if cost == "mse":
            factor = f"∂E/∂{yh_name} = {yh_name} − {y_name}"
            text = f"{_num(yh)} − {_term(target)}"
        elif cost == "cross_entropy":
            factor = f"∂E/∂{yh_name} = −{y_name}/{yh_name} + (1 − {y_name})/(1 − {yh_name})"
            text = f"−{_term(target)}/{_term(yh)} + {_term(1 - target)}/{_term(1 - yh)}"
        else:
            factor = f"∂E/∂{yh_name} = −{y_name}/{yh_name}"
            text = f"−{_term(target)}/{_term(yh)}"
        note = ""
        if not np.isfinite(dE_dy_hat[k]):  # shown as it is, not clipped: the δ below does not need it
            note = (f"{yh_name} rounds to {_num(yh)} in float64, so ∂E/∂{yh_name} is {_num(dE_dy_hat[k])} here; "
                    f"δ does not need it")
        add("cost_derivative", f"∂E/∂{yh_name}", dE_dy_hat[k], factor, dE_dy_hat[k],
            f"{factor.split(' = ')[1]} = {text} = {_num(dE_dy_hat[k])}", ("node", out + 1, k), note=note)

    def output_delta_step(k):
        (a_name, yh_name), y_name, yh, target = neurons[out][k], y_names[k], y_hat[k], y_vec[k]
        d_name, delta = delta_name(out, k), deltas[k]
        quantity, where = f"{d_name} = ∂E/∂{a_name}", ("node", out + 1, k)
        if cost == "categorical_cross_entropy":
            add("output_delta", quantity, delta, f"the softmax Jacobian ∂ŷj/∂{a_name}", None,
                f"Σj ∂E/∂ŷj · ∂ŷj/∂{a_name} = {yh_name} − {y_name} = {_num(yh)} − {_term(target)} = {_num(delta)}",
                where,
                note=(f"every ŷj depends on {a_name}: ∂ŷj/∂{a_name} = ŷj(1[j = {k + 1}] − {yh_name}); summed over "
                      f"j, Σj (−yj/ŷj) ŷj(1[j = {k + 1}] − {yh_name}) = {yh_name} Σj yj − {y_name} = "
                      f"{yh_name} − {y_name} (one-hot targets sum to 1)"))
            return
        slope_text = _slope_text(activation, a_name, yh_name, a[out][k])
        product = f"∂E/∂{yh_name} · {_slope_symbol(slope_text)} = {_num(dE_dy_hat[k])} × {_term(slopes[k])}"
        if cost == "cross_entropy":
            add("output_delta", quantity, delta, slope_text, slopes[k],
                f"{product} = {yh_name} − {y_name} = {_num(delta)}", where,
                note=(f"the sigmoid's slope cancels the cost's denominator: (−{y_name}/{yh_name} + (1 − {y_name})/"
                      f"(1 − {yh_name})) · {yh_name}(1 − {yh_name}) = {yh_name} − {y_name}, which stays exact "
                      f"where {yh_name} rounds to 0 or 1"))
        else:
            add("output_delta", quantity, delta, slope_text, slopes[k], f"{product} = {_num(delta)}", where)

    if cost == "categorical_cross_entropy":  # every δ needs every ∂E/∂ŷj (each ŷj depends on every a)
        for k in range(len(deltas)):
            cost_derivative_step(k)
        for k in range(len(deltas)):
            output_delta_step(k)
            parameter_steps(out, k, deltas[k])
    else:  # one output at a time: its ∂E/∂ŷ, its δ, the weights into it
        for k in range(len(deltas)):
            cost_derivative_step(k)
            output_delta_step(k)
            parameter_steps(out, k, deltas[k])

    # -- the hidden layers, from the output down -----------------------------
    for l in range(n_layers - 2, -1, -1):
        w_next = net.weights[l + 1]
        with np.errstate(all="ignore"):
            # Network.gradients: (delta_{l+1} @ W[l+1]) * f'(a[l]), on the same (1, n) shapes
            dE_dz = (deltas[None, :] @ w_next)[0]
            slopes = ACTIVATIONS[net.activations[l]][1](a[l])
            new_deltas = dE_dz * slopes
        for j, (a_name, z_name) in enumerate(neurons[l]):
            receivers = range(w_next.shape[0])
            several = len(receivers) > 1
            terms = []
            for k in receivers:
                weight, r_name = w_next[k, j], neurons[l + 1][k][0]
                value = deltas[k] * weight if several else dE_dz[j]  # one path: the same single product
                terms.append(value)
                w_name = name_of[(l + 1, k, j)]
                quantity = f"∂E/∂{z_name} via {r_name}" if several else f"∂E/∂{z_name}"
                add("path", quantity, value, f"∂{r_name}/∂{z_name} = {w_name} (before the update)", weight,
                    f"{delta_name(l + 1, k)} · {w_name} = {_num(deltas[k])} × {_term(weight)} = {_num(value)}",
                    ("edge", l + 1, k, j),
                    note="" if several else f"{z_name} reaches E through {r_name} only")
            if several:
                products = " + ".join(f"{delta_name(l + 1, k)} · {name_of[(l + 1, k, j)]}" for k in receivers)
                numbers = " + ".join([_num(terms[0])] + [_term(t) for t in terms[1:]])
                add("sum_of_paths", f"∂E/∂{z_name}", dE_dz[j], f"the sum over {len(terms)} paths", None,
                    f"{products} = {numbers} = {_num(dE_dz[j])}", ("node", l + 1, j),
                    note=(f"{z_name} reaches E through each of " + ", ".join(neurons[l + 1][k][0] for k in receivers)
                          + ": the multivariable chain rule adds one product per path"))
            slope_text = _slope_text(net.activations[l], a_name, z_name, a[l][j])
            add("hidden_delta", f"{delta_name(l, j)} = ∂E/∂{a_name}", new_deltas[j], slope_text, slopes[j],
                f"∂E/∂{z_name} · {_slope_symbol(slope_text)} = {_num(dE_dz[j])} × {_term(slopes[j])} "
                f"= {_num(new_deltas[j])}", ("node", l + 1, j))
            parameter_steps(l, j, new_deltas[j])
        deltas = new_deltas

    return Walk(tuple(steps), E, names, inputs, neurons)
