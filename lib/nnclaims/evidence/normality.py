"""The Shapiro-Wilk W test for normality, in NumPy.

`mean_ci` asks only "are these seeds clearly not normal?", and importing ``scipy.stats``
for that one question cost most pipeline jobs 0.5-0.8 s each; ``scipy.special`` is cheap.
This follows the published algorithm, not any library's source:

* Royston, P. (1992). Approximating the Shapiro-Wilk W-test for non-normality.
  Statistics and Computing 2:117-119 (the coefficients ``a``).
* Royston, P. (1995). Remark AS R94: A remark on Algorithm AS 181: The W-test for
  normality. Applied Statistics 44(4):547-551 (W and its p-value, 3 <= n <= 5000).

`tests/test_shapiro.py` holds it to ``scipy.stats.shapiro``, which implements the same remark.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

#: Blom's plotting position: m_i = Phi^-1((i - b) / (n + 1 - 2b)) approximates the
#: expected normal order statistics well enough for Royston's corrections, which were
#: fitted to exactly these m_i.
_BLOM = 0.375
#: Royston's polynomials in u = 1/sqrt(n), lowest order first: the corrections to the two
#: largest coefficients, where m_i / |m| alone is furthest from the exact a_i.
_C1 = (0.0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056)
_C2 = (0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633)
#: 4 <= n <= 11: -log(gamma - log(1 - W)) is close to normal, gamma, mean and log-sd
#: polynomials in n.
_SMALL_N = 11
_GAMMA = (-2.273, 0.459)
_MU_SMALL = (0.5440, -0.39978, 0.025054, -6.714e-4)
_LOG_SIGMA_SMALL = (1.3822, -0.77857, 0.062767, -0.0020322)
#: n >= 12: log(1 - W) is close to normal, mean and log-sd polynomials in log(n).
_MU_LARGE = (-1.5861, -0.31082, -0.083751, 0.0038915)
_LOG_SIGMA_LARGE = (-0.4803, -0.082676, 0.0030302)


def _poly(coefficients: Sequence[float], x: float) -> float:
    """Horner's rule, coefficients lowest order first (as the papers print them)."""
    value = 0.0
    for c in reversed(coefficients):
        value = value * x + c
    return value


def coefficients(n: int) -> np.ndarray:
    """Royston's approximation to the Shapiro-Wilk coefficients ``a`` for sorted samples
    of size ``n`` (ascending, antisymmetric, sum of squares 1)."""
    if n < 3:
        raise ValueError(f"Shapiro-Wilk needs at least 3 values, got {n}")
    half = n // 2
    if n == 3:
        upper = np.array([math.sqrt(0.5)])
    else:
        from scipy import special  # here, not at the top: most importers never test normality

        i = np.arange(n - half + 1, n + 1, dtype=float)  # the upper half, ascending
        m = special.ndtri((i - _BLOM) / (n + 1 - 2 * _BLOM))
        summ2 = 2.0 * float(m @ m)  # m is antisymmetric (the middle one of odd n is 0)
        u = 1.0 / math.sqrt(n)
        upper = m / math.sqrt(summ2)
        # Only the extreme one (n <= 5) or two coefficients get corrections; the rest are
        # m_i rescaled so that the squares still sum to 1.
        k = 2 if n > 5 else 1
        corrected = [_poly(_C1, u) + upper[-1]] + ([_poly(_C2, u) + upper[-2]] if k == 2 else [])
        phi = (summ2 - 2.0 * float(m[-k:] @ m[-k:])) / (1.0 - 2.0 * sum(a * a for a in corrected))
        upper = m / math.sqrt(phi)
        upper[-k:] = corrected[::-1]
    middle = [0.0] if n % 2 else []
    # Built from one half: exactly antisymmetric, as the true coefficients are.
    return np.concatenate([-upper[::-1], middle, upper])


def _one_minus_w(x: np.ndarray, a: np.ndarray) -> float:
    """1 - W as the residual share of a least-squares fit of x on a: 1 - W is a squared
    correlation's complement, and subtracting W from 1 would lose its digits when W is
    close to 1 (large normal samples), where the p-value depends on log(1 - W)."""
    xc = x - x[len(x) // 2]  # an actual value: exact for data with a large common offset
    xc = xc - xc.mean()
    ssx = float(xc @ xc)
    slope = float(a @ xc) / float(a @ a)
    residual = xc - slope * a
    return min(max(float(residual @ residual) / ssx, 0.0), 1.0)


def _p_value(w: float, one_minus_w: float, n: int) -> float:
    """Royston's (1995) normalising transformation of W: upper-tail probability."""
    if n == 3:  # the exact null distribution of W for n = 3 (Shapiro & Wilk 1965)
        return max(6.0 / math.pi * (math.asin(math.sqrt(w)) - math.asin(math.sqrt(0.75))), 0.0)
    if one_minus_w <= 0.0:  # a perfect fit to normal order statistics
        return 1.0
    from scipy import special

    y = math.log(one_minus_w)
    if n <= _SMALL_N:
        gamma = _poly(_GAMMA, n)
        if y >= gamma:  # outside the transformation's domain: far in the lower tail of W
            return 0.0
        y = -math.log(gamma - y)
        mu, sigma = _poly(_MU_SMALL, n), math.exp(_poly(_LOG_SIGMA_SMALL, n))
    else:
        log_n = math.log(n)
        mu, sigma = _poly(_MU_LARGE, log_n), math.exp(_poly(_LOG_SIGMA_LARGE, log_n))
    return float(special.ndtr(-(y - mu) / sigma))  # ndtr(-z), not 1 - ndtr(z): tail digits


def shapiro_wilk(x: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Shapiro-Wilk ``(W, p)`` for the finite values ``x`` (3 <= n; the p-value is
    calibrated up to n = 5000), after Royston (1995), Remark AS R94.

    Small p means evidence against normality. Values that are all equal give (1, 1), as
    no spread is no evidence of a non-normal one.
    """
    values = np.sort(np.asarray(x, dtype=float).ravel())
    n = len(values)
    if n < 3:
        raise ValueError(f"Shapiro-Wilk needs at least 3 values, got {n}")
    if not np.isfinite(values).all():
        raise ValueError("Shapiro-Wilk needs finite values")
    if values[-1] == values[0]:
        return 1.0, 1.0
    one_minus_w = _one_minus_w(values, coefficients(n))
    w = 1.0 - one_minus_w
    return w, _p_value(w, one_minus_w, n)
