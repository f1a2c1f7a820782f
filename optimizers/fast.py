"""The engine's fast path for one run (R = 1): the optimizer's own rule, traced once into float code.

At R = 1 the NumPy loop spends its time on call overhead: every ufunc on a (1, 2) array costs about a
microsecond and one update makes dozens of them. Here the rule of rules.py — still the one source of
truth — is called once with symbolic values (`_Sym`) that record each operation; the record becomes
one Python loop over the updates on plain floats, unrolled over the D parameters. What depends only on
t, η_t and the hyperparameters (bias corrections β^t, Sutskever's γ_t, NAdam's μ_t) is computed for all
updates at once with NumPy before the loop. The problem takes part through `loss_and_grad_floats()`
(the sigmoid neuron's, with NumPy's own tanh on each float), when it has one and no projection.

Same bits as the NumPy loop: + − × ÷ √ max round alike in Python and NumPy (IEEE 754), and where they
do not — powers — the trace follows NumPy's types: an array (the hyperparameters are 0-d or (R, 1)
arrays) raised to a Python int goes through NumPy's power loop with its shortcuts (x² = x·x, x^0.5 =
√x, x^−1 = 1/x), a NumPy scalar to a scalar through libm's pow. What the trace cannot express (a
NumPy function it does not know, a traced value in a branch) keeps the NumPy loop; an exception in the
float code (0/0, √ of a negative, where NumPy returns NaN or inf) hands the whole run back to it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

Array = np.ndarray

# what NumPy would hold: a Python int, a float (Python or NumPy scalar), a 0-d array, an array (ndim ≥ 1)
INT, FLOAT, ARRAY0, ARRAY = "int", "float", "array0", "array"


class _Untraceable(Exception):
    """The rule did something the float code cannot express: use the NumPy loop."""


def _numpy_pow(a, e):
    """An array to a Python scalar power, as NumPy computes it (its own pow loop and shortcuts)."""
    if e == 2:
        return a * a
    if e == -1:
        return 1.0 / a
    if e == 0.5:
        return math.sqrt(a)
    return float(np.power(a, e))


# op -> (Python on floats with {0}, {1} the operands' names, NumPy over all updates)
_OPS = {
    "add": ("{0} + {1}", np.add), "subtract": ("{0} - {1}", np.subtract),
    "multiply": ("{0} * {1}", np.multiply), "divide": ("{0} / {1}", np.divide),
    "floor_divide": ("{0} // {1}", np.floor_divide), "negative": ("-{0}", np.negative),
    "absolute": ("abs({0})", np.absolute), "square": ("{0} * {0}", np.square),
    "sqrt": ("_sqrt({0})", np.sqrt), "log2": ("_log2({0})", np.log2),
    "maximum": ("{0} if {0} >= {1} or {0} != {0} else {1}", np.maximum),  # NumPy's: NaN wins
    "minimum": ("{0} if {0} <= {1} or {0} != {0} else {1}", np.minimum),
    "copy": ("{0}", lambda a: a),
    "power_array": ("_numpy_pow({0}, {1})", None),  # array ** Python scalar: NumPy's loop and shortcuts
    "power_ufunc": ("_ufunc_pow({0}, {1})", np.power),  # anything else with an array: NumPy's loop
    "power_libm": ("_libm_pow({0}, {1})", None),  # scalars: libm
    "power_int": ("{0} ** {1}", np.power),
}
_GLOBALS = {"_sqrt": math.sqrt, "_log2": lambda x: float(np.log2(x)), "_numpy_pow": _numpy_pow,
            "_ufunc_pow": lambda a, e: float(np.power(a, e)), "_libm_pow": math.pow,
            "__builtins__": {"abs": abs, "range": range}}
# NumPy function -> op; np.power itself never takes the shortcuts of `array ** scalar`
_UFUNCS = {"add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide", "true_divide": "divide",
           "floor_divide": "floor_divide", "negative": "negative", "absolute": "absolute", "square": "square",
           "sqrt": "sqrt", "log2": "log2", "maximum": "maximum", "minimum": "minimum", "power": "power_ufunc"}


class _Line(NamedTuple):
    out: _Sym
    op: str
    args: tuple


class _Tape:
    """The operations recorded while a rule runs on symbols."""

    def __init__(self):
        self.lines: list[_Line] = []

    def symbol(self, name: str, kind: str, elem: bool = False, static: bool = False, varies: bool = False) -> _Sym:
        return _Sym(self, name, kind, elem, static, varies)

    def const(self, x) -> _Sym:
        if isinstance(x, _Sym):
            return x
        if isinstance(x, (bool, np.bool_)) or np.size(x) != 1:
            raise _Untraceable(f"constant {x!r}")
        kind = ARRAY0 if isinstance(x, np.ndarray) else FLOAT if isinstance(x, (float, np.floating)) else INT
        value = np.asarray(x).item()
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _Untraceable(f"constant {x!r}")
        return _Sym(self, f"({value!r})" if value < 0 else repr(value), kind, False, True, False, value)

    def op(self, op: str, *args) -> _Sym:
        args = tuple(self.const(a) for a in args)
        kinds = {a.kind for a in args}
        if op == "power":  # the ** operator: which power NumPy computes depends on the operands' types
            base, exponent = args
            if not kinds & {ARRAY0, ARRAY}:
                op = "power_int" if kinds == {INT} else "power_libm"
            elif base.kind in (ARRAY0, ARRAY) and exponent.kind in (INT, FLOAT):
                op = "power_array"
            else:
                op = "power_ufunc"
        kind = (ARRAY if ARRAY in kinds else FLOAT if kinds & {ARRAY0, FLOAT} or op in ("divide", "sqrt", "log2")
                else INT)
        out = _Sym(self, f"_{len(self.lines)}", kind, any(a.elem for a in args), all(a.static for a in args),
                   any(a.varies for a in args))
        self.lines.append(_Line(out, op, args))
        return out


class _Sym:
    """A traced value: of one parameter (elem) or shared by the run's parameters; static when it depends
    only on t, η_t and the hyperparameters (then computed before the loop), varying when on t or η_t."""

    __array_priority__ = 1000
    shape = ()

    def __init__(self, tape: _Tape, name: str, kind: str, elem: bool, static: bool, varies: bool, value=None):
        self.tape, self.name, self.kind, self.elem, self.static, self.varies = tape, name, kind, elem, static, varies
        self.value = value  # constants only

    def __bool__(self):
        raise _Untraceable("a traced value decides a branch")

    def __add__(self, o): return self.tape.op("add", self, o)
    def __radd__(self, o): return self.tape.op("add", o, self)
    def __sub__(self, o): return self.tape.op("subtract", self, o)
    def __rsub__(self, o): return self.tape.op("subtract", o, self)
    def __mul__(self, o): return self.tape.op("multiply", self, o)
    def __rmul__(self, o): return self.tape.op("multiply", o, self)
    def __truediv__(self, o): return self.tape.op("divide", self, o)
    def __rtruediv__(self, o): return self.tape.op("divide", o, self)
    def __floordiv__(self, o): return self.tape.op("floor_divide", self, o)
    def __rfloordiv__(self, o): return self.tape.op("floor_divide", o, self)
    def __pow__(self, o): return self.tape.op("power", self, o)
    def __rpow__(self, o): return self.tape.op("power", o, self)
    def __neg__(self): return self.tape.op("negative", self)
    def __abs__(self): return self.tape.op("absolute", self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs or ufunc.__name__ not in _UFUNCS:
            raise _Untraceable(f"numpy.{ufunc.__name__}")
        return self.tape.op(_UFUNCS[ufunc.__name__], *(np.asarray(x) if isinstance(x, (int, float)) else x
                                                      for x in inputs))

    def __array_function__(self, func, types, args, kwargs):
        if func is np.broadcast_to:  # each element of the broadcast is the value itself, now in an array
            return _as_array(self.tape, args[0], ARRAY)
        if func is np.where and not isinstance(args[0], _Sym) and np.size(args[0]) == 1:
            return _as_array(self.tape, args[1] if bool(np.asarray(args[0]).item()) else args[2], ARRAY0)
        raise _Untraceable(f"numpy.{func.__name__}")


def _as_array(tape: _Tape, x, kind: str) -> _Sym:
    """x as NumPy returns it from broadcast_to (an array) or where (a 0-d array)."""
    x = tape.const(x)
    out = tape.op("copy", x)
    out.kind = ARRAY if x.kind == ARRAY else kind
    return out


def _name(x: _Sym, d: int) -> str:
    return f"{x.name}_{d}" if x.elem else x.name


class _Traced(NamedTuple):
    """A rule's tape and its outputs (q: the look-ahead point, None without one)."""

    tape: _Tape
    mark: int  # tape.lines[:mark] compute the look-ahead, the rest the update
    eta: _Sym
    q: _Sym | None
    delta: _Sym
    lr: _Sym
    state: list[_Sym]


