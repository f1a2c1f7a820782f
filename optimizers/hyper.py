"""Hyperparameter declarations: one table drives sliders, the CLI parser, validation and docs.

A `Hyper` says what a value is called (in code and in the course's notation), its default in each
convention, its allowed range and whether it is best shown on a log scale. `coerce` turns user input
(strings from the CLI or URL, numbers from sliders) into a checked value or raises `SpecError` with
a message that names the bad part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Plain decimal or scientific notation only: Python's float() also takes "1_0", "inf", "nan", "infinity",
# which a user typing a learning rate almost certainly did not mean.
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
TRUE_WORDS = {"true", "on", "1", "yes"}
FALSE_WORDS = {"false", "off", "0", "no"}


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
