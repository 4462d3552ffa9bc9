"""Checks, verdicts (Protocol 2, rule 8) and the reason sentence."""

import pytest

from nnclaims.evidence.checks import Check, verdict
from nnclaims.evidence.stats import Interval
from nnclaims.evidence.summary import reason




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


def test_verdict_rules_of_protocol_2():
    assert verdict(["pass", "pass"]) == "reproduced"
    assert verdict(["pass", "fail", "inconclusive"]) == "partly reproduced"
    assert verdict(["fail", "inconclusive"]) == "not reproduced"
    assert verdict(["fail"]) == "not reproduced"
    assert verdict(["pass", "inconclusive"]) == "inconclusive"
    assert verdict(["inconclusive"]) == "inconclusive"
    assert verdict([]) == "inconclusive"


@pytest.mark.parametrize("lo,hi,outcome", [(-0.01, 0.02, "pass"), (0.06, 0.09, "fail"), (-0.09, -0.051, "fail"),
                                           (0.03, 0.07, "inconclusive"), (-0.08, 0.08, "inconclusive")])
def test_within_is_an_equivalence_test(lo, hi, outcome):
    c = Check("c", "x", "d", value=(lo + hi) / 2, ci_low=lo, ci_high=hi, comparator="within", threshold=0.05)
    assert c.outcome == outcome
    assert Check("c", "x", "d", value=-0.04, comparator="within", threshold=0.05).outcome == "pass"
    assert Check("c", "x", "d", value=0.06, comparator="within", threshold=0.05).outcome == "fail"


def test_fragile_means_the_threshold_is_within_a_half_width():
    near = Check("c", "x", "d", value=0.6, ci_low=0.52, ci_high=0.68, comparator=">", threshold=0.5)
    far = Check("c", "x", "d", value=0.9, ci_low=0.85, ci_high=0.95, comparator=">", threshold=0.5)
    assert near.outcome == far.outcome == "pass"
    assert near.fragile and not far.fragile
    assert not Check("c", "x", "d", value=1, comparator=">", threshold=0.5).fragile  # exact checks are not


def test_check_from_an_interval_records_its_method():
    c = Check.of("c", "x", "d", Interval(0.3, 0.1, 0.5, "t", 12), ">", 0.0)
    assert (c.value, c.ci_low, c.ci_high, c.n_seeds, c.method) == (0.3, 0.1, 0.5, 12, "t, 95%")
    assert c.row()["outcome"] == "pass"


def test_the_reason_names_what_held_and_what_failed():
    held = Check("c", "a", "Tanh ends lower", value=-0.2, ci_low=-0.3, ci_high=-0.1, comparator="<", threshold=0)
    failed = Check("c", "b", "Xavier keeps tanh steady", value=0.01, ci_low=0.008, ci_high=0.012, comparator=">=",
                   threshold=0.5)
    text = reason(verdict(["pass", "fail"]), [held, failed])
    assert "part of the claim: Xavier keeps tanh steady: 0.01 [0.008, 0.012], needed ≥ 0.5" in text
    assert "Held: Tanh ends lower: -0.2 [-0.3, -0.1], needed < 0" in text
    assert reason("reproduced", [held]).startswith("All 1 check passed")
    assert "Not settled" in reason("inconclusive", [Check("c", "x", "d", 0.5, ">", 0.4, ci_low=0.3, ci_high=0.7)])