def _trace(update, lookahead, state_type: type, fields: tuple[bool, ...], choices: tuple,
           numeric: tuple[tuple[str, str], ...]) -> _Traced:
    """Run the rule on symbols. fields: per state field, True if it holds one value per parameter (else
    one per run); choices: the hyperparameters fixed in the code (bools, choices); numeric: (name, kind)
    of those passed as numbers."""
    tape = _Tape()
    h = {name: tape.symbol(f"h{i}", kind, static=True) for i, (name, kind) in enumerate(numeric)}
    hp = SimpleNamespace(**dict(choices), **h, eta=tape.symbol("eta", ARRAY, static=True, varies=True))
    t = tape.symbol("t", INT, static=True, varies=True)
    state = state_type(*(tape.symbol(f"s{j}", ARRAY, elem=elem) for j, elem in enumerate(fields)))
    q = lookahead(tape.symbol("p", ARRAY, elem=True), state, hp, t) if lookahead else None
    mark = len(tape.lines)
    delta, new_state, lr = update(tape.symbol("g", ARRAY, elem=True), state, hp, t)
    if type(new_state) is not state_type:
        raise _Untraceable("the rule changed its state type")
    new_state = [tape.const(v) for v in new_state]
    if any(v.elem and not elem for v, elem in zip(new_state, fields, strict=True)):
        raise _Untraceable("a per-run state field became per-parameter")
    return _Traced(tape, mark, hp.eta, None if q is None else tape.const(q), tape.const(delta), tape.const(lr),
                   new_state)


