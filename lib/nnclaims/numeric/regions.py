"""Linear regions of 2-D-input ReLU networks on a square, counted exactly.

The 2-D analogue of `pieces.pieces_exact`. A point's activation pattern is which hidden
units are on (pre-activation > 0). Fixing the pattern makes every pre-activation an affine
function of x, and the pattern itself is a set of linear inequalities in x, so the points
of the square sharing a pattern form a convex polygon; a linear region is a pattern whose
polygon has positive area. (These are activation regions: two neighbouring regions may
carry the same affine output map when a unit's switch does not reach the output; they are
still counted separately, as in `pieces.count_regions_2d`.)

The counter follows the network layer by layer. It starts from the square [lo, hi]^2 as
one convex polygon carrying the identity as the affine map of the first layer's input.
On a polygon carrying the map x -> A x + c, hidden layer (W, b) has pre-activations
z(x) = (W A) x + (W c + b), affine in x; each unit whose zero line crosses the polygon
splits it in two (clipping a convex polygon by a half-plane leaves convex pieces), and
the pieces are split further by the units whose lines still cross them. After the layer
every piece carries a fixed pattern, and zeroing the off units' rows gives the affine map
of the next layer's input on it. The pieces left after the last hidden layer are the
regions; their patterns are distinct by construction (two pieces differ in the bit of the
unit that first separated them).

Why the count is exact, on any CPU. The only decisions are signs: on which side of a
unit's zero line each vertex of a polygon lies. They are made exactly (`exact`): the
weights are dyadic rationals, so every affine map here and every vertex is an exact
rational, and a vertex is kept not as interpolated coordinates but as the meeting point
of two exact lines, the polygon's edges on either side of it (edges lie on the square's
sides or on zero lines of units). A float filter with a rigorous error bound settles
almost every sign; the rest are settled with Python integers from the exact affine maps,
which are built only for the polygons that need them. With exact signs the geometry is
exact too, so no tolerance and no area cut-off is needed:
- a unit cuts a polygon only when some vertex is strictly on each side; a vertex on the
  line goes to both pieces and a new vertex is made only strictly inside an edge, so a
  line through a vertex, along an edge, or tangent, or a unit coinciding with one that
  has already cut, makes no empty or duplicate piece, and each of the two pieces has a
  vertex strictly off the line: positive area, however thin (a sliver of 1e-24 of the
  square is a region like any other);
- a unit that is 0 on a whole polygon (all its inputs off and no bias, say) is 0 at every
  vertex exactly, so it is off there, as "pre-activation > 0" says;
- pieces never have three collinear vertices, so consecutive edges meet in one point and
  that point is the vertex.
The filter's inputs are rounded, and their errors are bounded too: a polygon's float
affine map carries an elementwise bound, grown at each layer by |W| (its bound) plus the
product's own rounding, and a float vertex carries bounds from the two lines it is made of
(`exact.meet`); where two lines are too close to parallel for that, the vertex is rounded
from its exact coordinates instead. The bounds assume IEEE round-to-nearest float64, as
NumPy and Python compute on every CPU they support. `arrangement_cells` decides its
comparisons the same way, with Fractions behind the filter.

Speed: float work stays vectorized NumPy, and exact work is Python integers on the rare
signs the filter cannot settle (near-degenerate arrangements, or a unit exactly 0 on a
polygon); on random networks of the linear-regions experiment (125 lines at depth 1,
about 500 parameters at depth 2 to 6) the count costs about 1.2 to 1.6 times the float
counter it replaced, and the filter settled every sign. The returned vertices, areas and
maps are floats, within a few rounding errors of the exact ones.

The weights use torch's layout: ``W`` is ``(out, in)``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from nnclaims.numeric.exact import SAFE, TINY, U, cross, dyadic_ints, filtered_signs, gamma, meet, side_exact
from nnclaims.numeric.pieces import Layers

# A polygon is an array of rows, one per vertex in counter-clockwise order: the vertex's
# float coordinates and their error bounds (x, y, ex, ey), then the line of the edge to
# the next vertex in float form (a, b, c, ea, eb, ec) and its id for exact evaluation,
# then, while a layer splits it, the exact signs of the units still crossing it.
VERTEX, EDGE, LINE_ID, EDGE_AND_ID = slice(0, 4), slice(4, 10), 10, slice(4, 11)
NCOL = 11


@dataclass
class Region:
    """One linear region: a convex polygon, the activation pattern on it, and the
    network's affine map there (output = ``A @ x + c``)."""

    vertices: np.ndarray  # (k, 2), counter-clockwise
    pattern: np.ndarray   # (hidden units,) bool, the hidden layers' patterns concatenated
    area: float
    A: np.ndarray         # (outputs, 2)
    c: np.ndarray         # (outputs,)


