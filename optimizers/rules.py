"""The update rules: the ten of torch.optim, each in the course's form (`lecture`) and in torch.optim's
form (`pytorch`), and the quasi-hyperbolic QHM and QHAdam (Ma & Yarats 2019), one form for both.

Every rule is a pair of pure functions over explicit state, batched over runs:

    init(P) -> state                      P: (R, D) parameters
    update(g, state, hp, t) -> (delta, state, lr)
        g: (R, D) gradient, hp: hyperparameters as (R, 1) arrays (eta already scheduled),
        t: 1-based update count (used by bias corrections), delta: (R, D) to add to P,
        lr: (R, D) effective per-parameter learning rate of this update (for plots and the inspector):
        the factor that multiplies the (bias-corrected) first moment m̂ in the Adam family, or g.
    lookahead(P, state, hp, t) -> point where the gradient is evaluated (NAG only; default P)

Conventions (DESIGN.md §3): lecture puts eps inside the square root and accumulates eta·g in the
velocity; pytorch follows torch.optim exactly (eps outside the root, buffer of raw gradients scaled by
lr, nesterov's g + μ·buf, Adamax's |g| + eps inside the max, NAdam's μ_t momentum schedule).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray


# ----------------------------------------------------------------------------- shared helpers
def ema(avg: Array, x: Array, beta: Array) -> Array:
    """Exponential moving average: beta·avg + (1 − beta)·x."""
    return beta * avg + (1.0 - beta) * x


def debias(avg: Array, beta: Array, t: int, on: Array | bool = True) -> Array:
    """Adam's bias correction avg / (1 − beta^t) where `on` (per run), avg unchanged elsewhere."""
    if on is True:
        return avg / (1.0 - beta**t)
    return avg / np.where(on, 1.0 - beta**t, 1.0)


