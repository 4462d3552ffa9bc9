"""depth-vs-width: what depth buys, constructed exactly and measured on trained networks.

Protocol 2 (pre-registered in the claim catalogue, 2026-11-21) splits the claim into
assertions.

(a) Representation, exact. Expected:
- the ReLU network of depth k and width 2 built from tent maps computes T^k, a sawtooth
  with exactly 2^k affine pieces, for every k in 1..12, counted exactly from the weights
  and, independently, from slope changes on a grid (check: values of k where either count
  differs from 2^k: 0);
- a one-hidden-layer ReLU network with m units has at most m + 1 pieces: on 50 random
  networks for each m in 1..256, the largest (pieces - (m + 1)) is at most 0.
Controls: the tent-map check must pass on the pieces of T^k counted directly (the
function itself, no network) and fail for a counter that misses pieces (slope changes on
a coarse grid of 257 points); the bound must pass on one-hidden-layer networks built to
have exactly m + 1 pieces and fail on two-hidden-layer networks (the tent maps: 2k units,
2^k pieces).

(b) Trained, at equal parameter budgets. Setup: networks 1 -> depth x width -> 1 with
depth 1, 2, 4 or 8 hidden layers, the width chosen to hit the budget (100, 150, 300, 1,000
and 5,000 parameters; protocol 1's budgets plus the check's 150), a cell being left out
where that width is below 6 (narrower nets are born dead half the time): at 100
parameters only depths 1 and 2, at 150 depths 1, 2 and 4. Targets on [0, 1]: the sawtooth
T^6 (64 pieces), a smooth sin(2 pi x) and an oscillating sin(16 pi x). Training (kept
from protocol 1): 256 evenly spaced points, minibatches of 64, He-normal weights, biases
N(0, 0.5^2), mean squared error; test error on 2,000 random points, normalized by the
target's variance. Protocol 2: Adam for 5,000 steps; the learning rate tuned per arm
(rule 5): for every depth, budget and target, the rate of {0.001, ..., 1} with the lowest
median final training loss on the four exploration seeds (20000+) at a quarter of the
steps; every seed's network is the best of 4 restarts (independent inits and data
orders), chosen on the final training loss; 12 confirmatory seeds (10000+), as the
pre-registration fixes them (not by power).
Expected: on the sawtooth T^6 at 150 parameters, where one hidden layer (50 units) has at
most 51 pieces, the best depth >= 2 reaches at least 2x lower test error than depth 1:
paired by seed, the whole 95% interval of the mean log10 ratio below -log10(2) = -0.301.
"The best depth >= 2" is chosen on the exploration block: a pilot at full length (the 4
exploration seeds, best of 4 restarts, tuned rates) at 150 parameters, the depth >= 2 with
the lowest mean log10 test error on T^6 (the pilot runs at 150 parameters only: nothing
else is chosen from it; the tuning runs at every cell). Every other target x budget x depth cell is a
measurement (log10 test-error ratio against depth 1, paired by seed). Gradient descent
often fails to find deep solutions (Malach and Shalev-Shwartz 2019): if (b) fails, the
claim reads partly reproduced.
Controls for (b): it must pass when the chosen depth's errors are a quarter of depth 1's
(seed by seed) and fail when they equal them.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Measurement, RunContext, SeedPlan, best_rate, mean_ci, paired,
    paired_ci, required_seeds, tuning_note, where,
)
from nnclaims.numeric.pieces import tent_map

CLAIMS = [
    Claim(
        id="depth-vs-width",
        title="Depth buys exponentially many pieces; whether training finds them is another matter",
        statement=("For a fixed parameter budget depth is more parameter-efficient than width: a deep network can "
                   "represent a function with 2ⁿ variations using O(n) units, where a network with one hidden "
                   "layer needs about 2ⁿ units."),
        section="D",
        reference=("Telgarsky (2015), Representation benefits of deep feedforward networks; Telgarsky (2016), "
                   "Benefits of depth in neural networks; Malach and Shalev-Shwartz (2019), Is deeper better only "
                   "when shallow is good?"),
        core=True,
    )
]
SEEDS = {"quick": 3, "full": 12}  # 12 confirmatory seeds, fixed by the pre-registration
# One job per grid point, each run job waiting only for its own cell's exploration job
# (explore_needs); the depth-1 net at 5,000 parameters alone is half the cost.
SHARDS = {"full": 19}
# From two full-profile runs (bench/full-profile.csv): longest job 994 and 1,083 s, peak 1.0 GB; x3, x1.5
RESOURCES = {"full": {"mem_mb": 2000, "runtime": 55}}
K_MAX = {"quick": 8, "full": 12}
SAWTOOTH_K = 6
SAWTOOTH = "sawtooth T⁶"
TARGETS = {  # name: function of x in [0, 1]
    SAWTOOTH: lambda x: tent_map(x, SAWTOOTH_K),
    "smooth sin(2πx)": lambda x: np.sin(2 * np.pi * x),
    "oscillating sin(16πx)": lambda x: np.sin(16 * np.pi * x),
}
DEPTHS = {"quick": [1, 2, 4], "full": [1, 2, 4, 8]}
BUDGETS = {"quick": [150, 300], "full": [100, 150, 300, 1000, 5000]}
STEPS = {"quick": 40, "full": 5000}
RATES = {"quick": [0.003, 0.03], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
RESTARTS = {"quick": 2, "full": 4}
RESTART_STRIDE = 1_000_000  # restart r of seed s trains from seed s + r * stride (distinct streams)
MIN_WIDTH = 6
BIAS_STD, N_TRAIN, N_TEST, BATCH = 0.5, 256, 2000, 64
CHECK_BUDGET = 150
HELPS = -math.log10(2)  # "depth helps" means at least halving the test error
SHALLOW_UNITS = [1, 2, 4, 8, 16, 32, 64, 128, 256]
COARSE_GRID = 257  # the piece counter that misses pieces (negative control)
N_CURVE = 400


def width_for(depth: int, budget: int) -> int:
    """Width at which an MLP 1 -> depth x width -> 1 has about ``budget`` parameters:
    (depth - 1) w^2 + (depth + 2) w + 1 = budget."""
    a, b, c = depth - 1, depth + 2, 1 - budget
    w = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return max(2, round(w))


def _cells(profile: str) -> list[dict]:
    """Trained cells, the largest budgets first (so that the costliest start first),
    leaving out cells narrower than MIN_WIDTH."""
    return [{"part": "trained", "depth": d, "budget": b, "width": width_for(d, b), "steps": STEPS[profile]}
            for b in sorted(BUDGETS[profile], reverse=True) for d in DEPTHS[profile] if width_for(d, b) >= MIN_WIDTH]


def explore(profile: str) -> list[dict]:
    return _cells(profile)


def grid(profile: str) -> list[dict]:
    return _cells(profile) + [{"part": "construction", "k_max": K_MAX[profile]}, {"part": "shallow-bound"}]


def explore_needs(point: dict, profile: str) -> list[dict]:
    """A trained point runs at the learning rates tuned on its own cell; the constructions
    read nothing of the exploration. (The best depth, chosen on the whole pilot, is read
    by the checks only.)"""
    return [point] if point["part"] == "trained" else []


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.numeric import depth_separation
    from nnclaims.numeric.seeding import numpy_rng

    if point["part"] == "construction":
        return {"construction": depth_separation.construction_rows(point["k_max"], COARSE_GRID)}
    if point["part"] == "shallow-bound":
        return {"bound": depth_separation.shallow_bound_rows(numpy_rng(ctx.seeds[0], "shallow"), SHALLOW_UNITS)}
    return _trained(point, ctx)


def _trained(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import pandas as pd

    from nnclaims.nn.curve_fit import best_of_restarts, fit_curves
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.seeding import numpy_rng

    names = list(TARGETS)
    x = np.linspace(0, 1, N_TRAIN)
    xt = numpy_rng(0, "test-points").uniform(0, 1, N_TEST)
    spec = MLPSpec((1,) + (point["width"],) * point["depth"] + (1,), activation="relu", init="he_normal",
                   bias_std=BIAS_STD)
    how = dict(batch=BATCH, stride=RESTART_STRIDE, device=ctx.device, engine=ctx.engine)
    out: dict[str, list[dict]] = {}
    if ctx.phase == "explore":
        sweep, _ = fit_curves(spec, TARGETS, [(n, s, 0, r) for n in names for r in RATES[ctx.profile]
                                              for s in ctx.seeds], point["steps"] // 4, x, xt, **how)
        out["tuning"] = sweep
        tuning = pd.DataFrame(sweep)
        rates = {n: best_rate(where(tuning, target=n)) for n in names}
        if point["budget"] != CHECK_BUDGET:
            return out  # the pilot at full length is needed only where the best depth is chosen
    else:
        rates = {n: ctx.decisions["lr"][n][str(point["budget"])][str(point["depth"])] for n in names}
    runs = [(n, s, r, rates[n]) for n in names for s in ctx.seeds for r in range(RESTARTS[ctx.profile])]
    rows, result = fit_curves(spec, TARGETS, runs, point["steps"], x, xt, **how)
    out["restarts"] = rows
    out["records"], out["fits"] = best_of_restarts(rows, result, spec, np.linspace(0, 1, N_CURVE), ctx.seeds[0],
                                                   ctx.device)
    return out


# -- checks ---------------------------------------------------------------------------------
def _decided(tables: dict, key: str):
    import json

    d = tables["decisions"]
    return json.loads(d.loc[d["key"] == key, "value"].iloc[0])


def _log_errors(rec, target: str, budget: int):
    """log10 normalized test error, one row per seed, one column per depth."""
    r = where(rec, target=target, budget=budget)
    return np.log10(r.pivot(index="seed", columns="depth", values="test_nmse").astype(float))


def _depth_gap(rec, target: str, budget: int, depth: int) -> tuple[np.ndarray, np.ndarray]:
    e = _log_errors(rec, target, budget)
    return paired(e[depth], e[1])


def _shallow_excess(bound) -> int:
    r = where(bound, source="random")
    return int((r["max_pieces"] - r["bound"]).max())


def checks(tables: dict) -> list[Check]:
    con, bound, rec = tables["construction"], tables["bound"], tables["records"]
    wrong = int(((con["pieces_exact"] != con["expected"]) | (con["pieces_grid"] != con["expected"])).sum())
    random = where(bound, source="random")
    best = int(_decided(tables, "best_depth"))
    a, b = _depth_gap(rec, SAWTOOTH, CHECK_BUDGET, best)
    return [
        Check("depth-vs-width", "tent-map-pieces",
              f"Values of k in 1..{int(con['k'].max())} where the depth-k, width-2 network's piece count (exact, or "
              f"slope changes on a grid) differs from 2^k", value=wrong, comparator="==", threshold=0,
              unit="values of k"),
        Check("depth-vs-width", "shallow-bound",
              f"One hidden layer, random weights: largest (pieces − (m + 1)) over {int(random['networks'].sum())} "
              f"networks with m = {int(random['units'].min())}..{int(random['units'].max())} units",
              value=_shallow_excess(bound), comparator="<=", threshold=0),
        Check.of("depth-vs-width", "trained-depth-helps-on-sawtooth",
                 f"Sawtooth T⁶ at {CHECK_BUDGET} parameters: log10(test error at depth {best} / at depth 1), each the "
                 f"best of {_restarts(tables)} restarts at its tuned learning rate, paired by seed (depth {best} "
                 f"chosen on the exploration seeds; below −0.301 means at least halved)", paired_ci(a, b), "<", HELPS,
                 unit="orders of magnitude"),
    ]


def _restarts(tables: dict) -> int:
    return int(tables["restarts"]["restart"].max()) + 1


def controls(tables: dict) -> list[Control]:
    con, bound, rec = tables["construction"], tables["bound"], tables["records"]
    best = int(_decided(tables, "best_depth"))
    others = bound[bound["source"] != "random"]

    def as_random(source: str):
        return _concat([others, where(bound, source=source).assign(source="random")])

    return [
        Control("tent-map-pieces", "positive",
                {"construction": con.assign(pieces_exact=con["pieces_direct"], pieces_grid=con["pieces_direct"])},
                "the pieces of T^k counted from the function itself, no network"),
        Control("tent-map-pieces", "negative", {"construction": con.assign(pieces_grid=con["pieces_coarse_grid"])},
                f"a counter that misses pieces: slope changes on a coarse grid of {COARSE_GRID} points"),
        Control("shallow-bound", "positive", {"bound": as_random("built with m + 1 pieces")},
                "one-hidden-layer networks built to have exactly m + 1 pieces"),
        Control("shallow-bound", "negative", {"bound": as_random("tent map, k hidden layers of 2")},
                "two-hidden-layer tent maps with as many units (2^k pieces from 2k units)"),
        Control("trained-depth-helps-on-sawtooth", "positive", {"records": _deep_relative(rec, best, 0.25)},
                f"depth-{best} errors set to a quarter of depth 1's, seed by seed"),
        Control("trained-depth-helps-on-sawtooth", "negative", {"records": _deep_relative(rec, best, 1.0)},
                f"depth-{best} errors set equal to depth 1's, seed by seed"),
    ]


def _concat(frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _deep_relative(rec, depth: int, factor: float):
    """The records with the sawtooth's depth-``depth`` test errors at the check budget set
    to ``factor`` times depth 1's, seed by seed."""
    cell = (rec["target"] == SAWTOOTH) & (rec["budget"] == CHECK_BUDGET)
    shallow = rec[cell & (rec["depth"] == 1)].set_index("seed")["test_nmse"]
    mine = (cell & (rec["depth"] == depth)).to_numpy()
    out = rec.copy()
    out.loc[mine, "test_nmse"] = factor * shallow.reindex(rec.loc[mine, "seed"]).to_numpy()
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec, con = tables["records"], tables["construction"]
    best = int(_decided(tables, "best_depth"))
    out = []
    for target in TARGETS:
        for budget in sorted(rec["budget"].unique()):
            e = _log_errors(rec, target, budget)
            for depth in [d for d in e.columns if d != 1]:
                if target == SAWTOOTH and budget == CHECK_BUDGET and depth == best:
                    continue  # the check
                a, b = paired(e[depth], e[1])
                iv = paired_ci(a, b)
                words = ("depth at least 2× better" if iv.high < HELPS else "one layer at least 2× better"
                         if iv.low > -HELPS else "no clear 2× difference")
                out.append(Measurement.of("depth-vs-width", f"gap-{target.split()[0]}-{budget}-depth-{depth}",
                                          f"{target}, {budget} parameters: log10(test error at depth {depth} / at "
                                          f"depth 1), paired by seed ({words})", iv, unit="orders of magnitude"))
    saw = where(rec, target=SAWTOOTH)
    for depth in sorted(saw["depth"].unique()):
        r = where(saw, depth=depth)
        out.append(Measurement("depth-vs-width", f"sawtooth-pieces-depth-{depth}",
                               f"Sawtooth T⁶: most affine pieces a trained depth-{depth} network found, over all "
                               f"budgets (the target has {2 ** SAWTOOTH_K})", value=int(r["pieces"].max()),
                               theory=float(2 ** SAWTOOTH_K)))
    shallow = where(rec, depth=1)
    out.append(Measurement("depth-vs-width", "shallow-bound-trained",
                           f"One hidden layer, trained: largest (pieces − (m + 1)) over all {len(shallow)} trained "
                           f"networks (a theorem: at most 0)",
                           value=int((shallow["pieces"] - (shallow["width"] + 1)).max()), theory=0.0))
    out.append(Measurement("depth-vs-width", "restarts-diverged",
                           "Restarts whose training loss stopped being finite (never chosen as a seed's network)",
                           value=int(tables["restarts"]["diverged"].sum()), unit="restarts"))
    k = int(con["k"].max())
    row = con[con["k"] == k].iloc[0]
    out.append(Measurement("depth-vs-width", "construction-size",
                           f"T^{k} by construction: {int(row['params'])} parameters in depth {k}; one hidden layer "
                           f"needs {int(row['shallow_units_needed']):,} units", value=int(row["params"])))
    saw_check = _log_errors(rec, SAWTOOTH, CHECK_BUDGET)
    out.append(Measurement.of("depth-vs-width", "sawtooth-150-depth-1",
                              f"Sawtooth T⁶ at {CHECK_BUDGET} parameters, one hidden layer: mean log10 normalized "
                              f"test error", mean_ci(saw_check[1].dropna().to_numpy()), unit="log10"))
    return out


