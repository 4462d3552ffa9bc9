"""Run records and their comparison (nnclaims.history), and the report's notes built on
them (nnclaims.report.changes), on records made by hand."""

import copy

from conftest import FAULTS
from nnclaims import history
from nnclaims.evidence.experiment import discover
from nnclaims.evidence.settings import settings_from
from nnclaims.plan import plan
from nnclaims.report import changes


def _record(value=1.0, verdict="reproduced", seeds=4, code="c1") -> dict:
    return {"format": history.FORMAT, "date": "2026-12-03T04:00:00+00:00", "commit": "a" * 40, "dirty": False,
            "settings": {"profile": "quick", "overrides": {}},
            "experiments": {"alpha": {"key": "k", "explore_key": None, "run_code": code, "check_code": "s",
                                      "seeds": seeds, "settings": {"profile": "quick"}, "commit": "a", "dirty": False}},
            "verdicts": {"alpha-claim": {"experiment": "alpha", "verdict": verdict, "passed": 1, "total": 1}},
            "checks": {"alpha-claim/above-half": {"value": value, "ci_low": value - 0.1, "ci_high": value + 0.1,
                                                  "comparator": ">", "threshold": 0.5, "outcome": "pass",
                                                  "n_seeds": seeds}}}


def test_a_verdict_that_changed_says_from_what_to_what_and_why():
    a, b = _record(), _record(value=0.4, verdict="not reproduced", seeds=9, code="c2")
    b["checks"]["alpha-claim/above-half"]["outcome"] = "fail"
    found = history.compare(a, b)
    assert found.verdicts == [("alpha-claim", "reproduced", "not reproduced", "code changed; seeds 4 → 9")]
    (check, before, after, why), = found.checks
    assert before.startswith("pass 1 [0.9, 1.1]") and after.startswith("fail 0.4 [0.3, 0.5]") and why
    text = history.plain_text(found, "A", "B")
    assert "verdict alpha-claim: reproduced → not reproduced (code changed; seeds 4 → 9)" in text


def test_nothing_changed_and_claims_of_one_run_only():
    b = _record()
    b["verdicts"]["new-claim"] = {"experiment": "beta", "verdict": "reproduced", "passed": 1, "total": 1}
    found = history.compare(_record(), b)
    assert not found.verdicts and not found.checks and found.unchanged == 1 and found.only_after == ["new-claim"]
    assert "no verdict changed (1 claims)" in history.plain_text(found, "A", "B")


def test_a_record_is_added_only_when_something_changed(tmp_path):
    first = history.append(_record(), tmp_path)
    assert first is not None and history.append(_record(), tmp_path) is None
    later = _record(value=0.9)
    later["date"] = "2026-12-03T05:00:00+00:00"
    second = history.append(later, tmp_path)
    assert [p.name for p in history.records(tmp_path)] == [first.name, second.name]
    assert history.pick(None, tmp_path)[0] == second.stem and history.pick("-2", tmp_path)[0] == first.stem
    assert history.pick("1", tmp_path)[0] == first.stem and history.pick(first.stem[:12], tmp_path)[0] == first.stem


def test_the_report_box_and_the_claim_page_note_are_escaped_html():
    a, b = _record(), _record(verdict="<inconclusive>")
    box = changes.since_previous_html(("run-1", history.compare(a, b)))
    assert "Since the previous run" in box and "&lt;inconclusive&gt;" in box and "<inconclusive>" not in box
    same = changes.since_previous_html(("run-1", history.compare(a, copy.deepcopy(a))), claim="alpha-claim")
    assert "No verdict changed." in same and "<li>" not in same
    assert "first recorded run" in changes.since_previous_html(None)


def test_the_overrides_banner_names_each_override():
    experiments = discover(FAULTS)
    plain = settings_from({"profile": "quick"}, experiments=list(experiments))
    assert changes.overrides_banner_html(plan(plain, experiments)) == ""
    over = settings_from({"profile": "quick", "overrides": {"alpha": {"seeds": 9}, "gamma": {"seeds": 5}}},
                         experiments=list(experiments))
    banner = changes.overrides_banner_html(plan(over, experiments))
    assert "Not the pre-registered run" in banner
    assert "alpha: 9 seeds (pre-registered: 4)" in banner and "gamma: 5 seeds (pre-registered: chosen by power)" in banner