_NEXT: dict[int, np.ndarray] = {}
_PREV: dict[int, np.ndarray] = {}


def _next(k: int) -> np.ndarray:
    """Indices 1, 2, ..., k - 1, 0: each vertex's successor (faster than np.roll)."""
    nxt = _NEXT.get(k)
    if nxt is None:
        nxt = _NEXT[k] = np.r_[1:k, 0]
    return nxt


def _prev(k: int) -> np.ndarray:
    prv = _PREV.get(k)
    if prv is None:
        prv = _PREV[k] = np.r_[k - 1, 0:k - 1]
    return prv


def _area(P: np.ndarray) -> float:
    """Shoelace area of the polygon whose vertices are the first two columns of P, taken
    about its first vertex so that a thin sliver far from the origin keeps its digits."""
    x, y = P[:, 0] - P[0, 0], P[:, 1] - P[0, 1]
    nxt = _next(len(P))
    return 0.5 * float(x @ y[nxt] - x[nxt] @ y)


class _Lineage:
    """Exact lines, made on demand. Every polygon in a layer carries a node; a node is its
    parent's node and the pattern its parent's piece got, so its exact affine map is the
    parent's exact pre-activations with the off rows zeroed. Line ids 0-3 are the square's
    sides; every (node, layer) gets a block of ids, one per unit of the layer."""

    def __init__(self, layers: list[tuple[np.ndarray, np.ndarray]], lo: float, hi: float):
        self.layers = layers
        (lo_i, hi_i), shift = dyadic_ints([lo, hi])
        one = 1 << shift
        self.sides = [(0, one, -lo_i), (one, 0, -hi_i), (0, one, -hi_i), (one, 0, -lo_i)]
        self.parent, self.depth, self.mask = [-1], [0], [None]
        self.maps = {0: (np.array([[1, 0, 0], [0, 1, 0]], dtype=object), 0)}
        self.pre: dict[int, tuple[np.ndarray, int]] = {}
        self.ints: dict[int, tuple[np.ndarray, list[int], int]] = {}
        self.bases, self.owners, self.next_id = [0], [-1], 4

    def child(self, node: int, on: np.ndarray) -> int:
        self.parent.append(node)
        self.depth.append(self.depth[node] + 1)
        self.mask.append(on)
        return len(self.parent) - 1

    def block(self, node: int, units: int) -> np.ndarray:
        self.bases.append(self.next_id)
        self.owners.append(node)
        self.next_id += units
        return self.bases[-1] + np.arange(units)

    def _layer_ints(self, i: int) -> tuple[np.ndarray, list[int], int]:
        if i not in self.ints:
            W, b = self.layers[i]
            vals, shift = dyadic_ints(np.concatenate([W.ravel(), b]))
            Wi = np.array(vals[:W.size], dtype=object).reshape(W.shape)
            self.ints[i] = (Wi, vals[W.size:], shift)
        return self.ints[i]

    def _map(self, node: int) -> tuple[np.ndarray, int]:
        """Exact [A | c] of the node's layer input, as ints over 2**shift."""
        if node not in self.maps:
            pre, shift = self._pre(self.parent[node])
            self.maps[node] = (np.where(self.mask[node][:, None], pre, 0), shift)
        return self.maps[node]

    def _pre(self, node: int) -> tuple[np.ndarray, int]:
        """Exact [W A | W c + b] of the layer after the node, as ints over 2**shift."""
        if node not in self.pre:
            Wi, bi, t = self._layer_ints(self.depth[node])
            M, s = self._map(node)
            P = Wi.dot(M)
            P[:, 2] += np.array([v << s for v in bi], dtype=object)
            self.pre[node] = (P, t + s)
        return self.pre[node]

    def line(self, lid: int) -> tuple[int, int, int]:
        if lid < 4:
            return self.sides[lid]
        k = bisect_right(self.bases, lid) - 1
        row = self._pre(self.owners[k])[0][lid - self.bases[k]]
        return int(row[0]), int(row[1]), int(row[2])

    def vertex(self, lid1: int, lid2: int) -> tuple[float, float, float, float]:
        """The point where two lines meet, rounded from its exact coordinates (for when
        the float lines cannot place it), with error bounds as `exact.meet` gives them."""
        X, Y, H = cross(self.line(lid1), self.line(lid2))
        x, y = X / H, Y / H  # int division rounds correctly
        return x, y, 2 * U * abs(x) + TINY, 2 * U * abs(y) + TINY

    def side(self, lid: int, lid1: int, lid2: int) -> int:
        """Exact sign of line ``lid`` at the vertex where lines lid1 and lid2 meet."""
        return side_exact(self.line(lid), self.line(lid1), self.line(lid2))


