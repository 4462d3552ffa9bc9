"""Every theory curve against Monte Carlo."""

import numpy as np
import pytest
import torch

from nnclaims.numeric import theory
from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.probes import activation_stats, gradient_norms

RNG = np.random.default_rng(0)
Z = RNG.standard_normal(2_000_000)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("q", [0.01, 0.5, 1.0, 4.0])
def test_gaussian_moments_match_monte_carlo(activation, q):
    phi, dphi = theory._PHI[activation]
    x = np.sqrt(q) * Z
    mc, mc_d = np.mean(phi(x) ** 2), np.mean(dphi(x) ** 2)
    assert theory.second_moment(activation, q) == pytest.approx(mc, rel=5e-3)
    assert theory.derivative_second_moment(activation, q) == pytest.approx(mc_d, rel=5e-3)


def test_quadrature_is_exact_for_polynomials():
    for k, moment in [(2, 1.0), (4, 3.0), (6, 15.0)]:
        assert theory.gaussian_expectation(lambda z: z**k, 1.0) == pytest.approx(moment, rel=1e-12)


def test_relu_recursions_he_constant_xavier_halving():
    assert theory.relu_layer_gain(2 / 100, 100) == pytest.approx(1.0)
    assert theory.relu_layer_gain(2 / (100 + 100), 100) == pytest.approx(0.5)
    q = theory.variance_recursion("relu", 1.0, 1.0, 5)
    np.testing.assert_allclose(q, [1, 0.5, 0.25, 0.125, 0.0625])


def test_fixed_point_and_chi_known_values():
    # Schoenholz et al. (2017): for tanh with sb^2 = 0.05 the order-to-chaos transition
    # (chi = 1) lies near sw^2 = 1.76; with sb^2 = 0 exactly at sw^2 = 1.
    assert theory.chi("tanh", 1.70, 0.05) < 1 < theory.chi("tanh", 1.85, 0.05)
    assert theory.fixed_point("tanh", 0.9, 0.0) == pytest.approx(0.0, abs=1e-6)
    assert theory.chi("relu", 2.0, 0.0) == pytest.approx(1.0)


@pytest.mark.parametrize("activation,sw2,sb2", [("tanh", 1.5, 0.05), ("tanh", 3.0, 0.05), ("relu", 2.0, 0.0)])
def test_variance_map_matches_random_networks(activation, sw2, sb2):
    width, depth, nets = 400, 6, 48
    spec = MLPSpec((width,) * (depth + 1) + (1,), activation=activation, init="variance_scaling",
                   init_params={"sw2": sw2}, bias_std=np.sqrt(sb2))
    net = BatchedNet.random(spec, nets, torch.Generator().manual_seed(0), dtype=torch.float64)
    x = torch.randn(100, width, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    per_net = activation_stats(net, x)["pre_second_moment"].numpy()  # (nets, layers)
    mean, se = per_net.mean(axis=0), per_net.std(axis=0, ddof=1) / np.sqrt(nets)
    q1 = sw2 * float((x**2).mean()) + sb2
    predicted = theory.variance_recursion(activation, q1, sw2, depth, sb2)
    # Unbiased within Monte Carlo error, and with the power to see an 8% miss.
    assert np.all(np.abs(mean - predicted) <= 4 * se + 1e-12), (mean, predicted, se)
    assert np.all(se <= 0.02 * predicted)


@pytest.mark.parametrize("sw2,side", [(1.2, "shrink"), (3.0, "grow")])
def test_chi_matches_measured_gradient_growth(sw2, side):
    sb2, width, depth = 0.05, 800, 20
    spec = MLPSpec((width,) * (depth + 1) + (width,), activation="tanh", init="variance_scaling",
                   init_params={"sw2": sw2}, bias_std=np.sqrt(sb2))
    net = BatchedNet.init(spec, [0, 1, 2, 3], dtype=torch.float64)
    x = torch.randn(64, width, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y = torch.randn(64, width, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    g = gradient_norms(net, x, y, "mse")["pre_grad"].numpy() ** 2  # (S, hidden layers)
    ratio = np.exp(np.mean(np.log(g[:, 5:-1] / g[:, 6:]), axis=1)).mean()  # ||d_l||^2 / ||d_{l+1}||^2
    predicted = theory.chi("tanh", sw2, sb2)
    assert (predicted < 1) == (side == "shrink")
    assert ratio == pytest.approx(predicted, rel=0.1)
