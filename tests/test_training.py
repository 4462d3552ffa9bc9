"""The batched engine against the plain loop, and what happens when training diverges."""

import numpy as np
import pytest
import torch

from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.training import Schedule, train

G = torch.Generator().manual_seed(0)
X = torch.randn(64, 5, dtype=torch.float64, generator=G)
Y_REG = torch.randn(64, 3, dtype=torch.float64, generator=G)
Y_CLS = torch.randint(0, 3, (64,), generator=G)
Y_BIN = torch.randint(0, 2, (64, 3), generator=G).double()

# One entry per architecture family. Batch norm trains with SGD here: Adam divides a
# gradient by its own running magnitude, so for the bias in front of a batch norm (whose
# true gradient is exactly zero) it turns round-off into steps of ~lr * 1e-8.
FAMILIES = {
    "sigmoid": (dict(activation="sigmoid"), Schedule(100, 0.5), Y_REG),
    "tanh-adam-minibatch": (dict(activation="tanh"), Schedule(100, 0.01, optimizer="adam", batch_size=16), Y_REG),
    "relu-ce-momentum": (dict(activation="relu"), Schedule(100, 0.05, momentum=0.9, loss="ce"), Y_CLS),
    "leaky-bce": (dict(activation="leaky_relu"), Schedule(100, 0.1, loss="bce"), Y_BIN),
    "prelu-l1-l2": (dict(activation="prelu"), Schedule(100, 0.05, l1=1e-3, l2=1e-2), Y_REG),
    "residual": (dict(activation="relu", residual=True), Schedule(100, 0.01, optimizer="adam"), Y_REG),
    "layer-norm": (dict(activation="gelu", norm="layer"), Schedule(100, 0.01, optimizer="adam"), Y_REG),
    "batch-norm": (dict(activation="relu", norm="batch"), Schedule(100, 0.05, batch_size=16, loss="ce"), Y_CLS),
    "dropout": (dict(activation="swish", dropout=0.3), Schedule(100, 0.05, batch_size=32), Y_REG),
}

CPU = {"device": "cpu", "engine": "batched"}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_loop_and_batched_agree_in_float64(family):
    kw, schedule, y = FAMILIES[family]
    spec = MLPSpec((5, 8, 8, 3), init="xavier_normal", **kw)
    seeds = [0, 1, 2]
    a = train(spec, X, y, seeds, schedule, dtype=torch.float64, device="cpu", engine="batched")
    b = train(spec, X, y, seeds, schedule, dtype=torch.float64, device="cpu", engine="loop")
    diff = max((pa - pb).abs().max().item() for pa, pb in zip(a.net.parameters(), b.net.parameters()))
    assert diff <= 1e-12, f"{family}: parameters differ by {diff:.3g} after {schedule.steps} steps"
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-10, atol=1e-12)
    assert a.final("loss").mean() < a.history["loss"][0].mean(), "training should lower the loss"


def test_loop_and_batched_agree_with_data_per_network():
    # Each network its own targets, as when one computation fits several functions: the
    # loop engine must record each network's loss on its own data, not on all of it.
    spec = MLPSpec((5, 8, 3), activation="tanh", init="xavier_normal")
    Xs, Ys = torch.stack([X, -X, 2 * X]), torch.stack([Y_REG, Y_REG ** 2, -Y_REG])
    schedule = Schedule(40, [0.01, 0.02, 0.03], optimizer="adam", batch_size=16)
    a = train(spec, Xs, Ys, [0, 1, 2], schedule, dtype=torch.float64, device="cpu", engine="batched")
    b = train(spec, Xs, Ys, [0, 1, 2], schedule, dtype=torch.float64, device="cpu", engine="loop")
    for pa, pb in zip(a.net.parameters(), b.net.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=1e-10, atol=1e-12)
    assert len(set(np.round(a.final("loss"), 6))) == 3, "three targets, three different losses"


def test_float32_statistics_agree():
    spec = MLPSpec((5, 32, 32, 3), activation="relu", init="he_normal")
    schedule = Schedule(100, 0.05, loss="ce", batch_size=16)
    a = train(spec, X, Y_CLS, [0, 1], schedule, dtype=torch.float32, device="cpu", engine="batched")
    b = train(spec, X, Y_CLS, [0, 1], schedule, dtype=torch.float32, device="cpu", engine="loop")
    np.testing.assert_allclose(a.final("loss"), b.final("loss"), rtol=1e-4)


