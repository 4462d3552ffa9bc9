"""Exact linear-region counter: arrangements with known counts, degenerate lines, hand-made
two-layer networks, and random deep networks against grids and the network itself."""

import itertools
from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest

from nnclaims.numeric import exact, pieces, regions


def one_layer(W, b):
    """A one-hidden-layer network whose units' zero lines are W x + b = 0."""
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    return [(W, b), (np.ones((1, len(b))), np.zeros(1))]


def lines_through(point, angles, rng):
    """Lines exactly through ``point`` (rounded to a multiple of 2^-10) with the given
    normal directions, random scales and signs. The normals are rounded to multiples of
    2^-20 so that every product and sum in -normals @ point is exact in float64: the lines
    really are concurrent, not merely within rounding of it."""
    normals = np.c_[np.cos(angles), np.sin(angles)] * rng.uniform(0.2, 5.0, len(angles))[:, None]
    normals *= rng.choice([-1.0, 1.0], len(angles))[:, None]
    normals = np.round(normals * 2.0**20) / 2.0**20
    point = np.round(np.asarray(point, dtype=float) * 2.0**10) / 2.0**10
    return normals, -normals @ point


def cells_exact(W, b, lo=-1.0, hi=1.0):
    """Cells of any arrangement of lines W x + b = 0 inside the open square, in exact
    rational arithmetic, and whether the arrangement is in general position there. Adding
    a line that crosses the interior adds one cell plus one per distinct point strictly
    inside where it meets earlier lines, so the cells are 1 + (distinct lines crossing the
    interior) + sum over interior crossing points of (lines through it - 1)."""
    lo, hi = Fraction(lo), Fraction(hi)
    lines, copies = set(), 0
    for (a, bb), c in zip(np.asarray(W, dtype=float), np.asarray(b, dtype=float)):
        a, bb, c = Fraction(a), Fraction(bb), Fraction(c)
        corners = [a * x + bb * y + c for x in (lo, hi) for y in (lo, hi)]
        if min(corners) < 0 < max(corners):
            k = a if a != 0 else bb  # the same line, whatever its scale and orientation
            copies += (a / k, bb / k, c / k) in lines
            lines.add((a / k, bb / k, c / k))
    lines, through = sorted(lines), defaultdict(set)
    for i, j in itertools.combinations(range(len(lines)), 2):
        (a1, b1, c1), (a2, b2, c2) = lines[i], lines[j]
        D = a1 * b2 - a2 * b1
        if D != 0:
            x, y = (b1 * c2 - b2 * c1) / D, (c1 * a2 - c2 * a1) / D
            if lo < x < hi and lo < y < hi:
                through[x, y] |= {i, j}
    general = copies == 0 and all(len(s) == 2 for s in through.values())
    return 1 + len(lines) + sum(len(s) - 1 for s in through.values()), general


def affine_from_pattern(layers, pattern):
    """The network's affine map (A, c) read off an activation pattern over all hidden units."""
    A, c, start = np.eye(2), np.zeros(2), 0
    for i, (W, b) in enumerate(layers):
        A, c = W @ A, W @ c + b
        if i < len(layers) - 1:
            on = pattern[start:start + len(b)]
            start += len(b)
            A, c = A * on[:, None], c * on
    assert start == len(pattern)
    return A, c


def points_inside(verts, rng, n):
    """Random convex combinations of a polygon's vertices."""
    w = rng.dirichlet(np.ones(len(verts)), size=n)
    return w @ verts


@pytest.mark.parametrize("direction", [(1.0, 0.0), (0.0, -2.0), (0.3, 0.7), (-1.0, 1.0)])
def test_parallel_lines_cut_the_square_into_n_plus_one_strips(direction):
    rng = np.random.default_rng(0)
    d = np.asarray(direction) / np.linalg.norm(direction)
    reach = np.abs(d).sum()  # d . x ranges over (-reach, reach) on [-1, 1]^2
    for n in (1, 2, 3, 7, 20, 40):
        offsets = np.sort(rng.uniform(-0.95, 0.95, n)) * reach
        scales = rng.uniform(0.1, 10.0, n) * rng.choice([-1.0, 1.0], n)
        W, b = d[None, :] * scales[:, None], -offsets * scales
        assert regions.count_regions_exact(one_layer(W, b)) == n + 1
        assert regions.arrangement_cells(W, b) == n + 1