def _signs(points: np.ndarray, v1, v2, lines: np.ndarray, abs_lines: np.ndarray | None,
           lineage: _Lineage) -> np.ndarray:
    """Exact signs (as floats -1, 0, 1), ``(points, lines)``, of the lines' functions at
    points that are the meeting points of the lines with ids v1 and v2 (lines: rows
    (a, b, c, ea, eb, ec, id))."""
    s, sure = filtered_signs(points, lines, abs_lines)
    if not sure.all():
        for i, j in zip(*np.nonzero(~sure)):
            s[i, j] = lineage.side(int(lines[j, 6]), int(v1[i]), int(v2[i]))
    return s


def _new_vertices(Q: np.ndarray, cuts: list[int], lines: np.ndarray, abs_lines: np.ndarray,
                  lineage: _Lineage) -> np.ndarray:
    """Rows of the vertices where the first line of ``lines`` crosses edges ``cuts`` of Q,
    with the other lines' exact signs there."""
    new = np.empty((len(cuts), Q.shape[1]))
    cut_line = lines[0, :6].tolist()
    points = [meet(edge, cut_line) for edge in Q[cuts, EDGE].tolist()]
    for r, point in enumerate(points):
        if point[2] == math.inf:  # lines too close to parallel for their float form
            points[r] = lineage.vertex(int(Q[cuts[r], LINE_ID]), int(lines[0, 6]))
    new[:, VERTEX] = points
    new[:, EDGE_AND_ID] = Q[cuts, EDGE_AND_ID]  # a new vertex lies inside edge i: its edge is the rest of edge i
    new[:, NCOL] = 0.0
    if len(lines) > 1:
        new[:, NCOL + 1:] = _signs(new[:, VERTEX], Q[cuts, LINE_ID], [lines[0, 6]] * len(cuts),
                                   lines[1:], abs_lines[1:], lineage)
    return new


def _split(Q: np.ndarray, lines: np.ndarray, abs_lines: np.ndarray, lineage: _Lineage) -> list[tuple[np.ndarray, bool]]:
    """The two pieces (positive side first) of polygon Q on either side of the first line
    of ``lines``, whose exact signs at Q's vertices are column NCOL."""
    k = len(Q)
    s = Q[:, NCOL].tolist()
    sn = s[1:] + s[:1]
    cuts = [i for i in range(k) if s[i] * sn[i] < 0]  # edges the line crosses strictly inside
    ext = np.concatenate([Q, _new_vertices(Q, cuts, lines, abs_lines, lineage)]) if cuts else Q
    # Walk the boundary once. Vertices on the line go to both pieces; a piece's boundary
    # leaves the old one, along the line (the chord), where the old one enters the other side.
    pos, neg, start_pos, start_neg, c = [], [], 0, 0, k
    for i in range(k):
        if s[i] >= 0:
            if s[i] == 0 and sn[i] < 0:
                start_pos = len(pos)
            pos.append(i)
        if s[i] <= 0:
            if s[i] == 0 and sn[i] > 0:
                start_neg = len(neg)
            neg.append(i)
        if s[i] * sn[i] < 0:
            if sn[i] < 0:
                start_pos = len(pos)
            else:
                start_neg = len(neg)
            pos.append(c)
            neg.append(c)
            c += 1
    out = []
    for order, start, side in ((pos, start_pos, True), (neg, start_neg, False)):
        piece = ext[order]
        piece[start, EDGE_AND_ID] = lines[0]
        out.append((piece, side))
    return out


_BASE = np.arange(NCOL)


