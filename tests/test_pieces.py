"""Piece and region counters: against constructions with known answers and against each other."""

import numpy as np
import pytest
import torch

from nnclaims.numeric import pieces
from nnclaims.nn.batched import BatchedNet
from nnclaims.nn.models import MLPSpec


@pytest.mark.parametrize("k", range(1, 11))
def test_tent_network_is_the_k_fold_tent_map_with_2_to_the_k_pieces(k):
    layers = pieces.tent_map_layers(k)
    x = np.linspace(0, 1, 4097)
    np.testing.assert_allclose(pieces.forward(layers, x[:, None])[:, 0], pieces.tent_map(x, k), atol=1e-12)
    count, breaks = pieces.pieces_exact(layers)
    assert count == 2**k
    np.testing.assert_allclose(breaks, np.arange(1, 2**k) / 2**k, atol=1e-12)
    assert pieces.pieces_on_grid(layers, n=2**k * 16 + 1) == 2**k


def test_one_hidden_layer_has_at_most_m_plus_one_pieces():
    rng = np.random.default_rng(0)
    for m in (1, 2, 5, 20, 100):
        for _ in range(20):
            layers = pieces.random_layers((1, m, 1), rng)
            count, _ = pieces.pieces_exact(layers, -3, 3)
            assert count <= m + 1


def test_exact_and_grid_counts_agree_on_random_deep_nets():
    rng = np.random.default_rng(1)
    for sizes in [(1, 8, 8, 1), (1, 4, 4, 4, 4, 1), (1, 16, 1)]:
        for _ in range(10):
            layers = pieces.random_layers(sizes, rng, bias_std=0.5)
            exact, breaks = pieces.pieces_exact(layers, -1, 1)
            gaps = np.diff(np.concatenate([[-1], breaks, [1]]))
            if gaps.min() > 1e-4:  # the grid resolves every piece
                assert pieces.pieces_on_grid(layers, -1, 1, n=200_001) == exact


def test_piece_counter_agrees_with_the_torch_network():
    spec = MLPSpec((1, 6, 6, 1), activation="relu", bias_std=0.5)
    net = BatchedNet.init(spec, [3], dtype=torch.float64)
    p = net.seed_params(0)
    layers = [(w.numpy(), b.numpy()) for w, b in zip(p["weight"], p["bias"])]
    x = torch.linspace(-1, 1, 1001, dtype=torch.float64)[:, None]
    np.testing.assert_allclose(net(x)[0, :, 0].numpy(), pieces.forward(layers, x.numpy())[:, 0], atol=1e-12)


def test_region_count_of_lines_in_general_position():
    # m lines in general position cut the plane into 1 + m + m(m-1)/2 regions; inside a
    # square containing every intersection, all of them show.
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, 0.0, -0.5])
    layers = [(W, b), (np.ones((1, 3)), np.zeros(1))]
    count, labels = pieces.count_regions_2d(layers, n=401)
    assert count == 7
    assert labels.shape == (401, 401)
