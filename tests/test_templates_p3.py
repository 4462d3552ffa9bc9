"""weights-as-templates under protocol 3: the spatial concentration score tells a template from its
own pixel shuffle (which the effective area could not), the checks and their table controls on
banks measured by the real scoring code, rule 12's gate, the seed blocks, and the design control."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from nnclaims.evidence import RunContext
from nnclaims.evidence.experiment import discover, load
from nnclaims.evidence.summary import evaluate
from nnclaims.numeric import gabor as G
from nnclaims.numeric.concentration import window_share
from nnclaims.numeric.data import load_mnist

EXP = load(REPO / "experiments" / "weights_as_templates.py")
M = EXP.module
SEEDS = [40000, 40001, 40002, 40003]


@pytest.fixture(scope="module")
def ink() -> np.ndarray:
    return G.ink_mask(load_mnist("").X_train, M.INK)


def test_window_share_counts_the_best_window_exactly():
    one = np.zeros((1, 784))
    one[0, 300] = -2.0
    full = np.ones(784, dtype=bool)
    assert window_share(one, full)[0] == pytest.approx(1.0)
    flat = np.ones((1, 784))
    assert window_share(flat, full)[0] == pytest.approx(49 / 784)
    two = np.zeros((1, 784))
    two[0, [0, 783]] = [1.0, 3.0]  # opposite corners: no 7x7 window holds both
    assert window_share(two, full)[0] == pytest.approx(9 / 10)
    off = full.copy()
    off[783] = False  # an unscored pixel does not count
    assert window_share(two, off)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        window_share(np.zeros((1, 784)), full)


def test_concentration_tells_an_edge_filter_from_its_shuffle_where_the_effective_area_cannot(ink):
    rng = np.random.default_rng(0)
    gabors = M._random_gabors(32, ink, rng)
    shuffled = G.shuffle(gabors, ink, rng)
    # a shuffled edge filter keeps its few large weights, so its best window still catches some of them
    assert np.median(window_share(gabors, ink)) > 0.8 > 0.5 > np.median(window_share(shuffled, ink))
    np.testing.assert_allclose(G.effective_area(gabors, ink), G.effective_area(shuffled, ink), rtol=1e-12)


def test_the_gabor_banks_lie_in_the_amended_scale_range():
    assert min(M.BANK_SIGMAS) == 1.0 and max(M.BANK_SIGMAS) == 2.5 and M.RANDOM_SIGMAS == (1.0, 2.5)


def _tables(ink, learned: bool = True) -> dict[str, pd.DataFrame]:
    """Banks measured by the module's own scoring: the positive and held-out Gabor banks from `run`,
    'trained' templates that are random noise (a network that learned nothing edge-like), their shuffles,
    random-init templates; and training records whose finals train (or sit at chance)."""
    rows = M.run({"part": "banks"}, RunContext(seeds=SEEDS, profile="quick"))["templates"]
    bank = M._scoring_bank(ink)
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        W0, WT = rng.normal(size=(2, 32, 784)) * 0.05
        rows += M._rows(seed, {"trained": WT, "init": W0, "change": WT - W0, "shuffled": G.shuffle(WT, ink, rng),
                               "shuffled_init": G.shuffle(W0, ink, rng)}, ink, bank)
    end = (0.1, 0.98) if learned else (math.log(10), 0.1)
    rec = [{"net": net, "seed": s, "step": step, "loss": end[0] if step else math.log(10),
            "train_accuracy": end[1] if step else 0.1} for net in M.NETS for s in SEEDS for step in (0, 100)]
    return {"templates": pd.DataFrame(rows), "records": pd.DataFrame(rec)}


def test_every_table_control_behaves_and_noise_templates_fail(ink):
    tables = _tables(ink)
    chapter = {c.check: c for c in M.checks(tables) if c.basis == "chapter"}
    assert set(chapter) == {"templates-concentrated", "templates-gabor-like"}
    assert all(c.outcome == "fail" for c in chapter.values())
    controls = M.controls(tables)
    for control in controls:
        got = {c.check: c.outcome for c in M.checks({**tables, **control.tables})}[control.check]
        assert got == ("pass" if control.kind == "positive" else "fail"), (control.check, control.why, got)
    # the negative control the amendment asks for: edge filters with their own pixels shuffled must fail
    assert sum("pixels shuffled in their place" in c.why for c in controls) == 4
    assert len(evaluate(EXP, tables).checks) == 4  # no check demoted to a measurement


def test_rule_12_closes_the_check_when_no_network_trained(ink):
    checks = M.checks(_tables(ink, learned=False))
    assert all(c.outcome == "inconclusive" and "no arm learned" in c.undecided for c in checks)


def test_protocol_3_seed_blocks_and_one_owner_per_claim():
    found = discover(REPO / "experiments", ["weights_as_templates", "mnist_network", "relu_sparsity"])
    assert found["weights_as_templates"].protocol == 3 and found["relu_sparsity"].protocol == 3
    assert found["mnist_network"].protocol == 2
    assert [c.id for c in found["mnist_network"].claims] == ["mnist-sigmoid-vs-relu"]
    hope, fact = M.CLAIMS[0].sentences
    assert hope.hope and hope.source == "001" and fact.source == "003" and not fact.hope


@pytest.mark.xfail(strict=True, reason="the design control as built (first layer started as Gabor edge filters at "
                   "He's norm) does not keep its edge filters through training at the tuned rate (quick: positions "
                   "0.25 and 0.34): it is not yet a configuration with the effect present by construction")
def test_the_design_control_passes_at_quick_sizes():
    got = M.design_control("quick", SEEDS)
    assert {c.check for c in got} == {"templates-concentrated", "templates-gabor-like"}
    assert all(c.outcome == "pass" for c in got), [(c.check, c.value, c.ci_low, c.ci_high) for c in got]
