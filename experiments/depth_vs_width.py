"""depth-vs-width: what depth buys, constructed exactly, and where trained depth beats width.

Protocol 3 with its amendments, every check `chapter`. Exact: the depth-k, width-2 tent-map
net has 2^k pieces, one hidden layer of m units at most m + 1. Trained (rule 12 on every
comparison): T⁶ at 150 parameters and the capacity map; design control (rule 14). Expected
results, thresholds and history: docs/experiments/depth_vs_width.md.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               paired, paired_ci, where)
from nnclaims.evidence.cell_counts import compare_cell, count_check, counts
from nnclaims.evidence.control_tables import relabel, scaled
from nnclaims.evidence.learning import gate, learned_regression, some_arm_learned
from nnclaims.evidence.regimes import regime_phrase
from nnclaims.numeric.pieces import tent_map
from nnclaims.report.figures import From, cell_map, drawer, figure, lines, rows_of

PROTOCOL = 3
CLAIM = "depth-vs-width"
CLAIMS = [Claim(
    CLAIM, "Depth buys exponentially many pieces; where training finds them is mapped",
    "For a fixed parameter budget depth is more parameter-efficient than width: a deep network can represent a "
    "function with 2ⁿ variations using O(n) units, where a network with one hidden layer needs about 2ⁿ units.", "D",
    reference=("Telgarsky (2015, 2016), benefits of depth; Malach and Shalev-Shwartz (2019), Is deeper better only "
               "when shallow is good?"), core=True,
    sentences=(Sentence("003", "depth versus width", "Deep networks represent the same functions as shallow ones with "
                        "far fewer parameters; depth is exponentially efficient.",
                        ("far fewer parameters", "exponential efficiency")),
               Sentence("003", "depth versus width", "Where a shallow network may need 2ⁿ units, a network of depth n "
                        "may need only O(n).", ("might need 2^n neurons", "might need only O(n) neurons")),
               Sentence("003", "depth versus width", "Research finds depth generally more parameter-efficient than "
                        "width.", ("generally more parameter-efficient than width",))))]
SEEDS = {"quick": 3, "full": 12}  # 12 per kept cell, fixed by the amendment (not by power)
# Shard i runs points i, i + 15, ...: grids list the costliest first, so the widest nets get jobs of their own
SHARDS = {"full": 15}  # both phases: 38 exploration points, 30 run points
K_MAX = {"quick": 8, "full": 12}
SAW = {"T²": 2, "T⁴": 4, "T⁶": 6}  # T^k: 2^k pieces
FREQ = {"sin 2πx": 1, "sin 8πx": 4, "sin 32πx": 16}  # sin(2π f x)
TARGETS = {**{n: partial(tent_map, k=k) for n, k in SAW.items()},
           **{n: partial(lambda x, f: np.sin(2 * np.pi * f * x), f=f) for n, f in FREQ.items()}}
IDS = {"T²": "t2", "T⁴": "t4", "T⁶": "t6", "sin 2πx": "sin2", "sin 8πx": "sin8", "sin 32πx": "sin32"}
BUDGETS = {"quick": [100, 300], "full": [100, 300, 1000]}  # the amendment drops protocol 3's 3,000
DEPTHS = {"quick": [1, 2, 4], "full": [1, 2, 4]}
STEPS = {"quick": 200, "full": 5000}
RATES = {"quick": [0.003, 0.03], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
RESTARTS = {"quick": 2, "full": 4}
RESTART_STRIDE = 1_000_000  # restart r of seed s trains from seed s + r * stride (distinct streams)
MIN_WIDTH, BIAS_STD, N_TRAIN, N_TEST, BATCH, N_CURVE = 6, 0.5, 256, 2000, 64, 400
CHECK_TARGET, CHECK_BUDGET = "T⁶", 150
HELPS = -math.log10(2)  # the sawtooth check: at least halving the test error
TIE = -3.0              # log10 of the tie level: both arms' normalized errors <= 1e-3
FLOOR = 1e-12           # errors are floored here before log10 (only an exact construction reaches it)
MIN_BETTER, SHALLOW_UNITS = 3, [1, 2, 4, 8, 16, 32, 64, 128, 256]
COARSE_GRID = 257  # the piece counter that misses pieces (negative control)
DESIGN_UNITS = 12  # the design control's one hidden layer: 3 * 12 + 1 = 37 parameters, as T⁶'s construction


def width_for(depth: int, budget: int) -> int:
    """Width at which 1 -> depth x width -> 1 has about ``budget`` parameters:
    (depth - 1) w² + (depth + 2) w + 1 = budget."""
    a, b, c = depth - 1, depth + 2, 1 - budget
    w = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return max(2, round(w))


def represents_exactly(target: str, budget: int) -> bool:
    """Whether one hidden layer at ``budget`` represents ``target`` exactly on [0, 1]: T^k needs 2^k - 1
    units (m units make at most m + 1 pieces, and 2^k - 1 units make T^k); a sine is not piecewise linear."""
    return target in SAW and width_for(1, budget) + 1 >= 2 ** SAW[target]


def why(target: str, budget: int) -> str:
    m = width_for(1, budget)
    return ("a sine is not piecewise linear: no ReLU network represents it exactly" if target not in SAW else
            f"one hidden layer of {m} units makes up to {m + 1} pieces; {target} has {2 ** SAW[target]}")


DROPPED = ("sin 2πx",)  # by the amendment's own words, beside the rule (with T² and the 3,000 budget)


def map_cells(profile: str) -> list[tuple[str, int]]:
    return [(t, b) for t in TARGETS for b in BUDGETS[profile] if t not in DROPPED and not represents_exactly(t, b)]


def _targets_at(budget: int, profile: str) -> list[str]:
    return [CHECK_TARGET] if budget == CHECK_BUDGET else [t for t, b in map_cells(profile) if b == budget]


def _depths(budget: int, profile: str) -> list[int]:
    return [d for d in DEPTHS[profile] if width_for(d, budget) >= MIN_WIDTH]


def _budgets(profile: str) -> list[int]:
    return sorted({b for _, b in map_cells(profile)} | {CHECK_BUDGET}, reverse=True)  # costliest first


def explore(profile: str) -> list[dict]:
    """One point per cell and depth, the costliest first (one job each for the widest nets)."""
    return [{"part": "trained", "target": t, "budget": b, "depth": d, "width": width_for(d, b), "steps": STEPS[profile]}
            for b in _budgets(profile) for d in _depths(b, profile) for t in _targets_at(b, profile)]


def grid(profile: str) -> list[dict]:
    return ([{"part": "trained", "target": t, "budget": b, "arm": arm, "steps": STEPS[profile]}
             for b in _budgets(profile) for arm in ("shallow", "deep") for t in _targets_at(b, profile)]
            + [{"part": "construction", "k_max": K_MAX[profile]}, {"part": "shallow-bound"}])


def explore_needs(point: dict, profile: str) -> list[dict]:
    """A trained cell reads its own exploration, every depth (its best depth is chosen among them)."""
    return [q for q in explore(profile) if point["part"] == "trained" and (q["target"], q["budget"]) ==
            (point["target"], point["budget"])]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric import depth_separation
    from nnclaims.numeric.seeding import numpy_rng

    if point["part"] == "construction":
        return {"construction": depth_separation.construction_rows(point["k_max"], COARSE_GRID)}
    if point["part"] == "shallow-bound":
        return {"bound": depth_separation.shallow_bound_rows(numpy_rng(ctx.seeds[0], "shallow"), SHALLOW_UNITS)}
    return _explore(point, ctx) if ctx.phase == "explore" else _confirm(point, ctx)


def _fit(depth: int, width: int, runs, steps: int, ctx: RunContext, curves: bool = False):
    """Train one net 1 -> depth x width -> 1 per run (target, seed, restart, rate); with ``curves``, each
    seed's best restart (with its exact pieces) and the first seed's fitted curves."""
    from nnclaims.nn.curve_fit import best_of_restarts, fit_curves
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.seeding import numpy_rng

    spec = MLPSpec((1,) + (width,) * depth + (1,), activation="relu", init="he_normal", bias_std=BIAS_STD)
    xt = numpy_rng(0, "test-points").uniform(0, 1, N_TEST)
    rows, result = fit_curves(spec, TARGETS, runs, steps, np.linspace(0, 1, N_TRAIN), xt, batch=BATCH,
                              stride=RESTART_STRIDE, device=ctx.device, engine=ctx.engine)
    if not curves:
        return rows
    return (rows, *best_of_restarts(rows, result, spec, np.linspace(0, 1, N_CURVE), ctx.seeds[0], ctx.device))


def _explore(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    """One cell at one depth: rule 5 with rules 13 and P3-4, then the pilot at full length, each seed's net
    the best of its restarts."""
    from nnclaims.nn.curve_tuning import tune_targets

    net, quarter = (point["depth"], point["width"]), max(1, point["steps"] // 4)
    tuning, tuned = tune_targets(lambda runs: _fit(*net, runs, quarter, ctx), [point["target"]], ctx.seeds,
                                 RATES[ctx.profile], f"depth {point['depth']}")
    runs = [(t["target"], s, r, t["lr"]) for t in tuned for s in ctx.seeds for r in range(RESTARTS[ctx.profile])]
    cell = {k: point[k] for k in ("budget", "depth", "width")}
    return {name: [{**row, **cell} for row in rows] for name, rows in
            (("tuning", tuning), ("tuned", tuned), ("pilot", _fit(*net, runs, point["steps"], ctx, curves=True)[1]))}


def _confirm(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    """One arm of one cell on the confirmatory seeds: depth 1, or the cell's best depth >= 2; nothing
    for a cell the exploration dropped (rule 12)."""
    t, b = point["target"], point["budget"]
    cell = ctx.decisions["cells"][_key(t, b)]
    if not cell["kept"]:
        return {"records": []}
    depth = 1 if point["arm"] == "shallow" else cell["best_depth"]
    runs = [(t, s, r, cell["lr"][str(depth)]) for s in ctx.seeds for r in range(RESTARTS[ctx.profile])]
    got = _fit(depth, width_for(depth, b), runs, point["steps"], ctx, curves=True)
    extra = {"budget": b, "depth": depth, "width": width_for(depth, b), "arm": point["arm"]}
    return {name: [{**r, **extra} for r in rows] for name, rows in zip(("restarts", "records", "fits"), got)}


_key = "{} | {}".format  # a cell's key in the decisions: target | budget


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    """Per cell whose exploration (every depth) is here: the rate of each depth, whether some depth
    learned on the pilot (rule 12: the cell is kept; the sawtooth check's cell always runs) and the
    best depth >= 2 (lowest mean log10 error). The seeds stay 12 (explore_needs)."""
    tuned, pilot = tables["tuned"], tables["pilot"]
    cells, notes = {}, []
    for t, b in [(t, b) for b in _budgets(profile) for t in _targets_at(b, profile)]:
        depths, mine = _depths(b, profile), where(tuned, target=t, budget=b)
        if sorted(mine["depth"]) != depths:
            continue  # a run shard reads only its own cells' exploration
        e = _log_errors(where(pilot, target=t, budget=b), "depth")
        learned = {d: learned_regression(10 ** e[d]) for d in depths}
        best = min((d for d in depths if d >= 2), key=lambda d: e[d].mean())
        kept = bool((t, b) == (CHECK_TARGET, CHECK_BUDGET) or some_arm_learned(learned))
        rates = {str(d): float(where(mine, depth=d)["lr"].iloc[0]) for d in depths}
        cells[_key(t, b)] = {"kept": kept, "best_depth": int(best), "lr": rates}
        said = "; ".join(f"{where(mine, depth=d)['note'].iloc[0]}, {int(learned[d].sum())}/{learned[d].size} "
                         f"learned, mean log10 error {e[d].mean():.3g}" for d in depths)
        notes.append(f"{t} at {b} parameters ({why(t, b)}): {'kept' if kept else 'dropped, no depth learned'}; "
                     f"best depth >= 2: {best}. {said}.")
    return Decisions({"cells": cells}, None, notes)


# -- checks ---------------------------------------------------------------------------------
def _log_errors(rec, column: str):
    """log10 normalized test error (floored), one row per seed, one column per ``column`` value."""
    return np.log10(rec.pivot(index="seed", columns=column, values="test_nmse").astype(float).clip(lower=FLOOR))


def _cells_decided(tables: dict) -> dict:
    import json
    return json.loads(where(tables["decisions"], key="cells")["value"].iloc[0])


def map_results(tables: dict) -> list[dict]:
    """Every map cell the exploration kept, with its best depth and `compare_cell`."""
    rec, cells = tables["records"], _cells_decided(tables)
    kept = [(t, b) for t in TARGETS for b in _map_budgets(tables) if cells.get(_key(t, b), {}).get("kept")]
    return [{"target": t, "budget": b, "depth": cells[_key(t, b)]["best_depth"],
             **compare_cell(_log_errors(where(rec, target=t, budget=b), "arm"), "deep", "shallow", len(kept), TIE)}
            for t, b in kept]


def _map_budgets(tables: dict) -> list[int]:
    """The map's budgets (every one holds a sine cell, so the decisions name them all)."""
    return sorted({int(k.split(" | ")[1]) for k in _cells_decided(tables)} - {CHECK_BUDGET})


def map_check(results: list[dict]) -> Check:
    return count_check(CLAIM, "capacity-map", "Capacity map (cells where one hidden layer cannot represent the target "
                       "exactly and some depth learned): best depth >= 2 against depth 1, paired log10 test error",
                       results, MIN_BETTER, 2, [f"{r['target']} at {r['budget']}" for r in results])


def _sawtooth_check(rec, depth: int) -> Check:
    e = _log_errors(where(rec, target=CHECK_TARGET, budget=CHECK_BUDGET), "arm")
    check = Check.of(CLAIM, "trained-depth-helps-on-sawtooth", f"T⁶ at {CHECK_BUDGET} parameters: log10(test error "
                     f"at depth {depth} / at depth 1), each the best of its restarts at its tuned rate, paired by seed "
                     f"(depth {depth} chosen on the exploration seeds; below −0.301: at least halved)",
                     paired_ci(*paired(e["deep"], e["shallow"])), "<", HELPS, unit="orders of magnitude")
    return gate(check, {"depth 1": learned_regression(10 ** e["shallow"]),
                        f"depth {depth}": learned_regression(10 ** e["deep"])})


def checks(tables: dict) -> list[Check]:
    con, bound = tables["construction"], tables["bound"]
    wrong = int(((con["pieces_exact"] != con["expected"]) | (con["pieces_grid"] != con["expected"])).sum())
    random = where(bound, source="random")
    depth = _cells_decided(tables)[_key(CHECK_TARGET, CHECK_BUDGET)]["best_depth"]
    return [
        Check(CLAIM, "tent-map-pieces", f"Values of k in 1..{int(con['k'].max())} where the depth-k, width-2 network's "
              f"piece count (exact, or slope changes on a grid) differs from 2^k", value=wrong, comparator="==",
              threshold=0, unit="values of k"),
        Check(CLAIM, "shallow-bound", f"One hidden layer, random weights: largest (pieces − (m + 1)) over "
              f"{int(random['networks'].sum())} networks with m = {int(random['units'].min())}.."
              f"{int(random['units'].max())} units", value=int((random["max_pieces"] - random["bound"]).max()),
              comparator="<=", threshold=0),
        _sawtooth_check(tables["records"], depth), map_check(map_results(tables))]


def _deep_relative(rec, cells: list[tuple[str, int]], factor: float):
    """The records with the deep arm's test errors in ``cells`` set to ``factor`` times depth 1's, seed by seed."""
    out, arm = rec.copy(), rec["arm"].to_numpy()
    for t, b in cells:
        cell = ((rec["target"] == t) & (rec["budget"] == b)).to_numpy()
        out = scaled(out, cell & (arm == "deep"), cell & (arm == "shallow"), "test_nmse", factor)
    return out


def controls(tables: dict) -> list[Control]:
    con, bound, rec = tables["construction"], tables["bound"], tables["records"]
    kept = [(r["target"], r["budget"]) for r in map_results(tables)]
    trained = [("trained-depth-helps-on-sawtooth", [(CHECK_TARGET, CHECK_BUDGET)], "at T⁶, 150 parameters,", 1.0,
                "equal to"), ("capacity-map", kept, "in every kept cell", 4.0, "four times")]

    C, exact = Control, con["pieces_direct"]
    return [C("tent-map-pieces", "positive", {"construction": con.assign(pieces_exact=exact, pieces_grid=exact)},
              "the pieces of T^k counted from the function itself, no network"),
            C("tent-map-pieces", "negative", {"construction": con.assign(pieces_grid=con["pieces_coarse_grid"])},
              f"a counter that misses pieces: slope changes on a coarse grid of {COARSE_GRID} points"),
            C("shallow-bound", "positive", {"bound": relabel(bound, "source", "built with m + 1 pieces", "random")},
              "one-hidden-layer networks built to have exactly m + 1 pieces"),
            C("shallow-bound", "negative",
              {"bound": relabel(bound, "source", "tent map, k hidden layers of 2", "random")},
              "two-hidden-layer tent maps with as many units (2^k pieces from 2k units)"),
            *[C(name, kind, {"records": _deep_relative(rec, cells, f)}, f"{place} the deep errors set to {said} depth "
                "1's, seed by seed") for name, cells, place, worse, word in trained
              for kind, f, said in (("positive", 0.25, "a quarter of"), ("negative", worse, word))]]


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> Check:
    """Rule 14 as amended: T⁶'s exact construction (37 parameters, untrained) against one hidden layer of 12
    units (37 parameters) tuned and trained as every cell (best of the restarts), through `compare_cell`."""
    import pandas as pd

    from nnclaims.evidence.learning import normalized_error
    from nnclaims.numeric.pieces import forward, tent_map_layers
    from nnclaims.numeric.seeding import numpy_rng

    ctx = RunContext(seeds=list(seeds), device=device, engine=engine, profile=profile, phase="explore")
    point = dict(part="trained", target=CHECK_TARGET, budget=CHECK_BUDGET, depth=1, width=DESIGN_UNITS,
                 steps=STEPS[profile])
    shallow = pd.DataFrame(_explore(point, ctx)["pilot"]).assign(arm="shallow")
    xt = numpy_rng(0, "test-points").uniform(0, 1, N_TEST)
    exact = float(normalized_error(forward(tent_map_layers(6), xt[:, None])[:, 0], TARGETS[CHECK_TARGET](xt)))
    rec = pd.concat([shallow, shallow.assign(arm="deep", test_nmse=exact)], ignore_index=True)
    got = compare_cell(_log_errors(rec, "arm"), "deep", "shallow", 1, TIE)
    return gate(Check.of(CLAIM, "design-control", f"T⁶: the exact construction (error {exact:.2g}) against one hidden "
                         f"layer of {DESIGN_UNITS} units, log10 error ratio paired by seed ({got['outcome']})",
                         got["interval"], "<", 0.0), got["arms"])


# -- regimes, plain words, measurements -------------------------------------------------------
def regimes(tables: dict) -> dict[str, str]:
    """Per target, where depth >= 2 was significantly better than one layer across the kept budgets."""
    res = map_results(tables)
    word = {"better": "pass", "worse": "fail"}
    parts = [f"{t}: " + regime_phrase("budget", [r["budget"] for r in mine], [word.get(r["outcome"], "inconclusive")
                                                                              for r in mine])
             for t in TARGETS for mine in [[r for r in res if r["target"] == t]] if mine]
    return {CLAIM: "depth better — " + "; ".join(parts) if parts else "no cell compared"}


def plain_reasons(tables: dict) -> dict[str, str]:
    c, res = {k.check: k for k in checks(tables)}, map_results(tables)
    n = counts(res)
    exact = "held" if c["tent-map-pieces"].passed and c["shallow-bound"].passed else "did not hold"
    saw = c["trained-depth-helps-on-sawtooth"]
    said = ("no network learned T⁶ at 150 parameters" if saw.undecided else f"on T⁶ at 150 parameters the deeper "
            f"network's error was {10 ** saw.value:.2g} times one layer's")
    return {CLAIM: f"The exact constructions {exact} (2ᵏ pieces from 2k units, at most m + 1 from one layer of m); "
                   f"trained, a deeper network beat one hidden layer in {n['better']} of {len(res)} cells, lost in "
                   f"{n['worse']} and tied in {n['tie']}; {said}."}


def measurements(tables: dict) -> list[Measurement]:
    rec, con = tables["records"], tables["construction"]
    out = [Measurement.of(CLAIM, f"cell-{IDS[r['target']]}-{r['budget']}", f"{r['target']}, {r['budget']} parameters "
                          f"({why(r['target'], r['budget'])}): log10(error at depth {r['depth']} / depth 1), paired "
                          f"({r['outcome']})", r["interval"], unit="orders of magnitude") for r in map_results(tables)]
    shallow, k = where(rec, arm="shallow"), int(con["k"].max())
    row = con[con["k"] == k].iloc[0]
    return out + [
        Measurement(CLAIM, "shallow-bound-trained", f"One hidden layer, trained: largest (pieces − (m + 1)) over all "
                    f"{len(shallow)} trained networks (a theorem: at most 0)",
                    value=int((shallow["pieces"] - (shallow["width"] + 1)).max()), theory=0.0),
        Measurement(CLAIM, "restarts-diverged", "Restarts whose training loss stopped being finite (never chosen)",
                    value=int(tables["restarts"]["diverged"].sum()), unit="restarts"),
        Measurement(CLAIM, "construction-size", f"T^{k} by construction: {int(row['params'])} parameters in depth {k}; "
                    f"one hidden layer needs {int(row['shallow_units_needed']):,} units", value=int(row["params"]))]


CHANGES = [  # protocol 1 -> 2 -> 3 (rules 10, 17); the story in docs/experiments/depth_vs_width.md
    Change("trained-depth-helps-on-sawtooth", "trained-depth-helps-on-sawtooth", "Protocol 2 compared two "
           "optimization failures (every net at 150 parameters predicted the mean); protocol 3 keeps the check under "
           "rule 12: decided only when an arm learned."),
    Change("trained-depth-helps-on-sawtooth", "capacity-map", "New in protocol 3 for 'generally more "
           "parameter-efficient than width': a map of the cells where one layer cannot represent the target "
           "exactly, ties at 1e-3, rule 12 per cell, Bonferroni over cells."),
    Change("shallow-bound-random", "shallow-bound", "Protocol 2 added controls: networks built with m + 1 pieces "
           "(positive) and two-layer tent maps (negative)."),
    Change("shallow-bound-trained", "shallow-bound-trained", "A theorem on trained nets: a measurement (rule 7)."),
]


# -- analysis and figures --------------------------------------------------------------------
def analysis(tables: dict) -> dict:
    """The capacity map (every target x budget: its ratio, or why it is blank), the pieces, the fits."""
    import pandas as pd

    con, res, cells = tables["construction"], {(r["target"], r["budget"]): r for r in map_results(tables)}, \
        _cells_decided(tables)
    rows = [{"family": "T" if t in SAW else "sin", "k": SAW.get(t), "f": FREQ.get(t), "budget": b,
             "exact": represents_exactly(t, b), "nothing": (r or {}).get("outcome", "no arm learned") ==
             "no arm learned" and cells.get(_key(t, b), {}).get("kept") is not None,
             "ratio": r["interval"].estimate if r and r["outcome"] != "no arm learned" else np.nan,
             "significant": bool(r) and r["outcome"] in ("better", "worse"), "tie": bool(r) and r["outcome"] == "tie"}
            for t in TARGETS if t not in DROPPED for b in _map_budgets(tables) for r in [res.get((t, b))]]
    units, x = np.arange(2, con["units"].max() + 1), np.linspace(0, 1, N_CURVE)
    fits = where(tables["fits"], target=CHECK_TARGET, budget=CHECK_BUDGET)
    return {"capacity_map": pd.DataFrame(rows),
            "pieces": pd.concat([pd.DataFrame({"net": "depth k, width 2 (tent maps): 2ᵏ", "units": con["units"],
                                               "pieces": con["pieces_exact"]}),
                                 pd.DataFrame({"net": "one hidden layer of m units: ≤ m+1", "units": units,
                                               "pieces": units + 1})]),
            "sawtooth_fits": pd.concat([pd.DataFrame({"curve": "target T⁶", "x": x, "y": TARGETS[CHECK_TARGET](x)}),
                                        *[pd.DataFrame({"curve": f"trained, depth {d}", "x": g["x"], "y": g["y"]})
                                          for d, g in sorted(fits.groupby("depth"))]])}


MARKS = {"significant": ("*", "significant (Bonferroni)"), "tie": ("o", "tie: both errors ≤ 10⁻³"),
         "exact": ("x", "one layer represents it exactly: not compared"), "nothing": ("_", "no arm learned (rule 12)")}
_MAP = dict(label="log10(error, depth ≥ 2 / depth 1)", signed=True, marks=MARKS, ylabel="parameter budget",
            limit=From(lambda t: float(np.nanmax(np.abs(np.r_[t["capacity_map"]["ratio"], 0.1])))))
FIGURES = [
    figure("capacity_map", CLAIM, main=True, size=(11, 4.8), caption=(
        "Where is depth more parameter-efficient? Each cell a target and a parameter budget, coloured by the mean "
        "paired log10 ratio of the test error of the cell's best depth ≥ 2 (chosen on the exploration seeds) to one "
        "hidden layer's (below 0: depth better). Blank: not compared, because one layer represents the target exactly "
        "(×) or no arm learned (rule 12, a bar). A star marks a significant ratio (Bonferroni over the kept cells), a "
        "ring a tie (both errors ≤ 10⁻³)."),
        alt="Two grids, sawtooth and sine targets against budgets, coloured by how much lower the deeper network's "
            "test error was.", panels=[
        cell_map(rows_of("capacity_map", family="T"), "budget", "k", "ratio", xlabel="k of the sawtooth Tᵏ", **_MAP,
                 title="Sawtooths Tᵏ (2ᵏ pieces)"),
        cell_map(rows_of("capacity_map", family="sin"), "budget", "f", "ratio", xlabel="f of sin 2πfx", **_MAP,
                 title="Sines sin 2πfx")]),
    figure("sawtooth", CLAIM, size=(12, 4.0), caption=(
        "Left: affine pieces counted exactly — the tent-map construction doubles them with every layer of two units, "
        "while a single hidden layer adds one per unit. Right: the sawtooth T⁶ and what gradient descent found at 150 "
        "parameters, one curve per depth (first confirmatory seed)."),
        alt="Pieces growing as 2^k against m+1; the 64-piece sawtooth with trained fits overlaid.", panels=[
        lines(rows_of("pieces"), "units", "pieces", group="net", yscale={"value": "log", "base": 2},
              xlabel="ReLU units", ylabel="affine pieces on [0, 1] (log₂)",
              title="Pieces per unit: exponential against linear"),
        lines(rows_of("sawtooth_fits"), "x", "y", group="curve", dashes=True, marker=False, legend="outside",
              xlabel="x", ylabel="output", title="Trained fits at 150 parameters")]),
]
figures = drawer(FIGURES)