def sutskever_gamma(gamma_max: Array, step: int) -> Array:
    """Sutskever et al. 2013: γ_t = min(1 − 2^(−1 − log2(⌊t/250⌋ + 1)), γ_max), t 0-based."""
    return np.minimum(1.0 - 2.0 ** (-1.0 - np.log2(step // 250 + 1)), gamma_max)


def momentum_gamma(hp, t: int) -> Array:
    """γ for update t (1-based): constant or the Sutskever schedule when hp.gamma_schedule says so."""
    if getattr(hp, "gamma_schedule", "constant") == "sutskever":
        return sutskever_gamma(hp.gamma, t - 1)
    return hp.gamma


def _const_lr(hp, g: Array) -> Array:
    return np.broadcast_to(hp.eta, g.shape)


# ----------------------------------------------------------------------------- state types
class NoState(NamedTuple):
    pass


class Velocity(NamedTuple):
    v: Array  # (R, D) velocity (lecture: sum of γ-discounted η·g; pytorch: of g)


class Accumulator(NamedTuple):
    v: Array  # (R, D) (running) sum of squared gradients


class DeltaState(NamedTuple):
    v: Array  # (R, D) running mean of g²
    u: Array  # (R, D) running mean of squared updates Δ²


class AdamState(NamedTuple):
    m: Array  # (R, D) first moment
    v: Array  # (R, D) second moment


class AdamaxState(NamedTuple):
    m: Array  # (R, D) first moment
    u: Array  # (R, D) exponentially weighted infinity norm


class NadamState(NamedTuple):
    m: Array  # (R, D) first moment
    v: Array  # (R, D) second moment
    mu_product: Array  # (R, 1) torch's running product of μ_t (unused by the lecture form)


class AmsgradState(NamedTuple):
    m: Array  # (R, D) first moment
    v: Array  # (R, D) second moment
    v_max: Array  # (R, D) running maximum of v


class QhmState(NamedTuple):
    b: Array  # (R, D) momentum buffer: EMA of gradients


def _zeros(cls: type) -> Callable[[Array], tuple]:
    return lambda P: cls(*(np.zeros_like(P) for _ in cls._fields))


# ----------------------------------------------------------------------------- gd
def gd_update(g, s, hp, t):
    """θ ← θ − η g (both conventions)."""
    return -hp.eta * g, s, _const_lr(hp, g)


# ----------------------------------------------------------------------------- momentum / nag
def momentum_update(g, s, hp, t):
    """Lecture (Qian 1999): v ← γ v + η g ; θ ← θ − v."""
    v = momentum_gamma(hp, t) * s.v + hp.eta * g
    return -v, Velocity(v), _const_lr(hp, g)


def nag_lookahead(P, s, hp, t):
    """Lecture NAG evaluates the gradient at the look-ahead point θ − γ v."""
    return P - momentum_gamma(hp, t) * s.v


def torch_momentum_update(g, s, hp, t):
    """torch.optim.SGD(momentum=μ): buf ← μ buf + g (buf = g first) ; θ ← θ − lr·buf."""
    buf = momentum_gamma(hp, t) * s.v + g
    return -hp.eta * buf, Velocity(buf), _const_lr(hp, g)


def torch_nesterov_update(g, s, hp, t):
    """torch.optim.SGD(nesterov=True): buf ← μ buf + g ; θ ← θ − lr (g + μ buf), g at θ itself."""
    gamma = momentum_gamma(hp, t)
    buf = gamma * s.v + g
    return -hp.eta * (g + gamma * buf), Velocity(buf), _const_lr(hp, g)


# ----------------------------------------------------------------------------- adagrad / rmsprop
def adagrad_update(g, s, hp, t):
    """Duchi et al. 2011, lecture: v ← v + g² ; θ ← θ − η g / √(v + ε)."""
    v = s.v + g * g
    lr = hp.eta / np.sqrt(v + hp.eps)
    return -lr * g, Accumulator(v), lr


def torch_adagrad_update(g, s, hp, t):
    """torch.optim.Adagrad: v ← v + g² ; θ ← θ − lr g / (√v + ε)."""
    v = s.v + g * g
    lr = hp.eta / (np.sqrt(v) + hp.eps)
    return -lr * g, Accumulator(v), lr


def rmsprop_update(g, s, hp, t):
    """Hinton 2012, lecture: v ← β v + (1−β) g² ; θ ← θ − η g / √(v + ε)."""
    v = ema(s.v, g * g, hp.beta)
    lr = hp.eta / np.sqrt(v + hp.eps)
    return -lr * g, Accumulator(v), lr


def torch_rmsprop_update(g, s, hp, t):
    """torch.optim.RMSprop (alpha = β): θ ← θ − lr g / (√v + ε)."""
    v = ema(s.v, g * g, hp.beta)
    lr = hp.eta / (np.sqrt(v) + hp.eps)
    return -lr * g, Accumulator(v), lr


# ----------------------------------------------------------------------------- adadelta
def adadelta_update(g, s, hp, t):
    """Zeiler 2012 (same in both conventions): v ← β v + (1−β) g² ;
    Δ = −√(u + ε)/√(v + ε)·g ; θ ← θ + η Δ ; u ← β u + (1−β) Δ²."""
    v = ema(s.v, g * g, hp.beta)
    ratio = np.sqrt(s.u + hp.eps) / np.sqrt(v + hp.eps)
    step = -ratio * g
    return hp.eta * step, DeltaState(v, ema(s.u, step * step, hp.beta)), hp.eta * ratio


# ----------------------------------------------------------------------------- adam family
def adam_update(g, s, hp, t):
    """Kingma & Ba 2015, lecture: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t) ; θ ← θ − η m̂ / √(v̂ + ε)."""
    m, v = ema(s.m, g, hp.beta1), ema(s.v, g * g, hp.beta2)
    m_hat = debias(m, hp.beta1, t, hp.bias_correction)
    v_hat = debias(v, hp.beta2, t, hp.bias_correction)
    lr = hp.eta / np.sqrt(v_hat + hp.eps)
    return -lr * m_hat, AdamState(m, v), lr


def torch_adam_update(g, s, hp, t):
    """torch.optim.Adam: θ ← θ − (lr/(1−β1^t)) m / (√v/√(1−β2^t) + ε)."""
    m, v = ema(s.m, g, hp.beta1), ema(s.v, g * g, hp.beta2)
    lr, m_hat = _torch_adam_step(hp, m, v, t)
    return -lr * m_hat, AdamState(m, v), lr


def _torch_adam_step(hp, m: Array, v: Array, t: int) -> tuple[Array, Array]:
    """(lr, m̂) with lr = η/(√v/√(1−β2^t) + ε): torch's eps after the correction of v."""
    on = getattr(hp, "bias_correction", True)  # amsgrad has no switch: always corrected
    bc2 = np.where(on, 1.0 - hp.beta2**t, 1.0)
    return hp.eta / (np.sqrt(v) / np.sqrt(bc2) + hp.eps), debias(m, hp.beta1, t, on)


def adamax_update(g, s, hp, t):
    """Kingma & Ba 2015 §7.1, lecture: u ← max(β2 u, |g|) ; θ ← θ − (η/(1−β1^t)) m / (u + ε)."""
    m, u = ema(s.m, g, hp.beta1), np.maximum(hp.beta2 * s.u, np.abs(g))
    lr = hp.eta / (u + hp.eps)
    return -lr * debias(m, hp.beta1, t), AdamaxState(m, u), lr


def torch_adamax_update(g, s, hp, t):
    """torch.optim.Adamax: u ← max(β2 u, |g| + ε) ; θ ← θ − (lr/(1−β1^t)) m / u."""
    m, u = ema(s.m, g, hp.beta1), np.maximum(hp.beta2 * s.u, np.abs(g) + hp.eps)
    lr = hp.eta / u
    return -lr * debias(m, hp.beta1, t), AdamaxState(m, u), lr


def nadam_init(P):
    return NadamState(np.zeros_like(P), np.zeros_like(P), np.ones((P.shape[0], 1)))


def nadam_update(g, s, hp, t):
    """Dozat 2016, lecture: θ ← θ − η (β1 m/(1−β1^(t+1)) + (1−β1) g/(1−β1^t)) / √(v̂ + ε)."""
    b1 = hp.beta1
    m, v = ema(s.m, g, b1), ema(s.v, g * g, hp.beta2)
    lr = hp.eta / np.sqrt(debias(v, hp.beta2, t) + hp.eps)
    direction = b1 * m / (1.0 - b1 ** (t + 1)) + (1.0 - b1) * g / (1.0 - b1**t)
    return -lr * direction, NadamState(m, v, s.mu_product), lr


def torch_nadam_update(g, s, hp, t):
    """torch.optim.NAdam: μ_t = β1(1 − ½·0.96^(tψ)), Π_t = Π_{t−1} μ_t ;
    θ ← θ − lr(1−μ_t)/(1−Π_t)·g/d − lr μ_{t+1}/(1 − Π_t μ_{t+1})·m/d,  d = √(v/(1−β2^t)) + ε."""
    b1 = hp.beta1
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * hp.psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * hp.psi))
    product = s.mu_product * mu
    m, v = ema(s.m, g, b1), ema(s.v, g * g, hp.beta2)
    lr = hp.eta / (np.sqrt(v / (1.0 - hp.beta2**t)) + hp.eps)
    direction = (1.0 - mu) / (1.0 - product) * g + mu_next / (1.0 - product * mu_next) * m
    return -lr * direction, NadamState(m, v, product), lr


def amsgrad_update(g, s, hp, t):
    """Reddi et al. 2018, lecture: v_max ← max(v_max, v) ;
    θ ← θ − η (m/(1−β1^t)) / √(v_max/(1−β2^t) + ε)."""
    m, v = ema(s.m, g, hp.beta1), ema(s.v, g * g, hp.beta2)
    v_max = np.maximum(s.v_max, v)
    lr = hp.eta / np.sqrt(debias(v_max, hp.beta2, t) + hp.eps)
    return -lr * debias(m, hp.beta1, t), AmsgradState(m, v, v_max), lr


def torch_amsgrad_update(g, s, hp, t):
    """torch.optim.Adam(amsgrad=True): the Adam step with √v_max in place of √v."""
    m, v = ema(s.m, g, hp.beta1), ema(s.v, g * g, hp.beta2)
    v_max = np.maximum(s.v_max, v)
    lr, m_hat = _torch_adam_step(hp, m, v_max, t)
    return -lr * m_hat, AmsgradState(m, v, v_max), lr


# ----------------------------------------------------------------------------- quasi-hyperbolic
def qhm_update(g, s, hp, t):
    """Ma & Yarats 2019 (same in both conventions): b ← β b + (1−β) g ;
    θ ← θ − η ((1−ν) g + ν b). ν = 0 is plain GD, ν = 1 is EMA momentum."""
    b = ema(s.b, g, hp.beta)
    return -hp.eta * ((1.0 - hp.nu) * g + hp.nu * b), QhmState(b), _const_lr(hp, g)


def qhadam_update(g, s, hp, t):
    """Ma & Yarats 2019 (same in both conventions): m, v, m̂, v̂ as Adam ;
    θ ← θ − η ((1−ν₁) g + ν₁ m̂) / (√((1−ν₂) g² + ν₂ v̂) + ε). ν₁ = ν₂ = 1 is Adam with ε outside the root."""
    m, v = ema(s.m, g, hp.beta1), ema(s.v, g * g, hp.beta2)
    m_hat, v_hat = debias(m, hp.beta1, t), debias(v, hp.beta2, t)
    lr = hp.eta / (np.sqrt((1.0 - hp.nu2) * g * g + hp.nu2 * v_hat) + hp.eps)
    return -lr * ((1.0 - hp.nu1) * g + hp.nu1 * m_hat), AdamState(m, v), lr


class Rule(NamedTuple):
    """One convention's form of an optimizer."""

    init: Callable[[Array], tuple]
    update: Callable
    lookahead: Callable | None = None


zeros_no_state = _zeros(NoState)
zeros_velocity = _zeros(Velocity)
zeros_accumulator = _zeros(Accumulator)
zeros_delta = _zeros(DeltaState)
zeros_adam = _zeros(AdamState)
zeros_adamax = _zeros(AdamaxState)
zeros_amsgrad = _zeros(AmsgradState)
zeros_qhm = _zeros(QhmState)
