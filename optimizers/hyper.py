"""Hyperparameter declarations: one table drives sliders, the CLI parser, validation and docs.

A `Hyper` says what a value is called (in code and in the course's notation), its default in each
convention, its allowed range and whether it is best shown on a log scale. `coerce` turns user input
(strings from the CLI or URL, numbers from sliders) into a checked value or raises `SpecError` with
a message that names the bad part.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

# Plain decimal or scientific notation only: Python's float() also takes "1_0", "inf", "nan", "infinity",
# which a user typing a learning rate almost certainly did not mean.
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
TRUE_WORDS = {"true", "on", "1", "yes"}
FALSE_WORDS = {"false", "off", "0", "no"}
# A value in [0, 1) whose declared range reaches five nines (β₂ of Adam, RMSProp's and AdaDelta's β) is about
# how close it is to 1: its slider moves in u = −log10(1 − value), so 0.9, 0.99, 0.999, 0.9999 are u = 1, 2, 3, 4.
NEAR_ONE_TOP = 0.99999
SLIDER_DIGITS = 4  # significant digits of a slid value (of 1 − value on a near-one slider: 3)
NEAR_ONE_DECIMALS = 6  # at most: a spec writes values with 6 significant digits (layouts/controls.py: fmt)
NEAR_ONE_SNAP = 0.015  # a slid position this close to a mark (u = 1 … 4: 0.9 … 0.9999) is the mark's value


class SpecError(ValueError):
    """Bad user input: an unknown name or a value that is not allowed. The message is for the user."""


@dataclass(frozen=True)
class Hyper:
    """One declared hyperparameter.

    kind is "float" (range lo..hi, inclusive), "int" (a whole number in lo..hi), "bool" or
    "choice" (one of `choices`).
    `torch_default` is the default under the pytorch convention when it differs.
    """

    name: str
    symbol: str
    default: float | bool | str
    help: str
    lo: float = 0.0
    hi: float = 1.0
    log: bool = False
    kind: str = "float"
    choices: tuple[str, ...] = ()
    torch_default: float | bool | str | None = None

    def default_for(self, convention: str) -> float | bool | str:
        if convention == "pytorch" and self.torch_default is not None:
            return self.torch_default
        return self.default

    def coerce(self, value: object, owner: str = "") -> float | bool | str | np.ndarray:
        """Check and convert one value (or an (R,) array of floats); raise SpecError if it is bad."""
        where = f"{owner}: " if owner else ""
        if self.kind == "bool":
            if isinstance(value, (list, tuple, np.ndarray)):  # one value per run
                return np.array([_parse_bool(v, f"{where}{self.name}") for v in np.ravel(value)])
            return _parse_bool(value, f"{where}{self.name}")
        if self.kind == "choice":
            text = str(value).strip().lower()
            if text not in self.choices:
                raise SpecError(
                    f"{where}{self.name}={value!r} is not one of {', '.join(self.choices)}"
                )
            return text
        if isinstance(value, (list, tuple, np.ndarray)):
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise SpecError(f"{where}{self.name}={value!r} is not a list of numbers") from None
            bad = ~np.isfinite(arr) | (arr < self.lo) | (arr > self.hi)
            if bad.any():
                raise SpecError(
                    f"{where}{self.name}={arr[bad][0]:g} is outside its range [{self.lo:g}, {self.hi:g}]"
                )
            return arr
        if isinstance(value, str):
            number = parse_number(value, f"{where}{self.name}")
        elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise SpecError(f"{where}{self.name}={value!r} is not a number")
        else:
            number = float(value)
        if not np.isfinite(number) or not self.lo <= number <= self.hi:
            raise SpecError(
                f"{where}{self.name}={number:g} is outside its range [{self.lo:g}, {self.hi:g}]"
            )
        if self.kind == "int":
            if not number.is_integer():
                raise SpecError(f"{where}{self.name}={number:g} is not a whole number")
            return int(number)
        return number

    @property
    def slider_scale(self) -> str:
        """How the page's slider moves: "log" (log10 of the value: η, ε), "near1" (−log10(1 − value):
        β₂-like values, see NEAR_ONE_TOP) or "linear"."""
        if self.log:
            return "log"
        if self.kind == "float" and self.lo >= 0 and NEAR_ONE_TOP <= self.hi < 1:
            return "near1"
        return "linear"

    def slider_position(self, value: float) -> float:
        """The slider position that shows `value` (clamped to the range; rounded to 6 decimals so a mark's
        value sits exactly on its mark: −log10(1 − 0.999) is 2.9999999999999996)."""
        value = min(max(float(value), self.lo), self.hi)
        scale = self.slider_scale
        if scale == "log":
            return round(math.log10(value), 6) + 0.0
        if scale == "near1":
            return round(-math.log10(1.0 - value), 6) + 0.0  # + 0.0: never -0.0
        return value

    def slider_span(self) -> tuple[float, float]:
        return self.slider_position(self.lo), self.slider_position(self.hi)

    def slider_text(self, pos: float) -> str:
        """The value at slider position `pos` as the box shows it (assets/descent.js: sliderText, same rule):
        SLIDER_DIGITS significant digits; on a near-one slider 3 significant digits of 1 − value (at most
        NEAR_ONE_DECIMALS decimals), so 0.999, 0.9995 and 0.99999 keep their nines; a handle left within
        NEAR_ONE_SNAP (about a step) of a mark is the mark's value, so a drag onto 0.999 gives 0.999."""
        scale = self.slider_scale
        if scale == "near1":
            if 1 <= round(pos) <= 4 and abs(pos - round(pos)) <= NEAR_ONE_SNAP:
                pos = round(pos)
            gap = float(f"{10.0 ** -pos:.3g}") if pos < 300 else 0.0
            if gap <= 0:
                return "1"  # past any declared top: refused as out of range
            decimals = min(max(0, -math.floor(math.log10(gap)) + 2), NEAR_ONE_DECIMALS)
            return f"{1.0 - gap:.{decimals}f}".rstrip("0").rstrip(".") or "0"
        return f"{10.0 ** pos if scale == 'log' else pos:.{SLIDER_DIGITS}g}"

    def as_dict(self) -> dict:
        """JSON-friendly description (for `app.py list --json` and the page's controls)."""
        out = {
            "name": self.name,
            "symbol": self.symbol,
            "default": self.default,
            "kind": self.kind,
            "help": self.help,
        }
        if self.kind in ("float", "int"):
            out.update(lo=self.lo, hi=self.hi, log=self.log)
        if self.choices:
            out["choices"] = list(self.choices)
        if self.torch_default is not None:
            out["torch_default"] = self.torch_default
        return out


def _parse_bool(value: object, what: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise SpecError(f"{what}={value!r} is not a boolean (use true/false, on/off, 1/0)")


def parse_number(text: str, what: str) -> float:
    """A finite float from user text in plain decimal or scientific notation ("0.1", "-2", "1e-3"),
    or SpecError naming `what`. "1_0", "0x10", "inf" and "nan" are refused."""
    if not isinstance(text, str) or not NUMBER.fullmatch(text.strip()):
        raise SpecError(f"{what}={_short(text)!r} is not a number (use decimal digits, e.g. 0.1 or 1e-3)")
    value = float(text)
    if not np.isfinite(value):
        raise SpecError(f"{what}={_short(text)!r} is too large to be a finite number")
    return value


def _short(text: object, limit: int = 40) -> str:
    """User text cut to a readable length for a one-line message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_pairs(text: str, what: str) -> dict[str, str]:
    """'a=1,b=2' -> {'a': '1', 'b': '2'}; SpecError on a malformed item."""
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise SpecError(f"{what}: {item!r} is not of the form name=value")
        if name in out:
            raise SpecError(f"{what}: {name!r} is given twice")
        out[name] = value.strip()
    return out
