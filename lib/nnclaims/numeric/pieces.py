"""Linear pieces of 1-D ReLU networks and linear regions of 2-D ones, counted exactly.

A ReLU network is piecewise affine. For a scalar input, `pieces_exact` follows the
network layer by layer: on each interval every unit's pre-activation is affine in x, so
its sign changes only at the root of that affine function; splitting at the roots that
fall inside an interval keeps every unit's output affine on the new intervals. Adjacent
intervals whose output maps coincide are merged, so the count is the number of maximal
affine pieces. It is exact, so that no count depends on how a CPU rounds: float64 weights
are dyadic rationals, the affine maps are kept as Python ints and the breakpoints as
Fractions (compared through their correctly rounded floats, which rounding keeps in
order, and exactly only where two floats tie). `pieces_on_grid` counts slope changes on a
grid instead; the two are checked against each other.

For a 2-D input, every point has an activation pattern (which units are on). The set of
points sharing a pattern is convex (the pattern fixes every pre-activation as an affine
map, and the pattern is a set of linear inequalities), so the number of distinct patterns
hit by a fine grid counts the linear regions it meets (a lower bound if some regions are
smaller than the grid spacing).

The weights use torch's layout: ``W`` is ``(out, in)``. Everything but `pieces_exact` runs in
float64 NumPy.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from nnclaims.numeric.exact import dyadic_ints

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


def _integer_layers(layers: Layers) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Each layer's weights and biases as Python ints over a common power of two:
    (W * 2**shift, b * 2**shift, shift), W an object array."""
    out = []
    for W, b in layers:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError("the network's weights must be finite")
        vals, shift = dyadic_ints(np.concatenate([W.ravel(), b]))
        out.append((np.array(vals[:W.size], dtype=object).reshape(W.shape), np.array(vals[W.size:], dtype=object),
                    shift))
    return out


def _root(s: int, o: int) -> float:
    """The root -o / s of s x + o, correctly rounded (Python's int division is), NaN if s = 0."""
    if s == 0:
        return math.nan
    try:
        return -o / s
    except OverflowError:
        return math.inf if (o < 0) == (s > 0) else -math.inf


def _cut_points(roots: np.ndarray, exact: Callable[[int], Fraction], order: np.ndarray,
                left: Fraction) -> tuple[list[Fraction], dict[int, int]]:
    """Distinct exact cut points in increasing order, from units ``order`` sorted by their
    float roots, and each unit's index among them. Rounding to nearest is monotone, so
    only units with equal float roots need their exact roots compared."""
    points, where, g = [left], {}, 0
    while g < len(order):
        h = g + 1
        while h < len(order) and roots[order[h]] == roots[order[g]]:
            h += 1
        values = {int(j): exact(j) for j in order[g:h]}
        distinct = sorted(set(values.values()))
        where.update({j: len(points) + distinct.index(v) for j, v in values.items()})
        points += distinct
        g = h
    return points, where


def _switches(slope: np.ndarray, offset: np.ndarray, left: Fraction,
              right: Fraction) -> tuple[list[Fraction], np.ndarray]:
    """Cut [left, right] at the roots inside it of the affine functions slope x + offset
    (exact ints): the points left, roots..., right, and on (pieces, units), which
    functions are positive on each piece. A function rising through root r is positive on
    the pieces starting at or after r; a falling one on those ending at or before r."""
    S, O = slope.tolist(), offset.tolist()
    roots = np.array([_root(s, o) for s, o in zip(S, O)])
    lf, rf = float(left), float(right)

    def exact(j: int) -> Fraction:
        return Fraction(-O[j], S[j])

    above, below = roots > lf, roots < rf  # certain where the floats differ
    for j in np.flatnonzero(roots == lf):
        above[j] = exact(j) > left
    for j in np.flatnonzero(roots == rf):
        below[j] = exact(j) < right
    inside = np.flatnonzero(above & below)
    points, where = _cut_points(roots, exact, inside[np.argsort(roots[inside], kind="stable")], left)
    points.append(right)
    n = len(points) - 1
    at = np.zeros(len(S), dtype=np.int64)
    at[inside] = [where[int(j)] for j in inside]
    rising, flat = np.array([s > 0 for s in S], dtype=bool), np.isnan(roots)
    # rising: on from piece `first` on; falling: on up to piece `last`
    first = np.where(rising, np.where(above & below, at, np.where(above, n, 0)), 0)
    last = np.where(rising, n - 1, np.where(above & below, at - 1, np.where(above, n - 1, -1)))
    last[flat] = np.where(np.array([o > 0 for o in O], dtype=bool)[flat], n - 1, -1)
    k = np.arange(n)[:, None]
    return points, (k >= first) & (k <= last)


def _next_maps(W: np.ndarray, bias: np.ndarray, slope: np.ndarray, offset: np.ndarray,
               on: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The next layer's pre-activations (slope, offset) on each piece, given this layer's
    pre-activations and which of its units are on there. Consecutive pieces differ by the
    units switching between them, usually one: update by those columns of W only."""
    act = on[0]
    s, o = W.dot(np.where(act, slope, 0)), W.dot(np.where(act, offset, 0)) + bias
    out = [(s, o)]
    for row in on[1:]:
        for j in np.flatnonzero(row != act):
            sign = 1 if row[j] else -1
            s, o = s + W[:, j] * (sign * slope[j]), o + W[:, j] * (sign * offset[j])
        act = row
        out.append((s, o))
    return out


def pieces_exact(layers: Layers, lo: float = 0.0, hi: float = 1.0) -> tuple[int, np.ndarray]:
    """Number of maximal affine pieces of a scalar-input, scalar-output ReLU network on
    [lo, hi], and the breakpoints between them (rounded to floats).

    Exact: the float weights are dyadic rationals, so every affine map is kept as Python
    ints (over a power of two that depends only on the layer), every breakpoint as a
    Fraction, and neighbours are merged only when their output maps are equal exactly. No
    rounding can add, drop or merge a piece, however close two breakpoints are or however
    small a slope change."""
    if not float(hi) > float(lo):
        raise ValueError("need lo < hi")
    ints = _integer_layers(layers)
    W, b, scale = ints[0]
    if W.shape[1] != 1:
        raise ValueError("the network's input must be 1-D")
    edges = [Fraction(float(lo)), Fraction(float(hi))]
    pre = [(W[:, 0], b)]  # per interval, the current layer's pre-activations, times 2**scale
    for W, b, shift in ints[1:]:
        bias = b * (1 << scale)
        new_edges, new_pre = [edges[0]], []
        for (slope, offset), left, right in zip(pre, edges[:-1], edges[1:]):
            points, on = _switches(slope, offset, left, right)
            new_edges += points[1:]
            new_pre += _next_maps(W, bias, slope, offset, on)
        edges, pre, scale = new_edges, new_pre, scale + shift
    # The last layer's "pre-activations" are the output maps. Merge neighbours whose maps
    # are equal (a unit may switch without changing the output).
    maps = [(s.tolist(), o.tolist()) for s, o in pre]
    breaks = [e for e, m, prev in zip(edges[1:-1], maps[1:], maps[:-1]) if m != prev]
    return len(breaks) + 1, np.array([float(e) for e in breaks])


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
