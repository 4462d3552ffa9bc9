"""The cusp sqrt(|x - c|) approximated by one hidden layer of ReLU units, with its error exact.

Its slope is unbounded at c, so the evenly spaced knots of the h^2 max|f''| / 8 rule do not
apply (f'' is unbounded too). Knots graded towards the cusp do: starting at c (a knot
there, so that no piece straddles it), each piece is extended as far as the interpolation
error allows, on each side. Protocol 3's amendment fixes the resulting counts: 4, 11 and 37
units for eps = 0.1, 0.01 and 0.001 on [0, 1] with c = 0.3 (a test holds them).

The error is computed exactly, piece by piece, not on a grid: on each side of c the target
is concave, so the target minus the network's affine map on a piece is concave too; its
largest value is at the point where the target's slope equals the piece's (in closed form)
or at an end, and its smallest is at an end.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq


def target(x: np.ndarray | float, c: float) -> np.ndarray:
    return np.sqrt(np.abs(np.asarray(x, dtype=float) - c))


def _piece_error(u0: float, u1: float) -> float:
    """Largest error of the chord of sqrt(u) on [u0, u1] (u: the distance from the cusp)."""
    s = (math.sqrt(u1) - math.sqrt(u0)) / (u1 - u0)
    u = min(max(1 / (4 * s * s), u0), u1)
    return math.sqrt(u) - (math.sqrt(u0) + s * (u - u0))


def _side(length: float, eps: float) -> list[float]:
    """Distances from the cusp of the knots on one side: each piece as long as eps allows."""
    knots = [0.0]
    while knots[-1] < length:
        u0 = knots[-1]
        if _piece_error(u0, length) <= eps:
            knots.append(length)
        else:
            knots.append(brentq(lambda u1: _piece_error(u0, u1) - eps, u0 + 1e-15, length, xtol=1e-15))
    return knots


SLACK = 0.999  # pieces are graded to 0.999 eps: a piece made to reach eps exactly would pass
# or fail "error <= eps" by float64 round-off (the counts are the same at 0.999 eps)


def graded_knots(eps: float, c: float, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Knots on [lo, hi], one at c, graded so that every piece's error is at most eps."""
    left = [c - u for u in _side(c - lo, SLACK * eps)]
    right = [c + u for u in _side(hi - c, SLACK * eps)]
    return np.array(sorted(set(left) | set(right)))


def interpolation_net(knots: np.ndarray, values: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """One hidden layer of len(knots) - 1 ReLU units, f(x_0) + sum_j c_j relu(x - x_j): the
    linear interpolant of ``values`` at ``knots`` (its kinks are at the knots only)."""
    slopes = np.diff(values) / np.diff(knots)
    coef = np.diff(slopes, prepend=0.0)
    n = len(knots) - 1
    return [(np.ones((n, 1)), -knots[:-1]), (coef[None, :], np.array([values[0]]))]


def max_error(layers: list[tuple[np.ndarray, np.ndarray]], knots: np.ndarray, c: float) -> float:
    """Largest |network - sqrt(|x - c|)| on [knots[0], knots[-1]], exact per linear piece.

    The network's affine map on each piece is read from its values at the piece's ends
    (it has no kink inside a piece); a piece that straddles c is split there."""
    from .pieces import forward

    ends = np.union1d(knots, [c] if knots[0] < c < knots[-1] else [])
    g = forward(layers, ends[:, None])[:, 0]
    worst = 0.0
    for a, b, ga, gb in zip(ends[:-1], ends[1:], g[:-1], g[1:]):
        s = (gb - ga) / (b - a)
        points = [a, b]
        if s != 0:
            side = 1.0 if a >= c else -1.0  # right of the cusp f' = 1 / (2 sqrt(x - c)); left, its negative
            u = 1 / (4 * s * s)
            if side * s > 0 and a <= c + side * u <= b:
                points.append(c + side * u)
        for x in points:
            worst = max(worst, abs(float(target(x, c)) - (ga + s * (x - a))))
    return worst
