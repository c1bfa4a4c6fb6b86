"""The worked examples written symbolically with SymPy: derivations the lessons show.

Two networks, both small enough to differentiate by hand and by SymPy:

The office-hours 2-2-1 network (source 000), every neuron a logistic sigmoid, no biases::

    a1 = x1 w1 + x2 w3        z1 = sigma(a1)
    a2 = x1 w2 + x2 w4        z2 = sigma(a2)
    a3 = z1 w5 + z2 w6        y_hat = sigma(a3)

with the logistic cost E = -[y ln(y_hat) + (1 - y) ln(1 - y_hat)] (natural log), its
log10 twin, or the squared error E = 0.5 (y_hat - y)^2.

The slides' chain network (source 002)::

    x1 = w0 s0,  s1 = sigma(x1),  x2 = w1 s1,  s2 = sigma(x2),  out = w2 s2,
    C = 0.5 (t - out)^2

Numbers come out through mpmath at 30 significant digits, so they serve as the
reference that ``Network`` (float64, backpropagation) is compared against.
"""

from __future__ import annotations

from functools import cache

import mpmath
import sympy as sp

__all__ = [
    "CHAIN_VALUES",
    "OFFICE_HOURS_VALUES",
    "chain_cost",
    "chain_forward",
    "chain_gradients",
    "chain_output_derivatives",
    "chain_symbols",
    "evaluate",
    "evaluate_chain",
    "evaluate_cost",
    "evaluate_forward",
    "evaluate_gradients",
    "log10_gradient_ratio",
    "office_hours_cost",
    "office_hours_forward",
    "office_hours_symbols",
    "sigmoid",
    "sigmoid_derivative_identity",
    "simplified_output_delta",
    "symbolic_gradients",
]

#: The office-hours example: inputs, target and w1..w6.
OFFICE_HOURS_VALUES = {"x1": 0.0, "x2": 1.0, "y": 1.0, "w1": 0.1, "w2": 0.2, "w3": 0.3, "w4": 0.4, "w5": 0.5, "w6": 0.6}
#: The slides' chain example: input s0, target t and w0..w2.
CHAIN_VALUES = {"s0": 2.0, "t": 0.7, "w0": 2.0, "w1": 1.0, "w2": 0.5}

_OFFICE_HOURS_WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")
_CHAIN_WEIGHT_NAMES = ("w0", "w1", "w2")
_COST_NAMES = ("cross_entropy", "cross_entropy_log10", "mse")
_DIGITS = 30


def sigmoid(a):
    """sigma(a) = 1 / (1 + e^(-a)) as a SymPy expression."""
    return 1 / (1 + sp.exp(-a))


def _symbols(names):
    return {name: sp.Symbol(name, real=True) for name in names}


# ---------------------------------------------------------------------------
# The office-hours network
# ---------------------------------------------------------------------------


def office_hours_symbols():
    """{"x1", "x2", "y", "w1", ..., "w6"} -> SymPy symbols (real)."""
    return _symbols(("x1", "x2", "y") + _OFFICE_HOURS_WEIGHT_NAMES)


def office_hours_forward():
    """The forward pass as expressions: {"a1", "a2", "z1", "z2", "a3", "y_hat"}."""
    s = office_hours_symbols()
    a1 = s["x1"] * s["w1"] + s["x2"] * s["w3"]
    a2 = s["x1"] * s["w2"] + s["x2"] * s["w4"]
    z1, z2 = sigmoid(a1), sigmoid(a2)
    a3 = z1 * s["w5"] + z2 * s["w6"]
    return {"a1": a1, "a2": a2, "z1": z1, "z2": z2, "a3": a3, "y_hat": sigmoid(a3)}


def _cost_of(y_hat, y, cost):
    if cost == "cross_entropy":
        return -(y * sp.log(y_hat) + (1 - y) * sp.log(1 - y_hat))
    if cost == "cross_entropy_log10":
        return -(y * sp.log(y_hat, 10) + (1 - y) * sp.log(1 - y_hat, 10))
    if cost == "mse":
        return sp.Rational(1, 2) * (y_hat - y) ** 2
    raise ValueError(f"cost: expected one of {_COST_NAMES}, got {cost!r}")


