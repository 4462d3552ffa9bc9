"""dropout under protocol 3: the per-neuron probe (a) and its controls on real networks, the stopping rule through
the real training code, rule 12 on a comparison where nothing learned, the regime phrase computed from the checks,
every table control, and the design control (rule 14) at quick sizes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from nnclaims.evidence.experiment import load
from nnclaims.evidence.summary import evaluate

EXP = load(REPO / "experiments" / "dropout.py")
M = EXP.module
SEEDS = list(range(8))  # any seeds: no test depends on which


@pytest.fixture(scope="module")
def probe() -> pd.DataFrame:
    """(a) on real networks at initialization (the probe reads the masks given the inputs; ~15 s of one core)."""
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.dropout_neurons import draws, neuron_gaps
    from nnclaims.nn.models import MLPSpec
    net = BatchedNet.init(MLPSpec((784, 128, 128, 10), activation="relu", init="he_normal", dropout=0.5), SEEDS[:6],
                          torch.float32, "cpu")
    X = M._data(500)[4][:M.PROBE_DIGITS]  # six networks, as the quick profile probes
    return pd.DataFrame(neuron_gaps(net, X, SEEDS[:6], draws(0.5, M.MASK_DRAWS)))


def _ends(learned: dict[str, bool], better: bool = True) -> pd.DataFrame:
    """End rows by construction at both sizes: an arm that learned ends at training loss 0.005 and accuracy 1, one
    that did not at chance; the dropout arm's test loss, gap and ablation 10% below (``better``) or above the plain
    arm's, seed by seed."""
    rows = []
    for n in M.SIZES:
        for arm in M.ARMS:
            for seed in SEEDS:
                loss, acc = (0.005, 1.0) if learned[arm] else (math.log(10), 0.1)
                f = 1.0 if arm == "none" else (0.9 if better else 1.1)
                rows.append({"digits": n, "arm": arm, "p": 0.0 if arm == "none" else 0.5, "lr": 1e-3, "seed": seed,
                             "end_step": 300, "stopped": learned[arm], "train_loss": loss, "train_accuracy": acc,
                             "accuracy_gap": f * (0.15 + 0.001 * seed), "val_loss": 0.5, "test_loss": f * (0.5 + 0.01 *
                             seed), "test_accuracy": 0.85, "best_val_step": 100, "test_loss_best_val": 0.45,
                             "ablation_ce": f * (0.002 + 1e-4 * seed), "ablation_accuracy": 0.001})
    return pd.DataFrame(rows)


def test_the_probe_keeps_each_neurons_expectation_and_its_controls_behave(probe):
    for method, expect in (("inverted", "pass"), ("chapter", "pass")):
        worst = probe[probe["method"] == method]["worst"]
        assert worst.max() < M.TOL, (method, worst.max())  # every neuron within 2% on every network
    assert probe[probe["method"] == "no_rescale"]["worst"].min() == pytest.approx(0.5, abs=0.02)  # it loses p
    assert set(probe["draws"]) == {30_000} and (probe["neurons"] > 0).all()


def test_the_mask_draws_keep_one_monte_carlo_error_at_every_p():
    from nnclaims.nn.dropout_neurons import draws
    for p in M.P_GRID["full"]:
        assert math.sqrt(p / (1 - p) / draws(p, M.MASK_DRAWS)) == pytest.approx(1 / math.sqrt(30_000), rel=1e-3)


def test_every_check_behaves_on_its_table_controls(probe):
    summary = evaluate(EXP, {"ends": _ends({"none": True, "dropout": True}), "probe": probe,
                             "records": pd.DataFrame(), "unconditional": pd.DataFrame(columns=["arm", "layer", "gap"])})
    for check in ["expected-output-per-neuron", *[name for name, _, _ in M.TRAINED]]:
        assert summary.controls[check] == {"positive": "pass", "negative": "fail"}, (check, summary.controls[check])


def test_no_arm_learned_makes_the_trained_checks_inconclusive(probe):
    got = {c.check: c for c in M.checks({"ends": _ends({"none": False, "dropout": False}), "probe": probe})}
    for name, _, _ in M.TRAINED:
        assert got[name].ci_high < 0 and got[name].outcome == "inconclusive"  # the interval alone would pass
        assert got[name].undecided.startswith("no arm learned")
    got = {c.check: c for c in M.checks({"ends": _ends({"none": False, "dropout": True}), "probe": probe})}
    assert all(got[name].outcome == "pass" for name, _, _ in M.TRAINED)


def test_the_regime_phrase_follows_the_two_sizes(probe):
    ends = _ends({"none": True, "dropout": True})
    assert M.regimes({"ends": ends})[M.CLAIM].endswith("holds at every thousands of training digits tried (0.5 to 2)")
    worse = _ends({"none": True, "dropout": True}, better=False)
    mixed = pd.concat([ends[ends["digits"] == 500], worse[worse["digits"] == 2000]], ignore_index=True)
    assert M.regimes({"ends": mixed})[M.CLAIM].endswith("holds at thousands of training digits ≤ 0.5, fails above")


def test_a_stopped_network_is_the_network_at_its_stopping_record():
    import torch

    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.train_until import train_until
    from nnclaims.nn.training import Schedule, classification_monitor
    X, y, _, _, Xt, yt = M._data(100)
    spec = MLPSpec((784, 128, 128, 10), activation="relu", init="he_normal")
    got = train_until(spec, X, y, [0, 1, 2], Schedule(150, [3e-3, 3e-3, 1e-5], optimizer="adam", loss="ce",
                      batch_size=64, record_every=10), M.STOP_CE, first_pass=40, device="cpu", engine="batched",
                      monitors=[classification_monitor(Xt, yt, "test")])
    rec = pd.DataFrame(got.tidy(["loss", "test_loss"]))
    assert [len(seeds) for _, _, seeds in got.passes] == [3, 1, 1]  # 40, 80, then 150 steps: the slow seed alone
    for seed in (0, 1):
        last = rec[rec["seed"] == seed].iloc[-1]
        assert last["loss"] <= M.STOP_CE and 0 < last["step"] < 150  # 100 digits are memorized early
        net, row = got.net(seed)
        with torch.no_grad():
            ce = torch.nn.functional.cross_entropy(net(Xt)[row], yt)
        assert float(ce) == pytest.approx(last["test_loss"], rel=1e-5)  # the network of its stop, not of a later step
    assert rec[rec["seed"] == 2]["step"].max() == 150 and rec[rec["seed"] == 2]["loss"].min() > M.STOP_CE


def test_the_design_control_passes_at_quick_sizes():
    # rule 14: the same tuning, stopping and gate, against a plain arm that can only memorize (shuffled labels)
    got = {c.check: c for c in M.design_control("quick", [40000, 40001, 40002, 40003])}
    assert set(got) == {"test-ce-lower", "gap-narrows"}
    for check in got.values():
        assert check.undecided == "" and check.outcome == "pass", (check.check, check.ci_low, check.ci_high)
