"""Depth separation, exactly (Telgarsky 2015, 2016): what depth buys a 1-D ReLU network.

The k-fold tent map T^k, a sawtooth with 2^k affine pieces, is computed by a network of
k hidden layers of width 2 (`pieces.tent_map_layers`); a network with one hidden layer of
m units has at most m + 1 pieces. `construction_rows` counts the pieces of the
construction three ways (exactly from the weights, from slope changes on a grid fine
enough and on one too coarse, and from the function itself); `shallow_bound_rows` tests
the m + 1 bound on random one-hidden-layer networks, with the networks its controls need
(built with exactly m + 1 pieces; two-hidden-layer tent maps, 2^k pieces from 2k units).
NumPy only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import pieces


def construction_rows(k_max: int, coarse_grid: int) -> list[dict]:
    """One row per k in 1..k_max: the depth-k construction's pieces, counted every way."""
    rows = []
    for k in range(1, k_max + 1):
        layers = pieces.tent_map_layers(k)
        exact, _ = pieces.pieces_exact(layers)
        fine = pieces.pieces_on_grid(layers, n=2**k * 16 + 1)
        coarse = pieces.pieces_on_grid(layers, n=coarse_grid)
        rows.append({"k": k, "pieces_exact": exact, "pieces_grid": fine, "pieces_coarse_grid": coarse,
                     "pieces_direct": direct_pieces(k), "expected": 2**k,
                     "params": sum(W.size + b.size for W, b in layers), "units": 2 * k,
                     "shallow_units_needed": 2**k - 1})
    return rows


def direct_pieces(k: int) -> int:
    """Affine pieces of T^k computed from the function itself (no network): slope changes
    between grid cells of width 2^-(k+4), each kink (at j / 2^k) lying on a grid point."""
    n = 2 ** (k + 4)
    x = np.arange(n + 1) / n
    slopes = np.diff(pieces.tent_map(x, k)) * n
    return int(np.count_nonzero(np.diff(slopes))) + 1


def shallow_bound_rows(rng: np.random.Generator, units: Sequence[int], networks: int = 50,
                       tent_depths: int = 8) -> list[dict]:
    """Pieces of one-hidden-layer networks with m units on [-2, 2]: ``networks`` random ones
    (the bound's test), ones built to have exactly m + 1 (distinct kinks inside the
    interval), and tent maps of 1..``tent_depths`` hidden layers of 2 units."""
    rows = []
    for m in units:
        counts = [pieces.pieces_exact(pieces.random_layers((1, m, 1), rng), -2, 2)[0] for _ in range(networks)]
        rows.append({"units": m, "max_pieces": max(counts), "mean_pieces": float(np.mean(counts)),
                     "bound": m + 1, "source": "random", "networks": networks})
        kinks = np.sort(rng.uniform(-1.9, 1.9, m))
        coef = rng.choice([-1.0, 1.0], m) * rng.uniform(0.5, 2.0, m)
        built = [(np.ones((m, 1)), -kinks), (coef[None, :], np.zeros(1))]
        rows.append({"units": m, "max_pieces": pieces.pieces_exact(built, -2, 2)[0], "bound": m + 1,
                     "source": "built with m + 1 pieces", "networks": 1})
    for k in range(1, tent_depths + 1):
        rows.append({"units": 2 * k, "max_pieces": pieces.pieces_exact(pieces.tent_map_layers(k))[0],
                     "bound": 2 * k + 1, "source": "tent map, k hidden layers of 2", "networks": 1})
    return rows
