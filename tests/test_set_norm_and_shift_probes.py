"""Batch norm with a chosen set's statistics (nn/set_norm.py) and the covariate-shift probes
(nn/shift_probes.py), each against an independent reference: torch's own BatchNorm1d, the
library's batched training engine, torch.optim, and a numerical 2-Wasserstein distance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from nnclaims.nn import losses
from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec, TorchMLP
from nnclaims.nn.set_norm import forward_with_statistics, train_with_statistics
from nnclaims.nn.shift_probes import distribution_shift, gradient_change
from nnclaims.nn.training import Schedule, train

SEEDS = [3, 4, 5]
SIZES = (12, 9, 7, 4)


def _data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, SIZES[0], generator=g, dtype=torch.float64), torch.randint(0, SIZES[-1], (n,), generator=g)


def _nets(norm: str = "batch") -> tuple[BatchedNet, list[TorchMLP]]:
    spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm=norm)
    net = BatchedNet.init(spec, SEEDS, dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    if norm == "batch":  # gains and shifts away from 1 and 0, so that using them wrongly shows
        net.params["gain"] = [1 + 0.3 * torch.randn(t.shape, generator=g, dtype=torch.float64) for t in net.params["gain"]]
        net.params["shift"] = [0.3 * torch.randn(t.shape, generator=g, dtype=torch.float64) for t in net.params["shift"]]
    return net, [TorchMLP(spec, net.seed_params(s)).train() for s in range(len(SEEDS))]


def test_own_statistics_are_torch_batchnorm_in_training_mode():
    net, ref = _nets()
    x, _ = _data(32)
    got = forward_with_statistics(net, x)
    with torch.no_grad():
        for s, model in enumerate(ref):
            assert torch.allclose(got[s], model(x), atol=1e-12)
    assert all(torch.equal(b, torch.zeros_like(b)) for b in net.buffers["running_mean"])  # running averages untouched


def test_set_statistics_are_those_of_the_whole_set_whatever_the_batch():
    net, ref = _nets()
    X, _ = _data(40)
    rows = torch.tensor([5, 0, 17, 39])
    got = forward_with_statistics(net, X[rows], X)
    alone = forward_with_statistics(net, X[rows[:1]], X)
    with torch.no_grad():
        for s, model in enumerate(ref):
            assert torch.allclose(got[s], model(X)[rows], atol=1e-12)  # the set's statistics, not the batch's
    assert torch.allclose(alone[:, 0], got[:, 0], atol=1e-12)  # a row does not depend on its batch-mates
    assert not torch.allclose(forward_with_statistics(net, X[rows]), got, atol=1e-3)  # the batch's own differ


def test_without_batch_norm_the_statistics_change_nothing():
    net, _ = _nets("none")
    X, _ = _data(20)
    assert torch.allclose(forward_with_statistics(net, X[:5], X), net(X[:5]), atol=1e-12)


def test_batch_statistics_train_step_for_step_as_the_library_engine():
    X, y = _data(64)
    spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm="batch")
    mine = train_with_statistics(spec, X, y, SEEDS, steps=30, lr=[0.05, 0.1, 0.2], batch_size=8,
                                                     stats="batch", device="cpu", dtype=torch.float64)
    lib = train(spec, X, y, SEEDS, Schedule(30, [0.05, 0.1, 0.2], loss="ce", batch_size=8), device="cpu",
                engine="batched", dtype=torch.float64)
    for key in ("weight", "bias", "gain", "shift"):
        for a, b in zip(mine.net.params[key], lib.net.params[key]):
            assert torch.allclose(a, b, atol=1e-10), key
    assert not mine.diverged.any() and list(mine.steps) == [0, 30]


def test_set_statistics_with_the_whole_set_as_the_batch_are_batch_statistics():
    X, y = _data(24)
    spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm="batch")
    runs = [train_with_statistics(spec, X, y, SEEDS, steps=6, lr=0.1, batch_size=24, stats=s, device="cpu",
                                  dtype=torch.float64).net for s in ("batch", "set")]
    for a, b in zip(runs[0].parameters(), runs[1].parameters()):
        assert torch.allclose(a, b, atol=1e-10)
    small = [train_with_statistics(spec, X, y, SEEDS, steps=6, lr=0.1, batch_size=4, stats=s, device="cpu",
                                   dtype=torch.float64).net for s in ("batch", "set")]
    assert not torch.allclose(small[0].weight[0], small[1].weight[0], atol=1e-6)  # small batches: the arms differ


def test_a_diverging_network_is_frozen_and_the_others_train_on():
    X, y = _data(32)
    spec = MLPSpec(SIZES, activation="relu", init="he_normal")  # batch norm's scale invariance hardly diverges
    result = train_with_statistics(spec, X, y, SEEDS, steps=20, lr=[1e200, 0.1, 0.1], batch_size=8, stats="set",
                                   device="cpu", dtype=torch.float64)
    assert result.diverged.tolist() == [True, False, False]
    assert all(torch.isfinite(w[1:]).all() for w in result.net.weight)


def test_distribution_shift_is_the_wasserstein_distance_of_the_moments():
    from scipy.stats import norm

    u = (np.arange(20000) + 0.5) / 20000  # the quantile coupling: W2² = ∫ (F⁻¹ − G⁻¹)² du
    mu = np.array([[[0.0, 1.0, 2.0]], [[0.5, 1.0, 2.0]]])  # (T=2, S=1, units=3)
    sd = np.array([[[1.0, 2.0, 0.0]], [[1.5, 1.0, 1.0]]])
    numeric = [math.sqrt(np.mean((norm.ppf(u, mu[0, 0, j], sd[0, 0, j]) - norm.ppf(u, mu[1, 0, j], sd[1, 0, j])) ** 2))
               for j in range(2)]
    assert numeric == pytest.approx([math.hypot(0.5, 0.5), 1.0], rel=1e-3)
    # standardized: unit 3 has no earlier spread and is left out; the median of the other two
    assert distribution_shift(mu, sd)[0, 0] == pytest.approx(np.median([numeric[0] / 1.0, numeric[1] / 2.0]), rel=1e-3)
    assert distribution_shift(mu, sd, standardized=False)[0, 0] == pytest.approx(1.0)  # median of .707, 1, 1
    assert distribution_shift(mu[[0, 0]], sd[[0, 0]])[0, 0] == 0.0  # nothing moved
    assert np.isnan(distribution_shift(np.zeros((2, 1, 2)), np.zeros((2, 1, 2))))[0, 0]


@pytest.mark.parametrize("norm", ["none", "batch"])
def test_gradient_change_against_torch_optim_on_the_earlier_layers(norm):
    net, ref = _nets(norm)
    X, y = _data(30)
    lr = 0.3
    got = gradient_change(net, X, y, lr)
    for s, model in enumerate(ref):
        for l in (1, 2):  # linear layers 2 and 3
            losses.single("ce", model(X), y).backward()
            before = model.linears[l].weight.grad.clone()
            earlier = [p for i in range(l) for p in model.linears[i].parameters()]
            earlier += [p for i in range(l) for p in (model.norms[i].parameters() if norm == "batch" else [])]
            torch.optim.SGD(earlier, lr=lr).step()
            model.zero_grad()
            losses.single("ce", model(X), y).backward()
            after = model.linears[l].weight.grad
            assert float(got["grad_rel_l2"][s, l - 1]) == pytest.approx(float((before - after).norm() / before.norm()),
                                                                        rel=1e-9)
            cos = float((before * after).sum() / (before.norm() * after.norm()))
            assert float(got["grad_cos"][s, l - 1]) == pytest.approx(cos, rel=1e-9)
            model.load_state_dict(TorchMLP(model.spec, net.seed_params(s)).state_dict())  # undo the step
            model.zero_grad()
    still = gradient_change(net, X, y, 0.0)
    assert torch.allclose(still["grad_rel_l2"], torch.zeros(3, 2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(still["grad_cos"], torch.ones(3, 2, dtype=torch.float64), atol=1e-12)
