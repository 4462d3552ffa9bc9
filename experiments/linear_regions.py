"""linear-regions: each ReLU neuron is a hyperplane; layers carve the input space into regions.

Setup (kept from protocol 1): random ReLU networks 2 -> depth x width -> 1 on the square
[-1, 1]^2, He-normal weights and biases N(0, 0.5^2); at about 500 parameters for depth 1
to 6 (width 125 at depth 1, 12 at depth 4), and one-hidden-layer networks of 2, 4, 8 and
16 neurons.

Protocol 2 (pre-registered in the claim catalogue, 2026-11-21): regions are counted
EXACTLY, by splitting convex polygons layer by layer (`nnclaims.numeric.regions`: the 2-D
analogue of the exact 1-D piece counter, tested against arrangements with known counts);
the grid count of protocol 1 is kept only as the negative control of check (a) and as a
measurement of what a grid misses. Rule 6: the confirmatory seeds (10000+) are as many as
a pilot on the four exploration seeds (20000+, depths 1 and 4) says check (b) needs.

Expected:
- (a) exact: the exact region count of a one-hidden-layer network equals Euler's count of
  its line arrangement inside the square (1 + lines crossing the square + crossings
  inside it), in every network: the one-hidden-layer networks (2, 4, 8, 16 and 125
  neurons) and the first hidden layer of every deeper network, which is itself a
  one-layer arrangement. Check: the number of networks where the two differ is 0;
- (b) at about 500 parameters and at initialization, depth does not multiply regions:
  the count at depth 4 is at most twice the count at depth 1 (paired by seed, whole 95%
  interval of the mean log2 ratio below 1). Hanin and Rolnick (2019) predict counts that
  grow with the number of neurons (125 at depth 1, 48 at depth 4), not exponentially with
  depth, so this is expected to pass by a wide margin.
"Layers only subdivide" (the count after l layers never decreases with l) and "the network
is one affine map on each region" are theorems: they are reported as measurements, as
are the counts at every depth and the share of cells that protocol 1's 700 x 700 grid
misses.
Controls: (a) must pass on hand-made arrangements whose cell counts are known ((k+1)^2
cells for k x k tilted grid lines, n + 1 strips for n parallel lines), counted by the same
exact counter, and must fail when the exact count is replaced by a counter that misses
cells (distinct activation patterns on a coarse 100 x 100 grid); (b) must pass when the
depth-4 counts equal the depth-1 counts and fail when they are four times them.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Measurement, RunContext, combine_plans, mean_ci, paired,
    paired_ci, required_seeds, where,
)

CLAIMS = [
    Claim(
        id="linear-regions",
        title="Each neuron is a hyperplane; layers carve the input space into linear regions",
        statement=("A ReLU neuron switches on one side of a hyperplane; the first layer's neurons cut the input "
                   "space into the cells of their hyperplane arrangement, and each further layer cuts those regions "
                   "further. On each region the network is one affine map."),
        section="D",
        reference=("Montúfar, Pascanu, Cho and Bengio (2014) on the maximal number of regions; Hanin and Rolnick "
                   "(2019), Complexity of linear regions in deep networks, on typical counts at initialization."),
    )
]
SEEDS = {"quick": 3, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
BUDGET = {"quick": 100, "full": 500}  # parameters; the quick profile (tests) counts small nets
DEPTHS = {"quick": [1, 4], "full": [1, 2, 3, 4, 5, 6]}
ARRANGEMENT_WIDTHS = {"quick": [2, 8], "full": [2, 4, 8, 16]}
KNOWN_K = {"quick": [1, 3], "full": [1, 2, 3, 5, 8, 12]}  # hand-made arrangements (positive control of (a))
MAP_DEPTHS = (1, 2, 4, 6)  # drawn in the figure, those in the profile's grid
COARSE = 100   # the missing-cells counter of the negative control
FINE = {"quick": 100, "full": 700}  # protocol 1's grid, for the measurement of what it misses
BIAS_STD = 0.5
DEEP, SHALLOW = 4, 1  # check (b) compares these depths
DOUBLING = 1.0        # log2 of "at most twice"
SEED_CAP = {"quick": 8, "full": 64}  # rule 6's cap; the quick profile (tests) stays at the minimum


def _budget(tables: dict) -> int:
    """The parameter budget the tables were made with (rounded to the hundred)."""
    rec = tables["records"]
    return int(round(float(rec.loc[rec["part"] == "budget", "params"].median()), -2))


def width_for(depth: int, budget: int) -> int:
    """Width at which 2 -> depth x width -> 1 has about ``budget`` parameters:
    (depth - 1) w^2 + (depth + 3) w + 1 = budget."""
    a, b, c = depth - 1, depth + 3, 1 - budget
    w = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return max(2, round(w))


def explore(profile: str) -> list[dict]:
    return [{"part": "budget", "depth": d, "width": width_for(d, BUDGET[profile])} for d in (SHALLOW, DEEP)]


def grid(profile: str) -> list[dict]:
    points = [{"part": "budget", "depth": d, "width": width_for(d, BUDGET[profile])} for d in DEPTHS[profile]]
    points += [{"part": "arrangement", "depth": 1, "width": m} for m in ARRANGEMENT_WIDTHS[profile]]
    return points + [{"part": "known"}]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point["part"] == "known":
        return {"known": _known(KNOWN_K[ctx.profile])}
    return _random_networks(point, ctx)


def _random_networks(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric import pieces, regions
    from nnclaims.numeric.seeding import numpy_rng

    depth, width = point["depth"], point["width"]
    sizes = (2,) + (width,) * depth + (1,)
    coarse = pieces.grid_points(COARSE)
    fine = pieces.grid_points(FINE[ctx.profile])
    rows, lines, polygons = [], [], []
    for seed in ctx.seeds:
        layers = pieces.random_layers(sizes, numpy_rng(seed, f"regions-{point['part']}-{depth}-{width}"),
                                      bias_std=BIAS_STD)
        found = regions.regions_exact(layers)
        prefix = regions.prefix_counts_exact(layers)
        gap, mismatched = _affine_and_pattern_gap(layers, found)
        row = {"seed": seed, "params": sum(W.size + b.size for W, b in layers), "neurons": depth * width,
               "regions": len(found), "prefix_counts": ",".join(map(str, prefix)),
               "prefix_decreases": int(sum(b < a for a, b in zip(prefix, prefix[1:]))),
               "affine_gap": gap, "pattern_mismatches": mismatched,
               "area_total": float(sum(r.area for r in found))}
        if point["part"] == "budget" and depth == SHALLOW:
            row["regions_fine_grid"] = pieces.prefix_region_counts(layers, fine)[0][-1]
            row["fine_grid_side"] = FINE[ctx.profile]
        rows.append(row)
        first = [layers[0], (np.ones((1, width)), np.zeros(1))]  # the first hidden layer as a one-layer net
        lines.append({"seed": seed, "source": "one hidden layer" if depth == 1 else f"first layer of depth {depth}",
                      "lines": width, "exact": prefix[0], "euler": regions.arrangement_cells(*layers[0]),
                      "coarse_grid": pieces.prefix_region_counts(first, coarse)[0][0]})
        if point["part"] == "budget" and depth in MAP_DEPTHS and seed == ctx.seeds[0]:
            for k, r in enumerate(found):
                polygons += [{"region": k, "x": float(x), "y": float(y)} for x, y in r.vertices]
    return {"records": rows, "arrangements": lines, "polygons": polygons}


def _affine_and_pattern_gap(layers, found) -> tuple[float, int]:
    """At each region's vertex centroid (inside it, the region being convex): the largest
    |network output - the region's affine map| and the number of regions whose activation
    pattern there differs from the region's own."""
    from nnclaims.numeric import pieces

    centres = np.array([r.vertices.mean(axis=0) for r in found])
    out = pieces.forward(layers, centres)
    affine = np.einsum("roi,ri->ro", np.array([r.A for r in found]), centres) + np.array([r.c for r in found])
    patterns = pieces.activation_patterns(layers, centres)
    mismatched = int(np.any(patterns != np.array([r.pattern for r in found]), axis=1).sum())
    return float(np.abs(out - affine).max()), mismatched


