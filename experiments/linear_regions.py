"""linear-regions: each ReLU neuron is a hyperplane; layers carve the input space into regions.

The full design with its protocol history is in docs/experiments/linear_regions.md.
Setup: random ReLU networks 2 -> depth x width -> 1 on [-1, 1]^2, He-normal weights,
biases N(0, 0.5^2), at about 500 parameters for depth 1 to 6 and one-hidden-layer networks
of 2, 4, 8 and 16 neurons; regions counted EXACTLY (`nnclaims.numeric.regions`). Rule 6:
confirmatory seeds by power from a pilot on the exploration seeds (depths 1 and 4).

Expected:
- (c, chapter; P3-2) the tent-map network on [0, 1]^2 (`regions.tent_map_2d_layers`: k
  layers of width 4, the k-fold tent on each coordinate) has exactly 4^k regions of
  positive area for k = 1..6. Controls: positive, the counts set to 4^k; negative, the
  construction wired wrong (both halves read x1: 2^k strips);
- (d, chapter) for k = 4, 5, 6 its count exceeds 1 + 4k + C(4k, 2) (137, 211, 301), the
  most one layer of the same 4k units can make (for k <= 3 that bound is not below 4^k:
  reported, not deciding). Controls: the counts set to 4^k; set to the bound itself;
- (a, supporting) the exact count of every one-layer arrangement equals Euler's count
  (1 + lines crossing the square + crossings inside it): mismatches = 0. Controls: hand-
  made arrangements with known counts pass; a 100 x 100 grid counter that misses cells fails;
- (b, supporting) at about 500 parameters, at initialization, depth does not multiply
  regions (Hanin and Rolnick 2019): log2(regions at depth 4 / depth 1), paired by seed,
  whole 95% interval below 1. Controls: depth-4 counts set equal to depth 1's (pass), to
  four times them (fail).
"Layers only subdivide", "one affine map per region" (theorems), the counts at every
depth and what protocol 1's 700 x 700 grid misses are measurements.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Measurement, RunContext, Sentence, combine_plans, mean_ci,
    paired, paired_ci, required_seeds, where,
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
        sentences=(Sentence("003", "layers and depth",
                            "Stacking layers of neurons lets a network cut its input space into regions as complex "
                            "as we like.", ("carve up the space", "arbitrarily complex regions")),),
    )
]
SEEDS = {"quick": 3, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
RESOURCES = {"full": {"mem_mb": 2600, "runtime": 30}}  # bench/full-profile.csv: peak 1.73 GB (forked: the server's torch pages count); x1.5
BUDGET = {"quick": 100, "full": 500}  # parameters; the quick profile (tests) counts small nets
DEPTHS = {"quick": [1, 4], "full": [1, 2, 3, 4, 5, 6]}
ARRANGEMENT_WIDTHS = {"quick": [2, 8], "full": [2, 4, 8, 16]}
KNOWN_K = {"quick": [1, 3], "full": [1, 2, 3, 5, 8, 12]}  # hand-made arrangements (positive control of (a))
MAP_DEPTHS = (1, 2, 4, 6)  # drawn in the figure, those in the profile's grid
COARSE = 100   # the missing-cells counter of the negative control
FINE = {"quick": 100, "full": 700}  # protocol 1's grid, for the measurement of what it misses
BIAS_STD, DEEP, SHALLOW = 0.5, 4, 1  # check (b) compares these depths
DOUBLING = 1.0        # log2 of "at most twice"
SEED_CAP = {"quick": 8, "full": 64}  # rule 6's cap; the quick profile (tests) stays at the minimum
TENT_K = {"quick": [1, 2, 3, 4], "full": [1, 2, 3, 4, 5, 6]}  # the amendment's k = 1..6 (k = 6: 4,096 regions, ~1 s)
TENT_DECIDES = 4  # from k = 4 on, one layer of 4k units cannot make 4^k regions (137 < 256)


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
    return points + [{"part": "known"}, {"part": "tent"}]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point["part"] == "known":
        return {"known": _known(KNOWN_K[ctx.profile])}
    if point["part"] == "tent":
        return {"tent": _tent(TENT_K[ctx.profile])}
    return _random_networks(point, ctx)


def _tent(ks) -> list[dict]:
    """The tent-map construction's exact region counts on [0, 1]^2, beside the same
    network wired wrong (both halves read x1, so it only cuts strips) and the most one
    layer of as many units can make."""
    from nnclaims.numeric import regions
    rows = []
    for k in ks:
        layers = regions.tent_map_2d_layers(k)
        W0, b0 = layers[0]
        miswired = [(np.column_stack([W0.sum(axis=1), np.zeros(len(b0))]), b0)] + layers[1:]
        rows.append({"k": k, "units": 4 * k, "regions": regions.count_regions_exact(layers, 0.0, 1.0),
                     "miswired": regions.count_regions_exact(miswired, 0.0, 1.0), "four_to_k": 4 ** k,
                     "one_layer_bound": regions.one_layer_bound(4 * k)})
    return rows


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


def _tent_checks(tent) -> list[Check]:
    deciding = tent[tent["k"] >= TENT_DECIDES]
    ks = f"k = {', '.join(map(str, tent['k']))}"
    return [
        Check("linear-regions", "tent-map-4-to-the-k",
              f"The tent-map network (k hidden layers of 4 ReLU units on [0, 1]², {ks}): values of k at which its "
              f"exact count of regions of positive area differs from 4^k", value=int((tent["regions"] != tent["four_to_k"]).sum()),
              comparator="==", threshold=0, unit="values of k"),
        Check("linear-regions", "depth-beats-one-layer",
              f"The same networks at k = {', '.join(map(str, deciding['k']))}: smallest margin of their region count "
              f"over 1 + 4k + C(4k, 2), the most one layer of the same 4k units can make",
              value=int((deciding["regions"] - deciding["one_layer_bound"]).min()), comparator=">", threshold=0,
              unit="regions"),
    ]


def checks(tables: dict) -> list[Check]:
    wrong, n = _euler_mismatches(tables)
    a, b = _depth_gap(tables)
    return _tent_checks(tables["tent"]) + [
        Check("linear-regions", "exact-equals-euler",
              f"One-layer arrangements (the one-hidden-layer networks and the first layer of every deeper network, "
              f"{n} in all): networks whose exact region count differs from Euler's cell count of their lines",
              value=wrong, comparator="==", threshold=0, unit="networks",
              basis="supporting"),  # the counter against Euler's formula: not "arbitrarily complex regions"
        Check.of("linear-regions", "depth-does-not-multiply",
                 f"About {_budget(tables)} parameters, at initialization: log2(regions at depth {DEEP} / regions at depth "
                 f"{SHALLOW}), paired by seed (below 1: at most twice as many)", paired_ci(a, b), "<", DOUBLING,
                 unit="doublings", basis="supporting"),  # Hanin and Rolnick's typical counts (protocol 3)
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
    tent = tables["tent"]
    exact = tent.assign(regions=tent["four_to_k"])
    out += [Control("tent-map-4-to-the-k", "positive", {"tent": exact}, "the counts set to 4^k"),
            Control("tent-map-4-to-the-k", "negative", {"tent": tent.assign(regions=tent["miswired"])},
                    "the construction wired wrong (both halves of each layer read x₁: strips, 2^k regions)"),
            Control("depth-beats-one-layer", "positive", {"tent": exact}, "the counts set to 4^k"),
            Control("depth-beats-one-layer", "negative", {"tent": tent.assign(regions=tent["one_layer_bound"])},
                    "the counts set to the one-layer bound itself")]
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


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, Theory, band, draw, figure, polygons

    T, budget, params = tables, where(tables["records"], part="budget"), _budget(tables)
    depths = dict(xticks=sorted(budget["depth"].unique()), xlog=False)
    maps = [polygons(where(T["polygons"], depth=d), where(T["region_colours"], depth=d), xlabel="x₁",
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