def office_hours_cost(cost="cross_entropy"):
    """E(x1, x2, y, w1..w6) for cost "cross_entropy" (ln), "cross_entropy_log10" or "mse"."""
    return _cost_of(office_hours_forward()["y_hat"], office_hours_symbols()["y"], cost)


def symbolic_gradients(cost="cross_entropy"):
    """{"w1": dE/dw1, ..., "w6": dE/dw6}, each differentiated by SymPy (not simplified)."""
    E = office_hours_cost(cost)
    s = office_hours_symbols()
    return {name: sp.diff(E, s[name]) for name in _OFFICE_HOURS_WEIGHT_NAMES}


# ---------------------------------------------------------------------------
# Numbers: lambdify once to mpmath, evaluate at 30 digits
# ---------------------------------------------------------------------------


def _office_hours_expressions(what, cost):
    if what == "forward":
        return office_hours_forward()
    if what == "cost":
        return {"E": office_hours_cost(cost)}
    return symbolic_gradients(cost)


@cache
def _compiled(network, what, cost):
    """(names of the arguments, {result name: mpmath function}) for one family of expressions."""
    if network == "office_hours":
        symbols, expressions = office_hours_symbols(), _office_hours_expressions(what, cost)
    else:
        symbols, expressions = chain_symbols(), _chain_expressions(what)
    names = tuple(symbols)
    args = [symbols[n] for n in names]
    return names, {key: sp.lambdify(args, expr, modules="mpmath") for key, expr in expressions.items()}


def evaluate(network, what, values=None, cost="cross_entropy"):
    """Evaluate a family of expressions at ``values`` (missing ones default to the worked example).

    network: "office_hours" or "chain"; what: "forward", "cost" or "gradients".
    Returns {name: float}, computed with 30 significant digits and rounded once.
    """
    if network not in ("office_hours", "chain"):
        raise ValueError(f"network: expected 'office_hours' or 'chain', got {network!r}")
    if what not in ("forward", "cost", "gradients"):
        raise ValueError(f"what: expected 'forward', 'cost' or 'gradients', got {what!r}")
    if network == "office_hours" and cost not in _COST_NAMES:
        raise ValueError(f"cost: expected one of {_COST_NAMES}, got {cost!r}")
    defaults = OFFICE_HOURS_VALUES if network == "office_hours" else CHAIN_VALUES
    point = {**defaults, **(values or {})}
    unknown = set(point) - set(defaults)
    if unknown:
        raise ValueError(f"values: unknown names {sorted(unknown)}, expected some of {list(defaults)}")
    names, functions = _compiled(network, what, cost if network == "office_hours" else "mse")
    with mpmath.workdps(_DIGITS):
        args = [mpmath.mpf(float(point[n])) for n in names]
        return {key: float(f(*args)) for key, f in functions.items()}


def evaluate_forward(values=None):
    """Office-hours forward pass {"a1", ..., "y_hat"} at ``values`` (default: the example)."""
    return evaluate("office_hours", "forward", values)


def evaluate_cost(values=None, cost="cross_entropy"):
    """Office-hours cost E at ``values`` (default: the example)."""
    return evaluate("office_hours", "cost", values, cost)["E"]


def evaluate_gradients(values=None, cost="cross_entropy"):
    """Office-hours {"w1": dE/dw1, ...} at ``values`` (default: the example)."""
    return evaluate("office_hours", "gradients", values, cost)


# ---------------------------------------------------------------------------
# Derivations shown in the lessons
# ---------------------------------------------------------------------------


def sigmoid_derivative_identity():
    """(d sigma/da, sigma(a)(1 - sigma(a))): SymPy confirms their difference simplifies to 0."""
    a = sp.Symbol("a", real=True)
    derivative, identity = sp.diff(sigmoid(a), a), sigmoid(a) * (1 - sigmoid(a))
    assert sp.simplify(derivative - identity) == 0
    return derivative, identity


