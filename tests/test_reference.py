"""Our math against independent references: NumPy by hand, torch autograd, finite differences."""

import numpy as np
import pytest
import torch

from nnclaims.numeric import reference
from nnclaims.nn.activations import activation_names, get_activation
from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec, TorchMLP, init_params, mlp_param_count

ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]


def _problem(loss: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = (3, 5, 4, 2)
    W = [rng.normal(size=(b, a)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    B = [rng.normal(size=b) * 0.1 for b in sizes[1:]]
    x = rng.normal(size=(7, 3))
    if loss == "ce":
        t = rng.integers(0, 2, size=7)
    elif loss == "bce":
        t = rng.integers(0, 2, size=(7, 2)).astype(float)
    else:
        t = rng.normal(size=(7, 2))
    return sizes, W, B, x, t


@pytest.mark.parametrize("activation", ACTS)
@pytest.mark.parametrize("loss", ["mse", "bce", "ce"])
def test_numpy_backward_matches_torch_autograd(activation, loss):
    sizes, W, B, x, t = _problem(loss)
    value, gW, gB = reference.backward(W, B, x, t, activation, loss)

    spec = MLPSpec(sizes, activation=activation)
    params = {"weight": [torch.tensor(w) for w in W], "bias": [torch.tensor(b) for b in B]}
    model = TorchMLP(spec, params)
    from nnclaims.nn import losses

    target = torch.tensor(t)
    out = losses.single(loss, model(torch.tensor(x)), target)
    out.backward()
    assert out.item() == pytest.approx(value, rel=1e-12, abs=1e-14)
    for lin, gw, gb in zip(model.linears, gW, gB):
        np.testing.assert_allclose(lin.weight.grad.numpy(), gw, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(lin.bias.grad.numpy(), gb, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("loss", ["mse", "bce", "ce"])
def test_numpy_backward_matches_finite_differences(activation, loss):
    sizes, W, B, x, t = _problem(loss, seed=1)
    _, gW, gB = reference.backward(W, B, x, t, activation, loss)

    def value():
        logits, _, _ = reference.forward(W, B, x, activation)
        return reference.loss_and_grad(logits, t, loss)[0]

    for arr, g in [*zip(W, gW), *zip(B, gB)]:
        np.testing.assert_allclose(reference.finite_difference(value, arr), g, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("activation", ACTS)
def test_batched_forward_equals_torch_module_and_numpy(activation):
    spec = MLPSpec((3, 6, 6, 2), activation=activation, init="xavier_normal", bias_std=0.1)
    x = torch.randn(9, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    seeds = [3, 4, 5]
    net = BatchedNet.init(spec, seeds, dtype=torch.float64)
    out = net(x)
    for i, seed in enumerate(seeds):
        p = init_params(spec, seed)
        ref, _, _ = reference.forward([w.numpy() for w in p["weight"]], [b.numpy() for b in p["bias"]],
                                      x.numpy(), activation)
        np.testing.assert_allclose(out[i].numpy(), ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(TorchMLP(spec, p)(x).detach().numpy(), ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", activation_names())
def test_closed_form_derivatives_match_autograd(name):
    act = get_activation(name)
    z = torch.linspace(-6, 6, 2001, dtype=torch.float64).requires_grad_(True)
    slope = torch.tensor(0.3, dtype=torch.float64) if act.learned_slope else None
    y = act(z, slope)
    (auto,) = torch.autograd.grad(y.sum(), z) if y.requires_grad else (torch.zeros_like(z),)
    closed = act.grad(z.detach(), slope)
    np.testing.assert_allclose(auto.numpy(), closed.numpy(), rtol=1e-12, atol=1e-12)


def test_param_count_formula_matches_module():
    for sizes in [(784, 16, 16, 10), (784, 256, 128, 10), (2, 2, 1)]:
        spec = MLPSpec(sizes, activation="sigmoid")
        assert sum(p.numel() for p in TorchMLP(spec).parameters()) == mlp_param_count(sizes) == spec.n_params()
    assert mlp_param_count((784, 16, 16, 10)) == 13_002
    assert mlp_param_count((784, 256, 128, 10)) == 235_146


def test_init_variances_match_their_definition():
    from nnclaims.nn.inits import get_init

    g = torch.Generator().manual_seed(0)
    fan_in, fan_out = 400, 300
    expected = {"xavier_normal": 2 / (fan_in + fan_out), "xavier_uniform": 2 / (fan_in + fan_out),
                "he_normal": 2 / fan_in, "he_uniform": 2 / fan_in, "lecun_normal": 1 / fan_in}
    for name, var in expected.items():
        w = get_init(name).sample(fan_in, fan_out, g)
        assert w.shape == (fan_out, fan_in)
        assert w.var().item() == pytest.approx(var, rel=0.02), name
    assert get_init("normal", std=0.01).sample(fan_in, fan_out, g).std().item() == pytest.approx(0.01, rel=0.02)
