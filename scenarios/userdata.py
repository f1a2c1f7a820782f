"""Your own data in settings and links (DESIGN.md §7): the CSV text a settings dict carries for problem
"data", and its compressed form in a link.

Settings hold the data as canonical CSV text (`data_text`: the header, then each row's numbers written
so they read back exactly), so two settings with the same points are equal and a settings file keeps the
whole data set. A link carries it only when it is small (at most MAX_LINK_ROWS rows): zlib-compressed,
base64url, in the `data` query parameter. On the way in the parameter is untrusted: its length is capped
(MAX_LINK_DATA_CHARS) before decoding, and decompression stops at MAX_LINK_DATA_BYTES, so a zip bomb costs
no more than a small file. A larger data set is left out of the link, which says so (`nodata=ROWS`).
Pure Python + NumPy (no Dash).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from functools import lru_cache

import numpy as np

from optimizers import SpecError
from surfaces import DataError, Problem, make_problem

from .budgets import MAX_UPLOAD_BYTES

MAX_LINK_ROWS = 200  # data sets up to this many rows travel in links
MAX_LINK_DATA_BYTES = 20_000  # the decompressed CSV text of a link (200 rows of five numbers fit)
MAX_LINK_DATA_CHARS = 16_000  # the base64url text in the link, checked before decoding
MAX_DATA_CHARS = MAX_UPLOAD_BYTES  # the CSV text a settings dict (file, store) may carry


def _number(v: float) -> str:
    return repr(float(v)).removesuffix(".0")  # exact: reads back to the same float


def data_text(X: np.ndarray, Y: np.ndarray) -> str:
    """Canonical CSV text of a data set: header x,y (or x1..xk,y), one row per point."""
    X = np.asarray(X, dtype=float).reshape(len(Y), -1)
    names = ["x"] if X.shape[1] == 1 else [f"x{i + 1}" for i in range(X.shape[1])]
    rows = [",".join(map(_number, (*x, y))) for x, y in zip(X.tolist(), np.asarray(Y, dtype=float).tolist(),
                                                            strict=True)]
    return "\n".join([",".join([*names, "y"]), *rows])


@lru_cache(maxsize=8)
def _problem(text: str) -> Problem:
    return make_problem("data", data=text.encode())


def data_problem_of(text) -> Problem:
    """The sigmoid-neuron problem of the CSV text (built once per text); SpecError naming row and column."""
    if not isinstance(text, str):
        raise SpecError("problem data needs its data: CSV text with columns x (or x1..x4) and y")
    if len(text) > MAX_DATA_CHARS:
        raise SpecError(f"the data is {len(text):,} characters; at most MAX_UPLOAD_BYTES = {MAX_DATA_CHARS:,}")
    try:
        return _problem(text)
    except DataError as err:
        raise SpecError(str(err)) from None


def canonical(text) -> str:
    """The canonical text of the data (checked); SpecError if the data is bad."""
    problem = data_problem_of(text)
    return data_text(problem.X, problem.Y)


def data_key(text: str) -> str:
    """A short name for a data set (for cache keys and the drawn-figures key)."""
    return "data:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def rows_of(text: str) -> int:
    return text.count("\n")


# ----------------------------------------------------------------------------- links
def encode_data(text: str) -> str | None:
    """The data for a link (zlib + base64url, no padding), or None when it has more than MAX_LINK_ROWS rows."""
    if rows_of(text) > MAX_LINK_ROWS or len(text.encode()) > MAX_LINK_DATA_BYTES:
        return None
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def decode_data(value) -> str:
    """The CSV text of a link's `data` parameter; SpecError (never a crash, never a big allocation)."""
    if not isinstance(value, str) or not value:
        raise SpecError("the link's data is empty")
    if len(value) > MAX_LINK_DATA_CHARS:
        raise SpecError(f"the link's data is {len(value):,} characters; at most MAX_LINK_DATA_CHARS = "
                        f"{MAX_LINK_DATA_CHARS:,}")
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        inflate = zlib.decompressobj()
        raw = inflate.decompress(packed, MAX_LINK_DATA_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise SpecError("the link's data is not readable (it may have been cut off)") from None
    if len(raw) > MAX_LINK_DATA_BYTES or inflate.unconsumed_tail:
        raise SpecError(f"the link's data unpacks to more than MAX_LINK_DATA_BYTES = {MAX_LINK_DATA_BYTES:,} bytes")
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise SpecError("the link's data is not text") from None
    if rows_of(text) > MAX_LINK_ROWS:
        raise SpecError(f"the link's data has more than MAX_LINK_ROWS = {MAX_LINK_ROWS} rows")
    return text


__all__ = ["MAX_DATA_CHARS", "MAX_LINK_DATA_BYTES", "MAX_LINK_DATA_CHARS", "MAX_LINK_ROWS", "canonical",
           "data_key", "data_problem_of", "data_text", "decode_data", "encode_data", "rows_of"]