def test_lines_through_one_interior_point_make_2n_sectors():
    rng = np.random.default_rng(1)
    for point in [(0.3, -0.2), (0.0, 0.0), (1 / 3, 2 / 7), (-0.9, 0.85)]:
        for n in (1, 2, 3, 5, 10, 24):
            angles = rng.permutation(np.linspace(0, np.pi, n, endpoint=False) + rng.uniform(0, np.pi / n))
            W, b = lines_through(point, angles, rng)
            rs = regions.regions_exact(one_layer(W, b))
            assert len(rs) == 2 * n
            assert abs(sum(r.area for r in rs) - 4.0) < 1e-12
            # no sliver near the common point: every sector is a real wedge
            assert min(r.area for r in rs) > 1e-6


def test_lines_missing_the_square_leave_one_region_with_their_sides():
    rng = np.random.default_rng(2)
    angles = rng.uniform(0, 2 * np.pi, 30)
    normals = np.c_[np.cos(angles), np.sin(angles)]
    # distance from the origin beyond sqrt(2), on either side
    b = rng.uniform(1.5, 5.0, 30) * rng.choice([-1.0, 1.0], 30)
    rs = regions.regions_exact(one_layer(normals, b))
    assert len(rs) == 1
    assert rs[0].area == pytest.approx(4.0)
    np.testing.assert_array_equal(rs[0].pattern, b > 0)  # at the origin, unit i is b_i
    assert regions.arrangement_cells(normals, b) == 1


def test_random_lines_in_general_position_match_eulers_count():
    rng = np.random.default_rng(3)
    for m in range(1, 51):
        for _ in range(2):
            layers = pieces.random_layers((2, m, 1), rng, bias_std=0.5)
            assert regions.count_regions_exact(layers) == regions.arrangement_cells(*layers[0])


def test_euler_count_on_a_known_arrangement():
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, 0.0, -0.5])
    assert regions.arrangement_cells(W, b) == 7
    assert regions.count_regions_exact(one_layer(W, b)) == 7


def test_lines_through_corners_and_along_edges():
    # touching only the corner (1, 1), from either side: no cut
    for s in (1.0, -1.0):
        assert regions.count_regions_exact(one_layer([[s, s]], [-2 * s])) == 1
    # the diagonal through two corners: two triangles of area 2
    rs = regions.regions_exact(one_layer([[1.0, -1.0]], [0.0]))
    assert len(rs) == 2 and all(r.area == pytest.approx(2.0) for r in rs)
    # both diagonals: four triangles meeting at the centre
    rs = regions.regions_exact(one_layer([[1.0, -1.0], [1.0, 1.0]], [0.0, 0.0]))
    assert sorted(r.area for r in rs) == pytest.approx([1.0] * 4)
    # lines exactly along each edge of the square, either orientation: no cut; the edge
    # lines' bits say which side the square is on
    for x in (1.0, -1.0):
        for s in (1.0, -1.0):
            for W in ([[s, 0.0]], [[0.0, s]]):
                rs = regions.regions_exact(one_layer(W, [-s * x]))
                assert len(rs) == 1
                inward = -x  # the square lies on the side where s * (t - x) has sign s * (-x)
                assert rs[0].pattern[0] == (s * inward > 0)
    # edge lines added to the diagonals change nothing
    W = [[1.0, -1.0], [1.0, 1.0], [1.0, 0.0], [0.0, -1.0], [3.0, 0.0]]
    b = [0.0, 0.0, -1.0, -1.0, 3.0]
    assert regions.count_regions_exact(one_layer(W, b)) == 4
    # a line through a corner and across the square, and one through the corner and the centre
    assert regions.count_regions_exact(one_layer([[1.0, -0.5]], [-0.5])) == 2  # through (1, 1) and (0, -1)
    assert regions.count_regions_exact(one_layer([[1.0, -0.5], [1.0, -1.0]], [-0.5, 0.0])) == 3


