"""bn-covariate-shift and bn-noise-regularizes under protocol 3: the design control (rule 14) at
quick sizes, every table control on real networks, rule 12 on comparisons where nothing
learned, the plain words, and the claims' sentences and tags."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import REPO
from nnclaims.evidence.experiment import load
from nnclaims.evidence.summary import evaluate

EXP = load(REPO / "experiments" / "batch_norm_mechanisms.py")
M = EXP.module
CHECKS = {"shift-lower": "chapter", "gradient-change-lower": "supporting", "gradient-cosine-higher": "supporting",
          "gap-smaller": "chapter"}


@pytest.fixture(scope="module")
def design() -> dict:
    """Rule 14's tables at quick size on four seeds (about ten seconds)."""
    return M.design_tables("quick", [40000, 40001, 40002, 40003])


def _at_chance(records):
    """The records as if no network had learned: cross-entropy ln 10, accuracy 1/10."""
    return records.assign(loss=math.log(10), train_accuracy=0.1)


def test_the_design_controls_pass_at_quick_sizes(design):
    got = {c.check: c for c in M.checks(design)}
    assert set(got) == set(CHECKS)
    for check in got.values():
        assert check.undecided == "" and check.outcome == "pass", (check.check, check.ci_low, check.ci_high)


def test_every_check_behaves_on_its_table_controls(design):
    summary = evaluate(EXP, design)
    for check in CHECKS:
        assert summary.controls[check] == {"positive": "pass", "negative": "fail"}, (check, summary.controls[check])


def test_the_claims_cite_the_chapter_and_quote_its_decisive_words():
    quoted = {c.id: [q for s in c.sentences for q in s.decisive] for c in M.CLAIMS}
    assert quoted == {M.SHIFT: ["internal covariate shift"],
                      M.NOISE: ["provides regularization", "noise in batch statistics"]}
    assert all(s.source == "003" for c in M.CLAIMS for s in c.sentences) and M.PROTOCOL == 3


def test_checks_carry_their_tags(design):
    assert {c.check: c.basis for c in M.checks(design)} == CHECKS


def test_no_arm_learned_makes_each_comparison_inconclusive(design):
    tables = {**design, "shift_records": _at_chance(design["shift_records"]),
              "noise_records": _at_chance(design["noise_records"])}
    for check in M.checks(tables):
        assert check.outcome == "inconclusive" and check.undecided.startswith("no arm learned"), check.check
    assert set(M.plain_reasons(tables).values()) == {"no arm learned"}
    # one arm that learned is enough (rule 12): the plain arm of the shift comparison as measured
    rec = design["shift_records"]
    half = rec.where(rec["norm"] == "none", _at_chance(rec))
    assert {c.check: c for c in M.checks({**tables, "shift_records": half})}["shift-lower"].outcome == "pass"


def test_the_plain_reasons_give_the_numbers_that_decide(design):
    words = M.plain_reasons(design)
    assert "with batch norm" in words[M.SHIFT] and "of 4 seeds" in words[M.SHIFT]
    assert "batch statistics" in words[M.NOISE] and "of 4 seeds" in words[M.NOISE]


def test_the_figure_tables(design):
    made = M.analysis(design)
    assert set(made["shift_curve"]["norm"]) == set(M.NORMS) and np.isfinite(made["shift_curve"]["shift"]).all()
    assert set(made["noise_curve"]["split"]) == {"train", "test"}
