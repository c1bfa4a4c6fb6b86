"""Two looks for every view: "default" (a laptop screen) and "projector" (a lecture hall).

Both are colour-blind safe: signs are blue versus vermillion from the Okabe-Ito palette
(distinguishable in every common colour-vision deficiency, and also by lightness in grey),
and surfaces use cividis, a perceptually uniform colormap designed for colour-vision deficiency.

    import helpers.style
    helpers.style.use("projector")      # or set BACKPROP_STYLE=projector before starting Jupyter

Views built after the call use the new style; ``use`` also sets matplotlib's rcParams so that
ordinary plots in a lesson follow it.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, replace

import matplotlib as mpl

__all__ = ["OKABE_ITO", "STYLES", "Style", "current", "use"]

#: The Okabe-Ito palette (Okabe & Ito 2008), safe for the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}


@dataclass(frozen=True)
class Style:
    """Sizes (points, inches) and colours that draw.py reads; nothing else hard-codes them."""

    name: str
    font_size: float  # node and edge labels, table cells
    title_size: float
    tick_size: float
    dpi: float
    network_size: tuple  # figure (width, height) in inches for a 2-2-1 net; grows with the net
    surface_size: tuple
    steps_width: float  # the steps table: width, and height per row plus margins
    steps_row_height: float
    edge_width_min: float  # line width (points) of a zero weight ...
    edge_width_per_unit: float  # ... plus this much per unit of |w| ...
    edge_width_max: float  # ... up to this
    line_width: float  # arrows, paths, frames
    marker_size: float
    positive: str  # sign colours
    negative: str
    node_face: str
    node_edge: str
    text: str
    muted: str  # secondary text (gradients, headers)
    cmap: str
    marker_face: str
    marker_edge: str
    arrow: str
    path: str
    cycle: tuple  # colour cycle for ordinary plots


_DEFAULT = Style(
    name="default",
    font_size=10.5,
    title_size=12.0,
    tick_size=9.5,
    dpi=100.0,
    network_size=(5.3, 3.4),
    surface_size=(3.8, 3.4),
    steps_width=6.4,
    steps_row_height=0.30,
    edge_width_min=0.8,
    edge_width_per_unit=4.0,
    edge_width_max=10.0,
    line_width=2.0,
    marker_size=11.0,
    positive=OKABE_ITO["blue"],
    negative=OKABE_ITO["vermillion"],
    node_face="#F4F4F4",
    node_edge="#333333",
    text="#111111",
    muted="#555555",
    cmap="cividis",
    marker_face="#FFFFFF",
    marker_edge="#000000",
    arrow=OKABE_ITO["vermillion"],
    path="#FFFFFF",
    cycle=tuple(OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue")),
)

_PROJECTOR = replace(
    _DEFAULT,
    name="projector",
    font_size=17.0,
    title_size=19.0,
    tick_size=15.0,
    network_size=(7.2, 4.9),
    surface_size=(5.6, 4.9),
    steps_width=8.8,
    steps_row_height=0.44,
    edge_width_min=1.6,
    edge_width_per_unit=6.0,
    edge_width_max=16.0,
    line_width=3.5,
    marker_size=17.0,
    text="#000000",
    muted="#333333",
)

STYLES = {"default": _DEFAULT, "projector": _PROJECTOR}

_current = _DEFAULT


def _rc(style):
    from cycler import cycler

    return {
        "font.size": style.font_size,
        "axes.titlesize": style.title_size,
        "axes.labelsize": style.font_size,
        "xtick.labelsize": style.tick_size,
        "ytick.labelsize": style.tick_size,
        "legend.fontsize": style.font_size,
        "lines.linewidth": style.line_width,
        "axes.linewidth": max(1.0, style.line_width / 2),
        "lines.markersize": style.marker_size / 2,
        "image.cmap": style.cmap,
        "axes.prop_cycle": cycler(color=list(style.cycle)),
    }


def use(name):
    """Switch to the style called ``name`` ("default" or "projector") for views built from now on.

    Also updates matplotlib's rcParams (fonts, line widths, colour cycle, colormap) so that plain
    matplotlib plots in a lesson match. Returns the Style.
    """
    global _current
    if name not in STYLES:
        raise ValueError(f"name: expected one of {sorted(STYLES)}, got {name!r}")
    _current = STYLES[name]
    mpl.rcParams.update(_rc(_current))
    return _current


def current():
    """The Style in use (set by ``use`` or the BACKPROP_STYLE environment variable)."""
    return _current


_from_environment = os.environ.get("BACKPROP_STYLE", "").strip().lower()
if _from_environment:
    if _from_environment in STYLES:
        use(_from_environment)
    else:  # a typo in the environment must not stop a lesson from importing
        warnings.warn(f"BACKPROP_STYLE: expected one of {sorted(STYLES)}, got {_from_environment!r}; using default",
                      stacklevel=1)
