"""skip-connections and residual-ensembles under protocol 3: the pre-activation block and its probes
(`nnclaims.nn.preact`) against brute force, the design control (rule 14) at quick sizes, rule 12
on the paired comparison, every table control on real at-initialization networks, the computed
regime phrase, and the figures."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import REPO
from nnclaims.evidence import RunContext
from nnclaims.evidence.experiment import load
from nnclaims.evidence.summary import evaluate
from nnclaims.nn import losses
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.preact import PreActNet, backprop_ratio, effective_length, lesions, parts, path_shares

EXP = load(REPO / "experiments" / "skip_connections.py")
M = EXP.module
SEEDS = list(range(6))
DEPTHS = (3, 6, 100)  # records: two deep cells and a shallow one; the probes at 3 and 100 (width 16)


@pytest.fixture(autouse=True)
def one_thread():
    # the probes are hundreds of tiny matrix products: a second thread only adds contention
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def init_table() -> pd.DataFrame:
    """At-initialization probes of real width-16 networks at depths 3 and 100 (plain, residual, post)."""
    torch.set_num_threads(1)
    ctx = RunContext(seeds=SEEDS, profile="quick")
    return pd.DataFrame([r for d in (3, 100) for r in M._at_init(dict(part="init", activation="relu", depth=d), ctx)])


def _records(trains: dict[str, bool], lower: str | None = None) -> pd.DataFrame:
    """Records by construction: an arm that trains ends at loss 0.1 and accuracy 0.98, one that does not
    at chance; ``lower``: that arm ends 0.01 below the others' (plus a little per seed)."""
    rows = []
    for block, depth in itertools.product(("plain", "residual"), DEPTHS):
        key = f"relu/{block}/{depth}"
        for seed, step in itertools.product(SEEDS, (0, 10)):
            loss, acc = (0.1, 0.98) if trains.get(key, True) and step else (math.log(10), 0.1)
            loss -= (0.01 + 1e-4 * seed) * (key == lower and step > 0)
            rows.append(dict(arm=key, activation="relu", block=block, depth=depth, seed=seed, step=step, loss=loss,
                             train_accuracy=acc, lr=0.1))
    return pd.DataFrame(rows)


def _paths(early: float, end: float) -> pd.DataFrame:
    """Path shares by construction: all on length 1 at the start, then mean lengths ``early`` and ``end``
    (split between two neighbouring lengths, a little scatter per seed)."""
    rows = []
    for seed, (step, mean) in itertools.product(SEEDS, ((0, 1.0), (1, early), (10, end))):
        m = mean + 0.01 * seed
        lo = math.floor(m)
        rows += [dict(seed=seed, step=step, k=lo, share=1 - (m - lo)), dict(seed=seed, step=step, k=lo + 1, share=m - lo)]
    return pd.DataFrame(rows)


def _tables(init_table, trains=None, lower="relu/residual/100", paths=(1.0, 2.0)) -> dict:
    trains = trains or {"relu/plain/100": False}
    return {"records": _records(trains, lower), "init": init_table, "paths": _paths(*paths)}


# -- the library: pre-activation block and probes --------------------------------------------
def _tiny(L=4, n=5):
    spec = MLPSpec((7,) + (n,) * (L + 1) + (3,), activation="relu", init="he_normal", residual=True, residual_scale=0.5)
    gen = torch.Generator().manual_seed(0)
    X, y = torch.randn(6, 7, generator=gen, dtype=torch.float64), torch.randint(0, 3, (6,), generator=gen)
    return PreActNet.init(spec, [1, 2], dtype=torch.float64), X, y


def test_the_block_is_pre_activation():
    net, X, y = _tiny()
    W, b = net.weight, net.bias
    a = X @ W[0] + b[0]
    for i in range(1, 5):
        a = a + 0.5 * (torch.relu(a) @ W[i] + b[i])
    assert torch.allclose(net(X), torch.relu(a) @ W[5] + b[5])


def test_path_shares_equal_the_sum_over_paths_by_brute_force():
    net, X, y = _tiny()
    stem, blocks, head = parts(net)
    states = [stem(X)]
    for block in blocks:
        states.append(block(states[-1]))
    top = states[-1].clone().requires_grad_(True)
    g = torch.autograd.grad(losses.per_network("ce", head(top), y).sum(), top)[0]
    by_length = [torch.zeros_like(g) for _ in range(5)]
    for subset in itertools.product((0, 1), repeat=4):  # every one of the 2^4 paths, gates frozen
        v = g
        for i in range(4, 0, -1):
            v = 0.5 * (v @ net.weight[i].transpose(-1, -2)) * (states[i - 1] > 0) if subset[i - 1] else v
        by_length[sum(subset)] = by_length[sum(subset)] + v
    norms = torch.stack([t.flatten(1).norm(dim=1) for t in by_length], dim=1)
    assert torch.allclose(path_shares(net, X, y), norms / norms.sum(dim=1, keepdim=True))
    first = states[0].clone().requires_grad_(True)
    a = first
    for block in blocks:
        a = block(a)
    assert torch.allclose(sum(by_length), torch.autograd.grad(losses.per_network("ce", head(a), y).sum(), first)[0])
    assert effective_length(torch.tensor([[0.5, 0.5, 0.0]])).item() == pytest.approx(0.5)


