"""tanh-vs-sigmoid under protocol 3: the design control (rule 14) at quick sizes, rule 12 on a
comparison where nothing learned, rule 13's extension through the real training code, the
route phrase of (c2) computed from the checks, and every table control on real networks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from nnclaims.evidence import RunContext
from nnclaims.evidence.experiment import load
from nnclaims.evidence.summary import evaluate

EXP = load(REPO / "experiments" / "tanh_vs_sigmoid.py")
M = EXP.module
SEEDS = list(range(16))  # any seeds: no test depends on which; 16 give (c3) the power its positive control needs


@pytest.fixture(scope="module")
def init_table() -> pd.DataFrame:
    """The at-initialization probes of every cell, on real networks (about a second in all)."""
    points = [p for p in M.grid("quick") if p.get("part") == "init"]
    return pd.DataFrame([r for p in points for r in M.run(p, RunContext(seeds=SEEDS, profile="quick"))["init"]])


def _records(learned: dict[str, bool], lower: str | None = None) -> pd.DataFrame:
    """Training records by construction: an arm that learned ends at loss 0.1 and accuracy 0.98,
    one that did not at chance (ln 10, 0.1); ``lower``: that arm ends 0.01 below the others."""
    rows = []
    for arm in M.ARMS:
        for seed in SEEDS:
            for step in (0, 10):
                end = (0.1, 0.98) if learned[arm] else (math.log(10), 0.1)
                loss, acc = (math.log(10), 0.1) if step == 0 else end
                loss -= 0.01 * (arm == lower and step > 0) + 1e-4 * seed * (arm == lower)
                rows.append({"activation": arm, "seed": seed, "step": step, "loss": loss, "train_accuracy": acc,
                             "lr": 0.1, "post_mean": 0.5 * (arm == "sigmoid")})
    return pd.DataFrame(rows)


def test_the_design_controls_pass_at_quick_sizes():
    # rule 14: the same tuning, training and gate, against a sigmoid born saturated
    got = {c.check: c for c in M.design_control("quick", [40000, 40001, 40002, 40003])}
    assert set(got) == {"tanh-lower-loss", "centred-lower-loss"}
    for check in got.values():
        assert check.undecided == "" and check.outcome == "pass", (check.check, check.ci_low, check.ci_high)


def test_no_arm_learned_makes_the_comparison_inconclusive(init_table):
    rec = _records({"tanh": False, "sigmoid": False, "sigmoid_centered": False}, lower="tanh")
    got = {c.check: c for c in M.checks({"records": rec, "init": init_table})}
    assert got["tanh-lower-loss"].ci_high < 0  # the interval alone would pass...
    assert got["tanh-lower-loss"].outcome == "inconclusive"  # ...but nothing learned (rule 12)
    assert got["tanh-lower-loss"].undecided.startswith("no arm learned")
    rec = _records({"tanh": True, "sigmoid": False, "sigmoid_centered": False}, lower="tanh")
    assert {c.check: c for c in M.checks({"records": rec, "init": init_table})}["tanh-lower-loss"].outcome == "pass"


def test_a_grid_where_nothing_trains_is_extended_through_the_real_training():
    out = M._train_arm("sigmoid", [0, 1], [0.01, 0.1], 8, "cpu", "batched", "explore")  # 2 tuning steps: nothing trains
    tuned = out["tuned"][0]
    assert tuned["extended"] == 2 and tuned["grid"] == "0.01 0.1 0.3 1 3 10" and tuned["none_trained"]
    assert "extended by rule 13" in tuned["note"]
    assert sorted(pd.DataFrame(out["tuning"])["lr"].unique()) == pytest.approx([0.01, 0.1, 0.3, 1, 3, 10])


def test_the_route_phrase_is_computed_from_the_two_checks(init_table):
    tables = {"records": _records({a: True for a in M.ARMS}), "init": init_table}
    got = {c.check: c.outcome for c in M.checks(tables)}
    phrase = M.regimes(tables)[M.CLAIM]
    assert phrase == M.route_phrase(got["vanishes-through-biases"], got["vanishes-through-weights"])
    # the catalogue's phrase when the routes disagree as theory says they will
    assert M.route_phrase("pass", "fail") == ("vanishes when the inputs to the unit are pushed out by biases, "
                                              "grows when by weights")
    # give both routes the same networks: the phrase follows the data, not a string
    for source in (M.WEIGHTS, M.BIASES):
        same = M._swap(M._swap(init_table, M.WEIGHTS, source)["init"], M.BIASES, source)["init"]
        word = got["vanishes-through-weights" if source == M.WEIGHTS else "vanishes-through-biases"]
        assert M.regimes({**tables, "init": same})[M.CLAIM] == M.route_phrase(word, word)


def test_every_check_behaves_on_its_table_controls(init_table):
    rec = _records({"tanh": True, "sigmoid": False, "sigmoid_centered": True})
    summary = evaluate(EXP, {"records": rec, "init": init_table})
    expected = {"positive": "pass", "negative": "fail"}
    at_init = ["saturated-share", "vanishes-through-weights", "vanishes-through-biases", "saturation-theory"]
    for check in [*at_init, "tanh-lower-loss", "centred-lower-loss"]:
        assert summary.controls[check] == expected, (check, summary.controls[check])


def test_the_theory_gives_the_catalogues_numbers(init_table):
    x2 = float(init_table["x2"].iloc[0])
    share, factor = M.theory(*M.WEIGHTS, x2)
    assert share.mean() == pytest.approx(0.385, abs=0.005)  # the amendment's pooled value
    assert factor[-1] ** -2 == pytest.approx(2.4, abs=0.05)  # χ at σw² = 16, near its fixed point
    assert M.theory(*M.BIASES, x2)[1].min() > 1 > factor.max()  # the two routes on either side of 1


def test_the_regime_figure_tables_and_phrase(init_table):
    tables = {"records": _records({a: True for a in M.ARMS}), "init": init_table,
              "explore_tuning": _records({a: True for a in M.ARMS})}
    made = M.analysis(tables)
    assert sorted(made["factor_regime"]["sw2"]) == sorted([*M.SWEEP, M.BIASES[0]])
    measured, theory = made["regime_phrase"].iloc[0][["measured", "theory"]]
    assert measured.startswith(("holds", "fails")) and theory.startswith("theory: holds at σw² below")
    assert np.isfinite(made["regime_theory"]["factor"]).all()
