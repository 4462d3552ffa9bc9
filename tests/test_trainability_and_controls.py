"""The library pieces that deep_training and regularization share with other experiments:
rule-4 shares per arm and checks over cells, control tables, rule-6 pilot plans, the
rate sweep, and the two probes (gradient and signal at initialization; dropout's
expectation), each against a case whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nnclaims.evidence.cells import bonferroni_level, cell_check, deciding_cell
from nnclaims.evidence.control_tables import matched, relabel, rows_where, scaled
from nnclaims.evidence.pilot import equivalence_plan, pilot_plan
from nnclaims.evidence.rate_sweep import sweep_rates
from nnclaims.evidence.stats import Interval
from nnclaims.evidence.trainability import (
    arm_measurements, cells_plan, every_cell, final_outcomes, set_outcome, share,
)


def runs(outcomes: dict[str, list[str]]) -> pd.DataFrame:
    """Two recorded steps per run; the last one trains (loss 0.1, accuracy 0.97) or stalls
    (chance: loss ln 10, accuracy 0.1)."""
    rows = []
    for arm, per_seed in outcomes.items():
        for seed, outcome in enumerate(per_seed):
            rows.append({"arm": arm, "seed": seed, "step": 0, "loss": math.log(10), "train_accuracy": 0.1, "lr": 0.1})
            loss, acc = (0.1, 0.97) if outcome == "trains" else (math.log(10), 0.1)
            rows.append({"arm": arm, "seed": seed, "step": 10, "loss": loss, "train_accuracy": acc, "lr": 0.1})
    return pd.DataFrame(rows)


def test_shares_per_arm_and_the_cell_that_decides():
    rec = runs({"a": ["trains"] * 8, "b": ["trains"] * 6 + ["stalls"] * 2, "c": ["stalls"] * 8})
    final = final_outcomes(rec, 10)
    assert len(final) == 24 and set(final["step"]) == {10}
    assert share(final, "a", "trains").estimate == 1.0 and share(final, "c", "trains").estimate == 0.0
    # every cell at the Bonferroni level; the cell wholly below a half decides; else the lowest reaching
    iv, cell = every_cell(final, ["a", "b", "c"], "trains", 0.5)
    assert cell == "c" and iv.high < 0.5 and iv.level == pytest.approx(bonferroni_level(3))
    iv, cell = every_cell(final, ["a", "b"], "trains", 0.5)
    assert cell == "b" and iv.low < share(final, "a", "trains", level=iv.level).low
    assert cells_plan(final, ["a", "b"], "trains", 0.5, maximum=16).needed >= 1


def test_deciding_cell_both_ways():
    ivs = [Interval(0.6, 0.55, 0.65, "t", 8), Interval(0.4, 0.2, 0.45, "t", 8), Interval(0.3, 0.1, 0.35, "t", 8)]
    assert deciding_cell(ivs, ">=", 0.5) == 2  # wholly below, the farthest
    assert deciding_cell(ivs[:1], ">", 0.5) == 0
    assert deciding_cell(ivs, "<", 0.5) == 0  # wholly above the threshold: fails "<"
    assert deciding_cell(ivs[1:], "<", 0.5) == 0  # none fails: the one reaching highest (0.45)
    with pytest.raises(ValueError):
        deciding_cell(ivs, "within", 0.5)
    check = cell_check("c", "x", "d", Interval(0.6, 0.52, 0.7, "Wilson", 8, level=0.975), ">=", 0.5)
    assert check.method == "Wilson, 97.5%" and check.ci_low == 0.52


def test_set_outcome_makes_the_check_pass_or_fail():
    rec = runs({"a": ["stalls"] * 8})
    trained = final_outcomes(set_outcome(rec, ["a"], "trains", 10), 10)
    assert (trained["outcome"] == "trains").all()
    stalled = final_outcomes(set_outcome(set_outcome(rec, ["a"], "trains", 10), ["a"], "stalls", 10), 10)
    assert (stalled["outcome"] == "stalls").all()
    assert set_outcome(rec, ["a"], "trains", 10).query("step == 0").equals(rec.query("step == 0"))  # only the end


def test_arm_measurements_name_shares_and_the_finite_loss():
    rec = runs({"a": ["trains"] * 3 + ["stalls"]})
    rec.loc[(rec["seed"] == 3) & (rec["step"] == 10), "loss"] = float("inf")
    out = arm_measurements("claim", "a", "arm a", final_outcomes(rec, 10), 10)
    assert [m.name for m in out] == ["a-trains", "a-stalls", "a-final-loss"]
    assert out[0].value == 0.75 and "(learning rate 0.1)" in out[0].description
    assert "1 of 4 runs not finite" in out[2].description and out[2].value == pytest.approx(0.1)


def test_control_tables_move_rows_and_scale_by_seed():
    pen = pd.DataFrame({"penalty": ["none", "none", "L2", "L2", "L1x10"], "seed": [1, 2, 2, 1, 1],
                        "norm": [4.0, 6.0, 1.0, 1.0, 0.5]})
    moved = relabel(pen, "penalty", "L1x10", "L2")
    assert sorted(moved.loc[moved["penalty"] == "L2", "norm"]) == [0.5] and (moved["penalty"] == "L1x10").any()
    l2, none = rows_where(pen, penalty="L2"), rows_where(pen, penalty="none")
    assert l2.tolist() == [False, False, True, True, False]
    assert matched(pen, l2, none, "norm").tolist() == [6.0, 4.0]  # seed by seed, not row by row
    halved = scaled(pen, l2, none, "norm", 0.5)
    assert halved.loc[l2, "norm"].tolist() == [3.0, 2.0] and halved.loc[~l2, "norm"].equals(pen.loc[~l2, "norm"])


def test_pilot_plans_need_more_seeds_near_the_threshold():
    rng = np.random.default_rng(0)
    far, near = 1.0 + 0.1 * rng.standard_normal(8), 0.05 + 0.1 * rng.standard_normal(8)
    assert pilot_plan(far, 0.0, maximum=64).needed < pilot_plan(near, 0.0, maximum=64).needed
    gaps = np.column_stack([0.001 + 0.002 * rng.standard_normal(8), 0.04 + 0.002 * rng.standard_normal(8)])
    assert equivalence_plan(gaps, 0.05, 64).needed == pilot_plan(np.abs(gaps[:, 1]), 0.05, maximum=64).needed


class _Result:
    def __init__(self, seeds, rates):
        self.seeds, self.rates = seeds, rates

    def tidy(self, keys, per_network, **constant):
        # the final loss of a network is |log10(rate / 0.1)| + seed / 100: 0.1 is best
        return [{**constant, "lr": r, "seed": s, "step": 5, "loss": abs(math.log10(r / 0.1)) + s / 100}
                for s, r in zip(self.seeds, per_network["lr"])]


def test_the_rate_sweep_trains_every_pair_once_and_picks_the_best_rate():
    calls = []

    def fit(seeds, rates):
        calls.append((list(seeds), list(rates)))
        return _Result(seeds, rates)

    records, best = sweep_rates(fit, [20000, 20001], [0.01, 0.1, 1.0], arm="x")
    assert calls == [([20000, 20001] * 3, [0.01, 0.01, 0.1, 0.1, 1.0, 1.0])]
    assert best == 0.1 and len(records) == 6 and {r["arm"] for r in records} == {"x"}


def test_gradient_and_signal_at_init_and_dropouts_expectation():
    torch = pytest.importorskip("torch")
    from nnclaims.nn.at_init import gradient_and_signal
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.dropout_probe import expectation_gaps
    from nnclaims.nn.models import MLPSpec

    X = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 3, (64,), generator=torch.Generator().manual_seed(1))
    out = gradient_and_signal(MLPSpec((8, 16, 16, 16, 3), activation="relu", init="he_normal"), [0, 1], X, y, "cpu")
    assert sorted(out) == [0, 1]
    assert all(v["first_layer_grad"] > 0 and v["signal_growth"] > 0 and 0 <= v["common_share"] <= 1
               for v in out.values())
    net = BatchedNet.init(MLPSpec((8, 16, 16, 3), activation="relu", init="he_normal", dropout=0.5), [0, 1])
    rows = pd.DataFrame(expectation_gaps(net, X, [0, 1], draws=4))
    assert len(rows) == 3 * 2 * 3  # arms x seeds x layers (two hidden and the logits)
    # Non-inverted masks keep only half of each hidden layer's mean: the first layer's gap is -1/2 in expectation.
    first = rows[(rows["layer"] == 1)].groupby("arm")["gap"].mean()
    assert first["non_inverted"] < -0.3 and abs(first["inverted"]) < 0.2 and abs(first["identity"]) < 0.2
