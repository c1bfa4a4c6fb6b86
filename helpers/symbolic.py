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

from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import sympy as sp

__all__ = [
    "CHAIN_VALUES",
    "GRAPH_SLIPS",
    "OFFICE_HOURS_VALUES",
    "SIGMA",
    "BackpropAgreement",
    "Derivation",
    "GraphWalk",
    "activation_derivatives",
    "backprop_agreement",
    "cost_slope_derivation",
    "gradient_function",
    "random_office_hours_points",
    "sigmoid_derivative_derivation",
    "sigmoid_graph",
    "sigmoid_slope_maximum",
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


# ---------------------------------------------------------------------------
# Lesson 05: the sigmoid's derivative, step by step
# ---------------------------------------------------------------------------

#: sigma as an undefined function, so a step can say "sigma(a) - sigma(a)^2" without SymPy expanding it.
SIGMA = sp.Function("sigma")


def _add(*terms):
    return sp.Add(*terms, evaluate=False)


def _mul(*factors):
    return sp.Mul(*factors, evaluate=False)


def _over(numerator, denominator):
    return _mul(numerator, sp.Pow(denominator, -1, evaluate=False))


def _with_sigmoid(expr):
    """Replace every sigma(...) by its definition, so a step can be compared with SymPy's derivative."""
    return expr.replace(SIGMA, lambda argument: sigmoid(argument)).doit()


def _same(expr, target):
    difference = sp.simplify(_with_sigmoid(expr) - target)
    return difference == 0 or bool(difference.equals(0))


@dataclass(frozen=True)
class Derivation:
    """A chain of equal expressions: ``lhs = step 1 = step 2 = ...``, each with the reason it is allowed.

    ``target`` is what SymPy computes directly (e.g. ``diff``); ``checks`` says, for every step, whether
    SymPy agrees it equals the target (sigma(...) replaced by its definition first). Shown in a notebook
    as aligned LaTeX; its text form (what nbval compares) is SymPy's plain printing, term order as built.
    """

    lhs: str  # LaTeX of the left-hand side
    plain_lhs: str
    steps: tuple  # ((reason in plain text, reason in LaTeX, expression), ...)
    target: sp.Expr

    @property
    def checks(self):
        return tuple(_same(expr, self.target) for _, _, expr in self.steps)

    @property
    def result(self):
        return self.steps[-1][2]

    def _repr_latex_(self):
        lines = []
        for number, (_, reason, expr) in enumerate(self.steps):
            left = self.lhs if number == 0 else ""
            lines.append(rf"{left} &= {sp.latex(expr, order='none', mul_symbol='dot')} && {reason}")
        return r"$\displaystyle \begin{aligned}" + r" \\[4pt] ".join(lines) + r"\end{aligned}$"

    def __repr__(self):
        width = max(len(sp.sstr(expr, order="none")) for _, _, expr in self.steps)
        lines = []
        for number, (reason, _, expr) in enumerate(self.steps):
            left = self.plain_lhs if number == 0 else " " * len(self.plain_lhs)
            lines.append(f"{left} = {sp.sstr(expr, order='none'):<{width}}   ({reason})")
        return "\n".join(lines)


def sigmoid_derivative_derivation():
    """sigma'(a) by the quotient rule and the "add zero" trick (the slides' route), ending in sigma(1 - sigma).

    a is a neuron's pre-activation (the lessons' name; x is the network's input). Every step is a SymPy
    expression built unevaluated (so it looks as written by hand) and checked equal to
    ``sp.diff(sigmoid(a), a)``.
    """
    a = sp.Symbol("a", real=True)
    e = sp.exp(-a)
    v = 1 + e  # the denominator
    v2 = sp.Pow(v, 2, evaluate=False)
    s = SIGMA(a)
    steps = (
        ("quotient rule (u/v)' = (u'v - uv')/v^2, u = 1, v = 1 + e^-a",
         r"\text{quotient rule } \left(\tfrac{u}{v}\right)' = \tfrac{u'v - uv'}{v^2},\ u = 1,\ v = 1 + e^{-a}",
         _over(_add(_mul(sp.Derivative(sp.Integer(1), a), v), -sp.Derivative(v, a)), v2)),
        ("d/da 1 = 0, d/da e^-a = -e^-a", r"\tfrac{d}{da} 1 = 0,\ \tfrac{d}{da} e^{-a} = -e^{-a}",
         _over(_add(_mul(0, v), e), v2)),
        ("tidy up", r"\text{tidy up}", _over(e, v2)),
        ("add zero: + 1 - 1", r"\text{add zero: } {+1} - 1", _over(_add(1, e, -1), v2)),
        ("split the fraction", r"\text{split the fraction}", _add(_over(v, v2), -_over(1, v2))),
        ("cancel", r"\text{cancel}", _add(sp.Pow(v, -1, evaluate=False), -sp.Pow(v2, -1, evaluate=False))),
        ("that is sigma minus sigma squared", r"\text{that is } \sigma - \sigma^2",
         _add(s, -sp.Pow(s, 2, evaluate=False))),
        ("factor out sigma", r"\text{factor out } \sigma", _mul(s, _add(1, -s))),
    )
    return Derivation(r"\sigma'(a)", "sigma'(a)", steps, sp.diff(sigmoid(a), a))


# The computational graph a -> -a -> exp -> 1 + . -> 1/. of the lecture (source 003); t is a node's input
# (not u: the quotient rule above already has its u = 1).
_GRAPH = (("-a", lambda t: -t), ("exp", sp.exp), ("1 + .", lambda t: 1 + t), ("1/.", lambda t: 1 / t))
#: The two sign slips of the live session: the sigmoid written as 1/(1 + e^a), and d(1/t)/dt taken as +1/t^2.
GRAPH_SLIPS = ("no_minus", "reciprocal_sign")


@dataclass(frozen=True)
class GraphWalk:
    """The sigmoid's graph walked at one a: per node its input, output and local derivative, and the running product.

    ``rows``: (node, input, output, local rule as a SymPy expression in t, local value, running product).
    ``value`` is what the graph computes, ``product`` the chain rule's answer d value/da.
    """

    a: float
    slips: tuple
    rows: tuple

    @property
    def value(self):
        return self.rows[-1][2]

    @property
    def product(self):
        return self.rows[-1][5]

    def __str__(self):
        header = (f"{'node':<7}{'input':>10}{'output':>10}   {'local derivative':<18}{'value':>10}"
                  f"{'running product':>18}")
        lines = [header]
        for node, t_in, t_out, rule, local, running in self.rows:
            lines.append(f"{node:<7}{t_in:>10.5f}{t_out:>10.5f}   {sp.sstr(rule):<18}{local:>10.5f}{running:>18.5f}")
        return "\n".join(lines)


def sigmoid_graph(a, slips=()):
    """Walk a -> -a -> exp -> 1 + . -> 1/. forward, one local derivative per node (SymPy), multiplied as we go.

    Each local derivative is taken with respect to the node's own input t. ``slips``: any of GRAPH_SLIPS.
    "no_minus" drops the -a node (the sigmoid written as 1/(1 + e^a)); "reciprocal_sign" uses +1/t^2 for
    the derivative of 1/t. Numbers at 30 digits, then floats.
    """
    slips = tuple(slips)
    unknown = [s for s in slips if s not in GRAPH_SLIPS]
    if unknown:
        raise ValueError(f"slips: expected some of {GRAPH_SLIPS}, got {unknown}")
    a = float(a)
    t = sp.Symbol("t", real=True)
    rows, value, running = [], sp.Float(a, _DIGITS), sp.Integer(1)
    for node, f in _GRAPH:
        if node == "-a" and "no_minus" in slips:
            continue
        rule = sp.diff(f(t), t)
        if node == "1/." and "reciprocal_sign" in slips:
            rule = -rule  # the slip: d(1/t)/dt written as +1/t^2
        local = rule.subs(t, value).evalf(_DIGITS)
        output = f(value).evalf(_DIGITS)
        running = (running * local).evalf(_DIGITS)
        rows.append((node, float(value), float(output), rule, float(local), float(running)))
        value = output
    return GraphWalk(a, slips, tuple(rows))


@dataclass(frozen=True)
class SlopeMaximum:
    """Where sigma' is largest: sigma'' = 0 solved by SymPy, and sigma' there."""

    second_derivative: sp.Expr  # sigma''(a), simplified
    second_in_sigma: sp.Expr  # sigma''(a) as sigma(1 - sigma)(1 - 2 sigma)
    roots: tuple  # real solutions of sigma'' = 0
    value: sp.Expr  # sigma' at the root (exact)
    third_at_root: sp.Expr  # sigma''' there: negative means a maximum


def sigmoid_slope_maximum():
    """Solve sigma''(a) = 0 over the reals; sigma' there is the largest slope (sigma''' < 0 confirms a maximum)."""
    a = sp.Symbol("a", real=True)
    first = sp.diff(sigmoid(a), a)
    second = sp.diff(first, a)
    roots = tuple(sorted(sp.solveset(second, a, sp.S.Reals)))
    if len(roots) != 1:
        raise ArithmeticError(f"expected one inflection point of the sigmoid, SymPy found {roots}")
    root = roots[0]
    s = SIGMA(a)
    in_sigma = _mul(s, _add(1, -s), _add(1, _mul(-2, s)))
    assert _same(in_sigma, second)
    return SlopeMaximum(sp.simplify(second), in_sigma, roots, sp.simplify(first.subs(a, root)),
                        sp.simplify(sp.diff(second, a).subs(a, root)))


def cost_slope_derivation(cost="cross_entropy"):
    """dE/da for an output y_hat = sigma(a), written with sigma(a): sigma(a) - y (logistic), times sigma' (squared).

    Steps: SymPy's raw derivative of E(sigma(a)); the chain rule by hand, dE/dsigma times
    sigma'(a) = sigma(1 - sigma); for the logistic cost, that product multiplied out
    (-y(1 - sigma) + (1 - y) sigma) and then sigma - y. Every hand step is checked equal to the raw one.
    """
    if cost not in ("cross_entropy", "mse"):
        raise ValueError(f"cost: expected 'cross_entropy' or 'mse', got {cost!r}")
    a, y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
    raw = sp.diff(_cost_of(sigmoid(a), y, cost), a)
    s = SIGMA(a)
    one_minus = _add(1, -s)
    slope = _mul(s, one_minus)  # sigma'(a), written with sigma
    raw_step = ("SymPy differentiates E", r"\text{SymPy differentiates } E", raw)
    if cost == "cross_entropy":
        d_sigma = _add(_mul(-1, _over(y, s)), _over(_add(1, -y), one_minus))  # dE/dsigma of -[y ln s + (1-y) ln(1-s)]
        steps = (raw_step,
                 ("chain rule: dE/dsigma * sigma'(a), sigma' = sigma(1 - sigma)",
                  r"\text{chain rule: } \tfrac{dE}{d\sigma} \cdot \sigma'(a),\ \sigma' = \sigma(1 - \sigma)",
                  _mul(d_sigma, slope)),
                 ("multiply out: sigma cancels in the first term, 1 - sigma in the second",
                  r"\text{multiply out: } \sigma \text{ cancels in the first term, } 1 - \sigma \text{ in the second}",
                  _add(_mul(-1, y, one_minus), _mul(_add(1, -y), s))),
                 ("expand: the y*sigma terms cancel", r"\text{expand: the } y\sigma \text{ terms cancel}",
                  _add(s, -y)))
    else:
        steps = (raw_step,
                 ("chain rule: dE/dsigma = sigma - y, times sigma'(a) = sigma(1 - sigma)",
                  r"\text{chain rule: } \tfrac{dE}{d\sigma} = \sigma - y "
                  r"\text{, times } \sigma'(a) = \sigma(1 - \sigma)",
                  _mul(_add(s, -y), s, one_minus)))
    return Derivation(r"\frac{dE}{da}", "dE/da", steps, raw)


def activation_derivatives():
    """{name: (f(a), f'(a) by SymPy, the shortcut in terms of f)} for sigmoid, tanh and relu.

    The shortcuts: sigma' = sigma(1 - sigma), tanh' = 1 - tanh^2, relu' = Heaviside(a) (a step; SymPy's
    Heaviside(0) is 1/2, while helpers.network takes 0 at a = 0).
    """
    a = sp.Symbol("a", real=True)
    table = {
        "sigmoid": (sigmoid(a), sp.diff(sigmoid(a), a), sigmoid(a) * (1 - sigmoid(a))),
        "tanh": (sp.tanh(a), sp.diff(sp.tanh(a), a), 1 - sp.tanh(a) ** 2),
        "relu": (sp.Max(0, a), sp.diff(sp.Max(0, a), a), sp.Heaviside(a)),
    }
    for name, (_, derivative, shortcut) in table.items():
        assert sp.simplify(derivative - shortcut) == 0, name
    return table


# ---------------------------------------------------------------------------
# Lesson 05: the whole office-hours network against backpropagation (float64)
# ---------------------------------------------------------------------------

_ARGUMENT_NAMES = ("x1", "x2", "y") + _OFFICE_HOURS_WEIGHT_NAMES


@cache
def gradient_function(cost="cross_entropy"):
    """SymPy's six gradients lambdified to numpy: f(x1, x2, y, w1, ..., w6) -> (dE/dw1, ..., dE/dw6)."""
    symbols, gradients = office_hours_symbols(), symbolic_gradients(cost)
    args = [symbols[n] for n in _ARGUMENT_NAMES]
    return sp.lambdify(args, [gradients[n] for n in _OFFICE_HOURS_WEIGHT_NAMES], modules="numpy")


def random_office_hours_points(count, seed):
    """``count`` points {x1, x2, y, w1..w6}: weights and inputs uniform in [-2, 2], target 0 or 1; seeded."""
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(count):
        point = dict(zip(_OFFICE_HOURS_WEIGHT_NAMES, rng.uniform(-2, 2, 6)))
        point.update(zip(("x1", "x2"), rng.uniform(-2, 2, 2)))
        point["y"] = rng.integers(0, 2)
        points.append({k: float(v) for k, v in point.items()})
    return points


#: Relative differences below this are float64 rounding; printed as a bound so stored outputs do not
#: depend on a machine's last bits.
ROUNDING_LEVEL = 1e-12


@dataclass(frozen=True)
class BackpropAgreement:
    """SymPy's lambdified gradients beside ``Network.gradients`` at some points, and the largest relative difference."""

    points: tuple
    sympy: tuple  # per point, the six gradients from SymPy
    backprop: tuple  # per point, the six from Network.gradients
    errors: tuple  # per point, the largest relative difference

    @property
    def max_error(self):
        return max(self.errors)

    @staticmethod
    def describe(error):
        return f"< {ROUNDING_LEVEL:.0e} (float64 rounding)" if error < ROUNDING_LEVEL else f"{error:.2e}"

    def table(self, rows=None):
        """A text table: one line per point (the first ``rows``), gradients to 6 decimals."""
        head = f"{'point':<6}{'y_hat':>8}  " + "".join(f"{'dE/d' + n:>10}" for n in _OFFICE_HOURS_WEIGHT_NAMES)
        lines = [head]
        for i, (point, ours, theirs, error) in enumerate(zip(self.points, self.sympy, self.backprop, self.errors)):
            if rows is not None and i >= rows:
                break
            y_hat = evaluate_forward(point)["y_hat"]
            lines.append(f"{i:<6}{y_hat:>8.4f}  " + "".join(f"{g:>+10.6f}" for g in ours) + "   SymPy")
            lines.append(f"{'':<6}{'':>8}  " + "".join(f"{g:>+10.6f}" for g in theirs)
                         + f"   backprop, rel. difference {self.describe(error)}")
        return "\n".join(lines)


def backprop_agreement(points, cost="cross_entropy"):
    """Compare SymPy's lambdified gradients with ``Network.gradients`` at each point ({x1, x2, y, w1..w6})."""
    from .gradcheck import relative_error
    from .network import Network

    f = gradient_function(cost)
    sympy_rows, backprop_rows, errors = [], [], []
    for point in points:
        p = {**OFFICE_HOURS_VALUES, **point}
        ours = tuple(float(g) for g in f(*(p[n] for n in _ARGUMENT_NAMES)))
        net = Network([[[p["w1"], p["w3"]], [p["w2"], p["w4"]]], [[p["w5"], p["w6"]]]], None, "sigmoid", cost)
        g = net.gradients([p["x1"], p["x2"]], [p["y"]]).weights
        (w1, w3), (w2, w4) = g[0]
        (w5, w6), = g[1]
        theirs = tuple(float(v) for v in (w1, w2, w3, w4, w5, w6))
        sympy_rows.append(ours)
        backprop_rows.append(theirs)
        errors.append(relative_error(ours, theirs, floor=1e-12))
    return BackpropAgreement(tuple(points), tuple(sympy_rows), tuple(backprop_rows), tuple(errors))
