"""One shared, high-contrast, projector-readable look: colours, fonts and the figure template.

TEMPLATE_JSON is Plotly's JSON form of a layout template (`{"layout": {...}}`), about 0.8 kB: the page's
figure dicts carry a copy (`template()`) instead of plotly.py's default "plotly" template (~10 kB, which
go.Figure adds). TEMPLATE is the same as a go.layout.Template for go.Figure builders: assign it
(`update_layout(template=TEMPLATE)`); a dict there would be merged into the default template instead.
"""

from __future__ import annotations

import copy

import plotly.graph_objects as go

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
FONT_SIZE = 15  # plots: ≥ 14 px everywhere (projector)
INK = "#111111"
GRID = "#c8c8c8"
BG = "#ffffff"
# Okabe–Ito, colour-blind safe, dark enough on white
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7A4A00", "#000000",
          "#5E3C99", "#1B7837", "#B2182B", "#4D4D4D")
DIVERGED = "#B00020"
SURFACE_SCALE = ((0.0, "#f4f8fc"), (0.35, "#c9d6e3"), (0.7, "#8aa1b8"), (1.0, "#34495e"))


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _axis() -> dict:
    return {"gridcolor": GRID, "zerolinecolor": "#888", "linecolor": INK, "ticks": "outside", "showline": True,
            "title": {"font": {"size": FONT_SIZE + 1}}}


TEMPLATE_JSON = {"layout": {
    "font": {"family": FONT, "size": FONT_SIZE, "color": INK},
    "paper_bgcolor": BG, "plot_bgcolor": BG,
    "xaxis": _axis(), "yaxis": _axis(),
    "legend": {"font": {"size": FONT_SIZE}, "bgcolor": "rgba(255,255,255,0.85)", "bordercolor": INK, "borderwidth": 1},
    "hoverlabel": {"font": {"size": FONT_SIZE}},
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
    "colorway": list(COLORS),
}}


TEMPLATE = go.layout.Template(TEMPLATE_JSON)


def template() -> dict:
    """A copy of TEMPLATE_JSON for one figure dict (builders change figures in place; the module's stays)."""
    return copy.deepcopy(TEMPLATE_JSON)