def test_each_seed_trains_as_if_alone():
    spec = MLPSpec((5, 8, 3), activation="tanh")
    together = train(spec, X, Y_REG, [4, 5, 6], Schedule(50, 0.1), dtype=torch.float64, **CPU)
    alone = train(spec, X, Y_REG, [5], Schedule(50, 0.1), dtype=torch.float64, **CPU)
    for p, q in zip(together.net.parameters(), alone.net.parameters()):
        torch.testing.assert_close(p[1], q[0], rtol=0, atol=1e-14)


def test_divergence_is_recorded_not_raised():
    spec = MLPSpec((5, 16, 3), activation="relu", init="he_normal")
    result_bad = train(spec, X * 1e3, Y_REG, [0], Schedule(30, 10.0), dtype=torch.float64, **CPU)
    result_ok = train(spec, X, Y_REG, [0], Schedule(30, 0.01), dtype=torch.float64, **CPU)
    assert result_bad.diverged.all() and result_bad.diverged_step[0] >= 0
    assert not result_ok.diverged.any()
    rows = result_bad.tidy()
    assert any(r["diverged"] for r in rows) and not rows[0]["diverged"]


def test_diverged_network_does_not_disturb_the_others():
    spec = MLPSpec((5, 16, 3), activation="relu", init="he_normal")
    net = BatchedNet.init(spec, [0, 1], dtype=torch.float64, device="cpu")
    with torch.no_grad():
        net.weight[0][0].mul_(1e200)  # network 0 overflows at once
    result = train(spec, X, Y_REG, [0, 1], Schedule(20, 0.01), dtype=torch.float64, net=net, **CPU)
    alone = train(spec, X, Y_REG, [1], Schedule(20, 0.01), dtype=torch.float64, **CPU)
    assert result.diverged.tolist() == [True, False]
    for p, q in zip(result.net.parameters(), alone.net.parameters()):
        torch.testing.assert_close(p[1], q[0], rtol=0, atol=1e-14)


def test_unknown_engine_optimizer_and_loss_are_named():
    spec = MLPSpec((5, 4, 3))
    with pytest.raises(ValueError, match="valid engines are: batched, loop"):
        train(spec, X, Y_REG, [0], Schedule(1, 0.1), device="cpu", engine="jit")
    with pytest.raises(ValueError, match="valid optimizers are: sgd, adam"):
        train(spec, X, Y_REG, [0], Schedule(1, 0.1, optimizer="rmsprop"), **CPU)
    with pytest.raises(ValueError, match="valid losses are: mse, bce, ce"):
        train(spec, X, Y_REG, [0], Schedule(1, 0.1, loss="l1"), **CPU)


@pytest.mark.parametrize("optimizer,momentum", [("sgd", 0.0), ("sgd", 0.9), ("adam", 0.0)])
def test_one_learning_rate_per_network_trains_each_as_if_alone(optimizer, momentum):
    # A learning-rate sweep over repeated seeds, as one computation, against each rate alone.
    spec = MLPSpec((5, 16, 3), activation="tanh", init="xavier_normal")
    rates = [0.003, 0.03, 0.3]
    sweep = train(spec, X, Y_REG, [7, 7, 7], Schedule(30, rates, optimizer=optimizer, momentum=momentum),
                  dtype=torch.float64, **CPU)
    for i, lr in enumerate(rates):
        alone = train(spec, X, Y_REG, [7], Schedule(30, lr, optimizer=optimizer, momentum=momentum),
                      dtype=torch.float64, **CPU)
        for p, q in zip(sweep.net.parameters(), alone.net.parameters()):
            torch.testing.assert_close(p[i], q[0], rtol=1e-10, atol=1e-12)
    loop = train(spec, X, Y_REG, [7, 7, 7], Schedule(30, rates, optimizer=optimizer, momentum=momentum),
                 dtype=torch.float64, device="cpu", engine="loop")
    for p, q in zip(sweep.net.parameters(), loop.net.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)
    rows = sweep.tidy(["loss"], per_network={"lr": rates})
    assert {r["lr"] for r in rows} == set(rates)
    with pytest.raises(ValueError, match="2 learning rates were given for 3 networks"):
        train(spec, X, Y_REG, [7, 7, 7], Schedule(1, [0.1, 0.2]), **CPU)
