"""relu-sparsity (protocol 3, issue 19): the gap at each arm's first record with training
cross-entropy <= 0.05, its table controls, rule 12, the undecided case, the zero share at
initialization with dead units left out, softplus itself, and the design control (rule 14)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import REPO
from nnclaims.evidence import RunContext
from nnclaims.evidence.experiment import load

EXP = load(REPO / "experiments" / "relu_sparsity.py")
M = EXP.module
SEEDS = [40000, 40001, 40002, 40003]


def _records(gap: dict[str, float], learned: bool = True, reach: bool = True) -> pd.DataFrame:
    """Records by construction: training loss falls 1.0, 0.2, 0.04, 0.01 (so 0.05 is first reached at step
    20, or never when not ``reach``); test loss = training loss + the arm's gap (+ a little per seed)."""
    rows = []
    losses = (1.0, 0.2, 0.04, 0.01) if reach else (1.0, 0.5, 0.3, 0.2)
    for arm in M.ARMS:
        for seed in SEEDS:
            for i, loss in enumerate(losses if learned else (math.log(10),) * 4):
                rows.append({"activation": arm, "seed": seed, "step": 10 * i, "loss": loss,
                             "train_accuracy": 0.99 if learned else 0.1,
                             "test_loss": loss + gap[arm] + 0.01 * (seed % 3) + (5.0 if i > 2 else 0.0)})
    return pd.DataFrame(rows)


def test_the_gap_is_read_at_the_first_record_below_0_05():
    g = M.gaps(_records({"relu": 0.3, "softplus": 0.4}))
    assert list(g.columns) == ["relu", "softplus"] and list(g.index) == SEEDS
    np.testing.assert_allclose(g["relu"].to_numpy(), 0.3 + 0.01 * (np.array(SEEDS) % 3), atol=1e-12)  # not step 30's
    assert M.gaps(_records({"relu": 0.3, "softplus": 0.4}, reach=False)).isna().all().all()


@pytest.mark.parametrize("gaps, outcome", [({"relu": 0.3, "softplus": 0.4}, "pass"),
                                           ({"relu": 0.4, "softplus": 0.3}, "fail")])
def test_the_check_and_its_table_controls(gaps, outcome):
    tables = {"records": _records(gaps)}
    (check,) = M.checks(tables)
    assert check.basis == "chapter" and check.outcome == outcome
    for control in M.controls(tables):
        (got,) = M.checks({**tables, **control.tables})
        assert got.outcome == ("pass" if control.kind == "positive" else "fail"), control.why


def test_nothing_learned_or_never_reached_decides_nothing():
    (closed,) = M.checks({"records": _records({"relu": 0.3, "softplus": 0.4}, learned=False)})
    assert closed.outcome == "inconclusive" and "no arm learned" in closed.undecided
    (never,) = M.checks({"records": _records({"relu": 0.3, "softplus": 0.4}, reach=False)})
    assert never.outcome == "inconclusive" and "fewer than two seeds" in never.undecided


def test_softplus_is_smooth_and_never_zero():
    from nnclaims.nn.activations import get_activation
    act = get_activation("softplus")
    z = torch.linspace(-30, 30, 601, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(act(z).sum(), z)
    torch.testing.assert_close(act.grad(z), grad)
    assert bool((act(z) > 0).all())


def test_he_init_with_zero_biases_zeroes_half_the_outputs_and_dead_units_are_left_out():
    ctx = RunContext(seeds=SEEDS, profile="quick")
    fit = M._fitter("relu", ctx, 10)
    net = fit.start(SEEDS)
    rows = M._zero_shares(fit, net, SEEDS, "init")
    assert abs(np.mean([r["zero_share"] for r in rows]) - 0.5) < 0.08
    with torch.no_grad():
        net.bias[0][:, :, :3] = -1e3  # three units of the first layer that never fire
    dead = M._zero_shares(fit, net, SEEDS, "init")
    assert all(r["dead"] >= 3 for r in dead if r["layer"] == 1)
    assert all(r["zero_share"] < 0.9 for r in dead if r["layer"] == 1)  # the dead units do not count as zeros


def test_the_design_control_passes_at_quick_sizes():
    (check,) = M.design_control("quick", SEEDS)
    assert check.check == "relu-smaller-gap" and check.outcome == "pass", (check.value, check.ci_low, check.undecided)