def simplified_output_delta(cost="cross_entropy"):
    """dE/da3 written in terms of y_hat and y.

    With y_hat = sigma(a3), e^(-a3) = (1 - y_hat) / y_hat, so substituting it turns the
    raw derivative into a function of y_hat. For the natural-log logistic cost this is
    y_hat - y (the sigmoid factor cancels: what the office-hours notes called dE/dy_hat);
    for the squared error it is (y_hat - y) y_hat (1 - y_hat); for the log10 cost it is
    (y_hat - y) / ln 10.
    """
    a3, y, y_hat = sp.Symbol("a3", real=True), sp.Symbol("y", real=True), sp.Symbol("y_hat", positive=True)
    derivative = sp.diff(_cost_of(sigmoid(a3), y, cost), a3)
    return sp.factor(sp.simplify(derivative.subs(sp.exp(-a3), (1 - y_hat) / y_hat)))


def log10_gradient_ratio():
    """{"w1": (dE10/dw1) / (dE/dw1), ...}: each simplifies to 1/ln(10).

    A cost in log base 10 is the natural-log cost divided by ln 10, so every gradient is
    too: mixing the log10 cost with the natural-log derivative (the office-hours notes)
    is off by that factor, about 2.303.
    """
    natural, base10 = symbolic_gradients("cross_entropy"), symbolic_gradients("cross_entropy_log10")
    return {name: sp.simplify(base10[name] / natural[name]) for name in _OFFICE_HOURS_WEIGHT_NAMES}


# ---------------------------------------------------------------------------
# The slides' chain network
# ---------------------------------------------------------------------------


def chain_symbols():
    """{"s0", "t", "w0", "w1", "w2"} -> SymPy symbols (real)."""
    return _symbols(("s0", "t") + _CHAIN_WEIGHT_NAMES)


def chain_forward():
    """{"x1", "s1", "x2", "s2", "out"}: x is a neuron's input, s its sigmoid output."""
    s = chain_symbols()
    x1 = s["w0"] * s["s0"]
    s1 = sigmoid(x1)
    x2 = s["w1"] * s1
    s2 = sigmoid(x2)
    return {"x1": x1, "s1": s1, "x2": x2, "s2": s2, "out": s["w2"] * s2}


def chain_cost():
    """C = 0.5 (t - out)^2."""
    return sp.Rational(1, 2) * (chain_symbols()["t"] - chain_forward()["out"]) ** 2


def chain_output_derivatives():
    """{"w0": d out/dw0, "w1": ..., "w2": ...}, the slides' "wiggle" derivatives."""
    out, s = chain_forward()["out"], chain_symbols()
    return {name: sp.diff(out, s[name]) for name in _CHAIN_WEIGHT_NAMES}


def chain_gradients():
    """{"w0": dC/dw0, "w1": ..., "w2": ...} = (out - t) * d out/dw."""
    C, s = chain_cost(), chain_symbols()
    return {name: sp.diff(C, s[name]) for name in _CHAIN_WEIGHT_NAMES}


def _chain_expressions(what):
    if what == "forward":
        return chain_forward()
    if what == "cost":
        return {"C": chain_cost()}
    return chain_gradients()


def evaluate_chain(values=None):
    """Forward pass, cost and gradients of the chain network at ``values`` (default: the slides).

    Returns {"x1", "s1", "x2", "s2", "out", "C", "dC/dw0", "dC/dw1", "dC/dw2",
    "dout/dw0", "dout/dw1", "dout/dw2"} as floats.
    """
    result = {**evaluate("chain", "forward", values), **evaluate("chain", "cost", values)}
    result.update({f"dC/d{k}": v for k, v in evaluate("chain", "gradients", values).items()})
    point = {**CHAIN_VALUES, **(values or {})}
    subs = {sym: sp.Float(point[name], _DIGITS) for name, sym in chain_symbols().items()}
    for name, expr in chain_output_derivatives().items():
        result[f"dout/d{name}"] = float(expr.evalf(_DIGITS, subs=subs))
    return result
