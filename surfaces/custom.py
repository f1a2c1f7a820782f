"""A loss typed by the user, f(x, y), parsed by a whitelist into SymPy, differentiated symbolically and
compiled to NumPy (DESIGN.md §7).

The text is untrusted. It is never given to eval, exec, sympify or parse_expr. Instead:

1. plain checks on the raw text: at most MAX_LENGTH characters, ASCII only (Python's parser would fold
   full-width letters such as ｓｉｎ into sin), no control characters, brackets nested at most
   MAX_NESTING deep;
2. `ast.parse(mode="eval")` gives a syntax tree; `^` is read as `**` (a power, as on paper);
3. a walk builds the SymPy expression one allowed node at a time — numbers, x, y, pi, e, + - * / **,
   unary ±, and calls of the functions in FUNCTIONS with one argument. Any other node (a name,
   attribute, subscript, lambda, comprehension, string, keyword, …) stops the walk with a LossError
   naming the part and its column;
4. parts without x or y are folded into one float by bounded float arithmetic first, so a constant
   that would overflow (9**9**9, 2**2**2**2**2**2, exp(exp(9))) is refused before SymPy could try to
   evaluate it exactly; powers of a term with an exact coefficient are refused when SymPy would have
   to raise the coefficient to a huge power; every number of the result and its gradient is ≤ 1e300.

The gradient is `sympy.diff`; `lambdify` compiles both to NumPy functions of arrays x, y of shape
(R,). Points where the loss is not finite are left as they are: gaps in plots, divergence in runs.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from .base import Array, Problem

MAX_LENGTH = 500
MAX_NESTING = 50
MAX_CONSTANT = 1e300
MAX_POWER_BITS = 4000  # SymPy would raise an exact coefficient to a power with more bits than this
DEFAULT_WINDOW = ((-5.0, 5.0), (-5.0, 5.0))
MAX_WINDOW = 1e6

X, Y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)


class LossError(ValueError):
    """A typed loss that is not allowed; `column` is 1-based (0 when the whole text is at fault)."""

    def __init__(self, message: str, column: int = 0):
        super().__init__(message)
        self.column = column


def _np_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class sigmoid(sympy.Function):  # lower case: the name users type and SymPy prints
    """σ(z) = 1/(1 + e^(−z)); σ′ = σ(1 − σ). Computed as ½(1 + tanh(z/2)), which never overflows."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)


FUNCTIONS: dict[str, tuple] = {  # name -> (SymPy builder, float version for constant parts)
    "sin": (sympy.sin, math.sin), "cos": (sympy.cos, math.cos), "tan": (sympy.tan, math.tan),
    "exp": (sympy.exp, math.exp), "log": (sympy.log, math.log), "sqrt": (sympy.sqrt, math.sqrt),
    "abs": (sympy.Abs, abs), "tanh": (sympy.tanh, math.tanh), "sinh": (sympy.sinh, math.sinh),
    "cosh": (sympy.cosh, math.cosh), "arctan": (sympy.atan, math.atan),
    "sigmoid": (sigmoid, lambda z: 0.5 * (1.0 + math.tanh(0.5 * z))),
}
CONSTANTS = {"pi": (sympy.pi, math.pi), "e": (sympy.E, math.e)}
GRAMMAR = ("numbers, x, y, pi, e, + - * / ** ^, parentheses and the functions " + " ".join(FUNCTIONS))

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_GROUP = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
_REFUSED_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                      ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.Invert: "~", ast.Not: "not"}
_REFUSED_NODES = {  # what a user would call it
    ast.Attribute: "attribute access", ast.Subscript: "indexing with [ ]", ast.Lambda: "lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator", ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
    ast.NamedExpr: "assignment :=", ast.Tuple: "a tuple (comma)", ast.List: "a list", ast.Set: "a set",
    ast.Dict: "a dict", ast.Starred: "*unpacking", ast.JoinedStr: "an f-string", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "a slice",
}


@dataclass(frozen=True)
class ParsedLoss:
    text: str
    expr: sympy.Expr
    gradient: tuple[sympy.Expr, sympy.Expr]