def test_coincident_units_are_counted_once():
    rng = np.random.default_rng(4)
    for m in (1, 3, 8, 20):
        W, b = pieces.random_layers((2, m), rng, bias_std=0.5)[0]
        base = regions.count_regions_exact(one_layer(W, b))
        # every unit repeated, some scaled by a positive factor (same line, same side)
        k = 2.0 ** rng.integers(-3, 4, m)  # powers of two: the scaled line is exactly the same line
        W2, b2 = np.r_[W, W * k[:, None], W], np.r_[b, b * k, b]
        perm = rng.permutation(3 * m)
        rs = regions.regions_exact(one_layer(W2[perm], b2[perm]))
        assert len(rs) == base
        assert abs(sum(r.area for r in rs) - 4.0) < 1e-9
        # the opposite orientation of the same line: still the same cells
        W3, b3 = np.r_[W, -W], np.r_[b, -b]
        assert regions.count_regions_exact(one_layer(W3, b3)) == base
    # duplicates in a second layer
    layers = pieces.random_layers((2, 5, 4, 1), rng, bias_std=0.5)
    (W1, b1), (W2, b2), out = layers
    dup = [(W1, b1), (np.r_[W2, W2[:2]], np.r_[b2, b2[:2]]), (np.c_[out[0], out[0][:, :2]], out[1])]
    assert regions.count_regions_exact(dup) == regions.count_regions_exact(layers)


@pytest.mark.parametrize("a, c, expected", [
    # on exactly where x1 + x2 > 1 inside the quadrant x1, x2 > 0 (zero along the edge
    # x1 = 1 of the quadrant x2 < 0, which cuts nothing): 4 quadrants + 1
    (1.0, -1.0, {1.0: 3, 0.5: 2}),
    # 2 relu(x1) + 2 relu(x2) - 1: cuts the quadrants (+,-) and (-,+) at x = 1/2 into halves,
    # and the quadrant (+,+) along x1 + x2 = 1/2
    (2.0, -1.0, {1.0: 1, 0.5: 4, 0.125: 1, 0.875: 1}),
])
def test_two_layer_hand_made_counts(a, c, expected):
    layers = [(np.eye(2), np.zeros(2)), (np.array([[a, a]]), np.array([c])), (np.ones((1, 1)), np.zeros(1))]
    rs = regions.regions_exact(layers)
    assert len(rs) == sum(expected.values())
    areas = sorted(round(r.area, 12) for r in rs)
    assert areas == sorted(v for v, k in expected.items() for _ in range(k))
    assert regions.prefix_counts_exact(layers) == [4, len(rs)]
    # the second-layer unit is on in exactly the region(s) predicted
    on_area = sum(r.area for r in rs if r.pattern[2])
    assert on_area == pytest.approx(0.5 if a == 1.0 else 0.875 + 0.5 + 0.5)
    # the first layer is the quadrant pattern, the second-layer unit is on only in (+,+) for a = 1
    if a == 1.0:
        assert all(r.pattern[0] and r.pattern[1] for r in rs if r.pattern[2])


DEEP = [(2, 3, 3, 1), (2, 6, 6, 1), (2, 8, 8, 8, 1), (2, 20, 20, 1), (2, 9, 9, 9, 9, 9, 9, 1), (2, 5, 4, 3, 2)]


@pytest.mark.parametrize("sizes", DEEP)
def test_deep_regions_partition_the_square_with_distinct_patterns(sizes):
    rng = np.random.default_rng(5)
    for lo, hi in [(-1.0, 1.0), (-2.0, 3.0)]:
        for _ in range(4):
            layers = pieces.random_layers(sizes, rng, bias_std=0.5)
            rs = regions.regions_exact(layers, lo, hi)
            assert abs(sum(r.area for r in rs) - (hi - lo) ** 2) < 1e-9
            assert all(r.area > 0 for r in rs)
            patterns = {r.pattern.tobytes() for r in rs}
            assert len(patterns) == len(rs)
            assert all(len(r.pattern) == sum(sizes[1:-1]) for r in rs)
            for r in rs:  # convex, counter-clockwise, inside the square
                v = r.vertices
                e = np.roll(v, -1, axis=0) - v
                turn = e[:, 0] * np.roll(e[:, 1], -1) - e[:, 1] * np.roll(e[:, 0], -1)
                assert turn.min() > -1e-12
                assert v.min() >= lo - 1e-12 and v.max() <= hi + 1e-12


