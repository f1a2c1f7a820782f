"""Pure NumPy analysis: hyperparameter sweeps and maps, basin maps (the CLI and the page share it).

Each grid is one batched engine call that keeps only a running summary per run (see maps.py).
"""

from .grid import MAX_AXES, MAX_BASIN, MAX_CELLS, Axis, cell_values, make_axis, parse_axis, spec_text, with_values
from .maps import MapResult, Summary, basin, basin_starts, default_target, nearest_minimum, sweep

__all__ = ["MAX_AXES", "MAX_BASIN", "MAX_CELLS", "Axis", "MapResult", "Summary", "basin", "basin_starts",
           "cell_values", "default_target", "make_axis", "nearest_minimum", "parse_axis", "spec_text", "sweep",
           "with_values"]
