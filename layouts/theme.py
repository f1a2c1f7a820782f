"""One shared, high-contrast, projector-readable look: colours, fonts and the Plotly template."""

from __future__ import annotations

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
SURFACE_SCALE = [[0.0, "#f4f8fc"], [0.35, "#c9d6e3"], [0.7, "#8aa1b8"], [1.0, "#34495e"]]


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


TEMPLATE = go.layout.Template(layout=go.Layout(
    font=dict(family=FONT, size=FONT_SIZE, color=INK),
    paper_bgcolor=BG, plot_bgcolor=BG,
    xaxis=dict(gridcolor=GRID, zerolinecolor="#888", linecolor=INK, ticks="outside", showline=True,
               title_font=dict(size=FONT_SIZE + 1)),
    yaxis=dict(gridcolor=GRID, zerolinecolor="#888", linecolor=INK, ticks="outside", showline=True,
               title_font=dict(size=FONT_SIZE + 1)),
    legend=dict(font=dict(size=FONT_SIZE), bgcolor="rgba(255,255,255,0.85)", bordercolor=INK, borderwidth=1),
    hoverlabel=dict(font=dict(size=FONT_SIZE)),
    margin=dict(l=60, r=20, t=40, b=50),
    colorway=list(COLORS),
))
