"""depth-vs-width under protocol 3: the kept cells of the amendment, the capacity map's cell
statistic and count rule, rule 12 per cell, the design control (rule 14) at quick size, the
exploration each run shard reads, every table control, and the regime phrase and figures."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from nnclaims.evidence import RunContext
from nnclaims.evidence.cell_counts import compare_cell, count_check
from nnclaims.evidence.experiment import load
from nnclaims.evidence.summary import evaluate

EXP = load(REPO / "experiments" / "depth_vs_width.py")
M = EXP.module
SEEDS = list(range(8))


def test_the_kept_cells_are_those_one_layer_cannot_represent_exactly():
    # the amendment's rule: T² and T⁴ are representable at every budget, T⁶ from 300 parameters
    # (100 units: 101 pieces >= 64), no ReLU network represents a sine exactly; and the drops it
    # names in its own words: sin 2πx and the 3,000 budget
    kept = M.map_cells("full")
    assert kept == [("T⁶", 100)] + [(s, b) for s in ("sin 8πx", "sin 32πx") for b in (100, 300, 1000)]
    assert M.width_for(1, 100) == 33 and not M.represents_exactly("T⁶", 100) and M.represents_exactly("T⁶", 300)
    assert "at most 34" not in M.why("T⁶", 100) and "34 pieces" in M.why("T⁶", 100)
    assert M.why("sin 8πx", 300).startswith("a sine is not piecewise linear")


def test_each_run_point_reads_exactly_its_budgets_exploration():
    explored = M.explore("full")
    for point in M.grid("full"):
        needs = M.explore_needs(point, "full")
        if point["part"] != "trained":
            assert needs == []
            continue
        assert sorted(q["depth"] for q in needs) == M._depths(point["budget"], "full")
        assert all(q in explored and (q["target"], q["budget"]) == (point["target"], point["budget"]) for q in needs)
    widths = {(q["budget"], q["depth"]): q["width"] for q in explored}
    assert widths[(100, 1)] == 33 and (100, 4) not in widths and widths[(150, 4)] == 6  # widths below 6 left out


def _log(shallow: float, deep: float, n: int = 12, noise: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"shallow": math.log10(shallow) + noise * rng.standard_normal(n),
                         "deep": math.log10(deep) + noise * rng.standard_normal(n)})


def test_the_cell_statistic_decides_better_worse_tie_and_nothing_learned():
    outcome = lambda s, d: compare_cell(_log(s, d), "deep", "shallow", 10, M.TIE)["outcome"]  # noqa: E731
    assert outcome(0.1, 0.01) == "better" and outcome(0.01, 0.1) == "worse"
    assert outcome(1e-4, 1e-5) == "tie"  # both below 1e-3: a tie, not a win
    assert outcome(1.0, 0.8) == "no arm learned"  # rule 12: both errors above 0.5
    assert outcome(0.1, 0.1) == "unclear"


def test_the_count_rule_passes_fails_and_stays_inconclusive_as_written():
    cell = lambda o: {"outcome": o, "arms": {"shallow": np.ones(4, bool)}}  # noqa: E731

    def rule(better, worse, other=0):
        return count_check("c", "m", "map", [cell("better")] * better + [cell("worse")] * worse
                           + [cell("unclear")] * other, 3, 2).outcome

    assert rule(3, 0) == "pass" and rule(4, 2) == "pass"
    assert rule(2, 0, 5) == "inconclusive" and rule(3, 2) == "inconclusive"  # fewer than 3, or not twice as many
    assert rule(1, 2) == "fail" and rule(0, 1) == "fail"
    assert rule(0, 0) == "inconclusive"
    nothing = [{"outcome": "no arm learned", "arms": {"shallow": np.zeros(4, bool)}}] * 3
    assert count_check("c", "m", "map", nothing, 3, 2).undecided.startswith("no arm learned")


def test_the_design_control_passes_at_quick_size():
    check = M.design_control("quick", [40000, 40001, 40002, 40003])
    assert check.undecided == "" and check.outcome == "pass", (check.value, check.ci_low, check.ci_high)


def _tables(kept_deep: float = 0.01) -> dict:
    """Real constructions and bound; trained records by construction: every kept cell learned by
    depth 1 (error 0.1), the deep arm at ``kept_deep``; one map cell dropped by the exploration."""
    con = M.run({"part": "construction", "k_max": M.K_MAX["quick"]},
                RunContext(seeds=[0], profile="quick"))["construction"]
    bound = M.run({"part": "shallow-bound"}, RunContext(seeds=[0], profile="quick"))["bound"]
    cells = {M._key(t, b): {"kept": (t, b) != ("sin 32πx", 300), "best_depth": 2, "lr": {"1": 0.01, "2": 0.01}}
             for t, b in M.map_cells("quick") + [(M.CHECK_TARGET, M.CHECK_BUDGET)]}
    rng, rows = np.random.default_rng(1), []
    for key, cell in cells.items():
        t, b = key.split(" | ")
        for arm, err in (("shallow", 0.1), ("deep", kept_deep)):
            rows += [{"target": t, "budget": int(b), "arm": arm, "depth": 1 if arm == "shallow" else 2, "seed": s,
                      "test_nmse": err * 10 ** (0.05 * rng.standard_normal()), "pieces": 5, "width": 33,
                      "restart": 0, "lr": 0.01, "loss": 0.01, "diverged": False} for s in SEEDS] if cell["kept"] else []
    rec = pd.DataFrame(rows)
    fits = pd.DataFrame([{"target": M.CHECK_TARGET, "budget": M.CHECK_BUDGET, "depth": d, "x": x, "y": x}
                         for d in (1, 2) for x in (0.0, 1.0)])
    return {"construction": pd.DataFrame(con), "bound": pd.DataFrame(bound), "records": rec, "restarts": rec,
            "fits": fits, "decisions": pd.DataFrame([{"key": "cells", "value": json.dumps(cells)}])}


def test_every_check_behaves_on_its_table_controls():
    summary = evaluate(EXP, _tables())
    for check in ("tent-map-pieces", "shallow-bound", "trained-depth-helps-on-sawtooth", "capacity-map"):
        assert summary.controls[check] == {"positive": "pass", "negative": "fail"}, (check, summary.controls[check])
    got = {c.check: c for c in M.checks(_tables())}
    assert got["capacity-map"].outcome == "pass" and got["trained-depth-helps-on-sawtooth"].outcome == "pass"
    assert {c.check: c for c in M.checks(_tables(1.0))}["capacity-map"].outcome == "fail"  # deep worse everywhere


def test_nothing_learned_leaves_the_sawtooth_check_undecided():
    tables = _tables()
    rec = tables["records"]
    rec.loc[rec["budget"] == M.CHECK_BUDGET, "test_nmse"] *= 10  # both arms near the mean: errors ~1 and ~0.1 -> 1
    rec.loc[(rec["budget"] == M.CHECK_BUDGET) & (rec["arm"] == "deep"), "test_nmse"] = 0.9
    check = {c.check: c for c in M.checks(tables)}["trained-depth-helps-on-sawtooth"]
    assert check.outcome == "inconclusive" and check.undecided.startswith("no arm learned")


def test_regime_phrase_plain_words_and_the_map_follow_the_data(tmp_path):
    tables = _tables()
    phrase = M.regimes(tables)[M.CLAIM]
    assert phrase.startswith("depth better — ") and "sin 8πx: holds at every budget tried" in phrase
    assert "in 4 of 4 cells" in M.plain_reasons(tables)[M.CLAIM]  # quick: T⁶ at 100, 2 sines x 2 budgets, one dropped
    made = M.analysis(tables)["capacity_map"]
    assert made["exact"].sum() == 5 and made["nothing"].sum() == 1 and made["significant"].sum() == 4
    from nnclaims.report import plotting as P
    with P.style():
        files = [f.file for f in M.figures({**tables, **M.analysis(tables)}, tmp_path)]
    assert files == ["capacity_map.svg", "sawtooth.svg"]


def test_decide_on_part_of_the_exploration_decides_only_whole_budgets():
    def rows(budget, depth, err):
        return ([{"target": t, "budget": budget, "depth": depth, "lr": 0.01, "note": f"depth {depth}: rate 0.01"}
                 for t in M._targets_at(budget, "quick")],
                [{"target": t, "budget": budget, "depth": depth, "seed": s, "test_nmse": err}
                 for t in M._targets_at(budget, "quick") for s in range(4)])

    parts = [rows(b, d, 0.1 if d == 1 else 0.9) for b in (100, 300) for d in M._depths(b, "quick")]
    parts = [p for p in parts if p[0][0]["budget"] == 300] + [rows(100, 1, 0.1)]  # budget 100: depth 2 missing
    tables = {"tuned": pd.DataFrame([r for p in parts for r in p[0]]), "pilot": pd.DataFrame([r for p in parts
                                                                                              for r in p[1]])}
    cells = M.decide(tables, "quick").values["cells"]
    assert sorted(cells) == sorted(M._key(t, 300) for t in M._targets_at(300, "quick"))
    assert all(c["kept"] for c in cells.values())  # depth 1 learned: kept (rule 12)


def test_the_full_profile_plans_balanced_jobs_that_read_only_their_cells_exploration():
    from nnclaims.evidence.experiment import discover
    from nnclaims.evidence.settings import settings_from
    from nnclaims.plan import plan

    settings = settings_from({"profile": "full", "device": "cpu"}, experiments=["depth_vs_width"])
    exp = discover(REPO / "experiments", ["depth_vs_width"])["depth_vs_width"]
    p = plan(settings, {"depth_vs_width": exp})["depth_vs_width"]
    explored, grid = exp.grid("full", "explore"), exp.grid("full")
    assert (p.n_shards, p.explore.n_shards, len(explored), len(grid)) == (15, 15, 21, 18)
    for shard, reads in enumerate(p.explore_reads):
        points = grid[shard::p.n_shards]
        wanted = {explored.index(q) % p.explore.n_shards for pt in points for q in M.explore_needs(pt, "full")}
        assert reads == tuple(sorted(wanted)) and 1 <= len(reads) <= 6
    # the widest networks (depth 1 at 1,000 parameters, one per target) each lead a job of their own
    firsts = [explored[i] for i in range(2)]
    assert all((q["budget"], q["depth"]) == (1000, 1) for q in firsts)
    assert p.settings.seeds == tuple(range(30000, 30012))  # protocol 3's block, 12 seeds fixed by the amendment