CHANGES = [
    Change("trained-depth-helps-on-sawtooth", "trained-depth-helps-on-sawtooth",
           "Protocol 1 compared the deepest net with one layer at 100 parameters, a fixed Adam rate, one run per "
           "seed and a percentile bootstrap; protocol 2 moves to 150 parameters (one layer: at most 51 of the 64 "
           "pieces), widths of at least 6, 5,000 steps, rates tuned per depth, the best of 4 restarts, 12 seeds, a "
           "paired t interval, and the best depth >= 2 chosen on exploration seeds."),
    Change("shallow-bound-random", "shallow-bound",
           "Same assertion (a), now with a positive control (networks built with exactly m + 1 pieces) and a "
           "negative one (two-layer tent maps)."),
    Change("shallow-bound-trained", "shallow-bound-trained",
           "The m + 1 bound is a theorem; on trained networks it adds nothing the random networks' check does not "
           "test, so it is reported as a measurement (rule 7)."),
]


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    """The learning rate of every cell and target from its own tuning rows; the best depth
    (and the seed plan, for information) from the pilot, when the tables hold all of it
    (a run shard decides from its own exploration shard only, see explore_needs)."""
    tuning = tables["tuning"]
    rates: dict = {}
    notes = []
    for (target, budget, depth), t in tuning.groupby(["target", "budget", "depth"], sort=True):
        rates.setdefault(target, {}).setdefault(str(int(budget)), {})[str(int(depth))] = best_rate(t)
        if budget == CHECK_BUDGET and target == SAWTOOTH:
            notes.append(tuning_note(t, f"{target}, {budget} parameters, depth {depth}", best_rate(t)))
    pilot = {c["depth"] for c in _cells(profile) if c["budget"] == CHECK_BUDGET}
    if "records" not in tables or not pilot <= set(where(tables["records"], target=SAWTOOTH,
                                                         budget=CHECK_BUDGET)["depth"]):
        return Decisions({"lr": rates}, None, notes)
    rec = tables["records"]
    e = _log_errors(rec, SAWTOOTH, CHECK_BUDGET)
    means = e[[d for d in e.columns if d >= 2]].mean()
    best = int(means.idxmin())
    listed = ", ".join(f"depth {d}: {m:.3g}" for d, m in means.items())
    notes.append(f"Best depth >= 2 for the check, chosen on the pilot ({len(e)} exploration seeds, full length, best "
                 f"of {RESTARTS[profile]} restarts, tuned rates): depth {best}, the lowest mean log10 test error on "
                 f"{SAWTOOTH} at {CHECK_BUDGET} parameters ({listed}; depth 1: {e[1].mean():.3g}).")
    a, b = paired(e[best], e[1])
    d = a - b
    power = required_seeds(d.mean(), HELPS, sd=d.std(ddof=1), n_pilot=len(d))
    n = SEEDS[profile]
    fixed = SeedPlan(n=n, needed=n, capped=False, estimate=power.estimate, sd=power.sd, threshold=HELPS,
                     distance=power.distance, target_half_width=power.target_half_width,
                     explanation=(f"{n} seeds, fixed by the pre-registration (not by power). For information, on the "
                                  f"pilot the paired log10 ratio of depth {best} to depth 1 has mean {d.mean():.3g} "
                                  f"(sd {d.std(ddof=1):.3g}, {len(d)} seeds) against the threshold {HELPS:.3g}; "
                                  f"rule 6 would ask for {power.needed} seeds (at least 8, at most 64)."))
    notes.append(fixed.explanation)
    notes.append(f"Learning rates of all {len(tuning.groupby(['target', 'budget', 'depth']))} target x budget x depth "
                 f"cells were tuned the same way (the exploration's tuning table); above, the check's cell.")
    return Decisions({"lr": rates, "best_depth": best}, fixed, notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Per-seed depth gains over one hidden layer, piece counts and the trained sawtooth fits."""
    import pandas as pd

    rec, con = tables["records"], tables["construction"]
    gaps = [{"target": target, "budget": budget, "depth": depth, "gap": v}
            for target in TARGETS for budget in sorted(where(rec, target=target)["budget"].unique())
            for e in [_log_errors(rec, target, budget)] for depth in e.columns if depth != 1
            for v in (e[depth] - e[1]).dropna()]
    units = np.arange(2, con["units"].max() + 1)
    x = np.linspace(0, 1, N_CURVE)
    fits = where(tables["fits"], target=SAWTOOTH, budget=CHECK_BUDGET)
    return {
        "depth_gaps": pd.DataFrame(gaps, columns=["target", "budget", "depth", "gap"]),
        "pieces": pd.concat([
            pd.DataFrame({"net": "depth k, width 2 (tent maps): 2ᵏ", "units": con["units"], "pieces": con["pieces_exact"]}),
            pd.DataFrame({"net": "one hidden layer of m units: ≤ m+1", "units": units, "pieces": units + 1})]),
        "sawtooth_fits": pd.concat([pd.DataFrame({"curve": "target T⁶", "x": x, "y": TARGETS[SAWTOOTH](x)}),
                                    *[pd.DataFrame({"curve": f"trained, depth {d}", "x": g["x"], "y": g["y"]})
                                      for d, g in sorted(fits.groupby("depth"))]]),
    }


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, band, draw, figure, lines

    T, best = tables, int(_decided(tables, "best_depth"))
    check = Line(CHECK_BUDGET, f"check: {CHECK_BUDGET} parameters", axis="x")
    per_target = dict(x="budget", xticks=sorted(T["records"]["budget"].unique()), xlog=True,
                      xlabel="parameter budget (log)")
    return draw(outdir, [
        figure("error_vs_parameters", "depth-vs-width", main=True, size=(15, 4.4),
               caption=ERROR_CAPTION.format(MIN_WIDTH, best, CHECK_BUDGET),
               alt="Three log-log panels of test error against parameter count, one curve per depth.",
               panels=[band(where(T["records"], target=t), y="test_nmse", group="depth", geometric=True, ylog=True,
                            labels=lambda d: f"{d} hidden layer{'s' if d > 1 else ''}", legend=not i, title=t,
                            threshold=check if t == SAWTOOTH else None, **per_target,
                            ylabel="" if i else "test error / target variance (log)")
                       for i, t in enumerate(TARGETS)]),
        figure("depth_gain", "depth-vs-width", caption=GAIN_CAPTION.format(CHECK_BUDGET, best), size=(15, 4.2),
               alt="Three panels of log-ratios of test error against budget, one line per depth above one.",
               panels=[band(where(T["depth_gaps"], target=t), y="gap", group="depth", start=1, ylog=False,
                            labels="depth {} vs 1", title=t, legend=not i, **per_target,
                            threshold=[Line(HELPS, "2× lower error (the check's threshold)", theory=True), Line(0.0, reference=True),
                                       *([check] if t == SAWTOOTH else [])],
                            ylabel="" if i else "log10(test error, depth d / depth 1)")
                       for i, t in enumerate(TARGETS)]),
        figure("sawtooth", "depth-vs-width", caption=SAWTOOTH_CAPTION.format(CHECK_BUDGET), size=(12, 4.0),
               alt=("Left: pieces growing as 2^k for the deep construction against m+1 for one layer. Right: the "
                    "32-tooth sawtooth with trained network fits overlaid."), panels=[
            lines(T["pieces"], "units", "pieces", group="net", yscale={"value": "log", "base": 2}, xlabel="ReLU units",
                  ylabel="affine pieces on [0, 1] (log₂)", title="Pieces per unit: exponential against linear"),
            lines(T["sawtooth_fits"], "x", "y", group="curve", dashes=True, marker=False, legend="outside", xlabel="x",
                  ylabel="output", title=f"Trained fits at {CHECK_BUDGET} parameters (first seed)")]),
    ])


ERROR_CAPTION = (
    "Test error (normalized by the target's variance) against the number of parameters, one line per depth: geometric "
    "mean and 95% band over seeds, each seed's network the best of its restarts at the depth's tuned learning rate. "
    "Lower is better; where the deeper line lies below, depth helped at that budget. Cells whose width would fall "
    "below {} are not trained. The check compares depth {} (chosen on the exploration seeds) with one layer on the "
    "sawtooth at {} parameters.")
GAIN_CAPTION = (
    "Where did depth help? The paired log10 ratio of each depth's test error to one hidden layer's, against the "
    "parameter budget (mean and 95% t band over seeds). Below the dashed line a deeper network had at least 2× lower "
    "error; above 0 one hidden layer did better. The check reads the sawtooth at {} parameters (dotted line) for "
    "depth {}, chosen on the exploration seeds.")
SAWTOOTH_CAPTION = (
    "Left: affine pieces counted exactly — the tent-map construction doubles them with every layer of two units, "
    "while a single hidden layer adds one per unit. Right: the sawtooth target and what gradient descent found at "
    "the check's budget of {} parameters, one curve per depth (first confirmatory seed).")
