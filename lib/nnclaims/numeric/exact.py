"""Exact signs of affine functions at intersections of lines, for float64 data.

Every float64 is a dyadic rational, so sums and products of a network's weights are exact
rationals too, and so is the intersection of two lines with such coefficients. A sign is
therefore decidable exactly; the question is only how to do it fast. The answer is a float
filter: the same expression is evaluated in float64 together with a rigorous bound on its
distance from the exact value (the standard bound gamma_n = n u / (1 - n u) on a sum of n
rounded products, u = 2^-53, whatever the summation order or FMA use, plus the error bounds
carried by inputs that are themselves rounded). Where |value| exceeds the bound the float
sign is the exact sign; elsewhere the caller falls back to Python integers. Bounds are
widened by the factor ``SAFE`` for the rounding made while computing them (far more than the
few ulps such short sums of non-negative terms can lose) and by ``TINY`` for underflow (each
rounded product or sum below the normal range is off by at most 2^-1074, or 2^-1022 on a
CPU set to flush subnormals to zero; TINY covers millions of such terms).

Lines are ``a x + b y + c = 0``. In float form a line is six numbers: (a, b, c) and bounds
(ea, eb, ec) on their errors. In exact form it is three Python ints (the rational
coefficients times a positive common denominator, which no sign depends on), and the point
where two lines meet is their cross product in homogeneous coordinates, so no division
happens.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

U = 2.0 ** -53
SAFE = 1.0 + 2.0 ** -30
TINY = 1e-300


def gamma(n: int) -> float:
    """An upper bound on n u / (1 - n u), the relative error of a sum of n rounded terms."""
    return (n + 1) * U


def dyadic_ints(values: Iterable[float]) -> tuple[list[int], int]:
    """Finite floats as integers over a common power of two: ``values[i] = ints[i] / 2**shift``."""
    ratios = [float(v).as_integer_ratio() for v in values]
    if not ratios:
        return [], 0
    shift = max(d.bit_length() - 1 for _, d in ratios)  # every denominator is a power of two
    return [n << (shift - d.bit_length() + 1) for n, d in ratios], shift


def cross(l1: Sequence[int], l2: Sequence[int]) -> tuple[int, int, int]:
    """Homogeneous coordinates (X, Y, H) of the point where two lines meet (H = 0: parallel)."""
    a1, b1, c1 = l1
    a2, b2, c2 = l2
    return b1 * c2 - b2 * c1, c1 * a2 - c2 * a1, a1 * b2 - a2 * b1


def side_exact(line: Sequence[int], l1: Sequence[int], l2: Sequence[int]) -> int:
    """Sign (-1, 0, 1) of ``a x + b y + c`` at the point where lines l1 and l2 meet."""
    X, Y, H = cross(l1, l2)
    if H == 0:
        raise ValueError("the two lines are parallel: they do not define a vertex")
    a, b, c = line
    v = a * X + b * Y + c * H
    return (v > 0) - (v < 0) if H > 0 else (v < 0) - (v > 0)


def meet(l1: Sequence[float], l2: Sequence[float]) -> tuple[float, float, float, float]:
    """Float intersection (x, y, ex, ey) of two lines given as (a, b, c, ea, eb, ec), with
    |x - exact x| <= ex and |y - exact y| <= ey. Where the float data cannot bound the
    point away from "parallel", ex = ey = inf (every sign there then goes to the exact path).
    Scalar Python floats (IEEE double, correctly rounded, no FMA): a split makes one or two
    vertices at a time, far too few for array operations to pay."""
    a1, b1, c1, ea1, eb1, ec1 = l1
    a2, b2, c2, ea2, eb2, ec2 = l2
    g = 3 * U  # gamma(2)
    d = a1 * b2 - a2 * b1
    nx = b1 * c2 - b2 * c1
    ny = c1 * a2 - c2 * a1
    # |p q - P Q| <= |p| eQ + eP (|q| + eQ) for floats p, q within eP, eQ of exact P, Q
    ed = (g * (abs(a1 * b2) + abs(a2 * b1)) + abs(a1) * eb2 + ea1 * (abs(b2) + eb2)
          + abs(a2) * eb1 + ea2 * (abs(b1) + eb1)) * SAFE + TINY
    # |n/d - N/D| <= (|n/d| |d - D| + |n - N|) / (|d| - |d - D|), plus the division's rounding
    den = (abs(d) - ed) / SAFE
    if not den > 0:
        return 0.0, 0.0, math.inf, math.inf
    enx = (g * (abs(b1 * c2) + abs(b2 * c1)) + abs(b1) * ec2 + eb1 * (abs(c2) + ec2)
           + abs(b2) * ec1 + eb2 * (abs(c1) + ec1)) * SAFE + TINY
    eny = (g * (abs(c1 * a2) + abs(c2 * a1)) + abs(c1) * ea2 + ec1 * (abs(a2) + ea2)
           + abs(c2) * ea1 + ec2 * (abs(a1) + ea1)) * SAFE + TINY
    x, y = nx / d, ny / d
    ax, ay = abs(x) * SAFE, abs(y) * SAFE
    ex = ((ax * ed + enx) / den + U * ax) * SAFE + TINY
    ey = ((ay * ed + eny) / den + U * ay) * SAFE + TINY
    return x, y, ex, ey


def filtered_signs(points: np.ndarray, lines: np.ndarray,
                   abs_lines: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Signs of the lines' functions (rows (a, b, c, ea, eb, ec, ...)) at float points (rows
    (x, y, ex, ey)), ``(points, lines)``, and where each sign is certain. Uncertain entries
    (value within the error bound, or any NaN) must be decided exactly by the caller.
    ``abs_lines``: |lines[:, :6]| if the caller has it already."""
    x, y, ex, ey = points.T
    g = gamma(3)
    ax, ay = np.abs(x), np.abs(y)
    with np.errstate(invalid="ignore", over="ignore"):
        vals = points[:, :2] @ lines[:, :2].T + lines[:, 2]
        # |fl(a x + b y + c) - (a x + b y + c)| <= g (|a x| + |b y| + |c|), and the inputs'
        # errors add |a| ex + |b| ey + ea (|x| + ex) + eb (|y| + ey) + ec.
        E = np.empty((len(points), 6))
        E[:, 0], E[:, 1], E[:, 2], E[:, 3], E[:, 4], E[:, 5] = ex + g * ax, ey + g * ay, g, ax + ex, ay + ey, 1.0
        F = np.abs(lines[:, :6]) if abs_lines is None else abs_lines
        bound = (E @ F.T) * SAFE + TINY
        sure = np.abs(vals) > bound
    return np.sign(vals), sure
