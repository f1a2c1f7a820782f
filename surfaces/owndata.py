"""Your own data (DESIGN.md §7): a CSV with a header `x` (or `x1..x4`) and `y`, y in [0, 1], at most
MAX_ROWS rows, becomes a sigmoid neuron problem like the built-in ones: f = σ(w·x + b), parameters w
(or w1..w4) and b, loss ½ Σ (y − f)² (surfaces/sigmoid.py's SigmoidProblem does the numbers).

The file is untrusted: it is read with a size cap, must be UTF-8 text, and every cell is checked.
A bad file raises DataError with one message naming the row and column.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from .sigmoid import SigmoidProblem

MAX_ROWS = 10_000
MAX_INPUTS = 4
MAX_BYTES = 4_000_000  # far above 10,000 rows of five numbers; refused before reading further
MAX_ABS_X = 1e6
WINDOW = (-6.0, 6.0)  # the course's view of w and b


class DataError(ValueError):
    """A data file that cannot be used; the message names the row and column at fault."""


def _text(content: bytes | str, name: str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_BYTES:
        raise DataError(f"{name} is larger than {MAX_BYTES // 1_000_000} MB")
    if b"\x00" in content:
        at = content.index(b"\x00") + 1
        raise DataError(f"{name} is not a text CSV file (binary data at byte {at})")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{name} is not a UTF-8 text CSV file (undecodable byte at byte {err.start + 1})") from None


def _columns(header: list[str], name: str) -> tuple[list[int], int]:
    """Indices of the x columns (in order x or x1..xk) and of y; DataError naming what is wrong."""
    names = [h.strip().lower() for h in header]
    for i, h in enumerate(names):
        if names.index(h) != i:
            raise DataError(f"{name}, header: column {h!r} appears twice (columns {names.index(h) + 1} and {i + 1})")
    inputs = sorted((h for h in names if h.startswith("x")), key=lambda h: (len(h), h))
    for i, h in enumerate(names):
        if h != "y" and not (h == "x" or (h[:1] == "x" and h[1:].isdigit() and h[1:] != "0" and h[1] != "0")):
            raise DataError(f"{name}, header: column {i + 1} is {header[i]!r}; the columns are x (or x1..x4) and y")
    if "y" not in names:
        raise DataError(f"{name}, header: missing column y (the target, in [0, 1])")
    if not inputs:
        raise DataError(f"{name}, header: missing column x (or x1..x4)")
    if "x" in inputs and len(inputs) > 1:
        raise DataError(f"{name}, header: use either x or x1..x4, not both")
    if inputs != ["x"]:
        k = len(inputs)
        if k > MAX_INPUTS:
            raise DataError(f"{name}, header: {k} inputs ({', '.join(inputs)}); at most {MAX_INPUTS} (x1..x4)")
        expected = [f"x{i + 1}" for i in range(k)]
        if inputs != expected:
            missing = sorted(set(expected) - set(inputs))[0]
            raise DataError(f"{name}, header: inputs must be x1..x{k} without gaps (missing column {missing})")
    return [names.index(h) for h in inputs], names.index("y")


def parse_data(content: bytes | str, name: str = "the data file") -> tuple[np.ndarray, np.ndarray]:
    """(X (N, Din), Y (N,)) from CSV text or bytes; DataError names the row and column of a bad cell."""
    text = _text(content, name)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError(f"{name} is empty: it needs a header row x,y (or x1,..,x4,y) and rows of numbers")
    if len(lines) - 1 > MAX_ROWS:
        raise DataError(f"{name} has {len(lines) - 1:,} data rows; the limit is {MAX_ROWS:,}")
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    header = rows[0]
    x_cols, y_col = _columns(header, name)
    if len(rows) < 2:
        raise DataError(f"{name} has a header but no data rows")
    labels = [h.strip() for h in header]
    values = np.empty((len(rows) - 1, len(header)))
    for r, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            raise DataError(f"{name}, row {r}: {len(row)} cells, but the header has {len(header)}")
        for c, cell in enumerate(row):
            where = f"{name}, row {r}, column {labels[c]}"
            try:
                value = float(cell)
            except ValueError:
                raise DataError(f"{where}: {cell.strip()[:30]!r} is not a number") from None
            if not math.isfinite(value):
                raise DataError(f"{where}: {cell.strip()!r} is not a finite number")
            if c == y_col and not 0.0 <= value <= 1.0:
                raise DataError(f"{where}: y = {value:g} is outside [0, 1] (the neuron's output range)")
            if c != y_col and abs(value) > MAX_ABS_X:
                raise DataError(f"{where}: {value:g} is outside ±{MAX_ABS_X:g}")
            values[r - 1, c] = value
    return values[:, x_cols], values[:, y_col]


def data_problem(X, Y, name: str = "Your data") -> SigmoidProblem:
    """A sigmoid neuron on (X, Y): params w, b (one input) or w1..wk, b; start at 0, view −6..6."""
    X = np.asarray(X, dtype=float).reshape(len(Y), -1)
    dim = X.shape[1] + 1
    return SigmoidProblem(
        "data", name, X, Y, start=(0.0,) * dim, window=(WINDOW,) * dim,
        description=f"Your data: {len(Y)} points, {X.shape[1]} input(s); f = σ(w·x + b), "
                    "L = ½ Σ (y − f)².")


def load_data(path: str | Path) -> SigmoidProblem:
    """The problem of a CSV file on disk (size-capped read); DataError for a bad or unreadable file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise DataError(f"cannot read data file {str(path)!r}: {err.strerror or err}") from None
    X, Y = parse_data(content, path.name)
    return data_problem(X, Y, f"Your data ({path.name})")
