"""Linear pieces of 1-D ReLU networks and linear regions of 2-D ones, counted exactly.

A ReLU network is piecewise affine. For a scalar input, `pieces_exact` follows the
network layer by layer: on each interval every unit's pre-activation is affine in x, so
its sign changes only at the root of that affine function; splitting at the roots that
fall inside an interval keeps every unit's output affine on the new intervals. Adjacent
intervals whose output maps coincide are merged, so the count is the number of maximal
affine pieces. `pieces_on_grid` counts slope changes on a grid instead; the two are
checked against each other.

For a 2-D input, every point has an activation pattern (which units are on). The set of
points sharing a pattern is convex (the pattern fixes every pre-activation as an affine
map, and the pattern is a set of linear inequalities), so the number of distinct patterns
hit by a fine grid counts the linear regions it meets (a lower bound if some regions are
smaller than the grid spacing).

The weights use torch's layout: ``W`` is ``(out, in)``. Everything runs in float64 NumPy.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

Layers = Sequence[tuple[np.ndarray, np.ndarray]]  # (W (out, in), b (out,)) per linear layer


def tent_map_layers(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A ReLU network of k hidden layers of width 2 computing the k-fold tent map on [0, 1].

    T(x) = 2 relu(x) - 4 relu(x - 1/2) is the tent (2x up to 1/2, then 2 - 2x); each hidden
    layer computes (relu(t), relu(t - 1/2)) of the previous tent t, and the next layer's
    weights (2, -4) form T of it. T^k is a sawtooth with 2^k affine pieces (Telgarsky 2015).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    layers = [(np.array([[1.0], [1.0]]), np.array([0.0, -0.5]))]
    for _ in range(k - 1):
        layers.append((np.array([[2.0, -4.0], [2.0, -4.0]]), np.array([0.0, -0.5])))
    layers.append((np.array([[2.0, -4.0]]), np.array([0.0])))
    return layers


def tent_map(x: np.ndarray, k: int) -> np.ndarray:
    """T^k(x) computed directly, for checking the network."""
    for _ in range(k):
        x = np.where(x < 0.5, 2 * x, 2 - 2 * x)
    return x


def forward(layers: Layers, x: np.ndarray) -> np.ndarray:
    """Outputs of a ReLU network (linear output layer) for inputs ``(n, in)``."""
    a = x
    for i, (W, b) in enumerate(layers):
        a = a @ W.T + b
        if i < len(layers) - 1:
            a = np.maximum(a, 0.0)
    return a


def pieces_exact(layers: Layers, lo: float = 0.0, hi: float = 1.0, tol: float = 1e-9) -> tuple[int, np.ndarray]:
    """Number of maximal affine pieces of a scalar-input, scalar-output ReLU network on
    [lo, hi], and the breakpoints between them."""
    # Each interval carries the affine map x -> A x + c of the current layer's output.
    edges = [lo, hi]
    maps = [(np.ones(1), np.zeros(1))]
    for i, (W, b) in enumerate(layers):
        last = i == len(layers) - 1
        new_edges, new_maps = [edges[0]], []
        for (a, c), left, right in zip(maps, edges[:-1], edges[1:]):
            slope, offset = W @ a, W @ c + b  # pre-activations z(x) = slope x + offset
            if last:
                new_edges.append(right)
                new_maps.append((slope, offset))
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                roots = -offset / slope
            cuts = np.unique(roots[np.isfinite(roots) & (roots > left) & (roots < right)])
            points = [left, *cuts, right]
            for p, q in zip(points[:-1], points[1:]):
                on = slope * (p + q) / 2 + offset > 0
                new_edges.append(q)
                new_maps.append((np.where(on, slope, 0.0), np.where(on, offset, 0.0)))
        edges, maps = new_edges, new_maps
    # Merge neighbours with the same output map (a unit may switch without changing it).
    merged_edges, merged = [edges[0]], [maps[0]]
    for (s, o), right in zip(maps[1:], edges[1:-1]):
        ps, po = merged[-1]
        scale = 1.0 + np.abs(ps).max() + np.abs(po).max()
        if np.abs(s - ps).max() <= tol * scale and np.abs(o - po).max() <= tol * scale:
            continue
        merged_edges.append(right)
        merged.append((s, o))
    return len(merged), np.array(merged_edges[1:])


def pieces_on_grid(layers: Layers, lo: float = 0.0, hi: float = 1.0, n: int = 100_001,
                   tol: float = 1e-7) -> int:
    """Pieces counted from slope changes between consecutive grid points.

    A breakpoint inside a grid cell makes that cell's slope differ from both neighbours',
    so one kink shows as one or two changes; a run of changes is counted once. Exact when
    every piece spans at least three grid cells.
    """
    x = np.linspace(lo, hi, n)
    y = forward(layers, x[:, None])[:, 0]
    slopes = np.diff(y) / np.diff(x)
    scale = 1.0 + np.abs(slopes).max()
    change = np.abs(np.diff(slopes)) > tol * scale
    starts = change & ~np.concatenate([[False], change[:-1]])  # count runs, not cells
    return int(starts.sum()) + 1


def random_layers(sizes: Sequence[int], rng: np.random.Generator, bias_std: float = 1.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-normal weights and normal biases, for random networks in tests and region counts."""
    return [(rng.normal(0.0, np.sqrt(2.0 / a), size=(b, a)), rng.normal(0.0, bias_std, size=b))
            for a, b in zip(sizes[:-1], sizes[1:])]