def _known(ks) -> list[dict]:
    """Hand-made one-layer arrangements with known cell counts, counted exactly: k x k grid
    lines (tilted by 0.1 rad, offsets inside the square) make (k + 1)^2 cells; n parallel
    lines make n + 1."""
    from nnclaims.numeric import regions

    rows = []
    for k in ks:
        offsets = np.linspace(-0.6, 0.6, k) + 0.013
        for name, normals, known in (
                ("tilted grid", [(math.cos(0.1), math.sin(0.1))] * k + [(-math.sin(0.1), math.cos(0.1))] * k,
                 (k + 1) ** 2),
                ("parallel lines", [(0.6, 0.8)] * k, k + 1)):
            W = np.array(normals, dtype=float)
            b = -np.concatenate([offsets] * (len(W) // k))
            layers = [(W, b), (np.ones((1, len(b))), np.zeros(1))]
            rows.append({"seed": -1, "source": f"{name}, k = {k}", "lines": len(b), "known": known,
                         "exact": regions.count_regions_exact(layers), "euler": regions.arrangement_cells(W, b)})
    return rows


# -- checks ---------------------------------------------------------------------------------
def _log2_counts(tables: dict):
    """log2 of the region count, one row per seed, one column per depth (networks at the budget)."""
    rec = where(tables["records"], part="budget")
    return np.log2(rec.pivot(index="seed", columns="depth", values="regions").astype(float))


def _depth_gap(tables: dict, depth: int = DEEP) -> tuple[np.ndarray, np.ndarray]:
    counts = _log2_counts(tables)
    return paired(counts[depth], counts[SHALLOW])


def _euler_mismatches(tables: dict) -> tuple[int, int]:
    arr = tables["arrangements"]
    return int((arr["exact"] != arr["euler"]).sum()), len(arr)


def checks(tables: dict) -> list[Check]:
    wrong, n = _euler_mismatches(tables)
    a, b = _depth_gap(tables)
    return [
        Check("linear-regions", "exact-equals-euler",
              f"One-layer arrangements (the one-hidden-layer networks and the first layer of every deeper network, "
              f"{n} in all): networks whose exact region count differs from Euler's cell count of their lines",
              value=wrong, comparator="==", threshold=0, unit="networks"),
        Check.of("linear-regions", "depth-does-not-multiply",
                 f"About {_budget(tables)} parameters, at initialization: log2(regions at depth {DEEP} / regions at depth "
                 f"{SHALLOW}), paired by seed (below 1: at most twice as many)", paired_ci(a, b), "<", DOUBLING,
                 unit="doublings"),
    ]


def controls(tables: dict) -> list[Control]:
    arr, rec = tables["arrangements"], tables["records"]
    known = tables["known"]
    missing = arr.assign(exact=arr["coarse_grid"])
    out = [
        Control("exact-equals-euler", "positive", {"arrangements": known},
                "hand-made arrangements with known cell counts (tilted k × k grids, parallel lines), counted by the "
                "same exact counter"),
        Control("exact-equals-euler", "negative", {"arrangements": missing},
                f"a counter that misses cells: distinct activation patterns on a {COARSE} × {COARSE} grid"),
    ]
    for factor, kind, why in ((1.0, "positive", f"depth-{DEEP} counts set equal to the depth-{SHALLOW} counts"),
                              (4.0, "negative", f"depth-{DEEP} counts set to four times the depth-{SHALLOW} counts")):
        out.append(Control("depth-does-not-multiply", kind, {"records": _deep_relative(rec, factor)}, why))
    return out


def _deep_relative(rec, factor: float):
    """The records with each depth-4 budget network's count replaced by ``factor`` times the
    depth-1 count of the same seed."""
    budget = rec["part"] == "budget"
    shallow = rec[budget & (rec["depth"] == SHALLOW)].set_index("seed")["regions"]
    mine = (budget & (rec["depth"] == DEEP)).to_numpy()
    out = rec.copy()
    out.loc[mine, "regions"] = (factor * shallow.reindex(rec.loc[mine, "seed"]).to_numpy()).round()
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec, known = tables["records"], tables["known"]
    budget = where(rec, part="budget")
    counts = _log2_counts(tables)
    out = []
    for depth, g in budget.groupby("depth"):
        out.append(Measurement.of("linear-regions", f"regions-depth-{depth}",
                                  f"Depth {depth}, width {int(g['width'].iloc[0])} ({int(g['params'].iloc[0])} "
                                  f"parameters, {int(g['neurons'].iloc[0])} neurons): exact count of linear regions "
                                  f"in the square", mean_ci(g["regions"].to_numpy(dtype=float))))
        if depth != SHALLOW:
            a, b = paired(counts[depth], counts[SHALLOW])
            out.append(Measurement.of("linear-regions", f"log2-ratio-depth-{depth}",
                                      f"log2(regions at depth {depth} / at depth {SHALLOW}), paired by seed",
                                      paired_ci(a, b), unit="doublings"))
    out.append(Measurement("linear-regions", "layers-only-subdivide",
                           f"Networks (of {len(rec)}) in which adding a layer's neurons ever lowered the exact region "
                           f"count (a theorem: layers only subdivide)", value=int((rec["prefix_decreases"] > 0).sum()),
                           theory=0.0, unit="networks"))
    out.append(Measurement("linear-regions", "one-affine-map-per-region",
                           f"Largest |output − the region's affine map| at the centroid of every region of all "
                           f"{len(rec)} networks (a theorem; float64 round-off expected)",
                           value=float(rec["affine_gap"].max()), theory=0.0))
    out.append(Measurement("linear-regions", "pattern-matches-region",
                           "Regions whose activation pattern at their centroid differs from the pattern the exact "
                           "counter assigned them", value=int(rec["pattern_mismatches"].sum()), theory=0.0,
                           unit="regions"))
    out.append(Measurement("linear-regions", "regions-tile-the-square",
                           "Largest |total area of a network's regions − 4| (they partition the square [−1, 1]²)",
                           value=float((rec["area_total"] - 4.0).abs().max()), theory=0.0))
    out.append(Measurement("linear-regions", "known-arrangements",
                           f"Hand-made arrangements ({len(known)}) whose exact count differs from their known cell "
                           f"count", value=int((known["exact"] != known["known"]).sum()), theory=0.0,
                           unit="arrangements"))
    shallow = where(budget, depth=SHALLOW)
    missed = ((shallow["regions"] - shallow["regions_fine_grid"]) / shallow["regions"]).to_numpy(dtype=float)
    out.append(Measurement.of("linear-regions", "fine-grid-misses-cells",
                              f"One hidden layer of {int(shallow['width'].iloc[0])} neurons: share of the exact "
                              f"regions that a grid of {int(shallow['fine_grid_side'].iloc[0])}² points (protocol 1's "
                              f"counter) misses: cells smaller than its spacing",
                              mean_ci(missed), theory=0.0))
    arr = tables["arrangements"]
    out.append(Measurement("linear-regions", "coarse-grid-misses",
                           f"One-layer arrangements (of {len(arr)}) where a {COARSE} × {COARSE} grid finds fewer cells "
                           f"than Euler's count (the negative control's counter)",
                           value=int((arr["coarse_grid"] < arr["euler"]).sum()), unit="networks"))
    return out


CHANGES = [
    Change("shallow-equals-arrangement", "exact-equals-euler",
           "Protocol 1 counted regions as distinct activation patterns on a 700² grid, which misses cells smaller "
           "than its spacing (8–10% of them with 125 lines), and allowed a 2% gap; protocol 2 counts exactly and "
           "requires equality in every network."),
    Change("never-more-than-arrangement", "exact-equals-euler",
           "Subsumed: with an exact count, equality with Euler's count in every network is the stronger assertion."),
    Change("one-affine-map-per-region", "one-affine-map-per-region",
           "A theorem (a fixed activation pattern makes the network affine), so it is reported as a measurement "
           "(rule 7); it is now read at the centroid of every exact region rather than at grid points."),
    Change("layers-only-subdivide", "layers-only-subdivide",
           "A theorem: it cannot fail short of a bug, and no negative control could show otherwise, so it is "
           "reported as a measurement (rule 7)."),
]


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    a, b = _depth_gap(tables)
    d = a - b
    plan = required_seeds(d.mean(), DOUBLING, sd=d.std(ddof=1), n_pilot=len(d), maximum=SEED_CAP[profile])
    note = (f"Pilot on {len(d)} exploration seeds: log2(regions at depth {DEEP} / depth {SHALLOW}) has mean "
            f"{d.mean():.3g} (sd {d.std(ddof=1):.3g}) against the threshold {DOUBLING:g}.")
    return Decisions({}, combine_plans({"depth-does-not-multiply": plan}, maximum=SEED_CAP[profile]), [note])


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Each drawn region's colour, the region counts' scaling line, and the doublings
    relative to one hidden layer, paired by seed."""
    import pandas as pd

    from nnclaims.evidence import group_ci

    polys, budget = tables["polygons"], where(tables["records"], part="budget")
    rng = np.random.default_rng(0)  # neighbouring regions get unrelated colours, the same on every redraw
    colours = {(d, r): c for d in sorted(polys["depth"].unique())
               for r, c in zip(sorted(polys.loc[polys["depth"] == d, "region"].unique()),
                               rng.integers(0, 20, polys.loc[polys["depth"] == d, "region"].nunique()))}
    s = group_ci(budget, "depth", "regions")
    n = budget.groupby("depth")["neurons"].first()
    anchor = float(s.loc[s["depth"] == SHALLOW, "mean"].iloc[0])
    counts = _log2_counts(tables)
    gaps = [{"depth": d, "seed": seed, "gap": counts.loc[seed, d] - counts.loc[seed, SHALLOW]}
            for d in counts.columns for seed in counts.index if np.isfinite(counts.loc[seed, d] - counts.loc[seed, SHALLOW])]
    return {"region_colours": pd.DataFrame([{"depth": d, "region": r, "colour": c} for (d, r), c in colours.items()]),
            "regions_scaling": pd.DataFrame({"depth": n.index, "regions": anchor * (n.to_numpy() / n.loc[SHALLOW]) ** 2}),
            "depth_doublings": pd.DataFrame(gaps)}


def _region_map(polys, colours):
    """Draw one depth's regions, each polygon in its colour from the analysis."""
    def draw_(ax) -> None:
        from matplotlib.collections import PolyCollection
        from matplotlib.pyplot import get_cmap

        shapes = [g[["x", "y"]].to_numpy() for _, g in polys.groupby("region", sort=True)]
        ax.add_collection(PolyCollection(shapes, facecolors=get_cmap("tab20")(colours.sort_values("region")["colour"]),
                                         edgecolors="white", linewidths=0.15))
        ax.set_xlim(-1, 1), ax.set_ylim(-1, 1), ax.set_aspect("equal"), ax.grid(False)
    return draw_


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, Theory, band, custom, draw, figure

    T, budget, params = tables, where(tables["records"], part="budget"), _budget(tables)
    depths = dict(xticks=sorted(budget["depth"].unique()), xlog=False)
    maps = [custom(_region_map(where(T["polygons"], depth=d), where(T["region_colours"], depth=d)), xlabel="x₁",
                   ylabel="x₂", title=f"depth {d}, width {int(where(budget, depth=d)['width'].iloc[0])}: "
                                      f"{len(where(T['region_colours'], depth=d)):,} regions")
            for d in sorted(T["polygons"]["depth"].unique())]
    return draw(outdir, [
        figure("region_maps", "linear-regions", caption=MAPS_CAPTION.format(params), alt=MAPS_ALT,
               size=(3.8 * len(maps), 3.9), panels=maps),
        figure("regions_vs_depth", "linear-regions", main=True, caption=DEPTH_CAPTION.format(params, DEEP),
               alt=DEPTH_ALT, size=(12, 4.2), panels=[
            band(budget, "depth", "regions", labels=f"exact count, about {params} parameters", ylog=True, **depths,
                 theory=Theory(T["regions_scaling"], "depth", "regions",
                               "∝ (neurons)², anchored at depth 1 (Hanin–Rolnick scaling in 2-D)"),
                 xlabel="hidden layers (width chosen to keep the parameter count)",
                 ylabel="linear regions in the square (log)", title="Regions at equal parameter count, at initialization"),
            band(T["depth_doublings"], "depth", "gap", start=1, labels=f"log2(regions at depth L / at depth {SHALLOW})",
                 threshold=[Line(DOUBLING, "check (b): at most twice (log2 = 1)", theory=True), Line(DEEP, axis="x")],
                 **depths, ylog=False, xlabel="hidden layers", ylabel="doublings relative to one hidden layer",
                 title="Does depth multiply regions? (paired by seed)")]),
    ])


MAPS_CAPTION = (
    "The exact linear regions of one random ReLU network with about {} parameters at each depth (first seed), each "
    "polygon in its own colour (colours repeat). One hidden layer cuts the square with straight lines; deeper layers "
    "bend and subdivide.")
MAPS_ALT = ("Maps of coloured polygonal regions: straight-line cells for one layer, bent cells for deeper networks, "
            "fewer and larger as depth grows at a fixed parameter count.")
DEPTH_CAPTION = (
    "Left: the exact number of linear regions of random ReLU networks with about {} parameters against depth (mean "
    "and 95% band over networks), beside a count proportional to (neurons)², the growth with the number of neurons "
    "that Hanin and Rolnick predict for a 2-D input (the line is anchored at depth 1; its constant is not a "
    "prediction). Right: the same counts relative to one hidden layer, in doublings, paired by seed; check (b) asks "
    "the depth-{} value (dotted line) to stay below 1. At initialization the single wide layer, with the most "
    "neurons, has the most regions.")
DEPTH_ALT = ("Region counts falling with depth at a fixed parameter count, and their log2 ratio to depth one staying "
             "well below the doubling line.")
