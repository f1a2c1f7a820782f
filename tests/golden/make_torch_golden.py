"""Generate the torch.optim golden trajectories used by the `pytorch`-convention tests.

The test suite only reads the JSON this script writes (``torch_trajectories.json`` next to it); it never
imports torch. Re-run by hand after changing a case, from the repository root:

    pip install torch==2.13.0          # the version that produced the committed file (CPU wheel)
    pip install torch-optimizer==0.3.0 pytorch-ranger --no-deps   # QHM and QHAdam (Ma & Yarats 2019)
    python tests/golden/make_torch_golden.py

The committed ``torch_trajectories.json`` was produced with torch 2.13.0+cpu; the exact version is
recorded in the file under ``"torch_version"``.

Everything runs in float64 (``torch.set_default_dtype(torch.float64)`` — this also makes torch keep its
scalar optimizer state, e.g. Adam's ``step`` and NAdam's ``mu_product``, in float64). Every optimizer uses
the plain single-tensor path (``foreach=False``), no weight decay and ``maximize=False``. The parameters
are one float64 tensor ``p`` of shape ``(2,)``; gradients come from autograd on the full-batch loss.

Each case stores ``params`` for steps 0..steps (row 0 = start) and ``loss`` at each of those rows.
Hyperparameter names are Descent Lab's (eta = lr, gamma = momentum, beta = alpha (RMSprop) or rho
(Adadelta), beta1/beta2 = betas, eps = eps, psi = NAdam's momentum_decay); every hyperparameter of the
optimizer is listed, including the ones torch has no knob for (``gamma_schedule="constant"``,
``bias_correction=True``).

QHM and QHAdam are not in torch.optim; they come from the ``torch-optimizer`` package (0.3.0), whose
updates are DESIGN.md §7's: QHM(lr=eta, momentum=beta, nu=nu) keeps b ← β b + (1−β) g and steps
θ ← θ − lr((1−ν) g + ν b); QHAdam(lr=eta, betas=(beta1, beta2), nus=(nu1, nu2), eps=eps) keeps the
bias-corrected averages directly (weights 1 + β·w instead of dividing by 1 − β^t, the same numbers up
to rounding) and steps θ ← θ − lr((1−ν₁) g + ν₁ m̂) / (√((1−ν₂) g² + ν₂ v̂) + ε). No weight decay.
Their "defaults" case uses Descent Lab's pytorch-convention defaults (torch-optimizer's own momentum=0
and nus=(1, 1) would make them plain SGD and Adam).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

OUT = Path(__file__).with_name("torch_trajectories.json")
STEPS = 300

LossFn = Callable[[torch.Tensor], torch.Tensor]
Hp = dict[str, Any]

# --- problems ---------------------------------------------------------------------------------------

SIGMOID_X = (0.5, 2.5)
SIGMOID_Y = (0.2, 0.9)


def sigmoid_2pt(p: torch.Tensor) -> torch.Tensor:
    """L(w, b) = sum_i 1/2 (Y_i - sigmoid(w X_i + b))^2 over both points (full batch)."""
    x = torch.tensor(SIGMOID_X)
    y = torch.tensor(SIGMOID_Y)
    w, b = p[0], p[1]
    return 0.5 * ((y - torch.sigmoid(w * x + b)) ** 2).sum()


def rosenbrock(p: torch.Tensor) -> torch.Tensor:
    """L(x, y) = (1 - x)^2 + 100 (y - x^2)^2."""
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


PROBLEMS: dict[str, LossFn] = {"sigmoid-2pt": sigmoid_2pt, "rosenbrock": rosenbrock}

# --- optimizers: our names -> torch.optim -------------------------------------------------------------

OPTIMIZER_IDS = ("gd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "nadam", "amsgrad",
                 "qhm", "qhadam")


def make_optimizer(opt_id: str, p: torch.Tensor, hp: Hp) -> torch.optim.Optimizer:
    """Build the torch optimizer that `opt_id` with hyperparameters `hp` (our names) corresponds to."""
    params = [p]
    if opt_id == "gd":
        return torch.optim.SGD(params, lr=hp["eta"], foreach=False)
    if opt_id in ("momentum", "nag"):
        assert hp["gamma_schedule"] == "constant", "torch has no momentum schedule"
        return torch.optim.SGD(params, lr=hp["eta"], momentum=hp["gamma"], dampening=0.0,
                               nesterov=opt_id == "nag", foreach=False)
    if opt_id == "adagrad":
        return torch.optim.Adagrad(params, lr=hp["eta"], eps=hp["eps"], foreach=False)
    if opt_id == "rmsprop":
        return torch.optim.RMSprop(params, lr=hp["eta"], alpha=hp["beta"], eps=hp["eps"], foreach=False)
    if opt_id == "adadelta":
        return torch.optim.Adadelta(params, lr=hp["eta"], rho=hp["beta"], eps=hp["eps"], foreach=False)
    if opt_id in ("adam", "amsgrad"):
        if opt_id == "adam":
            assert hp["bias_correction"] is True, "torch's Adam always bias-corrects"
        return torch.optim.Adam(params, lr=hp["eta"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"],
                                amsgrad=opt_id == "amsgrad", foreach=False)
    if opt_id == "adamax":
        return torch.optim.Adamax(params, lr=hp["eta"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"],
                                  foreach=False)
    if opt_id == "nadam":
        return torch.optim.NAdam(params, lr=hp["eta"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"],
                                 momentum_decay=hp["psi"], foreach=False)
    if opt_id in ("qhm", "qhadam"):
        import torch_optimizer

        if opt_id == "qhm":
            return torch_optimizer.QHM(params, lr=hp["eta"], momentum=hp["beta"], nu=hp["nu"], weight_decay=0.0)
        return torch_optimizer.QHAdam(params, lr=hp["eta"], betas=(hp["beta1"], hp["beta2"]),
                                      nus=(hp["nu1"], hp["nu2"]), eps=hp["eps"], weight_decay=0.0)
    raise ValueError(f"unknown optimizer {opt_id!r}")


# --- cases ----------------------------------------------------------------------------------------------


def _sgd(eta: float) -> Hp:
    return {"eta": eta}


def _mom(eta: float, gamma: float) -> Hp:
    return {"eta": eta, "gamma": gamma, "gamma_schedule": "constant"}


def _adagrad(eta: float, eps: float) -> Hp:
    return {"eta": eta, "eps": eps}


def _beta(eta: float, beta: float, eps: float) -> Hp:
    return {"eta": eta, "beta": beta, "eps": eps}


def _adam_like(eta: float, beta1: float, beta2: float, eps: float) -> Hp:
    return {"eta": eta, "beta1": beta1, "beta2": beta2, "eps": eps}


def _adam(eta: float, beta1: float, beta2: float, eps: float) -> Hp:
    return {**_adam_like(eta, beta1, beta2, eps), "bias_correction": True}


def _nadam(eta: float, beta1: float, beta2: float, eps: float, psi: float) -> Hp:
    return {**_adam_like(eta, beta1, beta2, eps), "psi": psi}


def _qhm(eta: float, beta: float, nu: float) -> Hp:
    return {"eta": eta, "beta": beta, "nu": nu}


def _qhadam(eta: float, beta1: float, beta2: float, nu1: float, nu2: float, eps: float) -> Hp:
    return {"eta": eta, "beta1": beta1, "beta2": beta2, "nu1": nu1, "nu2": nu2, "eps": eps}


# (case, problem, start, {optimizer: hp})
CASES: list[tuple[str, str, list[float], dict[str, Hp]]] = [
    ("defaults", "sigmoid-2pt", [1.0, -1.0], {  # torch.optim's own defaults
        "gd": _sgd(1e-3),
        "momentum": _mom(1e-3, 0.9),
        "nag": _mom(1e-3, 0.9),
        "adagrad": _adagrad(1e-2, 1e-10),
        "rmsprop": _beta(1e-2, 0.99, 1e-8),
        "adadelta": _beta(1.0, 0.9, 1e-6),
        "adam": _adam(1e-3, 0.9, 0.999, 1e-8),
        "adamax": _adam_like(2e-3, 0.9, 0.999, 1e-8),
        "nadam": _nadam(2e-3, 0.9, 0.999, 1e-8, 4e-3),
        "amsgrad": _adam_like(1e-3, 0.9, 0.999, 1e-8),
        "qhm": _qhm(1e-3, 0.999, 0.7),  # Descent Lab's pytorch-convention defaults (see the docstring)
        "qhadam": _qhadam(1e-3, 0.9, 0.999, 0.7, 1.0, 1e-8),
    }),
    # Every value differs from torch's default; each run travels ~3.8 towards the exact fit (loss 0). The
    # rates are chosen so that no recorded loss falls below ~1e-8: at the exact fit the loss is pure rounding
    # noise in (Y - sigmoid) (relative error ~1e-16/sqrt(L)), and e.g. nag eta=1, gamma=0.85 reaches 3e-24,
    # where an exact reimplementation differs from torch by 4e-5 relative in the loss (params still agree).
    ("nondefault", "sigmoid-2pt", [-2.0, -2.0], {
        "gd": _sgd(2.0),
        "momentum": _mom(0.3, 0.8),
        "nag": _mom(0.3, 0.85),
        "adagrad": _adagrad(0.5, 1e-7),
        "rmsprop": _beta(0.015, 0.9, 1e-6),
        "adadelta": _beta(2.0, 0.95, 1e-5),
        "adam": _adam(0.05, 0.8, 0.99, 1e-6),
        "adamax": _adam_like(0.05, 0.85, 0.995, 1e-7),
        "nadam": _nadam(0.05, 0.85, 0.99, 1e-7, 0.01),
        "amsgrad": _adam_like(0.05, 0.8, 0.99, 1e-6),
        "qhm": _qhm(0.5, 0.9, 0.6),
        "qhadam": _qhadam(0.05, 0.8, 0.99, 0.6, 0.8, 1e-6),
    }),
    ("rosenbrock", "rosenbrock", [-1.5, 2.0], {
        "gd": _sgd(1e-4),
        "momentum": _mom(1e-4, 0.9),
        "nag": _mom(1e-4, 0.9),
        "adagrad": _adagrad(1e-2, 1e-10),
        # lr 1e-3: at 1e-2 RMSprop rattles across the banana valley and amplifies rounding
        # differences ~1.35× per step (chaotic), which no two implementations could match
        "rmsprop": _beta(1e-3, 0.99, 1e-8),
        "adadelta": _beta(1.0, 0.9, 1e-6),
        "adam": _adam(1e-2, 0.9, 0.999, 1e-8),
        "adamax": _adam_like(1e-2, 0.9, 0.999, 1e-8),
        "nadam": _nadam(1e-2, 0.9, 0.999, 1e-8, 4e-3),
        "amsgrad": _adam_like(1e-2, 0.9, 0.999, 1e-8),
        "qhm": _qhm(1e-4, 0.9, 0.7),
        "qhadam": _qhadam(1e-2, 0.9, 0.999, 0.7, 1.0, 1e-8),
    }),
]


def run_case(problem: str, opt_id: str, hp: Hp, start: list[float], steps: int) -> tuple[list[list[float]],
                                                                                      list[float]]:
    """Run `steps` updates; return params rows 0..steps and the loss at each row."""
    loss_fn = PROBLEMS[problem]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer(opt_id, p, hp)
    params = [p.detach().tolist()]
    losses: list[float] = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(p)
        loss.backward()
        losses.append(loss.item())  # loss at the current row, before the update
        opt.step()
        params.append(p.detach().tolist())
    with torch.no_grad():
        losses.append(loss_fn(p).item())
    flat = [v for row in params for v in row] + losses
    if not all(math.isfinite(v) for v in flat):
        raise RuntimeError(f"{problem}/{opt_id} {hp} became non-finite; pick smaller hyperparameters")
    return params, losses


def build() -> dict[str, Any]:
    cases = []
    for case, problem, start, table in CASES:
        assert tuple(table) == OPTIMIZER_IDS
        for opt_id, hp in table.items():
            params, losses = run_case(problem, opt_id, hp, start, STEPS)
            cases.append({"case": case, "problem": problem, "optimizer": opt_id, "hp": hp, "start": start,
                          "steps": STEPS, "params": params, "loss": losses})
    return {"torch_version": torch.__version__, "dtype": "float64", "cases": cases}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    data = build()
    OUT.write_text(json.dumps(data) + "\n")
    for c in data["cases"]:
        p0, p1 = c["params"][0], c["params"][-1]
        moved = math.dist(p0, p1)
        print(f"{c['case']:>10} {c['optimizer']:>8}  loss {c['loss'][0]:.4g} -> {c['loss'][-1]:.4g}  "
              f"moved {moved:.3g}  end {p1}")
    print(f"wrote {OUT} ({len(data['cases'])} cases, torch {data['torch_version']})")


if __name__ == "__main__":
    main()
