"""Protocol 3's rules 12 (nothing learned, nothing decided) and 13 (grid edges), as
library functions, on tables whose right answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nnclaims.evidence import Check
from nnclaims.evidence.learning import (
    arm_learned, gate, learned_classification, learned_regression, normalized_error, some_arm_learned,
)
from nnclaims.evidence.tuning import half_decade_steps, tune

# --- rule 12 -------------------------------------------------------------------------


def _comparison(low: float, high: float) -> Check:
    # "depth 2 beats depth 1": the log10 error ratio's interval below log10(1/2)
    return Check("c", "deeper-better", "log10 error ratio", value=(low + high) / 2, comparator="<",
                 threshold=-0.301, ci_low=low, ci_high=high, n_seeds=8)


def test_no_arm_learned_turns_a_passing_comparison_inconclusive():
    check = _comparison(-0.9, -0.5)
    assert check.outcome == "pass"
    # every network predicts the mean: normalized test error about 1 in both arms
    arms = {"depth 1": learned_regression([1.0, 0.98, 1.01, 0.99]),
            "depth 2": learned_regression([1.0, 0.97, np.nan, 1.02])}
    gated = gate(check, arms)
    assert gated.outcome == "inconclusive"
    assert gated.undecided.startswith("no arm learned")
    assert "depth 1 0/4" in gated.undecided and "depth 2 0/4" in gated.undecided
    assert check.outcome == "pass"  # the original is left as it was


def test_a_failing_comparison_is_also_undecided_when_nothing_learned():
    gated = gate(_comparison(0.1, 0.4), {"a": learned_regression([0.9, 0.8]), "b": learned_regression([2.0, 1.0])})
    assert gated.outcome == "inconclusive"


def test_one_arm_learning_in_half_the_seeds_lets_the_check_decide():
    arms = {"deep": learned_regression([0.1, 0.2, 0.9, 0.7]), "shallow": learned_regression([1.0] * 4)}
    assert some_arm_learned(arms)
    assert gate(_comparison(-0.9, -0.5), arms).outcome == "pass"
    assert gate(_comparison(0.1, 0.4), arms).outcome == "fail"


def test_normalized_error_is_one_for_the_mean_and_zero_for_the_target():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    got = normalized_error(np.vstack([np.full(4, y.mean()), y, y + 1]), y)
    assert got == pytest.approx([1.0, 0.0, 1.0 / y.var()])
    with pytest.raises(ValueError):
        normalized_error([1.0, 1.0], [2.0, 2.0])


def test_learning_is_judged_at_the_boundary_and_against_chance():
    assert learned_regression([0.5, 0.5000001]).tolist() == [True, False]
    assert not arm_learned([])
    assert arm_learned([True, False]) and not arm_learned([True, False, False])
    k = 10  # chance: cross-entropy ln 10, accuracy 0.1
    flags = learned_classification([0.2, 2.2, np.inf], [0.95, 0.12, np.nan], k)
    assert flags.tolist() == [True, False, False]


# --- rule 13 -------------------------------------------------------------------------


def test_half_decade_steps_follow_the_one_three_ten_sequence():
    assert half_decade_steps(1.0, 2, up=True) == [3.0, 10.0]
    assert half_decade_steps(0.001, 2, up=False) == pytest.approx([0.0003, 0.0001])
    assert half_decade_steps(0.3, 2, up=True) == pytest.approx([1.0, 3.0])
    with pytest.raises(ValueError):
        half_decade_steps(0.0, 2, up=True)


def _bowl(best: float, trains_below: float = math.inf):
    """An evaluate() whose median final loss is a bowl in log10(rate) centred on ``best``:
    the rule-5 choice is the grid value nearest ``best`` in log scale."""
    calls = []

    def evaluate(rates):
        calls.append(list(rates))
        rows = [{"lr": r, "seed": s, "loss": (math.log10(r) - math.log10(best)) ** 2 + 0.01 * s}
                for r in rates for s in range(3)]
        return pd.DataFrame(rows)

    def learned(frame):
        return (frame["loss"] < trains_below).to_numpy()

    return evaluate, learned, calls


GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]


def test_an_interior_choice_keeps_the_grid():
    evaluate, trained, calls = _bowl(best=0.03)
    t = tune(evaluate, GRID, trained)
    assert t.chosen == pytest.approx(0.03) and t.grid == GRID and not t.extensions and not t.on_edge
    assert len(calls) == 1


def test_a_choice_on_the_top_edge_extends_the_grid_until_inside():
    evaluate, trained, calls = _bowl(best=3.0)  # the centred sigmoid's rate beyond the top
    t = tune(evaluate, GRID, trained)
    assert t.extensions == [[3.0, 10.0]]
    assert t.chosen == pytest.approx(3.0) and not t.on_edge
    assert t.grid[-2:] == [3.0, 10.0]
    assert calls[1] == [3.0, 10.0]  # only the new rates are trained
    assert "extended by rule 13" in t.note("centred sigmoid")


def test_a_choice_on_the_bottom_edge_extends_downwards_at_most_twice_and_is_flagged():
    evaluate, trained, calls = _bowl(best=1e-7)
    t = tune(evaluate, GRID, trained)
    assert len(t.extensions) == 2 and len(calls) == 3
    assert t.chosen == pytest.approx(1e-5) and t.on_edge
    assert "still on the grid's edge" in t.note("plain")


def test_a_grid_where_nothing_trains_is_extended_upwards():
    evaluate, trained, calls = _bowl(best=0.01, trains_below=-1.0)  # no loss is ever below -1
    t = tune(evaluate, GRID, trained)
    assert t.extensions == [[3.0, 10.0], [30.0, 100.0]]
    assert t.none_trained and "no rate trained" in t.note("sigmoid")


def test_one_lucky_seed_does_not_make_a_rate_that_trains():
    # losses 0.01 * seed + bowl: only seed 0 at the best rate is below 0.005 -> 1 of 3 seeds
    evaluate, learned, calls = _bowl(best=0.01, trains_below=0.005)
    t = tune(evaluate, GRID, learned)
    assert t.extensions and t.extensions[0] == [3.0, 10.0] and t.none_trained


def test_nothing_training_with_a_choice_on_the_bottom_edge_extends_both_sides():
    evaluate, learned, calls = _bowl(best=1e-4, trains_below=-1.0)
    t = tune(evaluate, GRID, learned)
    assert t.extensions[0] == pytest.approx([0.0001, 0.0003, 3.0, 10.0])


# --- rules 11 and 15 in the summary ------------------------------------------------

from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

from nnclaims.evidence import Claim, Control  # noqa: E402
from nnclaims.evidence.experiment import Experiment  # noqa: E402
from nnclaims.evidence.summary import evaluate  # noqa: E402


def _experiment(checks, claim=None) -> Experiment:
    """A one-claim experiment whose checks read a table ``x`` (an interval per check) and
    whose controls set that table to pass, fail or straddle."""
    claim = claim or Claim("toy-claim", "Toy", "A toy claim.", "A")

    def run_checks(tables):
        return [Check(claim.id, name, f"{name} value", value=sum(tables["x"][name]) / 2, comparator=">",
                      threshold=0.0, ci_low=tables["x"][name][0], ci_high=tables["x"][name][1], n_seeds=8,
                      basis=basis, undecided=tables.get("undecided", {}).get(name, ""))
                for name, basis in checks.items()]

    def controls(tables):
        out = []
        for name in checks:
            neg = tables["neg"].get(name, (-2.0, -1.0))
            out.append(Control(name, "positive", {"x": {**tables["x"], name: (1.0, 2.0)}}, "true by construction"))
            out.append(Control(name, "negative", {"x": {**tables["x"], name: neg}}, "false by construction"))
        return out

    module = SimpleNamespace(CLAIMS=[claim], checks=run_checks, controls=controls, measurements=lambda t: [])
    return Experiment("toy", Path("toy.py"), module, [claim])


def test_a_failed_supporting_check_does_not_decide_and_reads_as_our_expectation():
    exp = _experiment({"sentence": "chapter", "theory-agrees": "supporting"})
    s = evaluate(exp, {"x": {"sentence": (0.5, 0.9), "theory-agrees": (-0.4, -0.1)}, "neg": {}})
    row = s.verdicts[0]
    assert row["verdict"] == "reproduced"
    assert "our expectation" in row["reason"] and "contradict" not in row["reason"]


def test_a_failed_chapter_check_contradicts_the_claim():
    exp = _experiment({"sentence": "chapter", "theory-agrees": "supporting"})
    s = evaluate(exp, {"x": {"sentence": (-0.5, -0.1), "theory-agrees": (0.1, 0.4)}, "neg": {}})
    assert s.verdicts[0]["verdict"] == "not reproduced"
    assert s.verdicts[0]["reason"].startswith("The data contradict the claim")


def test_an_inconclusive_negative_control_makes_the_check_a_measurement():
    exp = _experiment({"sentence": "chapter", "other": "chapter"})
    s = evaluate(exp, {"x": {"sentence": (0.5, 0.9), "other": (0.2, 0.3)}, "neg": {"sentence": (-1.0, 1.0)}})
    assert [c.check for c in s.checks] == ["other"]
    demoted = [m for m in s.measurements if m.name == "sentence"]
    assert demoted and "negative control" in demoted[0].note and "inconclusive" in demoted[0].note


def test_a_claim_beyond_the_chapter_is_decided_by_all_its_checks():
    claim = Claim("toy-claim", "Toy", "Not the chapter's.", "A", beyond_chapter=True)
    exp = _experiment({"theory-agrees": "supporting"}, claim)
    s = evaluate(exp, {"x": {"theory-agrees": (0.1, 0.4)}, "neg": {}})
    assert s.verdicts[0]["verdict"] == "reproduced"


def test_a_claim_with_only_supporting_checks_is_not_decided():
    exp = _experiment({"theory-agrees": "supporting"})
    s = evaluate(exp, {"x": {"theory-agrees": (0.1, 0.4)}, "neg": {}})
    assert s.verdicts[0]["verdict"] == "inconclusive"
    assert s.verdicts[0]["reason"].startswith("No check tests the chapter's own words")


# --- rule 18: regime phrases computed from the sweep ----------------------------------

from nnclaims.evidence.regimes import crossing, regime_phrase, theory_crossing, theory_phrase  # noqa: E402


def test_a_sweep_that_splits_once_names_its_edge():
    xs = [0.5, 1, 2, 4, 16, 64]
    assert regime_phrase("σw²", xs, ["pass", "pass", "fail", "fail", "fail", "fail"]) == "holds at σw² ≤ 1, fails above"
    assert regime_phrase("σw²", xs[::-1], ["pass", "pass", "fail", "fail", "fail", "fail"]) == \
        "holds at σw² ≥ 16, fails below"
    assert regime_phrase("σw²", xs, ["pass"] * 6) == "holds at every σw² tried (0.5 to 64)"
    assert regime_phrase("depth", [30, 100], ["fail", "fail"]) == "fails at every depth tried (30 to 100)"


def test_a_sweep_that_does_not_split_lists_each_outcome():
    text = regime_phrase("p", [0.1, 0.2, 0.5, 0.7], ["pass", "fail", "pass", "inconclusive"])
    assert text == "holds at p = 0.1, 0.5; fails at p = 0.2; undecided at p = 0.7"


def test_theory_crossing_interpolates_in_log_scale():
    # a curve linear in log10 x: it crosses 4 at x = 1 and 2 at x = 10, between grid points
    xs = [0.25, 0.5, 2, 4, 16]
    ys = [4 - 2 * math.log10(x) for x in xs]
    assert crossing(xs, ys, 4.0) == pytest.approx([1.0])
    assert crossing(xs, ys, 2.0) == pytest.approx([10.0])
    assert theory_phrase("σw²", xs, ys, 4.0) == "theory: holds at σw² below 1"
    assert theory_phrase("σw²", xs, ys, 100.0) == "theory: fails at every σw² tried"
    with pytest.raises(ValueError):
        crossing([0, 1], [1, 2], 1.5)


# --- rule 11 / P3-1: sentences cited, decisive words quoted ---------------------------

from nnclaims.evidence import Sentence  # noqa: E402
from nnclaims.evidence.errors import UserError  # noqa: E402


def test_a_claim_cites_its_sentence_with_its_decisive_words():
    s = Sentence("003", "activation functions", "The sigmoid's gradient shrinks by at least 75% at every layer.",
                 ("always", "at least 75%"))
    claim = Claim("toy-claim", "Toy", "A toy claim.", "B", sentences=(s,))
    assert claim.sentences[0].citation == "003, activation functions: “always”, “at least 75%”"


def test_a_whole_sentence_cannot_be_quoted():
    with pytest.raises(UserError, match="at most 12"):
        Sentence("003", "p. 2", "restated", ("one two three four five six seven", "eight nine ten eleven twelve thirteen"))
    with pytest.raises(UserError, match="decisive words"):
        Sentence("003", "p. 2", "restated", ())


def test_words_not_checked_against_the_source_are_never_shown_as_a_quotation():
    s = Sentence("003", "dying ReLU", "A dead unit never comes back.", ("once dead it cannot recover",), words="catalogue")
    assert "“" not in s.citation and "”" not in s.citation
    assert s.citation == ("003, dying ReLU; decisive words in the catalogue's restatement, the source's own not "
                          "checked: once dead it cannot recover")
    with pytest.raises(UserError, match="words 'paraphrase' is not allowed; allowed values: source, catalogue"):
        Sentence("003", "p. 2", "restated", ("x",), words="paraphrase")


CATALOGUE = Path(__file__).resolve().parents[2] / "shared" / "claims.md"


def _plain(text: str) -> str:
    """Quotes, ellipses, line breaks and case set aside, as they may differ between a quotation and its source."""
    text = text.replace("\u2026", " ").replace("...", " ").replace("“", "").replace("”", "").replace('"', "")
    return " ".join(text.lower().split())


@pytest.mark.skipif(not CATALOGUE.is_file(), reason="the claim catalogue (../shared/claims.md) is not beside this checkout")
def test_every_decisive_word_said_to_be_the_sources_is_in_the_catalogues_quotations():
    import re

    from nnclaims.evidence.experiment import discover

    text = CATALOGUE.read_text()
    protocol3 = text[text.index("# Protocol 3 ("):]
    quoted = _plain(" ".join(re.findall(r"“[^”]*”|\"[^\"]*\"", protocol3, flags=re.S)))
    sentences = [(name, s) for name, exp in discover(Path(__file__).resolve().parents[1] / "experiments").items()
                 for claim in exp.claims for s in claim.sentences]
    missing = [(name, q) for name, s in sentences if s.words == "source" for q in s.decisive if _plain(q) not in quoted]
    assert not missing, f"decisive words said to be the source's but in no quotation of Protocol 3: {missing}"
    assert sum(s.words == "source" for _, s in sentences) >= 20 and any(s.words == "catalogue" for _, s in sentences)


def test_a_check_closed_by_rule_12_stays_a_check_and_says_no_arm_learned():
    # its controls read the same untrained networks and come out inconclusive too
    exp = _experiment({"deeper-better": "chapter"})
    s = evaluate(exp, {"x": {"deeper-better": (0.5, 0.9)}, "neg": {"deeper-better": (-1.0, 1.0)},
                       "undecided": {"deeper-better": "no arm learned (seeds that learned: a 0/8, b 0/8)"}})
    assert [c.check for c in s.checks] == ["deeper-better"] and s.checks[0].outcome == "inconclusive"
    assert s.verdicts[0]["verdict"] == "inconclusive"
    assert "no arm learned" in s.verdicts[0]["reason"]


def test_a_failed_check_whose_controls_misbehaved_is_named_as_such():
    exp = _experiment({"sentence": "chapter", "other": "chapter"})
    s = evaluate(exp, {"x": {"sentence": (-0.9, -0.5), "other": (0.2, 0.3)}, "neg": {"sentence": (-1.0, 1.0)}})
    reason = s.verdicts[0]["reason"]
    assert s.verdicts[0]["verdict"] == "reproduced"  # decided by the check that stayed
    assert "Failed, but its controls did not behave" in reason and "sentence value" in reason


def test_undecided_settings_at_the_change_are_named_between():
    text = regime_phrase("σw²", [0.5, 1, 2, 4, 16], ["pass", "pass", "inconclusive", "fail", "fail"])
    assert text == "holds at σw² ≤ 1, fails at σw² ≥ 4, undecided between"


def test_a_theory_function_is_root_found_not_interpolated():
    f = lambda x: 4 * x ** -0.5  # noqa: E731  crosses 4 at x = 1 and 2 at x = 4 exactly
    xs = [0.25, 0.5, 2, 8, 16]
    assert theory_crossing(f, xs, 2.0) == pytest.approx([4.0], rel=1e-9)
    assert crossing(xs, [f(x) for x in xs], 2.0) != pytest.approx([4.0], rel=1e-3)  # a line between 2 and 8 misses
    assert theory_phrase("σw²", xs, f, 2.0) == "theory: holds at σw² below 4"


# --- rule 11 in the verdict row: the tally counts the chapter's checks ----------------

from nnclaims.evidence import Measurement  # noqa: E402
from nnclaims.evidence.summary import plain_reason  # noqa: E402


def test_the_tally_counts_chapter_checks_and_supporting_apart():
    exp = _experiment({"sentence": "chapter", "other": "chapter", "theory-agrees": "supporting",
                       "mechanism": "supporting"})
    s = evaluate(exp, {"x": {"sentence": (0.5, 0.9), "other": (-0.5, -0.1), "theory-agrees": (0.1, 0.4),
                             "mechanism": (-0.4, -0.1)}, "neg": {}})
    row = s.verdicts[0]
    assert (row["checks_passed"], row["checks_total"], row["checks_failed"]) == (1, 2, 1)
    assert (row["supporting_passed"], row["supporting_total"]) == (1, 2)
    assert row["verdict"] == "partly reproduced" and row["beyond_chapter"] is False and row["regime"] == ""
    assert row["plain"] == "1 of 2 checks of the chapter's words held: 1 failed."


def test_a_claim_beyond_the_chapter_counts_all_its_checks_and_is_flagged():
    claim = Claim("toy-claim", "Toy", "Not the chapter's.", "A", beyond_chapter=True)
    s = evaluate(_experiment({"theory-agrees": "supporting", "map": "chapter"}, claim),
                 {"x": {"theory-agrees": (0.1, 0.4), "map": (0.2, 0.3)}, "neg": {}})
    row = s.verdicts[0]
    assert (row["checks_passed"], row["checks_total"], row["supporting_total"]) == (2, 2, 0)
    assert row["beyond_chapter"] is True
    assert row["plain"] == "All 2 checks held."


def test_an_experiment_without_sentences_or_tags_keeps_its_old_tally():
    s = evaluate(_experiment({"a": "chapter", "b": "chapter"}), {"x": {"a": (0.5, 0.9), "b": (0.1, 0.2)}, "neg": {}})
    row = s.verdicts[0]
    assert (row["checks_passed"], row["checks_total"], row["supporting_total"]) == (2, 2, 0)
    assert row["plain"] == "All 2 checks of the chapter's words held."


def test_the_regime_and_plain_words_come_from_the_experiments_hooks():
    exp = _experiment({"sentence": "chapter"})
    exp.module.regimes = lambda tables: {"toy-claim": regime_phrase("σw²", [1, 2, 4], ["pass", "fail", "fail"])}
    exp.module.plain_reasons = lambda tables: {"toy-claim": " Residual nets trained in 8 of 8 seeds. "}
    row = evaluate(exp, {"x": {"sentence": (0.5, 0.9)}, "neg": {}}).verdicts[0]
    assert row["regime"] == "holds at σw² ≤ 1, fails above"
    assert row["plain"] == "Residual nets trained in 8 of 8 seeds."


@pytest.mark.parametrize("hook,bad,match", [
    ("regimes", {"other-claim": "holds"}, "names claim 'other-claim'"),
    ("plain_reasons", {"toy-claim": 3}, "must return a dict of claim id -> sentence"),
])
def test_a_hook_that_names_an_unknown_claim_or_returns_no_text_is_refused(hook, bad, match):
    from nnclaims.evidence.experiment import ExperimentError

    exp = _experiment({"sentence": "chapter"})
    setattr(exp.module, hook, lambda tables: bad)
    with pytest.raises(ExperimentError, match=match):
        evaluate(exp, {"x": {"sentence": (0.5, 0.9)}, "neg": {}})


def test_plain_words_count_what_failed_and_what_could_not_be_decided():
    # the checks' descriptions are the detail printed beside the plain words: not repeated
    failed = Check("c", "a", "the residual net trains", value=0.2, comparator=">=", threshold=0.5)
    closed = Check("c", "b", "depth beats width", value=0.0, comparator="<", threshold=-0.3,
                   undecided="no arm learned (seeds that learned: deep 0/8, shallow 0/8)")
    assert plain_reason([failed, closed]) == ("0 of 2 checks of the chapter's words held: 1 failed, "
                                              "1 not decided (no arm learned).")
    assert plain_reason([], [failed]) == "No check tests the chapter's own words."
    assert plain_reason([]) == "No check could decide."


def test_a_demoted_check_keeps_its_basis_as_a_measurement():
    exp = _experiment({"sentence": "chapter", "theory-agrees": "supporting"})
    s = evaluate(exp, {"x": {"sentence": (0.5, 0.9), "theory-agrees": (0.1, 0.4)},
                       "neg": {"theory-agrees": (0.2, 0.3)}})  # its negative control passes
    demoted = next(m for m in s.measurements if m.name == "theory-agrees")
    assert demoted.basis == "supporting" and demoted.row()["basis"] == "supporting"
    assert s.verdicts[0]["supporting_total"] == 0 and s.verdicts[0]["checks_total"] == 1
    assert Measurement("c", "m", "a number", 1.0).basis == ""  # never a check: no tag
    with pytest.raises(ValueError, match="basis"):
        Measurement("c", "m", "a number", 1.0, basis="chapterish")
