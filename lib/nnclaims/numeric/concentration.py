"""Spatial concentration of a 28x28 weight template: the share of its squared weight that
its best small window holds.

Protocol 3 replaced the effective area (sum |w|)^2 / (n sum w^2) as the locality score of
weights-as-templates: the effective area is a function of the multiset of weights, so a
template and its own pixel shuffle score the same. The share of w² inside the best 7x7
window depends on where the weight sits: an edge filter of scale σ ≤ 2.5 px keeps most of
its energy in one window, the same filter with its pixels shuffled spreads it over the
image (about 49 / n of it per window, n the scored pixels). Only the ``ink`` pixels are
scored (the others are set to zero first). NumPy, float64.
"""

from __future__ import annotations

import numpy as np

SIDE = 28


def window_share(W: np.ndarray, ink: np.ndarray, size: int = 7) -> np.ndarray:
    """Per template (row of ``W``, 784 values): the largest share of its squared weight on the
    ``ink`` pixels that one ``size`` x ``size`` window (every position inside the grid) holds;
    in (0, 1], 1 when all of it lies in one window."""
    W = np.atleast_2d(np.asarray(W, dtype=float))
    if W.shape[1] != SIDE * SIDE or not 1 <= size <= SIDE:
        raise ValueError(f"templates must be rows of {SIDE * SIDE} pixels and the window 1..{SIDE} wide")
    e = (W * np.asarray(ink, dtype=bool)) ** 2
    total = e.sum(axis=1)
    if np.any(total == 0):
        raise ValueError("a template with no weight on the scored pixels has no concentration")
    # Sums over every window from the integral image: S[i+k, j+k] - S[i, j+k] - S[i+k, j] + S[i, j].
    S = np.zeros((len(W), SIDE + 1, SIDE + 1))
    S[:, 1:, 1:] = e.reshape(-1, SIDE, SIDE).cumsum(axis=1).cumsum(axis=2)
    k = size
    windows = S[:, k:, k:] - S[:, :-k, k:] - S[:, k:, :-k] + S[:, :-k, :-k]
    return windows.reshape(len(W), -1).max(axis=1) / total
