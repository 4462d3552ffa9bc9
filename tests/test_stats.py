"""Checks, intervals and verdicts."""

import numpy as np
import pytest

from nnclaims.evidence.checks import Check, verdict
from nnclaims.evidence.stats import bootstrap_ci, difference_ci, group_ci, proportion_ci


def test_exact_check_outcomes():
    assert Check("c", "x", "d", value=4, comparator="==", threshold=4).outcome == "pass"
    assert Check("c", "x", "d", value=3, comparator="==", threshold=4).outcome == "fail"
    assert Check("c", "x", "d", value=float("nan"), comparator="<", threshold=1).outcome == "inconclusive"


@pytest.mark.parametrize("lo,hi,outcome", [(0.6, 0.9, "pass"), (0.2, 0.4, "fail"), (0.4, 0.7, "inconclusive")])
def test_random_check_needs_the_whole_interval(lo, hi, outcome):
    c = Check("c", "x", "d", value=(lo + hi) / 2, ci_low=lo, ci_high=hi, comparator=">", threshold=0.5)
    assert c.outcome == outcome
    assert c.passed == {"pass": True, "fail": False, "inconclusive": None}[outcome]


def test_check_rejects_half_an_interval_and_unknown_comparators():
    with pytest.raises(ValueError, match="both ends"):
        Check("c", "x", "d", value=1, ci_low=0, comparator=">", threshold=0)
    with pytest.raises(ValueError, match="comparator"):
        Check("c", "x", "d", value=1, comparator="~", threshold=0)


def test_verdict_rules():
    assert verdict(["pass", "pass"]) == "reproduced"
    assert verdict(["pass", "fail", "inconclusive"]) == "not reproduced"
    assert verdict(["pass", "inconclusive"]) == "inconclusive"
    assert verdict([]) == "inconclusive"


def test_bootstrap_is_deterministic_and_covers_the_mean():
    x = np.random.default_rng(0).normal(loc=3.0, size=40)
    lo, hi = bootstrap_ci(x)
    assert (lo, hi) == bootstrap_ci(x)
    assert lo < x.mean() < hi
    # A 95% interval for the mean of 40 standard normals is about +-0.31 wide.
    assert 0.4 < hi - lo < 0.9


def test_bootstrap_coverage_is_near_nominal():
    rng = np.random.default_rng(1)
    hits = 0
    for i in range(300):
        lo, hi = bootstrap_ci(rng.exponential(size=30), n_boot=2000, seed=i)
        hits += lo <= 1.0 <= hi
    assert 0.88 <= hits / 300 <= 0.99


def test_bootstrap_needs_two_values():
    with pytest.raises(ValueError):
        bootstrap_ci([1.0])


def test_wilson_interval_known_values():
    lo, hi = proportion_ci(20, 20)
    assert hi == 1.0 and lo == pytest.approx(0.8389, abs=1e-3)
    lo, hi = proportion_ci(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-3)


def test_group_ci_drops_non_finite_values():
    import pandas as pd

    df = pd.DataFrame({"g": [1, 1, 1, 2, 2], "v": [1.0, 2.0, np.inf, 3.0, 5.0]})
    out = group_ci(df, "g", "v").set_index("g")
    assert out.loc[1, "n"] == 2 and out.loc[1, "n_dropped"] == 1
    assert out.loc[2, "mean"] == 4.0


def test_newcombe_difference_interval():
    # Newcombe (1998), Table II, example (a): 56/70 against 48/80 -> [0.0524, 0.3339].
    lo, hi = difference_ci(56, 70, 48, 80)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=5e-4)


def test_bootstrap_of_a_statistic_over_several_columns():
    x = np.random.default_rng(2).normal(size=(30, 4)) + np.arange(4)
    lo, hi = bootstrap_ci(x, stat=lambda r: r.mean(axis=1).max(axis=-1))
    assert lo < x.mean(axis=0).max() < hi