def test_the_probes_on_a_net_whose_blocks_do_nothing():
    net, X, y = _tiny()
    for w in net.weight[1:-1]:
        w.zero_()
    # no branch: the gradient reaches a0 whole, every path but the empty one carries nothing, deleting costs nothing
    assert torch.allclose(backprop_ratio(net, X, y)["log10_ratio"], torch.zeros(2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(path_shares(net, X, y)[:, 0], torch.ones(2, dtype=torch.float64))
    got = lesions(net, X, y)
    assert torch.allclose(got["deleted"], got["accuracy"][:, None].expand(-1, 4)) and (got["share"] == 0).all()


def test_a_pre_activation_net_keeps_its_block_after_a_network_diverges():
    from nnclaims.nn.training import Schedule, train
    spec = MLPSpec((7, 5, 5, 5, 3), activation="relu", init="he_normal", residual=True, residual_scale=0.5)
    X, y = torch.randn(64, 7, generator=torch.Generator().manual_seed(1)), torch.arange(64) % 3
    run = lambda seeds, rates: train(spec, X, y, seeds, Schedule(6, rates, loss="ce"), device="cpu",  # noqa: E731
                                     engine="batched", net=PreActNet.init(spec, seeds))
    both, alone = run([1, 2], [0.1, 1e30]), run([1], [0.1])
    assert both.diverged.tolist() == [False, True] and isinstance(both.net, PreActNet)
    assert np.allclose(both.history["loss"][:, 0], alone.history["loss"][:, 0], rtol=1e-5)


# -- the experiment ---------------------------------------------------------------------------
def test_the_design_controls_pass_at_quick_sizes():
    # rule 14: depth 3 (quick's shallowest), both arms through the same tuning and training
    got = {c.check: c for c in M.design_control("quick", [40000, 40001, 40002, 40003])}
    assert set(got) == {"plain-trains-shallow", "residual-trains-shallow"}
    for check in got.values():
        assert check.outcome == "pass", (check.check, check.value, check.ci_low)


def test_every_check_behaves_on_its_table_controls(init_table):
    summary = evaluate(EXP, _tables(init_table))
    for check in ("signal-reaches-bottom", "residual-trains-deep", "plain-fails-deepest", "residual-below-plain",
                  "paths-lengthen"):
        assert summary.controls[check] == {"positive": "pass", "negative": "fail"}, (check, summary.controls[check])


def test_the_checks_read_what_they_should(init_table):
    got = {c.check: c for c in M.checks(_tables(init_table))}
    assert got["signal-reaches-bottom"].outcome == "pass"  # measured: about 10^0.2 at depths 3 and 100
    assert got["residual-trains-deep"].outcome == "pass" and got["plain-fails-deepest"].outcome == "pass"
    assert got["residual-below-plain"].outcome == "pass" and got["paths-lengthen"].outcome == "pass"
    longer_early = {c.check: c for c in M.checks(_tables(init_table, paths=(2.0, 1.0)))}["paths-lengthen"]
    assert longer_early.outcome == "fail" and longer_early.basis == "chapter"


def test_no_arm_learned_makes_the_comparison_inconclusive(init_table):
    nothing = {f"relu/{b}/{d}": False for b in ("plain", "residual") for d in (6, 100)}  # 6: the paths' nets
    got = {c.check: c for c in M.checks(_tables(init_table, trains=nothing))}
    assert got["residual-below-plain"].ci_high < 0  # the interval alone would pass...
    assert got["residual-below-plain"].outcome == "inconclusive"  # ...but nothing learned (rule 12)
    assert got["residual-below-plain"].undecided.startswith("no arm learned")
    assert got["paths-lengthen"].undecided.startswith("no arm learned")


def test_the_regime_phrase_follows_the_data(init_table):
    tables = _tables(init_table, trains={"relu/plain/6": False, "relu/plain/100": False})
    assert M.regimes(tables)[M.CLAIM] == ("plain nets fail to train: holds at depth ≥ 6, fails below; residual nets "
                                          "train: holds at every depth tried (3 to 100)")
    tables = _tables(init_table, trains={"relu/plain/100": False, "relu/residual/100": False})
    assert "residual nets train: holds at depth ≤ 6, fails above" in M.regimes(tables)[M.CLAIM]
    assert "plain nets of 100 layers in 0 of 6" in M.plain_reasons(tables)[M.CLAIM]


def test_a_confirmatory_run_records_paths_and_lesions():
    decisions = {"lr": {"relu/residual/6": 0.1, "relu/plain/3": 0.1}, "seeds": {"relu/residual/6": 2, "relu/plain/3": 2}}
    ctx = RunContext(seeds=[30000, 30001, 30002], profile="quick", decisions=decisions)
    out = M.run(dict(part="train", activation="relu", block="residual", depth=6, steps=40), ctx)
    paths = pd.DataFrame(out["paths"])
    assert sorted(paths["step"].unique()) == [0, 4, 40] and paths["seed"].nunique() == 2
    assert np.allclose(paths.groupby(["seed", "step"])["share"].sum(), 1.0) and paths["k"].max() == 6
    les = pd.DataFrame(M.run(dict(part="train", activation="relu", block="plain", depth=3, steps=40), ctx)["lesions"])
    assert sorted(les["index"].unique()) == [1, 2] and (les["share"] > 0).all()  # a plain net's layers 2 and 3


def test_the_figures_draw(init_table, tmp_path):
    tables = _tables(init_table)
    made = M.analysis(tables)
    assert set(made["signal_regime"]["block"]) == set(M.BLOCKS.values())
    figs = M.figures({**tables, **made}, tmp_path)
    assert {f.file.split("/")[-1] for f in figs} >= {"skip_regime.svg", "residual_paths.svg"}
