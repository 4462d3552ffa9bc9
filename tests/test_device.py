"""Devices, threads and bit-reproducibility."""

import json

import pytest
import torch

from conftest import REPO
from nnclaims.nn import device as devices
from nnclaims.evidence.experiment import load
from nnclaims.evidence.settings import settings_from
from nnclaims.nn.models import MLPSpec
from nnclaims.nn.training import Schedule, train
from nnclaims.plan import plan
from nnclaims.stages import run_shard


def test_same_config_seed_and_threads_give_the_same_bits(tmp_path):
    exp = load(REPO / "experiments" / "linear_collapse.py")
    settings = settings_from({"profile": "quick", "device": "cpu", "threads": 1,
                              "overrides": {"linear_collapse": {"seeds": 3}}})
    p = plan(settings, {exp.name: exp})[exp.name]
    a = run_shard(exp, p.settings)["tables"]
    b = run_shard(exp, p.settings)["tables"]
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_device_names_are_checked():
    with pytest.raises(ValueError, match="valid devices are: auto, cpu, cuda"):
        devices.resolve("gpu")
    assert devices.resolve("auto") in ("cpu", "cuda")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no GPU"):
            devices.resolve("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU visible to torch")
def test_batched_engine_on_cuda_matches_cpu():
    X = torch.randn(64, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 3, (64,), generator=torch.Generator().manual_seed(1))
    spec = MLPSpec((5, 16, 16, 3), activation="relu", norm="batch", dropout=0.1)
    schedule = Schedule(50, 0.05, loss="ce", batch_size=16)
    cpu = train(spec, X, y, [0, 1, 2], schedule, dtype=torch.float64, device="cpu", engine="batched")
    gpu = train(spec, X, y, [0, 1, 2], schedule, dtype=torch.float64, device="cuda", engine="batched")
    for p, q in zip(cpu.net.parameters(), gpu.net.parameters()):
        torch.testing.assert_close(p, q.cpu(), rtol=1e-9, atol=1e-11)
