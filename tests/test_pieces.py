"""Piece and region counters: against constructions with known answers and against each other."""

from fractions import Fraction

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


# -- exactness of pieces_exact ----------------------------------------------------------------
def forward_exact(layers, x):
    """The network's output at x in exact rational arithmetic."""
    a = [Fraction(x)]
    for i, (W, b) in enumerate(layers):
        z = [sum((Fraction(w) * v for w, v in zip(row, a)), Fraction(c)) for row, c in zip(W.tolist(), b.tolist())]
        a = z if i == len(layers) - 1 else [max(v, Fraction(0)) for v in z]
    return a[0]


def test_a_tiny_change_of_slope_is_a_piece():
    # relu(x) + 2^-40 relu(x - 1/2): the kink at 1/2 changes the slope by 2^-40, which a
    # relative tolerance would merge away
    for eps in (2.0**-40, 2.0**-60, 1e-300):
        layers = [(np.array([[1.0], [1.0]]), np.array([0.0, -0.5])), (np.array([[1.0, eps]]), np.array([0.0]))]
        count, breaks = pieces.pieces_exact(layers, -1, 1)
        assert count == 3
        np.testing.assert_array_equal(breaks, [0.0, 0.5])


def test_breakpoints_one_ulp_apart_and_coinciding_breakpoints():
    near = 0.5 + 2.0**-53 * 2  # the next float after 1/2
    W = np.array([[1.0], [1.0], [2.0], [-4.0]])
    b = np.array([-0.5, -near, -1.0, 2.0])  # roots 1/2, next float, 1/2 again, 1/2 again
    layers = [(W, b), (np.array([[1.0, 1.0, 0.0, 0.0]]), np.zeros(1))]
    count, breaks = pieces.pieces_exact(layers, 0, 1)
    assert count == 3
    np.testing.assert_array_equal(breaks, [0.5, near])
    # the two units with root 1/2 that reach the output add up to x - 1/2 (relu(t) - relu(-t)
    # = t): no kink at 1/2, only the one at the next float
    layers = [(W, b), (np.array([[0.0, 1.0, 0.5, -0.25]]), np.zeros(1))]
    count, breaks = pieces.pieces_exact(layers, 0, 1)
    assert count == 2
    np.testing.assert_array_equal(breaks, [near])


def test_a_second_layer_root_on_a_first_layer_root_makes_no_empty_piece():
    # relu(relu(3x) - 1): the second-layer unit's root is 1/3 (not a float), exactly where
    # the first-layer unit relu(3x - 1) already cut: one kink, two pieces
    W1, b1 = np.array([[3.0], [3.0]]), np.array([-1.0, 0.0])
    layers = [(W1, b1), (np.array([[0.0, 1.0]]), np.array([-1.0])), (np.array([[1.0]]), np.zeros(1))]
    count, breaks = pieces.pieces_exact(layers, -1, 1)
    assert count == 2 and breaks == pytest.approx([1 / 3], abs=1e-15)
    x = Fraction(1, 3)
    assert forward_exact(layers, x) == 0 < forward_exact(layers, x + Fraction(1, 10**30))


def test_exact_pieces_on_degenerate_integer_networks():
    # Small integer weights: roots coincide across units and layers, units are exactly 0 on
    # whole intervals, switches cancel. Every piece must be affine (checked exactly at
    # points inside it) and neighbours must differ in slope.
    rng = np.random.default_rng(3)
    for _ in range(60):
        sizes = (1,) + tuple(rng.integers(1, 5, rng.integers(1, 4))) + (1,)
        layers = [(rng.integers(-2, 3, (b, a)).astype(float), rng.integers(-3, 4, b) * 0.5)
                  for a, b in zip(sizes[:-1], sizes[1:])]
        count, breaks = pieces.pieces_exact(layers, -2, 2)
        edges = [Fraction(-2)] + [Fraction(e) for e in breaks] + [Fraction(2)]
        assert len(edges) == count + 1 and edges == sorted(set(edges))
        slopes = []
        for p, q in zip(edges[:-1], edges[1:]):
            xs = [p + (q - p) * Fraction(t, 10) for t in (1, 4, 5, 9)]
            ys = [forward_exact(layers, x) for x in xs]
            slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
            assert all(y == ys[0] + slope * (x - xs[0]) for x, y in zip(xs, ys))
            slopes.append(slope)
        assert all(s != t for s, t in zip(slopes, slopes[1:]))
