"""Static lesson figures: the curves hold the right data, the labels say what they show."""

import base64

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import figures, sigmoid


def _lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_sigmoid_figure_curves_and_derivatives():
    fig = figures.sigmoid_figure(marks=[(4.0, "a = 4")])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    lines = _lines_by_label(left)
    sig = next(line for label, line in lines.items() if label.startswith("sigmoid"))
    tanh = next(line for label, line in lines.items() if label.startswith("tanh"))
    a, s = sig.get_data()
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-a)), rtol=1e-12)
    np.testing.assert_allclose(tanh.get_ydata(), np.tanh(tanh.get_xdata()), rtol=1e-12)
    assert s.min() > 0 and s.max() < 1
    slope = next(line for label, line in _lines_by_label(right).items() if label.startswith("σ'"))
    a, ds = slope.get_data()
    np.testing.assert_allclose(ds, sigmoid(a) * (1 - sigmoid(a)), rtol=1e-12)
    assert ds.max() == pytest.approx(0.25, abs=1e-4)
    # the mark sits on the sigmoid and on its slope at a = 4
    marks = [line for line in right.get_lines() if line.get_marker() == "o"]
    assert marks[0].get_xdata()[0] == 4.0
    assert marks[0].get_ydata()[0] == pytest.approx(float(sigmoid(4) * (1 - sigmoid(4))))
    assert any(t.get_text() == "a = 4" for t in left.texts)
    assert left.get_xlabel().startswith("a")


def test_sigmoid_figure_without_derivative():
    assert len(figures.sigmoid_figure(show_derivative=False).axes) == 1


def test_sigmoid_figure_without_tanh():
    fig = figures.sigmoid_figure(with_tanh=False, marks=[(4.0, "x1 = 4")])
    for ax in fig.axes:
        assert not any("tanh" in line.get_label() for line in ax.get_lines())
    assert fig.axes[1].get_ylim()[1] < 1


def test_logistic_cost_figure():
    fig = figures.logistic_cost_figure(y_hat=0.6)
    (ax,) = fig.axes
    lines = _lines_by_label(ax)
    y1 = next(line for label, line in lines.items() if label.startswith("y = 1"))
    y0 = next(line for label, line in lines.items() if label.startswith("y = 0"))
    np.testing.assert_allclose(y1.get_ydata(), -np.log(y1.get_xdata()))
    np.testing.assert_allclose(y0.get_ydata(), -np.log(1 - y0.get_xdata()))
    mark = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    assert mark.get_ydata()[0] == pytest.approx(-np.log(0.6))
    assert "ŷ" in ax.get_xlabel()
    assert any("0.600" in t.get_text() and "0.511" in t.get_text() for t in ax.texts)


def test_log_base_figure_ratio_is_ln10():
    fig = figures.log_base_figure(y_hat=0.66)
    (ax,) = fig.axes
    natural, base10 = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    np.testing.assert_allclose(natural.get_ydata() / base10.get_ydata(), np.log(10), rtol=1e-12)
    assert "2.303" in ax.get_title()
    assert {t.get_text() for t in ax.texts} == {f"{-np.log(0.66):.3f}", f"{-np.log10(0.66):.3f}"}


def test_squared_vs_logistic_gradients():
    fig = figures.squared_vs_logistic_figure(y=1)
    left, right = fig.axes
    logistic_cost, squared_cost = [line for line in left.get_lines() if not line.get_label().startswith("_")]
    a = logistic_cost.get_xdata()
    np.testing.assert_allclose(logistic_cost.get_ydata(), -np.log(sigmoid(a)), rtol=1e-9)
    np.testing.assert_allclose(squared_cost.get_ydata(), 0.5 * (sigmoid(a) - 1) ** 2, rtol=1e-12)
    lines = _lines_by_label(right)
    logistic = next(line for label, line in lines.items() if label.startswith("logistic"))
    squared = next(line for label, line in lines.items() if label.startswith("squared"))
    np.testing.assert_allclose(logistic.get_ydata(), sigmoid(a) - 1, atol=1e-15)
    s = sigmoid(a)
    np.testing.assert_allclose(squared.get_ydata(), (s - 1) * s * (1 - s), atol=1e-15)
    # confidently wrong (a very negative): the logistic gradient stays near -1, the squared one vanishes
    assert logistic.get_ydata()[0] < -0.99
    assert abs(squared.get_ydata()[0]) < 1e-2
    assert right.get_ylabel() == "dE/da"


