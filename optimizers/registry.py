"""The registry of optimizers: declared hyperparameters + the two conventions' rules + the equations.

Adding an optimizer = writing its `init`/`update` in rules.py and one `Optimizer(...)` entry here;
the CLI, the page's controls, validation, the docs and the parametrized tests pick it up from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import rules as r
from .hyper import Hyper, SpecError

CONVENTIONS = ("lecture", "pytorch")


def eta(default: float, torch: float) -> Hyper:
    return Hyper("eta", "η", default, "learning rate (η₀ when a schedule is set)",
                 lo=1e-6, hi=1e6, log=True, torch_default=torch)


def eps(default: float, torch: float | None = None) -> Hyper:
    return Hyper("eps", "ε", default, "small constant that keeps the denominator away from 0",
                 lo=1e-16, hi=1.0, log=True, torch_default=torch)


GAMMA = Hyper("gamma", "γ", 0.9, "momentum: fraction of the previous update kept (γ_max with a schedule)",
              lo=0.0, hi=0.9999)
GAMMA_SCHEDULE = Hyper("gamma_schedule", "γ schedule", "constant",
                       "sutskever: γ_t = min(1 − 2^(−1−log₂(⌊t/250⌋+1)), γ_max)",
                       kind="choice", choices=("constant", "sutskever"))
BETA1 = Hyper("beta1", "β₁", 0.9, "decay of the running mean of gradients", lo=0.0, hi=0.9999)
BETA2 = Hyper("beta2", "β₂", 0.999, "decay of the running mean of squared gradients",
              lo=0.0, hi=0.99999)
BIAS_CORRECTION = Hyper("bias_correction", "bias correction", True,
                        "divide m and v by (1 − β^t) so early averages are not biased toward 0",
                        kind="bool")
NU = Hyper("nu", "ν", 0.7, "weight of the momentum buffer in the step (0: plain GD, 1: EMA momentum)",
           lo=0.0, hi=1.0)
NU1 = Hyper("nu1", "ν₁", 0.7, "weight of m̂ against g in the numerator (0: RMSProp-like, 1: Adam)",
            lo=0.0, hi=1.0)
NU2 = Hyper("nu2", "ν₂", 1.0, "weight of v̂ against g² in the denominator (1: Adam)", lo=0.0, hi=1.0)
PSI = Hyper("psi", "ψ", 0.004, "NAdam momentum decay (pytorch convention only)", lo=0.0, hi=1.0)


@dataclass(frozen=True)
class Optimizer:
    id: str
    name: str
    hypers: tuple[Hyper, ...]
    lecture: r.Rule
    pytorch: r.Rule
    equations: str  # LaTeX, lecture form
    reference: str
    adaptive: bool = False  # has a per-parameter effective learning rate

    def rule(self, convention: str) -> r.Rule:
        if convention not in CONVENTIONS:
            raise SpecError(f"unknown convention {convention!r} (use {' or '.join(CONVENTIONS)})")
        return getattr(self, convention)

    def hyper(self, name: str) -> Hyper:
        for h in self.hypers:
            if h.name == name:
                return h
        known = ", ".join(h.name for h in self.hypers)
        raise SpecError(f"{self.id} has no hyperparameter {name!r} (it has: {known})")

    def defaults(self, convention: str = "lecture") -> dict:
        return {h.name: h.default_for(convention) for h in self.hypers}


def _opt(id, name, hypers, lecture, pytorch=None, *, eq, ref, adaptive=False) -> Optimizer:
    return Optimizer(id, name, tuple(hypers), lecture, pytorch or lecture, eq, ref, adaptive)


_ADAM_HP = (eta(0.1, 1e-3), BETA1, BETA2, eps(1e-8))

OPTIMIZERS: dict[str, Optimizer] = {o.id: o for o in (
    _opt("gd", "Gradient descent", [eta(1.0, 1e-3)],
         r.Rule(r.zeros_no_state, r.gd_update),
         eq=r"\theta \leftarrow \theta - \eta\, g", ref="Cauchy 1847"),
    _opt("momentum", "Momentum", [eta(1.0, 1e-3), GAMMA, GAMMA_SCHEDULE],
         r.Rule(r.zeros_velocity, r.momentum_update),
         r.Rule(r.zeros_velocity, r.torch_momentum_update),
         eq=r"v \leftarrow \gamma v + \eta g;\quad \theta \leftarrow \theta - v", ref="Polyak 1964; Qian 1999"),
    _opt("nag", "Nesterov accelerated gradient", [eta(1.0, 1e-3), GAMMA, GAMMA_SCHEDULE],
         r.Rule(r.zeros_velocity, r.momentum_update, r.nag_lookahead),
         r.Rule(r.zeros_velocity, r.torch_nesterov_update),
         eq=r"g = \nabla L(\theta - \gamma v);\quad v \leftarrow \gamma v + \eta g;\quad \theta \leftarrow \theta - v",
         ref="Nesterov 1983; Sutskever et al. 2013"),
    _opt("adagrad", "AdaGrad", [eta(0.1, 1e-2), eps(1e-8, 1e-10)],
         r.Rule(r.zeros_accumulator, r.adagrad_update),
         r.Rule(r.zeros_accumulator, r.torch_adagrad_update),
         eq=r"v \leftarrow v + g^2;\quad \theta \leftarrow \theta - \frac{\eta}{\sqrt{v + \epsilon}}\, g",
         ref="Duchi, Hazan & Singer 2011", adaptive=True),
    _opt("rmsprop", "RMSProp",
         [eta(0.1, 1e-2), Hyper("beta", "β", 0.9, "decay of the running mean of squared gradients",
                                lo=0.0, hi=0.99999, torch_default=0.99), eps(1e-8)],
         r.Rule(r.zeros_accumulator, r.rmsprop_update),
         r.Rule(r.zeros_accumulator, r.torch_rmsprop_update),
         eq=(r"v \leftarrow \beta v + (1-\beta) g^2;\quad "
             r"\theta \leftarrow \theta - \frac{\eta}{\sqrt{v + \epsilon}}\, g"),
         ref="Hinton 2012 (lecture 6e)", adaptive=True),
    _opt("adadelta", "AdaDelta",
         [eta(1.0, 1.0), Hyper("beta", "β", 0.95, "decay of the running means of g² and Δ²",
                               lo=0.0, hi=0.99999, torch_default=0.9), eps(1e-6)],
         r.Rule(r.zeros_delta, r.adadelta_update),
         eq=(r"v \leftarrow \beta v + (1-\beta) g^2;\quad \Delta = -\frac{\sqrt{u+\epsilon}}{\sqrt{v+\epsilon}}\, g;"
             r"\quad \theta \leftarrow \theta + \eta\Delta;\quad u \leftarrow \beta u + (1-\beta)\Delta^2"),
         ref="Zeiler 2012", adaptive=True),
    _opt("adam", "Adam", [*_ADAM_HP, BIAS_CORRECTION],
         r.Rule(r.zeros_adam, r.adam_update),
         r.Rule(r.zeros_adam, r.torch_adam_update),
         eq=(r"m \leftarrow \beta_1 m + (1-\beta_1) g;\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2;\quad "
             r"\hat m = \frac{m}{1-\beta_1^t},\ \hat v = \frac{v}{1-\beta_2^t};\quad "
             r"\theta \leftarrow \theta - \frac{\eta\,\hat m}{\sqrt{\hat v + \epsilon}}"),
         ref="Kingma & Ba 2015", adaptive=True),
    _opt("adamax", "AdaMax", [eta(0.1, 2e-3), BETA1, BETA2, eps(1e-8)],
         r.Rule(r.zeros_adamax, r.adamax_update),
         r.Rule(r.zeros_adamax, r.torch_adamax_update),
         eq=(r"m \leftarrow \beta_1 m + (1-\beta_1) g;\quad u \leftarrow \max(\beta_2 u, |g|);\quad "
             r"\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\,\frac{m}{u + \epsilon}"),
         ref="Kingma & Ba 2015, §7.1", adaptive=True),
    _opt("nadam", "NAdam", [eta(0.1, 2e-3), BETA1, BETA2, eps(1e-8), PSI],
         r.Rule(r.nadam_init, r.nadam_update),
         r.Rule(r.nadam_init, r.torch_nadam_update),
         eq=(r"\theta \leftarrow \theta - \frac{\eta}{\sqrt{\hat v + \epsilon}}"
             r"\left(\frac{\beta_1 m}{1-\beta_1^{t+1}} + \frac{(1-\beta_1) g}{1-\beta_1^t}\right)"),
         ref="Dozat 2016", adaptive=True),
    _opt("amsgrad", "AMSGrad", list(_ADAM_HP),
         r.Rule(r.zeros_amsgrad, r.amsgrad_update),
         r.Rule(r.zeros_amsgrad, r.torch_amsgrad_update),
         eq=(r"v_{max} \leftarrow \max(v_{max}, v);\quad "
             r"\theta \leftarrow \theta - \eta\,\frac{m/(1-\beta_1^t)}{\sqrt{v_{max}/(1-\beta_2^t) + \epsilon}}"),
         ref="Reddi, Kale & Kumar 2018", adaptive=True),
    _opt("qhm", "Quasi-hyperbolic momentum",
         [eta(1.0, 1e-3), Hyper("beta", "β", 0.999, "decay of the momentum buffer (an EMA of gradients)",
                                lo=0.0, hi=0.99999), NU],
         r.Rule(r.zeros_qhm, r.qhm_update),
         eq=(r"b \leftarrow \beta b + (1-\beta) g;\quad "
             r"\theta \leftarrow \theta - \eta\,\big((1-\nu) g + \nu b\big)"),
         ref="Ma & Yarats 2019"),
    _opt("qhadam", "QHAdam", [*_ADAM_HP[:3], NU1, NU2, eps(1e-8)],
         r.Rule(r.zeros_adam, r.qhadam_update),
         eq=(r"\hat m = \frac{m}{1-\beta_1^t},\ \hat v = \frac{v}{1-\beta_2^t};\quad "
             r"\theta \leftarrow \theta - \eta\,\frac{(1-\nu_1) g + \nu_1 \hat m}"
             r"{\sqrt{(1-\nu_2) g^2 + \nu_2 \hat v} + \epsilon}"),
         ref="Ma & Yarats 2019", adaptive=True),
)}


def get_optimizer(name: str) -> Optimizer:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise SpecError(f"unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})") from None