@pytest.mark.parametrize("sizes", DEEP)
def test_network_is_the_patterns_affine_map_on_every_region(sizes):
    rng = np.random.default_rng(6)
    for _ in range(3):
        layers = pieces.random_layers(sizes, rng, bias_std=0.5)
        for r in regions.regions_exact(layers):
            A, c = affine_from_pattern(layers, r.pattern)
            np.testing.assert_allclose(r.A, A, atol=1e-12)
            np.testing.assert_allclose(r.c, c, atol=1e-12)
            x = points_inside(r.vertices, rng, 8)
            scale = 1.0 + np.abs(A).sum() + np.abs(c).sum()
            np.testing.assert_allclose(pieces.forward(layers, x), x @ A.T + c, atol=1e-11 * scale)


@pytest.mark.parametrize("sizes", DEEP)
def test_pattern_is_the_pattern_of_points_inside(sizes):
    rng = np.random.default_rng(7)
    for _ in range(3):
        layers = pieces.random_layers(sizes, rng, bias_std=0.5)
        rs = regions.regions_exact(layers)
        inner = np.array([r.vertices.mean(axis=0) for r in rs])
        got = pieces.activation_patterns(layers, inner)
        for r, g in zip(rs, got):
            np.testing.assert_array_equal(r.pattern, g)


def inradius_bound(r):
    """A lower bound on a convex polygon's inradius: area / perimeter."""
    perimeter = np.linalg.norm(np.roll(r.vertices, -1, axis=0) - r.vertices, axis=1).sum()
    return r.area / perimeter


def test_exact_count_bounds_the_grid_and_equals_it_when_every_region_holds_a_grid_point():
    # Every point of the square is within h / sqrt(2) of a grid point of spacing h, so a
    # convex region whose inradius (at least area / perimeter) exceeds that holds a grid
    # point; when all regions do, the grid sees exactly the exact count.
    rng = np.random.default_rng(8)
    n = 400
    reach = (2.0 / (n - 1)) / np.sqrt(2)
    resolved = 0
    for sizes in [(2, 3, 3, 1), (2, 4, 3, 1), (2, 6, 6, 1), (2, 5, 5, 5, 1)]:
        for _ in range(5):
            layers = pieces.random_layers(sizes, rng, bias_std=0.5)
            rs = regions.regions_exact(layers)
            grid, _ = pieces.count_regions_2d(layers, n=n)
            assert len(rs) >= grid
            if min(inradius_bound(r) for r in rs) > reach:
                assert len(rs) == grid
                resolved += 1
    assert resolved >= 5


def test_small_two_layer_net_agrees_with_a_fine_grid():
    # Widths 3 and 3: a handful of regions, the smallest of them far wider than the grid
    # spacing, so a 400 x 400 grid and a 1200 x 1200 one must both see all of them.
    layers = pieces.random_layers((2, 3, 3, 1), np.random.default_rng(9), bias_std=0.5)
    rs = regions.regions_exact(layers)
    prefix = regions.prefix_counts_exact(layers)
    assert prefix[0] < prefix[1] == len(rs)  # the second layer does cut
    assert min(inradius_bound(r) for r in rs) > 0.005  # > the 400-grid's reach, 0.0035
    assert pieces.count_regions_2d(layers, n=400)[0] == len(rs)
    assert pieces.count_regions_2d(layers, n=1200)[0] == len(rs)


@pytest.mark.parametrize("sizes", DEEP)
def test_prefix_counts_never_decrease(sizes):
    rng = np.random.default_rng(10)
    for _ in range(4):
        layers = pieces.random_layers(sizes, rng, bias_std=0.5)
        prefix = regions.prefix_counts_exact(layers)
        assert len(prefix) == len(sizes) - 2
        assert all(a <= b for a, b in zip(prefix, prefix[1:]))
        assert prefix[-1] == regions.count_regions_exact(layers)
        assert prefix[0] == regions.arrangement_cells(*layers[0])


def test_no_hidden_layer_is_one_region():
    layers = [(np.array([[1.0, -2.0]]), np.array([0.3]))]
    rs = regions.regions_exact(layers)
    assert len(rs) == 1 and rs[0].pattern.size == 0
    np.testing.assert_allclose(rs[0].A, [[1.0, -2.0]])
    assert regions.prefix_counts_exact(layers) == []


