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

Speed: all of a layer's units are evaluated on a polygon's vertices at once; units whose
lines miss the polygon get their bit straight away, and only the crossing ones take part
in the recursive splitting, which carries their values at the vertices along (values of an
affine function at a new vertex on an edge are interpolated from the edge's ends, as the
vertex's coordinates are), so each split costs a handful of small array operations.

Tolerances (one number, ``tol``, default 1e-12, relative to the square's side ``s``):
- a unit's value z at a vertex counts as zero when |z| <= tol * (s * |grad z| + size),
  where ``size`` bounds the terms summed into z (|W| (|A| r + |c|) + |b|, r the largest
  |coordinate| in the square). The first part puts a vertex within about ``tol * s`` of a
  unit's zero line on the line; the second makes a unit that is exactly 0 on a whole
  polygon (all its inputs off and no bias, say) off there, as "pre-activation > 0"
  says, instead of switching on and off with the rounding noise. A vertex on the line
  goes to both sides of a cut and never makes a new vertex of its own, so a line through a
  vertex, along an edge, or touching the polygon from outside (tangent) creates no empty
  or duplicate piece, and a unit repeated exactly (coincident lines) cuts only once: after
  the first copy has cut, the second one's values at the new vertices are rounding noise.
  Rounding errors are about 1e-16 of these scales (times a modest growth through
  interpolations and layers), so 1e-12 leaves a wide margin; and every piece a cut makes
  has a vertex beyond the tolerance on its side of the cutting line, so rounding alone
  cannot make a piece. Counts did not change between tol = 1e-10, 1e-12 and 1e-14 on
  random networks of depth 1 to 6;
- a piece whose area is below ``(tol * s)^2`` (1e-24 of the square's area; the area of a
  square whose side is the distance tolerance) is dropped as a sliver: it is below what the
  distance rule can resolve. A larger cut-off, such as 1e-12 of the square's area, would
  drop true cells: with 125 random lines in [-1, 1]^2 (7,750 crossings) the smallest cell
  of a network's arrangement was below 4e-12 in 21 of 64 networks and has been seen
  at 7e-17, and with such a cut-off the count falls short of Euler's formula for
  `arrangement_cells`; with this one the two agreed in every network tried.

All arithmetic is float64 NumPy. The weights use torch's layout: ``W`` is ``(out, in)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnclaims.numeric.pieces import Layers

TOL = 1e-12


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


def _next(k: int) -> np.ndarray:
    """Indices 1, 2, ..., k - 1, 0: each vertex's successor (faster than np.roll)."""
    nxt = _NEXT.get(k)
    if nxt is None:
        nxt = _NEXT[k] = np.r_[1:k, 0]
    return nxt


def _area(P: np.ndarray) -> float:
    """Shoelace area of the polygon whose vertices are the first two columns of P."""
    x, y = P[:, 0], P[:, 1]
    nxt = _next(len(P))
    return 0.5 * float(x @ y[nxt] - x[nxt] @ y)


def _cut_polygon(verts: np.ndarray, vals: np.ndarray, eps: np.ndarray,
                 min_area: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split a convex polygon by the zero lines of affine functions given by their values
    ``vals`` (k, m) at its vertices ``verts`` (k, 2). Returns (vertices, on) per piece of
    area at least ``min_area``, ``on`` (m,) telling which functions are positive on it."""
    mx, mn = vals.max(axis=0), vals.min(axis=0)
    on = mx > eps
    crossing = np.flatnonzero(on & (mn < -eps))
    if len(crossing) == 0:
        return [(verts, on)]
    out = []
    # Each work item: polygon rows [x, y, values of the crossing units...], the units'
    # indices, their tolerances, and the bits decided so far.
    stack = [(np.hstack([verts, vals[:, crossing]]), crossing, eps[crossing], on)]
    while stack:
        P, idx, e, bits = stack.pop()
        v = P[:, 2]
        pos, neg = v > e[0], v < -e[0]
        k, w = P.shape
        nxt = _next(k)
        Pn = P[nxt]
        vn = Pn[:, 2]
        cut = (pos & neg[nxt]) | (neg & pos[nxt])  # edges the line crosses strictly inside
        full = np.empty((2 * k, w))
        full[0::2] = P
        t = v[cut] / (v[cut] - vn[cut])
        full[1::2][cut] = P[cut] + t[:, None] * (Pn[cut] - P[cut])
        keep_pos = np.empty(2 * k, dtype=bool)
        keep_neg = np.empty(2 * k, dtype=bool)
        keep_pos[0::2], keep_neg[0::2] = ~neg, ~pos  # vertices on the line go to both sides
        keep_pos[1::2] = keep_neg[1::2] = cut
        for side, keep in ((True, keep_pos), (False, keep_neg)):
            Q = full[keep]
            if _area(Q) < min_area:
                continue
            b = bits.copy()
            b[idx[0]] = side
            if w == 3:
                out.append((Q[:, :2], b))
                continue
            R, er = Q[:, 3:], e[1:]
            up = R.max(axis=0) > er
            b[idx[1:][~up]] = False
            still = up & (R.min(axis=0) < -er)
            if still.any():
                stack.append((np.hstack([Q[:, :2], R[:, still]]), idx[1:][still], er[still], b))
            else:
                out.append((Q[:, :2], b))
    return out


def _run(layers: Layers, lo: float, hi: float, tol: float):
    """Pieces after every hidden layer: per layer, the list of (vertices, A, c, patterns)."""
    if np.shape(layers[0][0])[1] != 2:
        raise ValueError("the network's input must be 2-D")
    if not hi > lo:
        raise ValueError("need lo < hi")
    side = float(hi - lo)
    min_area = (tol * side) ** 2
    square = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], dtype=float)
    polys = [(square, np.eye(2), np.zeros(2), [])]
    reach = max(abs(lo), abs(hi))  # largest |coordinate| in the square
    history = []
    for W, b in layers[:-1]:
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
        absW, absb = np.abs(W), np.abs(b)
        new = []
        for verts, A, c, pats in polys:
            Z, z0 = W @ A, W @ c + b            # pre-activations z(x) = Z x + z0 on this polygon
            vals = verts @ Z.T + z0             # (k, units)
            # zero up to tol * (s |gradient| + size of the terms summed into z): see the
            # module docstring
            size = absW @ (np.abs(A).sum(axis=1) * reach + np.abs(c)) + absb
            eps = tol * (side * np.hypot(Z[:, 0], Z[:, 1]) + size)
            for piece, on in _cut_polygon(verts, vals, eps, min_area):
                new.append((piece, Z * on[:, None], z0 * on, pats + [on]))
        polys = new
        history.append(polys)
    return polys, history


def regions_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0, tol: float = TOL) -> list[Region]:
    """The linear regions of a ReLU network (hidden layers ReLU, last layer linear) with
    2-D input on the square [lo, hi]^2: polygon, activation pattern, area and affine map of
    each. See the module docstring for ``tol``."""
    polys, _ = _run(layers, lo, hi, tol)
    W, b = (np.asarray(a, dtype=float) for a in layers[-1])
    out = []
    for verts, A, c, pats in polys:
        pattern = np.concatenate(pats) if pats else np.zeros(0, dtype=bool)
        out.append(Region(verts, pattern, _area(verts), W @ A, W @ c + b))
    return out


def count_regions_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0, tol: float = TOL) -> int:
    """Number of linear regions of the network on the square [lo, hi]^2."""
    polys, _ = _run(layers, lo, hi, tol)
    return len(polys)


def prefix_counts_exact(layers: Layers, lo: float = -1.0, hi: float = 1.0, tol: float = TOL) -> list[int]:
    """Region counts using the patterns of the first 1, 2, ... hidden layers. Layers only
    subdivide, so the counts never decrease (short of a region below the sliver size being
    cut into pieces that are all dropped)."""
    _, history = _run(layers, lo, hi, tol)
    return [len(p) for p in history]


def arrangement_cells(W: np.ndarray, b: np.ndarray, lo: float = -1.0, hi: float = 1.0) -> int:
    """Cells that the lines W x + b = 0 cut the square [lo, hi]^2 into, by Euler's formula
    for lines in general position (no two parallel crossing inside, no three through one
    point, no crossing on the boundary): 1 + (lines crossing the interior of the square) +
    (pairwise crossings strictly inside it)."""
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    corners = np.array([[lo, lo], [lo, hi], [hi, lo], [hi, hi]]) @ W.T + b  # (4, lines)
    inside = np.flatnonzero((corners.min(axis=0) < 0) & (corners.max(axis=0) > 0))
    i, j = np.triu_indices(len(inside), k=1)
    Wi, Wj, bi, bj = W[inside[i]], W[inside[j]], b[inside[i]], b[inside[j]]
    det = Wi[:, 0] * Wj[:, 1] - Wi[:, 1] * Wj[:, 0]
    ok = np.abs(det) > 1e-12
    # Cramer's rule for Wi x = -bi, Wj x = -bj.
    x = (-bi[ok] * Wj[ok, 1] + bj[ok] * Wi[ok, 1]) / det[ok]
    y = (-Wi[ok, 0] * bj[ok] + Wj[ok, 0] * bi[ok]) / det[ok]
    points = int(((x > lo) & (x < hi) & (y > lo) & (y < hi)).sum())
    return 1 + len(inside) + points
