"""What theory predicts for signals in random networks, computed in float64 NumPy.

For a layer z_l = W_l phi(z_{l-1}) + b_l with weights of variance sw^2 / fan_in and
biases of variance sb^2, the pre-activations of a wide random network are Gaussian with
variance q_l, which follows the map

    q_l = sw^2 E[phi(sqrt(q_{l-1}) Z)^2] + sb^2,        Z ~ N(0, 1)

(Poole et al. 2016). Backpropagated gradients grow or shrink per layer by

    chi = sw^2 E[phi'(sqrt(q*) Z)^2]                      at the fixed point q*

(Schoenholz et al. 2017). Expectations are computed by Gauss-Hermite quadrature; for
ReLU they have closed forms (E[relu(sqrt(q) Z)^2] = q / 2), which give the variance
recursion under He (sw^2 = 2: constant) and Xavier (sw^2 = 1 at equal widths: halving).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

_PHI: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}


@lru_cache(maxsize=None)
def _nodes(n: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = np.polynomial.hermite_e.hermegauss(n)  # weight exp(-z^2 / 2)
    return z, w / np.sqrt(2 * np.pi)


def gaussian_expectation(f: Callable[[np.ndarray], np.ndarray], q: float, n: int = 201) -> float:
    """E[f(sqrt(q) Z)] for Z ~ N(0, 1), by Gauss-Hermite quadrature with ``n`` nodes."""
    z, w = _nodes(n)
    return float(np.dot(w, f(np.sqrt(max(q, 0.0)) * z)))


def second_moment(activation: str, q: float) -> float:
    """E[phi(sqrt(q) Z)^2]."""
    if activation == "relu":
        return q / 2
    if activation == "identity":
        return q
    phi, _ = _activation(activation)
    return gaussian_expectation(lambda x: phi(x) ** 2, q)


def derivative_second_moment(activation: str, q: float) -> float:
    """E[phi'(sqrt(q) Z)^2]."""
    if activation == "relu":
        return 0.5
    if activation == "identity":
        return 1.0
    _, dphi = _activation(activation)
    return gaussian_expectation(lambda x: dphi(x) ** 2, q)


def _activation(name: str):
    if name not in _PHI:
        raise ValueError(f"no theory for activation {name!r}; available: {', '.join(sorted(_PHI))}")
    return _PHI[name]


def variance_map(activation: str, q: float, sw2: float, sb2: float = 0.0) -> float:
    """One layer of the map: q -> sw^2 E[phi(sqrt(q) Z)^2] + sb^2."""
    return sw2 * second_moment(activation, q) + sb2


def variance_recursion(activation: str, q1: float, sw2: float | Sequence[float], n_layers: int,
                       sb2: float = 0.0) -> np.ndarray:
    """q_1 .. q_n of the pre-activations of ``n_layers`` hidden layers, starting from q_1.

    ``sw2`` is one value or one per layer transition (n_layers - 1 values), as for
    unequal widths: sw2_l = fan_in_l * Var(W_l).
    """
    gains = np.broadcast_to(np.asarray(sw2, dtype=float), (n_layers - 1,))
    q = [float(q1)]
    for g in gains:
        q.append(variance_map(activation, q[-1], g, sb2))
    return np.array(q)


def fixed_point(activation: str, sw2: float, sb2: float, q0: float = 1.0, tol: float = 1e-13,
                max_iter: int = 100_000) -> float:
    """The stable fixed point q* of the variance map, by iterating it."""
    q = q0
    for _ in range(max_iter):
        nxt = variance_map(activation, q, sw2, sb2)
        if abs(nxt - q) <= tol * max(1.0, q):
            return nxt
        q = nxt
    return q


def chi(activation: str, sw2: float, sb2: float, q: float | None = None) -> float:
    """Per-layer factor of the squared gradient norm, sw^2 E[phi'(sqrt(q) Z)^2], at q (default q*)."""
    q = fixed_point(activation, sw2, sb2) if q is None else q
    return sw2 * derivative_second_moment(activation, q)


def relu_layer_gain(weight_variance: float, fan_in: int) -> float:
    """Factor by which a ReLU layer multiplies the pre-activation variance: fan_in Var(W) / 2."""
    return fan_in * weight_variance / 2
