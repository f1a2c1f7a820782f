"""Numbers as the browser gets them: rounded to SIG significant digits, or as typed arrays
(`{"dtype": "f4", "bdata": base64, "shape"}`, which plotly.js decodes).
"""

from __future__ import annotations

import base64

import numpy as np

SIG = 5
F4_MAX = 3.0e38  # beyond float32: such a grid is sent as float64


# ----------------------------------------------------------------------------- numbers
def rounded(a, sig: int = SIG) -> list:
    """Floats rounded to `sig` significant digits (a flat list; NaN/inf -> None, JSON null). Vectorised: scaled by
    an exact power of ten, rounded, scaled back, which gives the double nearest the decimal (its repr is short);
    magnitudes beyond 10^±22 of the scale fall back to Python's formatting."""
    a = np.asarray(a, dtype=float).ravel()
    out = a.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = sig - 1 - np.floor(np.log10(np.abs(a)))  # decimals to keep; inf where a is 0, NaN where not finite
    up = np.isfinite(k) & (k >= 0) & (k <= 22)
    down = np.isfinite(k) & (k < 0) & (k >= -22)
    out[up] = np.round(a[up] * 10.0 ** k[up]) / 10.0 ** k[up]
    out[down] = np.round(a[down] / 10.0 ** -k[down]) * 10.0 ** -k[down]
    vals = out.tolist()
    for i in np.flatnonzero(np.isfinite(a) & (a != 0) & ~up & ~down).tolist():
        vals[i] = float(f"{vals[i]:.{sig}g}")
    for i in np.flatnonzero(~np.isfinite(a)).tolist():
        vals[i] = None
    return vals


def log10(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.where(a > 0, a, np.nan))


def typed(a) -> dict:
    """A NumPy array as a Plotly typed array (base64 little-endian float32, float64 when out of its range)."""
    a = np.asarray(a, dtype=float)
    finite = np.abs(a[np.isfinite(a)])
    dtype = "f8" if finite.size and finite.max() > F4_MAX else "f4"
    out = {"dtype": dtype, "bdata": base64.b64encode(a.astype("<" + dtype).tobytes()).decode()}
    if a.ndim > 1:
        out["shape"] = ", ".join(str(s) for s in a.shape)
    return out


def untyped(spec: dict) -> np.ndarray:
    """Inverse of typed (tests, exports)."""
    a = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"]).astype(float)
    return a.reshape([int(s) for s in spec["shape"].split(",")]) if "shape" in spec else a


def frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


def as_f4(a: np.ndarray) -> np.ndarray:
    """Values as the browser receives them (float32 unless out of its range)."""
    with np.errstate(over="ignore"):
        return a if np.nanmax(np.abs(np.where(np.isfinite(a), a, 0)), initial=0) > F4_MAX else \
            a.astype(np.float32).astype(float)