def _compile(update, lookahead, state_type: type, fields: tuple[bool, ...], choices: tuple,
             numeric: tuple[tuple[str, str], ...], D: int, internals: bool):
    """(loop, static lines, constants, tables, columns, source): the loop over the updates as Python source
    (names and numbers only, no user text), compiled. Static values the loop reads come in as constants
    or, when they change with t or η_t, as tables (η_t always: it is recorded)."""
    tape, mark, eta, q, delta, lr, new_state = _trace(update, lookahead, state_type, fields, choices, numeric)
    outputs = [delta, lr, *new_state, *([q] if q is not None else [])]
    read = {a.name: a for line in tape.lines if not line.out.static for a in line.args}
    read |= {x.name: x for x in outputs} | {"eta": eta}
    needed = [x for x in read.values() if x.static and x.value is None]
    constants = [x.name for x in needed if not x.varies]
    tables = [x.name for x in needed if x.varies]
    ds = range(D)

    def each(x: _Sym) -> list[str]:
        return [_name(x, d) for d in ds]

    def names(prefix: str) -> str:
        return ", ".join(f"{prefix}_{d}" for d in ds) + ","

    def emit(lines) -> list[str]:  # per-parameter lines once for each parameter, the others once
        out = []
        for line in lines:
            if line.out.static:
                continue
            template = _OPS[line.op][0]
            for d in ds if line.out.elem else (0,):
                out.append(f"{_name(line.out, d)} = " + template.format(*(_name(a, d) for a in line.args)))
        return out

    body = [f"{x} = T{x}[i]" for x in tables]
    body += emit(tape.lines[:mark])
    if q is not None:  # the gradient at the look-ahead point
        body.append(f"_, ({names('g')}) = lg(({', '.join(each(q))},))")
    body += emit(tape.lines[mark:])
    body.append(f"{names('p')} = " + ", ".join(f"p_{d} + {x}" for d, x in zip(ds, each(delta), strict=True)))
    for j, (value, elem) in enumerate(zip(new_state, fields, strict=True)):  # after the body: it reads the old
        body.append(f"{names(f's{j}')} = {', '.join(each(value))}," if elem else f"s{j} = {value.name}")
    body.append(f"loss, ({names('n')}) = lg(({names('p')}))" if q is None else f"loss, _ = lg(({names('p')}))")
    row = [*(f"p_{d}" for d in ds), "loss", "eta"]
    if internals:  # the engine's order: grad, lr, state, lookahead
        row += [*(f"g_{d}" for d in ds), *each(lr), *(f"s{j}_{d}" for j, elem in enumerate(fields) if elem for d in ds)]
        row += each(q) if q is not None else []
    body.append(f"record(({', '.join(row)},))")
    if q is None:  # the gradient at the new point serves the next update
        body.append(f"{names('g')} = {names('n')}")
    finite = " and ".join(f"p_{d} - p_{d} == 0.0" for d in ds)
    body += [f"if not (loss <= bound and loss - loss == 0.0 and {finite}):", "    break"]
    state_out = " ".join(f"({names(f's{j}')})," if elem else f"s{j}," for j, elem in enumerate(fields))
    src = [
        "def run(p, s, c, tables, steps, lg, bound, out):",
        f"    {names('p')} = p",
        *(f"    {names(f's{j}') if elem else f's{j}'} = s[{j}]" for j, elem in enumerate(fields)),
        *([f"    {', '.join(constants)}, = c"] if constants else []),
        *([f"    {', '.join('T' + x for x in tables)}, = tables"] if tables else []),
        f"    loss, ({names('g')}) = lg(p)",
        "    record = out.extend",
        "    for i in range(steps):",
        *(f"        {line}" for line in body),
        f"    return ({names('p')}), ({state_out}), loss",
    ]
    namespace = dict(_GLOBALS)
    source = "\n".join(src)
    exec(compile(source, f"<fast {update.__name__}>", "exec"), namespace)
    static = tuple(line for line in tape.lines if line.out.static)
    return namespace["run"], static, tuple(constants), tuple(tables), len(row), source