def activation_patterns(layers: Layers, x: np.ndarray) -> np.ndarray:
    """Each point's on/off pattern over all hidden units, ``(n, hidden units)`` bools."""
    a, pattern = x, []
    for W, b in layers[:-1]:
        z = a @ W.T + b
        pattern.append(z > 0)
        a = np.maximum(z, 0.0)
    return np.concatenate(pattern, axis=1)


def pattern_ids(bits: np.ndarray, seed: int = 0) -> np.ndarray:
    """A 64-bit id per row of on/off bits.

    Bits are packed 64 to a word and the words combined with random odd multipliers
    (wrapping arithmetic); distinct patterns collide with probability about n^2 / 2^64
    (1e-12 for 5,000 patterns), and ``np.unique`` on one integer column is far faster than
    on rows.
    """
    packed = np.packbits(bits, axis=1)
    pad = (-packed.shape[1]) % 8
    words = np.pad(packed, ((0, 0), (0, pad))).view(np.uint64)
    keys = np.random.default_rng(seed).integers(0, 2**63, size=words.shape[1], dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        ids = np.zeros(len(bits), dtype=np.uint64)
        for k in range(words.shape[1]):
            ids = ids * np.uint64(0x9E3779B97F4A7C15) + words[:, k] * keys[k]
    return ids


def prefix_region_counts(layers: Layers, points: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Region counts using the patterns of the first 1, 2, ... hidden layers, and the
    region label of every point under all of them."""
    a, ids, counts, labels = points, np.zeros(len(points), dtype=np.uint64), [], None
    with np.errstate(over="ignore"):
        for i, (W, b) in enumerate(layers[:-1]):
            z = a @ W.T + b
            ids = ids * np.uint64(0xD6E8FEB86659FD93) + pattern_ids(z > 0, seed=i)
            _, labels = np.unique(ids, return_inverse=True)
            counts.append(int(labels.max()) + 1)
            a = np.maximum(z, 0.0)
    return counts, labels


def grid_points(n: int, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    g = np.linspace(lo, hi, n)
    xx, yy = np.meshgrid(g, g)
    return np.c_[xx.ravel(), yy.ravel()]


def count_regions_2d(layers: Layers, n: int = 1000, lo: float = -1.0, hi: float = 1.0) -> tuple[int, np.ndarray]:
    """Distinct activation patterns on an n x n grid over the square [lo, hi]^2, and a
    region label per grid point ``(n, n)`` (for drawing)."""
    ids = pattern_ids(activation_patterns(layers, grid_points(n, lo, hi)))
    _, labels = np.unique(ids, return_inverse=True)
    return int(labels.max()) + 1, labels.reshape(n, n)