def test_degenerate_integer_weights_every_sampled_pattern_is_a_region():
    # Small integer weights and half-integer biases make lines meet at vertices, run along
    # edges, coincide, and make units exactly zero on whole regions. Every pattern the
    # network shows at random points (away from the points where some unit is within
    # rounding of 0) must be one of the exact regions' patterns.
    rng = np.random.default_rng(11)
    pts = rng.uniform(-1, 1, (20_000, 2))
    for _ in range(60):
        depth, width = rng.integers(1, 5), rng.integers(2, 7)
        sizes = (2,) + (width,) * depth + (1,)
        layers = [(rng.integers(-2, 3, (b, a)).astype(float), rng.integers(-2, 3, b) * 0.5)
                  for a, b in zip(sizes[:-1], sizes[1:])]
        rs = regions.regions_exact(layers)
        patterns = {r.pattern.tobytes() for r in rs}
        assert len(patterns) == len(rs)
        assert abs(sum(r.area for r in rs) - 4.0) < 1e-9
        a, z = pts, []
        for W, b in layers[:-1]:
            z.append(a @ W.T + b)
            a = np.maximum(z[-1], 0.0)
        z = np.concatenate(z, axis=1)
        clear = (np.abs(z) > 1e-9).all(axis=1)
        seen = {row.tobytes() for row in (z[clear] > 0)}
        assert seen <= patterns


# -- exactness: near-degenerate and exactly degenerate arrangements -------------------------
def test_the_sliver_that_float_rounding_dropped_is_counted():
    # The arrangement that made the float counter fail on another machine: 33 random lines
    # (seed 3, second draw) with two crossing points about 3e-9 apart.
    rng = np.random.default_rng(3)
    for m in range(1, 34):
        for _ in range(2):
            layers = pieces.random_layers((2, m, 1), rng, bias_std=0.5)
    W, b = layers[0]
    assert W.shape == (33, 2)
    expected, general = cells_exact(W, b)
    assert general and expected == 399
    assert regions.arrangement_cells(W, b) == 399
    assert regions.count_regions_exact(layers) == 399
    # the reason it is hard: two crossing points inside the square lie within 1e-8
    i, j = np.triu_indices(33, k=1)
    pts = np.array([np.linalg.solve(np.array([W[p], W[q]]), -np.array([b[p], b[q]])) for p, q in zip(i, j)])
    pts = pts[(np.abs(pts) < 1).all(axis=1)]
    gaps = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(len(pts)) * 9
    assert gaps.min() < 1e-8


@pytest.mark.parametrize("eps", [1e-9, 1e-12, 2.0**-45, -1e-12])
def test_three_nearly_concurrent_lines_leave_a_tiny_triangle(eps):
    # x = 1/4, y = 1/8 and x + y = 3/8 meet exactly in one point (6 cells); moving the third
    # line by eps leaves a triangle of side about eps: 7 cells, general position.
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([-0.25, -0.125, -0.375 + eps])
    assert b[2] != -0.375
    assert cells_exact(W, b) == (7, True)
    assert regions.arrangement_cells(W, b) == 7
    rs = regions.regions_exact(one_layer(W, b))
    assert len(rs) == 7
    assert len({r.pattern.tobytes() for r in rs}) == 7
    assert abs(sum(r.area for r in rs) - 4.0) < 1e-12
    assert min(r.area for r in rs) < 1e-15  # the triangle is there, however small


@pytest.mark.parametrize("eps", [1e-9, 1e-12, 1e-15])
def test_bundles_of_nearly_concurrent_lines_match_the_exact_cell_count(eps):
    # Lines through a few points, each moved by up to eps: crossings 1e-9 to 1e-15 apart.
    rng = np.random.default_rng(12)
    for _ in range(6):
        Ws, bs = [], []
        for point in rng.uniform(-0.9, 0.9, (3, 2)):
            angles = rng.uniform(0, np.pi, rng.integers(3, 7))
            W, b = lines_through(point, angles, rng)
            Ws.append(W)
            bs.append(b + eps * rng.uniform(-1, 1, len(b)))
        W, b = np.concatenate(Ws), np.concatenate(bs)
        expected, general = cells_exact(W, b)
        assert regions.count_regions_exact(one_layer(W, b)) == expected
        if general:
            assert regions.arrangement_cells(W, b) == expected


