"""helpers.style: the default and projector looks."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib.colors import to_rgb

import helpers.style as style
from helpers import office_hours_example
from helpers.draw import NetworkView, StepsView, SurfaceView, compute_state

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def back_to_default():
    saved = mpl.rcParams.copy()
    yield
    style.use("default")
    mpl.rcParams.update(saved)


def test_projector_is_bigger_and_thicker():
    default, projector = style.STYLES["default"], style.STYLES["projector"]
    assert projector.font_size >= 1.4 * default.font_size
    assert projector.title_size > default.title_size
    assert projector.line_width > default.line_width
    assert projector.edge_width_max > default.edge_width_max


def test_use_switches_current_and_rcparams():
    assert style.use("projector") is style.STYLES["projector"]
    assert style.current().name == "projector"
    assert mpl.rcParams["font.size"] == style.STYLES["projector"].font_size
    style.use("default")
    assert style.current().name == "default"
    assert mpl.rcParams["font.size"] == style.STYLES["default"].font_size


def test_unknown_style_is_a_clear_error():
    with pytest.raises(ValueError, match="name: expected one of"):
        style.use("neon")


@pytest.mark.parametrize("name", ["default", "projector"])
def test_palettes_are_colour_blind_safe_choices(name):
    s = style.STYLES[name]
    okabe_ito = {to_rgb(c) for c in style.OKABE_ITO.values()}
    assert to_rgb(s.positive) in okabe_ito and to_rgb(s.negative) in okabe_ito
    assert s.positive != s.negative
    assert s.cmap in ("cividis", "viridis")
    assert all(to_rgb(c) in okabe_ito for c in s.cycle)


def test_projector_style_changes_the_views_font_sizes():
    state = compute_state(*office_hours_example())
    small = NetworkView(state, style=style.STYLES["default"])
    style.use("projector")
    big = NetworkView(state)  # picks up the style in use
    assert big.nodes[1][0].get_fontsize() > small.nodes[1][0].get_fontsize()
    assert big.edge_labels["w1"].get_fontsize() > small.edge_labels["w1"].get_fontsize()
    assert big.figure.get_figwidth() > small.figure.get_figwidth()
    steps, surface = StepsView(state), SurfaceView(state)
    assert steps.cells[("w1", "grad")].get_fontsize() == style.STYLES["projector"].font_size
    assert surface.axes.xaxis.label.get_fontsize() == style.STYLES["projector"].font_size


def _style_from_environment(value):
    env = dict(os.environ, BACKPROP_STYLE=value)
    code = "import warnings; warnings.simplefilter('always'); import helpers.style as s; print(s.current().name)"
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip(), result.stderr


def test_environment_variable_selects_the_style():
    assert _style_from_environment("projector")[0] == "projector"
    assert _style_from_environment("Projector ")[0] == "projector"


def test_bad_environment_variable_warns_and_keeps_default():
    name, errors = _style_from_environment("neon")
    assert name == "default"
    assert "BACKPROP_STYLE" in errors