@lru_cache(maxsize=256)
def _kernel(update, lookahead, state_type, fields, choices, numeric, D, internals):
    """_compile's result, or None when the rule cannot be traced (cached as such too)."""
    try:
        return _compile(update, lookahead, state_type, fields, choices, numeric, D, internals)
    except _Untraceable:
        return None


def _precompute(static: tuple[_Line, ...], h: list[float], etas: Array, t: Array) -> dict:
    """The static lines over all updates at once, with NumPy's operations (and its kinds of power)."""
    env = {"eta": etas, "t": t, **{f"h{i}": np.float64(v) for i, v in enumerate(h)}}
    for out, op, args in static:
        vals = [a.value if a.value is not None else env[a.name] for a in args]
        if op == "power_array":
            a, e = np.broadcast_arrays(np.asarray(vals[0], dtype=float), np.asarray(vals[1]))
            with np.errstate(all="ignore"):
                value = np.select([e == 2, e == -1, e == 0.5], [a * a, 1.0 / a, np.sqrt(a)], np.power(a, e))
        elif op == "power_libm":
            pairs = np.broadcast(*vals)
            value = np.array([math.pow(a, e) for a, e in pairs]).reshape(pairs.shape)
        elif op == "power_int" and np.any(np.asarray(vals[1]) < 0):
            raise ValueError("a negative integer power")
        else:
            with np.errstate(all="ignore"):
                value = _OPS[op][1](*vals)
        env[out.name] = value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value
    return env


def run_one(problem, rule, state: tuple, hp_values: dict, P: Array, schedule, t0: int, steps: int, per_epoch: int,
            bound: float, params: Array, loss: Array, eta: Array, rec: dict) -> tuple | None:
    """Rows 1.. of one run (R = 1, full batch, a stateless schedule) written into the engine's arrays;
    returns (P, state, loss) after the last row written and the number of rows written, or None (and
    nothing written) when this path does not apply: then the engine's NumPy loop does the work."""
    loss_and_grad = getattr(problem, "loss_and_grad_floats", None)
    loss_and_grad = loss_and_grad() if loss_and_grad is not None and P.shape[0] == 1 else None
    if loss_and_grad is None or problem.project(P) is not P:  # the float loop has no projection
        return None
    D = P.shape[1]
    fields = tuple(np.shape(v) == P.shape for v in state)
    if any(not elem and np.size(v) != 1 for v, elem in zip(state, fields, strict=True)):
        return None
    choices, numeric, h = [], [], []
    for name, value in hp_values.items():
        if isinstance(value, str) or np.asarray(value).dtype == bool:
            choices.append((name, value if isinstance(value, str) else bool(np.asarray(value).item())))
        elif name != "eta":
            numeric.append((name, ARRAY0 if np.ndim(value) == 0 else ARRAY))
            h.append(float(np.asarray(value).item()))
    kernel = _kernel(rule.update, rule.lookahead, type(state), fields, tuple(choices), tuple(numeric), D, bool(rec))
    if kernel is None:
        return None
    run, static, constants, tables, columns, _ = kernel
    t = t0 + np.arange(steps)
    etas = np.broadcast_to(schedule.rate(hp_values["eta"], t, t // per_epoch, t0 + steps), (1, steps))[0]
    s = [tuple(v[0].tolist()) if elem else float(np.asarray(v).item()) for v, elem in zip(state, fields, strict=True)]
    out = []  # the rows, flat
    try:
        env = _precompute(static, h, etas, t + 1)  # rules count updates from 1
        c = [env[x].item() if isinstance(env[x], np.generic) else env[x] for x in constants]
        p, s, last_loss = run(tuple(P[0].tolist()), s, c, [np.broadcast_to(env[x], (steps,)).tolist() for x in tables],
                              steps, loss_and_grad, bound, out)
    except (ArithmeticError, ValueError):  # where NumPy would give NaN or inf: its loop handles the run
        return None
    k = len(out) // columns  # rows written after row 0: steps, or fewer if the run diverged
    rows = np.array(out).reshape(k, columns).T
    params[1:k + 1, 0] = rows[:D].T
    loss[1:k + 1, 0], eta[1:k + 1, 0] = rows[D], rows[D + 1]
    for name, first in zip(rec, range(D + 2, columns, D), strict=False):
        rec[name][1:k + 1, 0] = rows[first:first + D].T
    state = type(state)(*(np.reshape(v, np.shape(old)) for v, old in zip(s, state, strict=True)))
    return np.array([p]), state, np.array([last_loss]), k + 1