@pytest.mark.parametrize("eps", [2.0**-30, 1e-12, 2.0**-52])
def test_lines_nearly_through_a_corner(eps):
    # three lines through the corner (1, 1) and across the square, and the diagonal
    # x + y = 2, which only touches it: exactly through the corner they make 1 + 3 cells
    W = np.array([[1.0, -0.5], [1.0, -2.0], [-0.25, 1.0], [1.0, 1.0]])
    at_corner = -W.sum(axis=1)  # W (1, 1) + b = 0
    assert regions.count_regions_exact(one_layer(W, at_corner)) == 4 == cells_exact(W, at_corner)[0]
    assert regions.arrangement_cells(W, at_corner) == 4
    for sign in (1.0, -1.0):
        # moved by different multiples of eps: the corner is now strictly on one side of
        # each line, and the lines cross each other within about eps of it, inside or out
        b = at_corner + sign * eps * np.array([1.0, 2.0, 4.0, 3.0])
        expected, general = cells_exact(W, b)
        assert regions.count_regions_exact(one_layer(W, b)) == expected
        if general:
            assert regions.arrangement_cells(W, b) == expected
        # inward, the diagonal cuts off a triangle of side ~eps; outward, it misses
        diagonal = regions.count_regions_exact(one_layer(W[3:], b[3:]))
        assert diagonal == (2 if sign > 0 else 1)
        assert expected >= 4 + (sign > 0)


@pytest.mark.parametrize("eps", [2.0**-40, 1e-13, 2.0**-52])
def test_nearly_parallel_lines_crossing_inside_and_just_outside(eps):
    # y = 0 and y = eps (x - x0): one crossing at x0, inside the square or not
    for x0, crossings in ((0.25, 1), (0.999, 1), (-0.75, 1), (1.0 + 2.0**-20, 0), (-1.5, 0), (1.0, 0)):
        W = np.array([[0.0, 1.0], [-eps, 1.0]])
        b = np.array([0.0, eps * x0])
        expected, general = cells_exact(W, b)
        assert general and expected == 3 + crossings
        assert regions.arrangement_cells(W, b) == expected
        assert regions.count_regions_exact(one_layer(W, b)) == expected


