"""Dash/Plotly layer: ids, theme, pure figure builders, controls, page and callbacks (DESIGN.md §1)."""
