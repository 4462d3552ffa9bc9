"""Mean-field prediction of how the backpropagated signal shrinks per layer, for real inputs.

In a random network with weights N(0, sw2 / fan_in) and zero biases, the first layer's
pre-activation for an input x is exactly Gaussian with variance q_1(x) = sw2 |x|^2 / fan_in;
from there the variance map takes over (`theory.variance_recursion`). The signal
delta_l = dL/dz_l then shrinks from layer l + 1 back to l by chi_l^(-1/2), with
chi_l = sw2 E[phi'(sqrt(q_l) Z)^2] at layer l's own variance (Schoenholz et al. 2017).
`per_layer_shrink` computes the map per input and averages chi_l over the inputs, with the
fixed point's chi* beside it (the limit for deep layers).
"""

from __future__ import annotations

import numpy as np

from . import theory


def per_layer_shrink(X: np.ndarray, activation: str, sw2: float, n_layers: int) -> list[dict]:
    """Per hidden layer l (1-based): the variance map's q_l and chi_l averaged over the rows
    of X (each starts the map at its own q_1), the predicted shrink factor chi_l^(-1/2) from
    layer l + 1 back to l, and the fixed point's q*, chi* and chi*^(-1/2)."""
    q1 = sw2 * (X * X).sum(axis=1) / X.shape[1]
    start, inverse = np.unique(np.round(q1, 12), return_inverse=True)
    with np.errstate(over="ignore"):  # sigmoid' at |z| > 700 underflows to its limit 0, as it should
        qs = np.array([theory.variance_recursion(activation, q, sw2, n_layers) for q in start])  # (unique, layers)
        chis = np.vectorize(lambda q: theory.chi(activation, sw2, 0.0, q=q))(qs)
        q_star, chi_star = theory.fixed_point(activation, sw2, 0.0), theory.chi(activation, sw2, 0.0)
    q_mean, chi_mean = qs[inverse].mean(axis=0), chis[inverse].mean(axis=0)
    return [{"sw2": sw2, "layer": l + 1, "q_map": float(q_mean[l]), "chi": float(chi_mean[l]),
             "predicted_shrink": float(chi_mean[l] ** -0.5), "q_fixed": q_star, "chi_fixed": chi_star,
             "fixed_shrink": chi_star ** -0.5} for l in range(n_layers)]