# ----------------------------------------------------------------------------- raw text
def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise LossError("the loss must be text")
    if not text.strip():
        raise LossError(f"the loss is empty: type an expression in x and y from {GRAMMAR}")
    if len(text) > MAX_LENGTH:
        raise LossError(f"the loss is {len(text):,} characters long; the limit is {MAX_LENGTH}")
    for i, ch in enumerate(text):
        if ord(ch) > 126:
            raise LossError(f"column {i + 1}: {ch!r} (U+{ord(ch):04X}) is not plain ASCII; type the loss in "
                            "ASCII letters and digits", i + 1)
        if ord(ch) < 32 and ch != " ":
            what = {"\n": "a line break", "\r": "a line break", "\t": "a tab"}.get(ch, f"control character {ch!r}")
            raise LossError(f"column {i + 1}: {what} is not allowed; the loss is one line", i + 1)
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
        if depth > MAX_NESTING:
            raise LossError(f"column {i + 1}: brackets nested deeper than {MAX_NESTING}", i + 1)
    return text


class _Columns:
    """Map columns of the text after `^` → `**` back to the user's text (1-based)."""

    def __init__(self, text: str):
        self.original = []  # index in the rewritten text -> index in the user's text
        for i, ch in enumerate(text):
            self.original += [i, i] if ch == "^" else [i]

    def __call__(self, offset: int | None) -> int:
        if offset is None:
            return 0
        offset = max(0, min(offset, len(self.original) - 1)) if self.original else 0
        return (self.original[offset] if self.original else 0) + 1


# ----------------------------------------------------------------------------- the walk
class _Builder:
    def __init__(self, text: str, source: str):
        self.text, self.source, self.column = text, source, _Columns(text)

    def fail(self, node: ast.AST, what: str) -> LossError:
        col = self.column(getattr(node, "col_offset", None))
        segment = ast.get_source_segment(self.source, node) or ""
        segment = segment.replace("**", "^") if "^" in self.text else segment
        shown = f" {segment[:40]!r}" if segment else ""
        return LossError(f"column {col}:{shown} {what}", col)

    def build(self, node: ast.AST, depth: int = 0, group: str = "") -> tuple[sympy.Expr, float | None]:
        """(SymPy expression, its float value if it has no x or y)."""
        if depth > MAX_NESTING:
            raise self.fail(node, f"is nested deeper than {MAX_NESTING} levels")
        kind = type(node)
        if kind is ast.Constant:
            return self.number(node)
        if kind is ast.Name:
            return self.name(node)
        if kind is ast.UnaryOp:
            if type(node.op) not in (ast.UAdd, ast.USub):
                raise self.fail(node, f"uses {_REFUSED_OPERATORS.get(type(node.op), 'an operator')!r}, which is "
                                      f"not allowed (allowed: {GRAMMAR})")
            expr, value = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return self.fold(node, -expr, None if value is None else -value)
            return expr, value
        if kind is ast.BinOp:
            return self.binary(node, depth, group)
        if kind is ast.Call:
            return self.call(node, depth)
        if kind in _REFUSED_NODES:
            raise self.fail(node, f"is {_REFUSED_NODES[kind]}, which a loss cannot use (allowed: {GRAMMAR})")
        raise self.fail(node, f"is not part of a loss (allowed: {GRAMMAR})")

    def number(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = "text in quotes" if isinstance(value, (str, bytes)) else f"a {type(value).__name__} value"
            raise self.fail(node, f"is {what}, which a loss cannot use; only real numbers")
        if abs(value) > MAX_CONSTANT or (isinstance(value, float) and not math.isfinite(value)):
            raise self.fail(node, f"is larger than {MAX_CONSTANT:g}")
        return (sympy.Integer(value) if isinstance(value, int) else sympy.Float(value, 17)), float(value)

    def name(self, node: ast.Name):
        if node.id == "x":
            return X, None
        if node.id == "y":
            return Y, None
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise self.fail(node, f"is a function: write {node.id}(...)")
        raise self.fail(node, "is not a known name (the variables are x and y, the constants pi and e)")

    def binary(self, node: ast.BinOp, depth: int, group: str):
        op = type(node.op)
        if op not in _BINARY:
            raise self.fail(node, f"uses {_REFUSED_OPERATORS.get(op, 'an operator')!r}, which is not allowed "
                                  f"(allowed: {GRAMMAR})")
        # a chain a + b - c + … (or a * b / c …) is one level of nesting, not one per operator
        own = _GROUP.get(op, "")
        deeper = depth if own and own == group else depth + 1
        left, lv = self.build(node.left, deeper, own)
        right, rv = self.build(node.right, depth + 1, own if op in (ast.Add, ast.Mult) else "")
        if op is ast.Pow:
            return self.power(node, left, lv, right, rv)
        combine = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
                   ast.Div: lambda a, b: a / b}[op]
        value = None
        if lv is not None and rv is not None:
            value = self.float_of(node, lambda: combine(lv, rv))
        return self.fold(node, combine(left, right) if value is None else None, value)

    def power(self, node, base, bv, exponent, ev):
        if bv is not None and ev is not None:
            return self.fold(node, None, self.float_of(node, lambda: _float_power(bv, ev)))
        if ev is not None:
            coefficient = base.as_coeff_Mul()[0] if base.is_Mul else None
            if isinstance(coefficient, sympy.Rational) and abs(coefficient) != 1:
                bits = coefficient.p.bit_length() + coefficient.q.bit_length()
                if abs(ev) * bits > MAX_POWER_BITS:
                    raise self.fail(node, f"would overflow: its number part raised to the power {ev:g} is far "
                                          f"beyond {MAX_CONSTANT:g}")
        return base**exponent, None

    def call(self, node: ast.Call, depth: int):
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise self.fail(func, f"is attribute access, which a loss cannot use (allowed: {GRAMMAR})")
            raise self.fail(node, "calls something that is not a function name")
        if func.id not in FUNCTIONS:
            if func.id in ("x", "y", *CONSTANTS):
                raise self.fail(func, "is not a function (write * for a product)")
            raise self.fail(func, f"is not an allowed function (allowed: {' '.join(FUNCTIONS)})")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            given = len(node.args) + len(node.keywords)
            raise self.fail(node, f"gives {func.id} {given} arguments; it takes exactly one")
        arg, value = self.build(node.args[0], depth + 1)
        sym, num = FUNCTIONS[func.id]
        if value is not None:
            return self.fold(node, None, self.float_of(node, lambda: num(value)))
        return sym(arg), None

    def float_of(self, node, compute) -> float:
        try:
            value = float(compute())
        except OverflowError:
            raise self.fail(node, f"would overflow: its value is beyond {MAX_CONSTANT:g}") from None
        except (ValueError, ZeroDivisionError, TypeError):
            raise self.fail(node, "is not a real number (division by zero, or log/sqrt of a negative)") from None
        if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            raise self.fail(node, f"would overflow: its value is beyond {MAX_CONSTANT:g}")
        return value

    @staticmethod
    def fold(node, expr, value):
        """A part without x or y becomes one number; others stay symbolic."""
        if value is not None:
            if float(value).is_integer() and abs(value) < 2**53:
                return sympy.Integer(int(value)), value
            return sympy.Float(value, 17), value
        return expr, None


