"""Drawing a network one layer at a time: the same numbers as the whole network."""

import pytest
import torch

from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.inits import get_init
from nnclaims.nn.models import MLPSpec, init_params
from nnclaims.nn.probes import activation_stats, streamed_second_moments

X = torch.randn(64, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(3))


@pytest.mark.parametrize("spec", [
    MLPSpec((12, 20, 20, 20, 1), activation="tanh", init="xavier_normal"),
    MLPSpec((12, 16, 24, 8, 3), activation="relu", init="he_uniform", bias_std=0.3, bias_shift=0.1),
])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_streamed_moments_equal_the_whole_network(spec, dtype):
    for seed in (0, 7):
        net = BatchedNet.stack(spec, [init_params(spec, seed, dtype=dtype)], dtype=dtype)
        whole = activation_stats(net, X.to(dtype))["pre_second_moment"][0]
        streamed = streamed_second_moments(spec, seed, X, dtype=dtype)
        assert streamed.dtype == dtype and streamed.shape == (len(spec.hidden),)
        torch.testing.assert_close(streamed, whole, rtol=1e-12 if dtype == torch.float64 else 1e-5, atol=0)


def test_float64_is_the_default_network_of_a_seed():
    spec = MLPSpec((12, 10, 10, 1), activation="tanh", init="xavier_normal", bias_std=0.2)
    default, explicit = init_params(spec, 5), init_params(spec, 5, dtype=torch.float64)
    for key in ("weight", "bias"):
        for a, b in zip(default[key], explicit[key]):
            assert a.dtype == torch.float64 and torch.equal(a, b)
    net = BatchedNet.init(spec, [5], dtype=torch.float64)
    torch.testing.assert_close(streamed_second_moments(spec, 5, X), activation_stats(net, X)["pre_second_moment"][0],
                               rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["xavier_normal", "he_uniform"])
def test_float32_draws_have_the_init_variance(name):
    init = get_init(name)
    w = init.sample(400, 300, torch.Generator().manual_seed(0), dtype=torch.float32)
    assert w.dtype == torch.float32 and w.shape == (300, 400)
    assert abs(float(w.double().var()) / init.variance(400, 300) - 1) < 0.02  # 120,000 draws: sd of the ratio 0.4%
    assert abs(float(w.double().mean())) < 0.01 * init.variance(400, 300) ** 0.5 * 5


def test_streamed_moments_refuse_what_they_do_not_model():
    with pytest.raises(ValueError, match="plain MLPs"):
        streamed_second_moments(MLPSpec((12, 12, 12, 1), residual=True), 0, X)
