"""A plain NumPy MLP, forward and backward, written independently of torch.

The tests hold torch (autograd, both engines) against this and this against finite
differences, so a bug would have to be made twice, in two libraries, to go unnoticed.
It is also what figures use to evaluate a stored network (decision regions) without
importing torch. Weights use torch's layout: ``W`` is ``(out, in)``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

# Activation and its derivative, in terms of the pre-activation z.
_ACTS = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
}


def forward(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray,
            activation: str) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Logits for inputs ``x`` ``(B, in)``, plus every layer's pre-activations and outputs."""
    f, _ = _ACTS[activation]
    a, pres, posts = x, [], [x]
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        pres.append(z)
        a = z if i == len(weights) - 1 else f(z)
        posts.append(a)
    return a, pres, posts


def loss_and_grad(logits: np.ndarray, target: np.ndarray, loss: str) -> tuple[float, np.ndarray]:
    """Mean loss over the batch (and outputs, for mse and bce) and its gradient w.r.t. the logits."""
    if loss == "mse":
        diff = logits - target
        return float(np.mean(diff**2)), 2 * diff / diff.size
    if loss == "bce":
        p = 1 / (1 + np.exp(-logits))
        value = -np.mean(target * np.log(p) + (1 - target) * np.log1p(-p))
        return float(value), (p - target) / logits.size
    if loss == "ce":
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = logits.shape[0]
        onehot = np.eye(logits.shape[1])[target]
        return float(-np.mean(logp[np.arange(n), target])), (np.exp(logp) - onehot) / n
    raise ValueError(f"unknown loss {loss!r}")


def backward(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray,
             target: np.ndarray, activation: str, loss: str) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """Loss and its gradients w.r.t. every weight and bias, by the chain rule."""
    _, df = _ACTS[activation]
    logits, pres, posts = forward(weights, biases, x, activation)
    value, delta = loss_and_grad(logits, target, loss)
    gw, gb = [None] * len(weights), [None] * len(weights)
    for i in reversed(range(len(weights))):
        gw[i] = delta.T @ posts[i]
        gb[i] = delta.sum(axis=0)
        if i:
            delta = (delta @ weights[i]) * df(pres[i - 1])
    return value, gw, gb


def finite_difference(fn, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``fn()`` w.r.t. every entry of ``array`` (modified in place)."""
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        keep = array[idx]
        array[idx] = keep + eps
        up = fn()
        array[idx] = keep - eps
        down = fn()
        array[idx] = keep
        grad[idx] = (up - down) / (2 * eps)
    return grad