def _cut_polygon(P: np.ndarray, lines: np.ndarray, lineage: _Lineage) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split a convex polygon by the zero lines of a layer's units (rows (a, b, c, ea, eb,
    ec, id) of ``lines``). Returns (polygon, on) per piece, ``on`` (m,) telling which units
    are positive on it."""
    abs_lines = np.abs(lines[:, :6])
    S = _signs(P[:, VERTEX], P[_prev(len(P)), LINE_ID], P[:, LINE_ID], lines, abs_lines, lineage)
    on = S.max(axis=0) > 0
    crossing = np.flatnonzero(on & (S.min(axis=0) < 0))
    if len(crossing) == 0:
        return [(P, on)]
    out = []
    stack = [(np.hstack([P, S[:, crossing]]), crossing, on)]
    while stack:
        Q, idx, bits = stack.pop()
        for piece, side in _split(Q, lines[idx], abs_lines[idx], lineage):
            b = bits.copy()
            b[idx[0]] = side
            if len(idx) == 1:
                out.append((piece[:, :NCOL], b))
                continue
            R = piece[:, NCOL + 1:]
            up = R.max(axis=0) > 0
            b[idx[1:][~up]] = False  # <= 0 at every vertex: <= 0 on the piece
            still = np.flatnonzero(up & (R.min(axis=0) < 0))
            if len(still):
                stack.append((piece[:, np.concatenate([_BASE, NCOL + 1 + still])], idx[1:][still], b))
            else:
                out.append((piece[:, :NCOL], b))
    return out


def _layer_lines(W: np.ndarray, b: np.ndarray, Ac: np.ndarray | None, eAc: np.ndarray | None) -> np.ndarray:
    """The units' zero lines in float form, rows (a, b, c, ea, eb, ec), on a polygon whose
    layer input is [A | c] = ``Ac`` (within ``eAc``; None: the identity, exactly)."""
    if Ac is None:
        return np.hstack([W, b[:, None], np.zeros((len(b), 3))])  # the identity: W and b are the lines
    g = gamma(W.shape[1] + 1)  # W c + b sums n + 1 rounded terms
    Z = W @ Ac
    Z[:, 2] += b
    err = np.abs(W) @ (eAc + g * np.abs(Ac))
    err[:, 2] += g * np.abs(b)
    return np.hstack([Z, err * SAFE + TINY])


def _square(lo: float, hi: float) -> np.ndarray:
    """The square as a polygon: exact corners, edges on the lines with ids 0-3."""
    P = np.zeros((4, NCOL))
    P[:, :2] = [[lo, lo], [hi, lo], [hi, hi], [lo, hi]]
    P[:, EDGE] = [[0, 1, -lo, 0, 0, 0], [1, 0, -hi, 0, 0, 0], [0, 1, -hi, 0, 0, 0], [1, 0, -lo, 0, 0, 0]]
    P[:, LINE_ID] = [0, 1, 2, 3]
    return P


def _layers(layers: Layers) -> list[tuple[np.ndarray, np.ndarray]]:
    out = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in layers]
    if out[0][0].shape[1] != 2:
        raise ValueError("the network's input must be 2-D")
    if not all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in out):
        raise ValueError("the network's weights must be finite")
    return out


def _run(layers: Layers, lo: float, hi: float):
    """Pieces after every hidden layer: per layer, the list of (polygon, [A | c], its error
    bound, node, patterns)."""
    layers = _layers(layers)
    lo, hi = float(lo), float(hi)
    if not (np.isfinite([lo, hi]).all() and hi > lo):
        raise ValueError("need finite lo < hi")
    lineage = _Lineage(layers, lo, hi)
    polys = [(_square(lo, hi), None, None, 0, [])]
    history = []
    for W, b in layers[:-1]:
        new = []
        for P, Ac, eAc, node, pats in polys:
            lines = _layer_lines(W, b, Ac, eAc)
            ids = lineage.block(node, len(b))
            for piece, on in _cut_polygon(P, np.hstack([lines, ids[:, None]]), lineage):
                new.append((piece, lines[:, :3] * on[:, None], lines[:, 3:] * on[:, None],
                            lineage.child(node, on), pats + [on]))
        polys = new
        history.append(polys)
    return polys, history


def regions_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0) -> list[Region]:
    """The linear regions of a ReLU network (hidden layers ReLU, last layer linear) with
    2-D input on the square [lo, hi]^2: polygon, activation pattern, area and affine map of
    each (floats rounded from the exact ones)."""
    polys, _ = _run(layers, lo, hi)
    W, b = (np.asarray(a, dtype=float) for a in layers[-1])
    out = []
    for P, Ac, _, _, pats in polys:
        pattern = np.concatenate(pats) if pats else np.zeros(0, dtype=bool)
        A, c = (np.eye(2), np.zeros(2)) if Ac is None else (Ac[:, :2], Ac[:, 2])
        out.append(Region(P[:, :2].copy(), pattern, _area(P), W @ A, W @ c + b))
    return out


def count_regions_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0) -> int:
    """Number of linear regions of the network on the square [lo, hi]^2."""
    polys, _ = _run(layers, lo, hi)
    return len(polys)


def prefix_counts_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0) -> list[int]:
    """Region counts using the patterns of the first 1, 2, ... hidden layers. Layers only
    subdivide, so the counts never decrease."""
    _, history = _run(layers, lo, hi)
    return [len(p) for p in history]


def _sum_signs(terms: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Float signs of sums of products of up to three floats, and where they are certain
    (each product rounds twice, the sum len(terms) - 1 times)."""
    value = sum(terms[1:], terms[0])
    bound = gamma(len(terms) + 1) * sum(np.abs(t) for t in terms) * SAFE + TINY
    return np.sign(value), np.abs(value) > bound


