"""The library pieces that dying_relu, mnist_network and vanishing_gradients now call:
born-dead networks and their statistics, dead-unit shares, calibrated positions, Gabor
templates and the per-layer mean-field shrink."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest


def test_the_early_exit_agrees_with_the_library_probe_and_dead_points_follow_the_model():
    import torch

    from nnclaims.evidence.born_dead import model
    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.born_dead import born_dead_counts, constant_over
    from nnclaims.nn.models import MLPSpec

    x = torch.linspace(-1, 1, 33, dtype=torch.float64)[:, None]
    spec = MLPSpec((1, 2, 2, 2, 2, 1), activation="relu", init="he_normal")
    net = BatchedNet.random(spec, 300, torch.Generator().manual_seed(0), dtype=torch.float64)
    flat = constant_over(net, x)
    assert 0 < int(flat.sum()) < 300  # both kinds occur, so the comparison means something
    assert torch.equal(flat, probes.constant_output(net, x).cpu())
    n = 4000
    counts = born_dead_counts(spec, 500, n, torch.Generator().manual_seed(1), x, x[-1:], chunk=700)
    assert counts.probe_disagreements == 0
    p = model(2, 5)  # 1 - (3/4)^4, about 0.68
    assert abs(counts.dead_at_point / n - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_born_dead_controls_rise_fall_and_swap():
    from nnclaims.evidence.born_dead import depth_trends, sorted_by_depth, width_gap, widths_apart

    born = pd.DataFrame([{"bias_std": 0.0, "width": w, "depth": d, "nets": 400, "constant": c}
                         for w, cs in ((2, (40, 200, 360)), (6, (4, 10, 30))) for d, c in zip((2, 10, 50), cs)])
    assert all(iv.low > 0 for _, iv in depth_trends(born, 0.0, 0.95))
    falling = sorted_by_depth(born, 0.0, rising=False)
    assert all(iv.high < 0 for _, iv in depth_trends(falling, 0.0, 0.95))
    assert width_gap(born)[0].low > 0 and width_gap(widths_apart(born, swap=True))[0].high < 0
    half = widths_apart(born, swap=False)
    assert int(half.loc[(half["width"] == 6) & (half["depth"] == 50), "constant"].iloc[0]) == 180


def test_dead_unit_shares_are_pooled_within_a_seed_and_the_worst_layer_decides():
    from nnclaims.evidence.dead_units import comeback_by_seed, deciding_layer, revival_by_seed, revival_intervals

    units = pd.DataFrame({"seed": [0, 0, 1, 1, 2, 2], "layer": [1, 1, 1, 1, 1, 1], "revived": [1, 0, 0, 0, 2, 0],
                          "dead_half": [4, 0, 5, 5, 4, 0], "wbd_back": [1, 1, 0, 0, 0, 0], "wbd_half": [2, 2, 0, 0, 3, 1]})
    shares = revival_by_seed(units).set_index("seed")["share"]
    assert shares.to_dict() == {0: 0.25, 1: 0.0, 2: 0.5}
    [(layer, k, n, iv)] = revival_intervals(units, 0.95)
    assert (layer, k, n) == (1, 3, 18) and iv.estimate == pytest.approx(0.25)
    assert deciding_layer([(1, k, n, iv)], limit=0.05)[0] == 1
    comeback = comeback_by_seed(units)
    assert comeback[0] == 0.5 and math.isnan(comeback[1]) and comeback[2] == 0.0


def test_a_calibrated_position_runs_from_the_negative_bank_to_the_positive():
    from nnclaims.evidence.calibration import position, replace_banks

    scores = pd.DataFrame({"seed": [0] * 6, "bank": ["gabor", "gabor", "init", "init", "trained", "trained"],
                           "area": [1.0, 1.0, 0.0, 0.0, 0.5, 0.75]})
    assert position(scores, "area", "trained", ["init"], "gabor")[0] == pytest.approx(0.625)
    swapped = replace_banks(scores, {"trained": "gabor"})
    assert position(swapped, "area", "trained", ["init"], "gabor")[0] == pytest.approx(1.0)


def test_gabor_templates_local_smooth_and_shuffled():
    from nnclaims.numeric import gabor as G

    ink = np.ones(784, dtype=bool)
    edge = G.gabor(0.0, 8.0, 2.0)
    one_pixel = np.zeros((1, 784))
    one_pixel[0, 400] = 1.0
    assert G.effective_area(one_pixel, ink)[0] == pytest.approx(1 / 784)
    noise = np.random.default_rng(0).normal(size=(1, 784))
    assert G.effective_area(edge[None], ink)[0] < 0.2 < G.effective_area(noise, ink)[0]
    assert G.autocorrelation(edge, ink) > 0.6  # noise: about 0
    shuffled = G.shuffle(edge[None], ink, np.random.default_rng(0))
    assert np.allclose(np.sort(shuffled[0]), np.sort(edge)) and G.autocorrelation(shuffled[0], ink) < 0.3
    assert G.spatial_spread(shuffled, ink)[0] > G.spatial_spread(edge[None], ink)[0]


def test_the_per_layer_shrink_tends_to_the_fixed_point():
    from nnclaims.numeric import theory
    from nnclaims.numeric.signal_shrink import per_layer_shrink

    X = np.random.default_rng(0).uniform(0, 1, size=(50, 64))
    rows = per_layer_shrink(X, "sigmoid", 4.0, 10)
    assert [r["layer"] for r in rows] == list(range(1, 11))
    assert rows[-1]["predicted_shrink"] == pytest.approx(theory.chi("sigmoid", 4.0, 0.0) ** -0.5, rel=1e-3)