def test_exactly_degenerate_dyadic_arrangements_with_known_counts():
    three = ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [-0.25, -0.125, -0.375])  # through (1/4, 1/8)
    assert regions.count_regions_exact(one_layer(*three)) == 6
    four = ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -2.0]], [-0.25, -0.125, -0.375, 0.0])
    assert regions.count_regions_exact(one_layer(*four)) == 8
    # n lines through the corner (-1, -1) and across the square: n + 1 fans
    fan = ([[1.0, -s] for s in (0.25, 0.5, 2.0, 4.0)], [1.0 - s for s in (0.25, 0.5, 2.0, 4.0)])
    assert regions.count_regions_exact(one_layer(*fan)) == 5
    # n lines through the point (0, 1) of the top edge: n + 1
    edge = ([[1.0, s] for s in (0.5, 1.0, 3.0)] + [[1.0, 0.0]], [-0.5, -1.0, -3.0, 0.0])
    assert regions.count_regions_exact(one_layer(*edge)) == 5
    # a 3 x 3 lattice of lines x, y in {-1/2, 0, 1/2} and the two diagonals through the
    # centre, which also pass through four lattice points: 16 squares, 8 of them halved
    W = [[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3 + [[1.0, -1.0], [1.0, 1.0]]
    b = [-0.5, 0.0, 0.5] * 2 + [0.0, 0.0]
    assert regions.count_regions_exact(one_layer(W, b)) == 24 == cells_exact(W, b)[0]
    # the same lines repeated, scaled by powers of two and reversed: nothing changes
    W2, b2 = np.r_[W, np.multiply(W, -4.0)], np.r_[b, np.multiply(b, -4.0)]
    assert regions.count_regions_exact(one_layer(W2, b2)) == 24


def test_random_small_integer_arrangements_match_the_exact_cell_count():
    # Small integers make lines coincide, run parallel, meet three or more at a time, pass
    # through corners and run along edges.
    rng = np.random.default_rng(13)
    for _ in range(80):
        m = rng.integers(1, 12)
        W = rng.integers(-2, 3, (m, 2)).astype(float)
        b = rng.integers(-4, 5, m) * 0.5
        expected, general = cells_exact(W, b)
        assert regions.count_regions_exact(one_layer(W, b)) == expected
        if general:
            assert regions.arrangement_cells(W, b) == expected


def test_exact_path_alone_gives_the_same_regions(monkeypatch):
    # With the float filter made to decide nothing, every sign goes through Python integers;
    # the regions must be the same ones.
    rng = np.random.default_rng(14)
    nets = [pieces.random_layers(sizes, rng, bias_std=0.5) for sizes in [(2, 6, 1), (2, 4, 4, 1), (2, 3, 3, 3, 1)]]
    nets.append([(rng.integers(-2, 3, (4, 2)).astype(float), rng.integers(-2, 3, 4) * 0.5),
                 (rng.integers(-2, 3, (3, 4)).astype(float), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))])
    lines = pieces.random_layers((2, 12), rng, bias_std=0.5)[0]
    def regions_of(net):  # patterns and areas: the vertices come from the exact path too
        return sorted((r.pattern.tobytes(), r.area) for r in regions.regions_exact(net))
    filtered = [regions_of(net) for net in nets]
    euler = regions.arrangement_cells(*lines)
    monkeypatch.setattr(exact, "SAFE", np.inf)
    monkeypatch.setattr(regions, "SAFE", np.inf)
    with np.errstate(invalid="ignore"):  # infinite bounds times zero
        again = [regions_of(net) for net in nets]
    for got, want in zip(again, filtered):
        assert [p for p, _ in got] == [p for p, _ in want]
        np.testing.assert_allclose([a for _, a in got], [a for _, a in want], rtol=0, atol=1e-12)
    assert regions.arrangement_cells(*lines) == euler


@pytest.mark.parametrize("power", [-600, -60, 60, 500])
def test_scaling_pre_activations_by_powers_of_two_changes_nothing(power):
    # A positive power of two scales pre-activations exactly, so the patterns do not
    # change; at 2^-600 float products underflow and only the exact path can tell.
    rng = np.random.default_rng(15)
    for sizes in [(2, 8, 1), (2, 5, 5, 1)]:
        layers = pieces.random_layers(sizes, rng, bias_std=0.5)
        # the first layer's pre-activations times 2^power, so every later layer's input is
        # too, and scaling its bias makes its pre-activations 2^power times the original ones
        (W1, b1), rest, out = layers[0], layers[1:-1], layers[-1]
        scaled = [(W1 * 2.0**power, b1 * 2.0**power)] + [(W, b * 2.0**power) for W, b in rest] + [out]
        want = sorted((r.pattern.tobytes(), r.area) for r in regions.regions_exact(layers))
        got = sorted((r.pattern.tobytes(), r.area) for r in regions.regions_exact(scaled))
        assert [p for p, _ in got] == [p for p, _ in want]
        np.testing.assert_allclose([a for _, a in got], [a for _, a in want], rtol=0, atol=1e-12)
    W, b = layers[0]
    assert regions.arrangement_cells(W * 2.0**power, b * 2.0**power) == regions.arrangement_cells(W, b)


# --- protocol 3: depth carves exponentially many regions (linear-regions' construction) --


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_tent_map_network_has_four_to_the_k_regions_on_the_unit_square(k):
    layers = regions.tent_map_2d_layers(k)
    assert all(W.shape[0] == 4 for W, _ in layers[:-1])
    count = regions.count_regions_exact(layers, 0.0, 1.0)
    assert count == 4 ** k
    # from k = 4 on, more regions than any single layer of the same 4k units could make
    assert (count > regions.one_layer_bound(4 * k)) == (k >= 4)


def test_one_layer_of_4k_units_stays_within_the_single_layer_bound():
    rng = np.random.default_rng(7)
    W, b = rng.normal(size=(16, 2)), rng.normal(scale=0.3, size=16)
    count = regions.count_regions_exact([(W, b), (np.ones((1, 16)), np.zeros(1))], 0.0, 1.0)
    assert count <= regions.one_layer_bound(16) == 137
