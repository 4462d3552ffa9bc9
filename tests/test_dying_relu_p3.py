"""dying-relu, protocol 3 (amended catalogue): born dead is decided exactly on [-1, 1], the
257-point grid stays as a counted cross-check, and only the born-dead part moves to protocol
3's seed blocks while the training part keeps protocol 2's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import REPO
from nnclaims.evidence import RunContext
from nnclaims.evidence.experiment import load
from nnclaims.evidence.part_seeds import block_of, seed_for
from nnclaims.evidence.settings import settings_from
from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.born_dead import _dead_cells, _layers, born_dead_counts, certainly_dead, exactly_constant, grid_screen
from nnclaims.nn.models import MLPSpec
from nnclaims.numeric.constant_exact import constant_exact, outputs_differ
from nnclaims.numeric.pieces import pieces_exact, random_layers

GRID = torch.linspace(-1, 1, 257, dtype=torch.float64)[:, None]


def _net(layers) -> BatchedNet:
    """One network of a `BatchedNet` with the given (W (out, in), b) layers."""
    sizes = (layers[0][0].shape[1],) + tuple(W.shape[0] for W, _ in layers)
    net = BatchedNet.random(MLPSpec(sizes, activation="relu"), 1, torch.Generator().manual_seed(0),
                            dtype=torch.float64)
    for i, (W, b) in enumerate(layers):
        net.weight[i].copy_(torch.tensor(W, dtype=torch.float64).T[None])
        net.bias[i].copy_(torch.tensor(b, dtype=torch.float64)[None, None])
    return net


def _bump(centre: float, width: float):
    """relu(width / 2 - |x - centre|): a tent of the given base width, and exactly 0 in every
    layer wherever |x - centre| is clearly above width / 2."""
    return [(np.array([[1.0], [-1.0]]), np.array([-centre, centre])),
            (np.array([[-1.0, -1.0]]), np.array([width / 2])), (np.array([[1.0]]), np.array([0.0]))]


def _cancelling():
    """Constant in exact arithmetic (slope w2 w1 - w1 w2 = 0), while its float values may
    differ by rounding: the screen must never call it varying."""
    w1, w2 = 0.7, 1.3
    return [(np.array([[w1], [w2]]), np.array([2.0, 2.0])), (np.array([[w2, -w1]]), np.array([0.25]))]


def test_seeds_of_one_part_move_to_the_protocol_3_block_of_the_same_role():
    assert [seed_for(s, 3) for s in (10_000, 10_007, 20_000, 20_003)] == [30_000, 30_007, 40_000, 40_003]
    assert seed_for(5, 3) == 5 and block_of(5) == "protocol-1"  # protocol 1 has no protocol-3 block (block_for)
    assert [seed_for(s, 2) for s in (10_000, 20_001, 30_002)] == [10_000, 20_001, 30_002]
    with pytest.raises(ValueError):
        block_of(-1)
    # the same seeds as a protocol-3 experiment of the same role would get, whatever the role
    for role in ("confirmatory", "exploration"):
        settings = settings_from({"profile": "quick", "device": "cpu", "seed_block": role})
        two, three = (settings.for_run("x", 5, protocol=p).seeds for p in (2, 3))
        assert [seed_for(s, 3) for s in two] == list(three) and not set(two) & set(three)


def test_the_grid_misses_a_thin_bump_that_the_exact_decision_finds():
    layers = _bump(0.3 + 1 / 256, 7e-4)  # between two grid points, far narrower than their spacing
    net = _net(layers)
    screen = grid_screen(net, GRID)
    assert bool(screen.flat[0]) and not bool(screen.varies[0])  # every grid value is exactly 0
    assert not constant_exact(layers) and outputs_differ(layers, 0.3 + 1 / 256, 0.0)
    exact, needed = exactly_constant(net, screen, GRID)
    assert not bool(exact[0]) and bool(needed[0])


def test_a_cancelling_network_is_never_called_varying_and_is_exactly_constant():
    layers = _cancelling()
    screen = grid_screen(_net(layers), GRID)
    assert not bool(screen.varies[0])  # rigorous: whatever the rounding, never "certainly not constant"
    assert constant_exact(layers) and not outputs_differ(layers, -1.0, 1.0)
    exact, _ = exactly_constant(_net(layers), screen, GRID)
    assert bool(exact[0])


def test_a_dead_layer_is_certified_and_a_live_one_is_not():
    dead = [(np.array([[1.0], [-1.0]]), np.array([-1.5, -1.5])), (np.array([[1.0, 1.0]]), np.array([0.5]))]
    assert bool(certainly_dead(_net(dead), -1.0, 1.0)[0]) and constant_exact(dead)
    # a unit that switches on just inside the interval is not certified
    live = [(np.array([[1.0], [-1.0]]), np.array([-0.999, -1.5])), (np.array([[1.0, 1.0]]), np.array([0.5]))]
    assert not bool(certainly_dead(_net(live), -1.0, 1.0)[0]) and not constant_exact(live)


def _minus_abs(bias: float = 0.0, signs=(-1.0, -1.0)):
    """Hidden layers relu(x), relu(-x), then relu(s1 relu(x) + s2 relu(-x) + bias): with the
    default signs and no bias the second is relu(-|x|), off everywhere and exactly 0 at x = 0."""
    return [(np.array([[1.0], [-1.0]]), np.array([0.0, 0.0])), (np.array([list(signs)]), np.array([bias])),
            (np.array([[1.0]]), np.array([0.0]))]


def test_zero_biases_dead_at_both_ends_are_certified_where_no_cell_around_0_is():
    layers = _minus_abs()
    near_0 = torch.tensor([[-1 / 256], [1 / 256]], dtype=torch.float64)
    assert not bool(_dead_cells(_net(layers), near_0, 1 / 256).any())  # every unit is 0 at x = 0
    assert bool(certainly_dead(_net(layers), -1.0, 1.0)[0]) and constant_exact(layers)


@pytest.mark.parametrize("layers", [_minus_abs(bias=1e-3), _minus_abs(signs=(-1.0, 1.0))],
                         ids=["a-bias-breaks-homogeneity", "dead-at-one-end-only"])
def test_the_end_point_certificate_refuses_what_is_not_constant(layers):
    # with a bias of 1e-3, both ends are still dead, but the network is a tent around 0
    assert not bool(certainly_dead(_net(layers), -1.0, 1.0)[0]) and not constant_exact(layers)


@pytest.mark.parametrize("edge, constant", [(1 + 1e-4, True), (1 - 1e-4, False)],
                         ids=["dead-to-the-end", "live-in-the-last-half-cell"])
def test_the_cells_reach_the_ends_of_the_interval(edge, constant):
    # relu(x - edge): with edge just inside 1, it is live only between the last cell's midpoint
    # and 1; a cell reaching less far than its half-width would wrongly certify it
    layers = [(np.array([[1.0]]), np.array([-edge])), (np.array([[1.0]]), np.array([0.0]))]
    assert bool(certainly_dead(_net(layers), -1.0, 1.0)[0]) == constant == constant_exact(layers)


def test_zero_biases_certify_an_interval_without_0():
    layers = _minus_abs(signs=(1.0, -1.0))  # relu(relu(x) - relu(-x)) = relu(x): dead on [-1, -0.5] only
    assert bool(certainly_dead(_net(layers), -1.0, -0.5)[0]) and constant_exact(layers, -1.0, -0.5)
    assert not bool(certainly_dead(_net(layers), 0.5, 1.0)[0]) and not constant_exact(layers, 0.5, 1.0)


@pytest.mark.parametrize("bias_std", [0.0, 1.0])
def test_every_certified_random_network_is_exactly_constant(bias_std):
    spec = MLPSpec((1,) + (3,) * 7 + (1,), activation="relu", init="he_normal", bias_std=bias_std)
    net = BatchedNet.random(spec, 300, torch.Generator().manual_seed(5), dtype=torch.float64)
    dead = certainly_dead(net, -1.0, 1.0)
    assert int(dead.sum()) >= 30  # enough certified networks for the agreement to mean something
    assert all(constant_exact(layers) for layers in _layers(net, torch.nonzero(dead).flatten()))
    if not bias_std:  # the end points certify networks that the cells alone leave to the exact stage
        mid = torch.linspace(-1 + 1 / 256, 1 - 1 / 256, 256, dtype=torch.float64)[:, None]
        assert int((dead & ~_dead_cells(net, mid, 1 / 256).all(dim=1)).sum()) >= 10


@pytest.mark.parametrize("bias_std", [0.0, 1.0])
def test_the_exact_decision_agrees_with_the_exact_piece_counter(bias_std):
    rng = np.random.default_rng(3)
    seen = set()
    for _ in range(60):
        layers = random_layers((1, 2, 2, 2, 2, 2, 1), rng, bias_std=bias_std)
        one_piece = pieces_exact(layers, -1.0, 1.0)[0] == 1
        flat = one_piece and not outputs_differ(layers, -1.0, 1.0)
        assert constant_exact(layers) == flat
        seen.add(flat)
    assert seen == {True, False}  # both kinds occurred, so the agreement means something


def test_born_dead_counts_add_up_and_the_grid_disagrees_only_where_checked():
    spec = MLPSpec((1, 3, 3, 3, 3, 3, 3, 1), activation="relu", init="he_normal", bias_std=1.0)
    c = born_dead_counts(spec, 300, 0, torch.Generator().manual_seed(2), GRID, GRID[-1:], chunk=128)
    assert 0 < c.constant < 300 and c.probe_disagreements == 0
    assert c.grid_constant - c.grid_missed + c.grid_extra == c.constant
    assert c.grid_missed + c.grid_extra <= c.checked_exactly <= 300
    assert set(c.over_domain()) == {"constant", "probe_disagreements", "grid_constant", "checked_exactly",
                                    "grid_missed", "grid_extra"}


def test_only_the_born_dead_part_draws_protocol_3_seeds():
    m = load(REPO / "experiments" / "dying_relu.py").module
    assert getattr(m, "PROTOCOL", 2) == 2  # the training part keeps protocol 2's seeds and results
    point = next(p for p in m.grid("quick") if p["part"] == "born" and p["bias_std"] == 0.0)
    point = dict(point, depths="2,5")
    explore = m.run(point, RunContext(seeds=[20_000, 20_001], profile="quick", phase="explore"))["born"]
    confirm = m.run(point, RunContext(seeds=[10_000], profile="quick",
                                      decisions={"born_domain_nets": 100, "born_point_nets": 100}))["born"]
    assert {r["seed"] for r in explore} == {40_000} and {r["seed"] for r in confirm} == {30_000}
    for row in explore + confirm:
        assert row["grid_constant"] - row["grid_missed"] + row["grid_extra"] == row["constant"] <= row["nets"]