def _float_power(base: float, exponent: float) -> float:
    if base < 0 and not float(exponent).is_integer():
        raise ValueError("negative base, fractional exponent")
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    if base != 0 and exponent * math.log2(abs(base)) > 1000:
        raise OverflowError
    return math.pow(base, exponent)


def _check_numbers(expr: sympy.Expr, text: str, what: str) -> None:
    for number in expr.atoms(sympy.Number):
        if number is sympy.nan or not bool(abs(number) <= MAX_CONSTANT):
            raise LossError(f"{what} has a number beyond {MAX_CONSTANT:g} ({sympy.sstr(number)[:30]}…): "
                            "write the loss with smaller constants")
    if expr.has(sympy.I, sympy.zoo, sympy.oo, sympy.nan):
        raise LossError(f"{what} is not a real expression everywhere it is defined")


# ----------------------------------------------------------------------------- public
def parse_loss(text: str) -> ParsedLoss:
    """The loss and its gradient as SymPy expressions in x, y; LossError names the first bad part."""
    return _parse(_check_text(text))


@lru_cache(maxsize=128)
def _parse(text: str) -> ParsedLoss:
    source = text.replace("^", "**")
    columns = _Columns(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        end = len(text.rstrip())
        if text.rstrip()[-1:] in ("+", "-", "*", "/", "^", "("):
            raise LossError(f"column {end}: the loss ends with {text.rstrip()[-1]!r}: something is missing after it",
                            end) from None
        col = columns((err.offset or 1) - 1)
        raise LossError(f"column {col}: cannot read the loss here ({err.msg}); allowed: {GRAMMAR}", col) from None
    except (ValueError, RecursionError, MemoryError):
        raise LossError(f"the loss cannot be read; allowed: {GRAMMAR}") from None
    expr, _ = _Builder(text, source).build(tree.body)
    _check_numbers(expr, text, "the loss")
    gradient = (sympy.diff(expr, X), sympy.diff(expr, Y))
    for g in gradient:
        _check_numbers(g, text, "the gradient")
    return ParsedLoss(text, expr, gradient)


def check_loss(text: str) -> str | None:
    """None if the text is an allowed loss, else the message (for live validation)."""
    try:
        parse_loss(text)
    except LossError as err:
        return str(err)
    return None


def parse_window(text: str | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """'X0:X1,Y0:Y1' -> ((X0, X1), (Y0, Y1)); LossError naming the bad part."""
    if text is None or not str(text).strip():
        return DEFAULT_WINDOW
    parts = str(text).replace(" ", "").split(",")
    if len(parts) != 2:
        raise LossError(f"window {text!r} must look like X0:X1,Y0:Y1, e.g. -2:2,-1:3")
    out = []
    for axis, part in zip("xy", parts, strict=True):
        bounds = part.split(":")
        if len(bounds) != 2:
            raise LossError(f"window {axis} range {part!r} must look like LO:HI, e.g. -2:2")
        try:
            lo, hi = float(bounds[0]), float(bounds[1])
        except ValueError:
            raise LossError(f"window {axis} range {part!r} is not two numbers") from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or max(abs(lo), abs(hi)) > MAX_WINDOW:
            raise LossError(f"window {axis} range {part!r} must lie within ±{MAX_WINDOW:g}")
        if not lo < hi:
            raise LossError(f"window {axis} range {part!r}: LO must be less than HI")
        out.append((lo, hi))
    return out[0], out[1]


def window_text(window) -> str:
    return ",".join(f"{lo:.12g}:{hi:.12g}" for lo, hi in window)


class CustomLoss(Problem):
    """Problem protocol for a typed loss; analytic (no data points, full batch only)."""

    def __init__(self, text: str, window=None, start=None):
        parsed = parse_loss(text)
        self.id, self.name = "custom", "Your function"
        self.text = parsed.text
        self.description = f"f(x, y) = {parsed.text}"
        self.param_names = ("x", "y")
        self.window = tuple(tuple(map(float, w)) for w in (window or DEFAULT_WINDOW))
        (x0, x1), (y0, y1) = self.window
        self.start = tuple(start) if start is not None else (x0 + 0.1 * (x1 - x0), y0 + 0.8 * (y1 - y0))
        self.minima = ()
        modules = [{"sigmoid": _np_sigmoid}, "numpy"]
        self._f = sympy.lambdify((X, Y), parsed.expr, modules=modules)
        self._df = sympy.lambdify((X, Y), list(parsed.gradient), modules=modules)
        self.log_color = self._nonnegative()

    def _nonnegative(self) -> bool:
        _, _, Z = self.grid(21)
        finite = Z[np.isfinite(Z)]
        return bool(finite.size) and bool(finite.min() >= 0)

    def loss(self, P: Array) -> Array:  # (R,)
        with np.errstate(all="ignore"):
            value = self._f(P[:, 0], P[:, 1])
        return np.broadcast_to(np.asarray(value, dtype=float), P.shape[:1]).copy()

    def grad(self, P: Array, idx: Array | None = None) -> Array:  # (R, 2)
        with np.errstate(all="ignore"):
            gx, gy = self._df(P[:, 0], P[:, 1])
        out = np.empty(P.shape, dtype=float)
        out[:, 0], out[:, 1] = gx, gy  # a constant partial derivative broadcasts over the runs
        return out

    def describe(self) -> dict:
        return {**super().describe(), "loss": self.text}


def custom_problem(text: str, window: tuple | None = None) -> CustomLoss:
    """A typed-loss problem (built once per text and window: parsing and compiling take milliseconds)."""
    return _custom_problem(_check_text(text), window)


@lru_cache(maxsize=64)
def _custom_problem(text: str, window: tuple | None) -> CustomLoss:
    return CustomLoss(text, window)