def _crossings(W: np.ndarray, b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """For pairs of lines (rows of W, b): whether they cross strictly inside the square.
    Lines i and j meet at (X / D, Y / D); inside means D != 0 and X - lo D, hi D - X,
    Y - lo D, hi D - Y all have the sign of D."""
    (a1, b1), c1 = W[0].T, b[0]
    (a2, b2), c2 = W[1].T, b[1]
    D = [a1 * b2, -(a2 * b1)]
    X = [b1 * c2, -(b2 * c1)]
    Y = [c1 * a2, -(c2 * a1)]
    sd, sure = _sum_signs(D)
    inside = sd != 0
    for q in (X + [-lo * t for t in D], [hi * t for t in D] + [-t for t in X],
              Y + [-lo * t for t in D], [hi * t for t in D] + [-t for t in Y]):
        sq, ok = _sum_signs(q)
        inside &= sq == sd
        sure &= ok
    for k in np.flatnonzero(~sure):
        inside[k] = _crossing_exact(W[0][k], W[1][k], b[0][k], b[1][k], lo, hi)
    return inside


def _crossing_exact(w1: np.ndarray, w2: np.ndarray, c1: float, c2: float, lo: float, hi: float) -> bool:
    (a1, b1), (a2, b2) = (map(Fraction, w) for w in (w1, w2))
    c1, c2, lo, hi = map(Fraction, (c1, c2, lo, hi))
    D = a1 * b2 - a2 * b1
    if D == 0:
        return False
    x, y = (b1 * c2 - b2 * c1) / D, (c1 * a2 - c2 * a1) / D
    return lo < x < hi and lo < y < hi


def arrangement_cells(W: np.ndarray, b: np.ndarray, lo: float = -1.0, hi: float = 1.0) -> int:
    """Cells that the lines W x + b = 0 cut the square [lo, hi]^2 into, by Euler's formula
    for lines in general position (no two parallel crossing inside, no three through one
    point, no crossing on the boundary): 1 + (lines crossing the interior of the square) +
    (pairwise crossings strictly inside it). Every comparison is decided exactly."""
    W, b = _layers([(W, b)])[0]
    lo, hi = float(lo), float(hi)
    corners = np.array([[lo, lo, 0, 0], [lo, hi, 0, 0], [hi, lo, 0, 0], [hi, hi, 0, 0]])
    lines = np.hstack([W, b[:, None], np.zeros((len(b), 3))])
    s, sure = filtered_signs(corners, lines)
    for i, j in zip(*np.nonzero(~sure)):
        (x, y), (a, bb), c = map(Fraction, corners[i, :2]), map(Fraction, W[j]), Fraction(b[j])
        v = a * x + bb * y + c
        s[i, j] = (v > 0) - (v < 0)
    inside = np.flatnonzero((s.min(axis=0) < 0) & (s.max(axis=0) > 0))
    i, j = np.triu_indices(len(inside), k=1)
    pairs = _crossings((W[inside[i]], W[inside[j]]), (b[inside[i]], b[inside[j]]), lo, hi)
    return 1 + len(inside) + int(pairs.sum())


def tent_map_2d_layers(k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A ReLU network of k hidden layers of width 4 on [0, 1]^2: the tent-map network of
    `pieces.tent_map_layers` on each coordinate, side by side (block-diagonal weights).

    Each coordinate's k-fold tent has 2^k affine pieces, so the network has exactly 4^k
    linear regions of positive area on [0, 1]^2 from only 4k units (protocol 3's
    construction for "layers carve arbitrarily complex regions"); a single layer of 4k
    units makes at most `one_layer_bound(4 k)`. The units relu(t) of each layer are 0 only
    on lines where the tent touches 0, which is why the count needs the exact counter.
    """
    from nnclaims.numeric.pieces import tent_map_layers

    out = []
    for W, b in tent_map_layers(k):
        Z = np.zeros_like(W)
        out.append((np.block([[W, Z], [Z, W]]), np.r_[b, b]))
    return out


def one_layer_bound(units: int) -> int:
    """The most regions n lines can cut the plane into: 1 + n + C(n, 2)."""
    return 1 + units + units * (units - 1) // 2
