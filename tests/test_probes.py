"""Probes on a batch of networks, against cases whose answer is known."""

import torch

from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.probes import activation_stats, constant_output, dead_units, derivative_factors

X = torch.randn(200, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))


def test_dead_and_constant_networks_are_found():
    # Biases of -100 switch every ReLU off on these inputs: all units dead, output constant.
    dead = BatchedNet.init(MLPSpec((4, 8, 8, 2), activation="relu", bias_shift=-100.0), [0, 1], dtype=torch.float64)
    alive = BatchedNet.init(MLPSpec((4, 8, 8, 2), activation="relu"), [0, 1], dtype=torch.float64)
    assert all(m.all() for m in dead_units(dead, X))
    assert constant_output(dead, X).tolist() == [True, True]
    assert constant_output(alive, X).tolist() == [False, False]
    leaky = BatchedNet.init(MLPSpec((4, 8, 1), activation="leaky_relu", bias_shift=-100.0), [0], dtype=torch.float64)
    assert not dead_units(leaky, X)[0].any()  # a leaky unit always passes some gradient


def test_activation_statistics_and_derivative_factors_have_a_seed_axis():
    net = BatchedNet.init(MLPSpec((4, 16, 16, 1), activation="sigmoid"), [0, 1, 2], dtype=torch.float64)
    stats = activation_stats(net, X)
    assert stats["post_mean"].shape == (3, 2)
    assert ((stats["post_mean"] > 0) & (stats["post_mean"] < 1)).all()
    d = derivative_factors(net, X)
    assert d.shape == (3, 2) and (d <= 0.25).all() and (d > 0.2).all()