def test_squared_vs_logistic_for_target_zero():
    fig = figures.squared_vs_logistic_figure(y=0)
    logistic = _lines_by_label(fig.axes[1])["logistic: ŷ − y"]
    np.testing.assert_allclose(logistic.get_ydata(), sigmoid(logistic.get_xdata()), atol=1e-15)


def test_wiggle_figure_ratios_approach_the_slope():
    def f(x):
        return sigmoid(3 * x) ** 2

    x0 = 0.2
    s = float(sigmoid(3 * x0))
    slope = 2 * s * s * (1 - s) * 3
    eps = np.logspace(0, -6, 7)
    fig = figures.wiggle_figure(f, x0, slope, eps_values=eps)
    left, right = fig.axes
    measured = _lines_by_label(right)["Δ/ε measured"]
    np.testing.assert_allclose(measured.get_xdata(), eps)
    np.testing.assert_allclose(measured.get_ydata(), (f(x0 + eps) - f(x0)) / eps)
    assert abs(measured.get_ydata()[-1] - slope) < 1e-5
    assert abs(measured.get_ydata()[0] - slope) > 1e-2
    chain = _lines_by_label(right)["chain rule"]
    assert chain.get_ydata()[0] == slope
    assert any(label.startswith("slope from the chain rule") for label in _lines_by_label(left))
    assert right.get_xscale() == "log"


def test_show_displays_png_with_plain_description(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append((data, raw)))
    fig = figures.logistic_cost_figure()
    figures.show(fig)
    data, raw = shown[0]
    assert raw is True
    assert data["text/plain"] == "Figure: " + fig.axes[0].get_title()
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")


def test_png_is_deterministic():
    assert figures.png_bytes(figures.sigmoid_figure()) == figures.png_bytes(figures.sigmoid_figure())


def test_notation_figure_names_every_node_and_weight():
    fig = figures.notation_figure()
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"x1", "x2", "a1 → z1", "a2 → z2", "a3 → ŷ"} <= texts
    assert {f"w{i}" for i in range(1, 7)} <= texts
    assert len(fig.axes[0].get_lines()) == 6


def test_sigmoid_slope_figure_marks_the_peak():
    fig = figures.sigmoid_slope_figure(peak_at=0.0, peak=0.25)
    (ax,) = fig.axes
    lines = _lines_by_label(ax)
    slope = next(line for label, line in lines.items() if label.startswith("σ'"))
    a, ds = slope.get_data()
    np.testing.assert_allclose(ds, sigmoid(a) * (1 - sigmoid(a)), rtol=1e-12)
    mark = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    assert (mark.get_xdata()[0], mark.get_ydata()[0]) == (0.0, 0.25)
    assert ds.max() <= 0.25 and any("0.25" in t.get_text() for t in ax.texts)


def test_activation_slopes_figure():
    fig = figures.activation_slopes_figure(relu_at_zero=0.0)
    (ax,) = fig.axes
    lines = _lines_by_label(ax)
    tanh = next(line for label, line in lines.items() if label.startswith("tanh'"))
    np.testing.assert_allclose(tanh.get_ydata(), 1 - np.tanh(tanh.get_xdata()) ** 2, rtol=1e-12)
    relu_pieces = [line for line in ax.get_lines() if line.get_linestyle() == "-." ]
    assert {tuple(np.unique(line.get_ydata())) for line in relu_pieces} == {(0.0,), (1.0,)}
    filled = [line for line in ax.get_lines() if line.get_marker() == "o" and line.get_color() != "white"]
    assert filled[0].get_ydata()[0] == 0.0
    assert any("helpers use 0" in t.get_text() for t in ax.texts)


def test_depth_figure_draws_bound_and_medians():
    from helpers.depth import measure_depths

    m = measure_depths(depths=range(1, 5), seeds=range(10))
    fig = figures.depth_figure(m)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    lines = _lines_by_label(ax)
    bound = next(line for label, line in lines.items() if label.startswith("bound 0.25^depth"))
    np.testing.assert_allclose(bound.get_ydata(), 0.25 ** np.arange(1, 5))
    median = next(line for label, line in lines.items() if "median" in label)
    np.testing.assert_allclose(median.get_ydata(), np.median(m.gains, axis=1))
