"""Our Shapiro-Wilk test (Royston's AS R94) against an independent reference,
``scipy.stats.shapiro``, which implements the same remark.

``mean_ci(method="auto")`` uses only the decision p < 0.01, but W and p are held to tight
tolerances so that a wrong coefficient cannot hide behind a decision that happens to agree;
the negative controls show that the same comparison catches such a mistake.
"""

import subprocess
import sys
import warnings
from functools import lru_cache

import numpy as np
import pytest

from nnclaims.evidence import normality
from nnclaims.evidence.normality import shapiro_wilk

#: Relative tolerance on W. The two agree to ~1e-7 at worst (n = 5000, heavy tails):
#: scipy's coefficients are 1e-9 to 1.5e-7 (relative, smoothly in i, as from a ~7-digit
#: normal quantile) off an exact evaluation of Royston's formulas, which ours matches to ~1e-15.
W_RTOL = 1e-6
#: Tolerance on p: max(P_ATOL, P_RTOL * p). Observed at worst ~9e-7 absolute at p ~ 0.5
#: (n = 5000), where log(1 - W) turns scipy's ~1e-10 error in W into ~1e-6 in p.
P_ATOL = 1e-6
P_RTOL = 1e-5
THRESHOLD = 0.01  # mean_ci's _AUTO_SHAPIRO_P
KINDS = ("normal", "uniform", "exponential", "lognormal", "t2", "ties", "offset", "scale")
LARGE_N = (100, 500, 2000, 5000)


def _reference(x: np.ndarray) -> tuple[float, float]:
    import scipy.stats  # here: the module under test must not need it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the n > 5000 and range-zero notes
        result = scipy.stats.shapiro(x)
    return float(result.statistic), float(result.pvalue)


def _draw(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    while True:
        x = {"normal": lambda: rng.normal(size=n),
             "uniform": lambda: rng.uniform(size=n),
             "exponential": lambda: rng.exponential(size=n),
             "lognormal": lambda: rng.lognormal(sigma=1.0, size=n),
             "t2": lambda: rng.standard_t(2, size=n),
             "ties": lambda: np.round(rng.normal(size=n) * 2) / 2,  # few distinct values
             "offset": lambda: 1e6 + 1e-4 * rng.normal(size=n),  # spread ~1e-10 of the level
             "scale": lambda: 1e100 * rng.normal(size=n),
             }[kind]()
        if np.ptp(x) > 0:  # a constant sample has its own test
            return x


@lru_cache(maxsize=None)
def _samples() -> tuple[tuple[str, np.ndarray], ...]:
    rng = np.random.default_rng(20260517)
    sizes = [n for n in range(3, 61) for _ in range(2)] + list(LARGE_N)
    return tuple((f"{kind} n={n} #{i}", _draw(rng, kind, n))
                 for i, n in enumerate(sizes) for kind in KINDS)


@lru_cache(maxsize=None)
def _near_threshold() -> tuple[tuple[str, np.ndarray], ...]:
    """Seeded samples whose reference p lies in [0.005, 0.02], where the decision is close."""
    found = []
    for seed in range(2000):
        rng = np.random.default_rng([7, seed])
        n = int(rng.integers(8, 41))
        x = rng.gamma(shape=float(rng.uniform(1.0, 6.0)), size=n)
        if 0.005 <= _reference(x)[1] <= 0.02:
            found.append((f"gamma n={n} seed={seed}", x))
    return tuple(found)


def _disagreements(samples) -> list[str]:
    """Where ours and the reference differ beyond tolerance, or disagree on p < 0.01."""
    bad = []
    for name, x in samples:
        (w, p), (w_ref, p_ref) = shapiro_wilk(x), _reference(x)
        if (abs(w - w_ref) > W_RTOL * abs(w_ref) or abs(p - p_ref) > max(P_ATOL, P_RTOL * p_ref)
                or (p < THRESHOLD) != (p_ref < THRESHOLD)):
            bad.append(f"{name}: W {w!r} vs {w_ref!r}, p {p!r} vs {p_ref!r}")
    return bad


def test_w_and_p_agree_with_scipy_on_many_samples():
    samples = _samples()
    assert len(samples) == len(KINDS) * (2 * 58 + len(LARGE_N))
    bad = _disagreements(samples)
    assert not bad, f"{len(bad)} of {len(samples)} disagree: " + "; ".join(bad[:5])


def test_the_decision_agrees_with_scipy_near_the_threshold():
    samples = _near_threshold()
    assert len(samples) >= 30, "the seeded family should give samples on both sides of 0.01"
    below = sum(_reference(x)[1] < THRESHOLD for _, x in samples)
    assert 10 <= below <= len(samples) - 10
    bad = _disagreements(samples)
    assert not bad, "; ".join(bad[:5])


@pytest.mark.parametrize("name, value", [
    ("_C1", (0.0, 0.0) + normality._C1[2:]),  # c1 without its first-order term
    ("_BLOM", 0.5),  # m_i from (i - 1/2) / n, not (i - 3/8) / (n + 1/4)
])
def test_the_comparison_catches_a_wrong_coefficient(monkeypatch, name, value):
    monkeypatch.setattr(normality, name, value)
    samples = _samples()
    bad = _disagreements(samples)
    assert len(bad) > len(samples) // 2, f"only {len(bad)} of {len(samples)} flagged"


def test_small_samples_and_constant_values():
    x = np.array([0.0, 0.0, 1.0])  # the least normal sample of three: W = 3/4, p = 0
    w, p = shapiro_wilk(x)
    assert w == pytest.approx(0.75, rel=1e-12) and p == pytest.approx(0.0, abs=1e-7)
    assert shapiro_wilk([0.0, 1.0, 2.0]) == pytest.approx((1.0, 1.0), abs=1e-12)
    constant = np.full(10, 3.25)
    assert shapiro_wilk(constant) == (1.0, 1.0) and _reference(constant) == (1.0, 1.0)
    for bad in ([1.0, 2.0], [1.0, np.nan, 2.0, 3.0]):
        with pytest.raises(ValueError):
            shapiro_wilk(bad)
    a = normality.coefficients(9)
    assert np.array_equal(a, -a[::-1]) and float(a @ a) == pytest.approx(1.0, rel=1e-12)


def test_mean_ci_does_not_import_scipy_stats():
    code = ("import sys, numpy as np; from nnclaims.evidence.stats import mean_ci; "
            "mean_ci(np.arange(10.0)**2); print('scipy.stats' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
