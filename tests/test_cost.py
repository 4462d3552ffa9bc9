"""The cost tally the bench reads (issue 22): network-steps and training FLOPs counted
from the shapes, in both engines, and nothing counted outside a tally."""

import torch

from nnclaims.nn.models import MLPSpec
from nnclaims.nn.training import Schedule, train
from nnclaims.numeric import cost


def _fit(engine: str, rate: float = 0.1, steps: int = 5):
    torch.manual_seed(0)
    X, y = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    spec = MLPSpec(sizes=(3, 4, 1), activation="tanh", init="xavier_normal")
    schedule = Schedule(steps=steps, lr=rate, optimizer="sgd", loss="mse", batch_size=8)
    with cost.counting() as tally:
        result = train(spec, X, y, [1, 2], schedule, device="cpu", engine=engine, dtype=torch.float64)
    return tally, result


def test_step_flops_from_shapes():
    # 3x4 and 4x1 weights: 16 weights, 6 FLOPs per weight and example, batch 8
    assert cost.step_flops([(3, 4), (4, 1)], 8) == 6 * 8 * 16


def test_both_engines_count_every_network_step_and_its_flops():
    for engine in ("batched", "loop"):
        tally, _ = _fit(engine)
        assert tally.network_steps == 2 * 5, engine
        assert tally.steps == {"batched": 5, "loop": 2 * 5}[engine]  # a stack's step or each network's
        assert tally.diverged_network_steps == 0, engine
        assert tally.train_flops == 2 * 5 * cost.step_flops([(3, 4), (4, 1)], 8), engine


def test_diverged_networks_cost_nothing_in_the_batched_engine():
    tally, result = _fit("batched", rate=1e6, steps=60)
    assert result.diverged.all()
    # each network is computed up to the step where it diverged, and never after it
    assert tally.network_steps == int((result.diverged_step + 1).sum())
    assert tally.diverged_network_steps == 0


def test_nothing_is_counted_outside_a_tally():
    with cost.counting() as outer:
        with cost.counting() as inner:
            cost.add(3, 1.0)
    cost.add(5, 1.0)  # no tally open: a no-op
    assert (inner.network_steps, inner.steps, outer.network_steps) == (3, 1, 0)
