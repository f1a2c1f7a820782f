"""The course's loop style (slides 001): plain Python, one (w, b), per-point sums, one update per
epoch. Used by the benchmarks as the baseline and as an independent check of the engine's results.
"""

from __future__ import annotations

import math


def f(w: float, b: float, x: float) -> float:
    return 1.0 / (1.0 + math.exp(-(w * x + b)))


def grad_w(w, b, x, y):
    fx = f(w, b, x)
    return (fx - y) * fx * (1 - fx) * x


def grad_b(w, b, x, y):
    fx = f(w, b, x)
    return (fx - y) * fx * (1 - fx)


def error(w, b, X, Y):
    return sum(0.5 * (f(w, b, x) - y) ** 2 for x, y in zip(X, Y, strict=False))


def grads(w, b, X, Y):
    dw, db = 0.0, 0.0
    for x, y in zip(X, Y, strict=False):
        dw += grad_w(w, b, x, y)
        db += grad_b(w, b, x, y)
    return dw, db


def do_gd(X, Y, w, b, steps, eta=1.0):
    for _ in range(steps):
        dw, db = grads(w, b, X, Y)
        w, b = w - eta * dw, b - eta * db
    return w, b


def do_momentum(X, Y, w, b, steps, eta=1.0, gamma=0.9):
    v_w = v_b = 0.0
    for _ in range(steps):
        dw, db = grads(w, b, X, Y)
        v_w, v_b = gamma * v_w + eta * dw, gamma * v_b + eta * db
        w, b = w - v_w, b - v_b
    return w, b


def do_nag(X, Y, w, b, steps, eta=1.0, gamma=0.9):
    v_w = v_b = 0.0
    for _ in range(steps):
        dw, db = grads(w - gamma * v_w, b - gamma * v_b, X, Y)
        v_w, v_b = gamma * v_w + eta * dw, gamma * v_b + eta * db
        w, b = w - v_w, b - v_b
    return w, b


def do_adagrad(X, Y, w, b, steps, eta=0.1, eps=1e-8):
    v_w = v_b = 0.0
    for _ in range(steps):
        dw, db = grads(w, b, X, Y)
        v_w, v_b = v_w + dw**2, v_b + db**2
        w = w - (eta / math.sqrt(v_w + eps)) * dw
        b = b - (eta / math.sqrt(v_b + eps)) * db
    return w, b


def do_rmsprop(X, Y, w, b, steps, eta=0.1, beta=0.9, eps=1e-8):
    v_w = v_b = 0.0
    for _ in range(steps):
        dw, db = grads(w, b, X, Y)
        v_w = beta * v_w + (1 - beta) * dw**2
        v_b = beta * v_b + (1 - beta) * db**2
        w = w - (eta / math.sqrt(v_w + eps)) * dw
        b = b - (eta / math.sqrt(v_b + eps)) * db
    return w, b


def do_adadelta(X, Y, w, b, steps, eta=1.0, beta=0.95, eps=1e-6):
    v_w = v_b = u_w = u_b = 0.0
    for _ in range(steps):
        dw, db = grads(w, b, X, Y)
        v_w = beta * v_w + (1 - beta) * dw**2
        v_b = beta * v_b + (1 - beta) * db**2
        d_w = -math.sqrt(u_w + eps) / math.sqrt(v_w + eps) * dw
        d_b = -math.sqrt(u_b + eps) / math.sqrt(v_b + eps) * db
        w, b = w + eta * d_w, b + eta * d_b
        u_w = beta * u_w + (1 - beta) * d_w**2
        u_b = beta * u_b + (1 - beta) * d_b**2
    return w, b


def do_adam(X, Y, w, b, steps, eta=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    m_w = m_b = v_w = v_b = 0.0
    for i in range(steps):
        dw, db = grads(w, b, X, Y)
        m_w, m_b = beta1 * m_w + (1 - beta1) * dw, beta1 * m_b + (1 - beta1) * db
        v_w, v_b = beta2 * v_w + (1 - beta2) * dw**2, beta2 * v_b + (1 - beta2) * db**2
        m_w_hat, m_b_hat = m_w / (1 - math.pow(beta1, i + 1)), m_b / (1 - math.pow(beta1, i + 1))
        v_w_hat, v_b_hat = v_w / (1 - math.pow(beta2, i + 1)), v_b / (1 - math.pow(beta2, i + 1))
        w = w - (eta / math.sqrt(v_w_hat + eps)) * m_w_hat
        b = b - (eta / math.sqrt(v_b_hat + eps)) * m_b_hat
    return w, b


def do_adamax(X, Y, w, b, steps, eta=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    m_w = m_b = u_w = u_b = 0.0
    for i in range(steps):
        dw, db = grads(w, b, X, Y)
        m_w, m_b = beta1 * m_w + (1 - beta1) * dw, beta1 * m_b + (1 - beta1) * db
        u_w, u_b = max(beta2 * u_w, abs(dw)), max(beta2 * u_b, abs(db))
        step = eta / (1 - beta1 ** (i + 1))
        w, b = w - step * m_w / (u_w + eps), b - step * m_b / (u_b + eps)
    return w, b


def do_nadam(X, Y, w, b, steps, eta=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    m_w = m_b = v_w = v_b = 0.0
    for i in range(steps):
        t = i + 1
        dw, db = grads(w, b, X, Y)
        m_w, m_b = beta1 * m_w + (1 - beta1) * dw, beta1 * m_b + (1 - beta1) * db
        v_w, v_b = beta2 * v_w + (1 - beta2) * dw**2, beta2 * v_b + (1 - beta2) * db**2
        v_w_hat, v_b_hat = v_w / (1 - beta2**t), v_b / (1 - beta2**t)
        nw = beta1 * m_w / (1 - beta1 ** (t + 1)) + (1 - beta1) * dw / (1 - beta1**t)
        nb = beta1 * m_b / (1 - beta1 ** (t + 1)) + (1 - beta1) * db / (1 - beta1**t)
        w, b = w - eta * nw / math.sqrt(v_w_hat + eps), b - eta * nb / math.sqrt(v_b_hat + eps)
    return w, b


def do_amsgrad(X, Y, w, b, steps, eta=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    m_w = m_b = v_w = v_b = vm_w = vm_b = 0.0
    for i in range(steps):
        t = i + 1
        dw, db = grads(w, b, X, Y)
        m_w, m_b = beta1 * m_w + (1 - beta1) * dw, beta1 * m_b + (1 - beta1) * db
        v_w, v_b = beta2 * v_w + (1 - beta2) * dw**2, beta2 * v_b + (1 - beta2) * db**2
        vm_w, vm_b = max(vm_w, v_w), max(vm_b, v_b)
        w = w - eta * (m_w / (1 - beta1**t)) / math.sqrt(vm_w / (1 - beta2**t) + eps)
        b = b - eta * (m_b / (1 - beta1**t)) / math.sqrt(vm_b / (1 - beta2**t) + eps)
    return w, b


LOOPS = {"gd": do_gd, "momentum": do_momentum, "nag": do_nag, "adagrad": do_adagrad,
         "rmsprop": do_rmsprop, "adadelta": do_adadelta, "adam": do_adam, "adamax": do_adamax,
         "nadam": do_nadam, "amsgrad": do_amsgrad}
