"""init-trains-deep under protocol 3: the design control (rule 14) at quick sizes, rule 12 on the does-not-train
checks, every check's table controls, the plateau escape and its regime phrase (rule 18, P3-7), the seed and rate
plan of the amendment (depth 60 at 4 seeds; the plateau at Xavier's rate), and skip-connections gone from here."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from nnclaims.evidence.experiment import load
from nnclaims.evidence.summary import evaluate

EXP = load(REPO / "experiments" / "deep_training.py")
M = EXP.module
SEEDS = list(range(8))
CHANCE = (math.log(10), 0.1)


def records(trains: dict[str, int], plateau: dict[int, list[int | None]] | None = None, profile: str = "quick",
            n: int = 8) -> pd.DataFrame:
    """Records by construction. ``trains``: per own/at-He arm (e.g. "own/He"), how many of its ``n`` seeds end
    trained (loss 0.1, accuracy 0.98); the others end at chance. ``plateau``: per depth, each seed's escape step
    (None: never), its loss below 0.95 ln 10 from that step on, trained at the end when it escaped."""
    d, rows = M.DEPTH[profile], []
    for key, k in trains.items():
        for seed in range(n):
            end = (0.1, 0.98) if seed < k else CHANCE
            rows += [{"arm": f"{key}/{d}", "seed": seed, "step": s, "loss": l, "train_accuracy": a, "lr": 0.1, "width": 16}
                     for s, (l, a) in ((0, CHANCE), (M.STEPS[profile], end))]
    steps = M.PLATEAU_STEPS[profile]
    for depth, escapes in (plateau or {}).items():
        for seed, at in enumerate(escapes):
            for s in range(0, steps + 1, max(1, steps // M.PLATEAU_RECORDS)):
                low = at is not None and s >= at
                rows.append({"arm": f"plateau/Xavier/{depth}", "seed": seed, "step": s, "loss": 0.1 if low else
                             CHANCE[0], "train_accuracy": 0.98 if low else 0.1, "lr": 0.1, "width": 16})
    return pd.DataFrame(rows)


EXPECTED = {"own/He": 8, "own/Xavier": 0, "own/std 0.01": 0, "at_he/Xavier": 0, "at_he/std 0.01": 0}
PLATEAU = {3: [1, 2, 2, 3], 5: [2, 4, 5, 6], 7: [None] * 4, 9: [None] * 4}


def test_the_design_control_passes_at_quick_sizes():
    # rule 14: He at a shallow depth trains; an all-zero init (no gradient but the output bias's) cannot
    got = {c.check: c for c in M.design_control("quick", [40000, 40001, 40002, 40003])}
    assert set(got) == {"he-trains", "zero-does-not-train"}
    for check in got.values():
        assert check.undecided == "" and check.outcome == "pass", (check.check, check.ci_low, check.ci_high)


def test_does_not_train_is_decided_only_when_he_trains():
    got = {c.check: c for c in M.checks({"records": records({**EXPECTED, "own/He": 0})})}
    for name in ("xavier-does-not-train", "small-std-does-not-train", "xavier-at-he-rate", "small-std-at-he-rate"):
        assert got[name].ci_low > M.HALF  # the interval alone would pass...
        assert got[name].outcome == "inconclusive" and got[name].undecided.startswith("no arm learned")  # ...rule 12
    assert got["he-trains"].outcome == "fail"
    got = {c.check: c for c in M.checks({"records": records(EXPECTED)})}
    assert {k: c.outcome for k, c in got.items()} == dict.fromkeys(got, "pass")
    assert {k: c.basis for k, c in got.items() if k.endswith("at-he-rate")} == dict.fromkeys(M.AT_HE.values(),
                                                                                           "supporting")


def test_every_check_behaves_on_its_table_controls():
    summary = evaluate(EXP, {"records": records(EXPECTED, PLATEAU)})
    for check in [*M.CHECKS.values(), *M.AT_HE.values()]:
        assert summary.controls[check] == {"positive": "pass", "negative": "fail"}, (check, summary.controls[check])


def test_the_plateau_escape_and_its_regime_phrase():
    rec = records(EXPECTED, PLATEAU)
    esc = M.escapes(rec).set_index(["depth", "seed"])["escape"]
    assert esc.loc[(5, 1)] == 4 and esc.loc[(3, 0)] == 1 and np.isnan(esc.loc[(7, 0)])
    phrase = M.regimes({"records": rec})[M.CLAIM]
    assert phrase == f"Xavier at its own rate trains within {M.PLATEAU_STEPS['quick']} steps: holds at depth ≤ 5, fails above"
    made = M.analysis({"records": rec, "explore_tuning": rec.assign(step=0)})
    assert list(made["plateau_trains"]["depth"]) == [3, 5, 7, 9] and made["regime_phrase"]["phrase"].iloc[0] == phrase


def test_the_plan_follows_the_amendment():
    d = M.DEPTH["full"]
    rec = records(EXPECTED, profile="full").assign(arm=lambda r: r["arm"].str.replace("/5", f"/{d}"))
    rec = rec[rec["arm"].str.startswith("own/")]
    tuned = pd.DataFrame([{"arm": f"own/{i}/{d}", "lr": lr, "note": f"{i}: rate {lr}"}
                          for i, lr in (("He", 0.01), ("Xavier", 0.003), ("std 0.01", 0.1))])
    decided = M.decide({"tuned": tuned, "records": rec}, "full")
    seeds, rates = decided.values["seeds"], decided.values["lr"]
    assert {k: v for k, v in seeds.items() if k.startswith("plateau/")} == {
        "plateau/Xavier/10": 8, "plateau/Xavier/20": 8, "plateau/Xavier/30": 8, "plateau/Xavier/60": 4}
    assert rates == dict(zip(tuned["arm"], tuned["lr"]))  # the plateau and at-He arms read these (run)
    assert seeds[f"at_he/Xavier/{d}"] == seeds[f"own/Xavier/{d}"] >= M.SEED_MIN
    assert [p["part"] for p in M.explore("full")] == ["own"] * 3


def test_skip_connections_lives_elsewhere_now():
    assert [c.id for c in EXP.claims] == ["init-trains-deep"] and M.PROTOCOL == 3
    assert not any("skip" in str(p) or "residual" in str(p) for p in M.grid("full"))
