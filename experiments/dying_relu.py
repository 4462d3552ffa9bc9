"""dying-relu: ReLU units die and stay dead; leaky variants do not; deep narrow nets die at birth.

Two families: in training (8x8 digits, 4 hidden layers of 64, plain SGD; learning-rate and negative bias-shift
sweeps for ReLU, Leaky ReLU and PReLU; protocol 2's seeds) and born dead (random deep narrow ReLU nets, constant on
[-1, 1] decided exactly; protocol 3's seed blocks via `seed_for`). Nothing is tuned; seeds and networks per cell by
power (rule 6). Expected: every check passes. Setup, checks, controls and history: docs/experiments/dying_relu.md."""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Interval, Measurement, RunContext, Sentence,
                               combine_plans, mean_ci, paired, paired_ci, required_seeds)
from nnclaims.evidence.born_dead import born_measurements, model, networks_for_model_test, networks_for_trends
from nnclaims.evidence.born_dead_checks import BORN_CHANGES, born_checks, born_controls, born_tables
from nnclaims.evidence.dead_unit_measurements import prelu_measurements, training_measurements
from nnclaims.evidence.fitted_curves import logistic_curve
from nnclaims.evidence.matched_arms import arm_columns_from
from nnclaims.evidence.dead_units import (
    comeback_by_seed, comeback_raised, deciding_layer, revival_intervals, revival_plan, slopes_by_seed, sorted_by_seed,
)
from nnclaims.evidence.part_seeds import seed_for
from nnclaims.report.figures import From, Line, Span, Theory, band, drawer, figure, histogram, lines, regime, rows_of

CLAIMS = [
    Claim(
        id="dying-relu",
        sentences=(
            Sentence("003", "activation functions (ReLU)",
                         "A ReLU unit whose input is negative on every example outputs zero, gets no gradient, and "
                         "never comes back.",
                         ("once dead it cannot recover",), words="catalogue"),
            Sentence("003", "activation functions (ReLU)",
                         "Too large a learning rate or a poor initialization kills units.",
                         ("Too high a learning rate or a poor init kills units",), words="catalogue"),
            Sentence("003", "activation functions (ReLU variants)",
                         "Leaky ReLU and PReLU keep a small slope below zero, so their units do not die.",
                         ("Leaky ReLU and PReLU do not die",), words="catalogue"),
        ),
        title="ReLU units can die and never recover; Leaky ReLU and PReLU do not die",
        statement=("A ReLU unit whose input is negative on every example outputs zero and gets zero gradient, so "
                   "once dead it cannot recover. Too high a learning rate or a poor initialization kills units; "
                   "Leaky ReLU and PReLU keep a small slope for negative inputs and do not die. Deep, narrow ReLU "
                   "networks can even be dead at initialization, more often the deeper and the narrower they are."),
        section="B",
        reference=("Lu, Shin, Su and Karniadakis (2020), Dying ReLU and Initialization: the probability that a "
                   "deep narrow ReLU network is born dead tends to 1 with depth."),
        core=True,
    )
]
CLAIM = "dying-relu"
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SEED_CAP = {"quick": 8, "full": 64}
SHARDS = {"full": 7}  # round-robin: the two slowest training points (~190 s) lead the longest jobs (3 shards: 480 s)
# bench/full-profile.csv: peak 1.9 GB, longest job 306 s; x1.5, x3. Keeping freed memory (`nnclaims.nn.allocator`)
# made the training points 1.2x faster but raised the peak to 5.0 GB, so not here.
RESOURCES = {"full": {"mem_mb": 3000, "runtime": 30}}
KEEP_FREED_MEMORY = False
ACTS = ("relu", "leaky_relu", "prelu")
LRS = {"quick": [0.01, 0.1, 1.0], "full": [0.01, 0.03, 0.1, 0.3, 1.0]}
SHIFTS = {"quick": [0.0, -2.0], "full": [0.0, -0.5, -1.0, -2.0]}
SHIFT_LR = 0.1
STEPS = {"quick": 20, "full": 1000}
RECORDS = {"quick": 2, "full": 10}  # recorded steps besides 0 (an even number: half-time is one of them)
SIZES = (64, 64, 64, 64, 64, 10)
HIDDEN, WIDTH = len(SIZES) - 2, SIZES[1]
BATCH = 64
REVIVE_MAX = 0.05
BORN_WIDTHS = {"quick": [2, 5], "full": list(range(2, 11))}
BORN_DEPTHS = {"quick": [2, 5, 10], "full": [2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 40, 50]}
BORN_BIAS_STD = (0.0, 1.0)
BORN_NETS = {"quick": {"pilot": 100, "min": 100, "max_point": 400, "max_domain": 400},
             "full": {"pilot": 500, "min": 2000, "max_point": 32000, "max_domain": 4000}}
BORN_POINTS = 257
BORN_PROTOCOL = 3  # the amended catalogue: only the born-dead part reruns, on protocol 3's seed blocks
CHUNK = 1000
MODEL_TOL = 0.05


def grid(profile: str) -> list[dict]:
    steps = STEPS[profile]
    train = [{"part": "lr", "activation": a, "shift": 0.0, "steps": steps, "lrs": ",".join(map(str, LRS[profile]))}
             for a in ACTS]
    train += [{"part": "shift", "activation": a, "lr": SHIFT_LR, "shift": s, "steps": steps}
              for a in ACTS for s in SHIFTS[profile] if s != 0.0]
    born = [{"part": "born", "bias_std": b, "width": w, "depths": ",".join(map(str, BORN_DEPTHS[profile]))}
            for b in BORN_BIAS_STD for w in BORN_WIDTHS[profile]]
    return train + born


def explore(profile: str) -> list[dict]:
    return grid(profile)  # a pilot of the whole design (rule 6)


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    return _born(point, ctx) if point["part"] == "born" else _train(point, ctx)


# -- training -------------------------------------------------------------------------------------
def _train(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.dead_units import dead_unit_monitor, learned_slopes, unit_counts
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, records_training_loss, train
    from nnclaims.numeric.data import load_sklearn_digits

    d = load_sklearn_digits()
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    spec = MLPSpec(SIZES, activation=point["activation"], init="he_normal", bias_shift=point["shift"])
    if point["part"] == "lr":
        grid_rates = [float(r) for r in point["lrs"].split(",")]
        seeds = [s for _ in grid_rates for s in ctx.seeds]
        rates = [r for r in grid_rates for _ in ctx.seeds]
    else:
        seeds, rates = list(ctx.seeds), [float(point["lr"])] * len(ctx.seeds)
    steps = int(point["steps"])
    schedule = Schedule(steps, rates, loss="ce", batch_size=BATCH, record_every=steps // RECORDS[ctx.profile])
    monitor = dead_unit_monitor(X.to(ctx.device), y.to(ctx.device), "ce", HIDDEN)
    result = train(spec, X, y, seeds, schedule, device=ctx.device, engine=ctx.engine,
                   monitors=[records_training_loss(monitor, "ce")])
    rows = result.tidy(["loss", "dead_fraction", "max_dead_grad", "max_dead_grad_all"], per_network={"lr": rates})
    labels = [{"seed": s, "lr": r} for s, r in zip(seeds, rates)]
    units, networks = unit_counts(result, labels, HIDDEN, WIDTH, half=steps // 2)
    slopes = learned_slopes(result, labels) if point["activation"] == "prelu" and point["part"] == "lr" else []
    return {"records": rows, "units": units, "networks": networks, "slopes": slopes}


# -- born dead -------------------------------------------------------------------------------------
def _born(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.born_dead import born_dead_counts
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.seeding import numpy_rng, torch_generator

    width, bias_std = int(point["width"]), float(point["bias_std"])
    nets = BORN_NETS[ctx.profile]
    if ctx.phase == "explore":
        n_domain = n_point = nets["pilot"]
    else:
        n_domain, n_point = int(ctx.decisions["born_domain_nets"]), int(ctx.decisions["born_point_nets"])
    if bias_std:
        n_point = 0  # the model holds for zero biases only
    x = torch.linspace(-1, 1, BORN_POINTS, dtype=torch.float64, device=ctx.device)[:, None]
    rows, seed = [], seed_for(ctx.seeds[0], BORN_PROTOCOL)
    for depth in map(int, point["depths"].split(",")):
        spec = MLPSpec((1,) + (width,) * (depth - 1) + (1,), activation="relu", init="he_normal", bias_std=bias_std)
        gen = torch_generator(seed, f"born-{bias_std:g}-{width}-{depth}")
        c = born_dead_counts(spec, n_domain, n_point, gen, x, x[-1:], chunk=CHUNK)
        row = {"depth": depth, "seed": seed, "nets": n_domain, **c.over_domain()}
        if not bias_std:
            p = model(width, depth)
            drawn = int(numpy_rng(seed, f"model-{width}-{depth}").binomial(n_point, p))
            row.update({"point_nets": n_point, "dead_at_point": c.dead_at_point, "model": p, "model_draw": drawn})
        rows.append(row)
    return {"born": rows}


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    cap = SEED_CAP[profile]
    nets = BORN_NETS[profile]

    def mean_plan(values, threshold):
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        return required_seeds(v.mean(), threshold, sd=v.std(ddof=1), n_pilot=len(v), maximum=cap)

    a, b = _comeback_gap(tables)
    plans = {"dead-stays-dead-every-layer": revival_plan(_units(tables, "relu"), REVIVE_MAX, 1 - 0.05 / HIDDEN, cap),
             "leaky-revives-more": mean_plan(a - b, 0.0),
             "dead-rises-with-lr": mean_plan(slopes_by_seed(_sweep(tables, "lr")), 0.0),
             "dead-rises-with-bias-shift": mean_plan(slopes_by_seed(_sweep(tables, "shift")), 0.0)}
    seeds = combine_plans(plans, maximum=cap)

    # Networks per born-dead cell: the model test (one point) and the trend tests (the domain).
    point = networks_for_model_test(tables["born"], MODEL_TOL, nets["pilot"], nets["min"], nets["max_point"])
    domain = networks_for_trends(tables["born"], BORN_BIAS_STD, nets["pilot"], nets["min"], nets["max_domain"])
    notes = ["Nothing is tuned: the learning rate and the bias shift are the variables of the claim.",
             f"Networks per born-dead cell for the model test (one input point): {point.n}. {point.explanation}",
             f"Networks per born-dead cell for the constant-over-the-domain tests: {domain.n}. {domain.explanation}"]
    return Decisions({"born_point_nets": point.n, "born_domain_nets": domain.n}, seeds, notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Dead fractions by sweep with the ReLU logistic fits, revival and comeback shares,
    born-dead probabilities and the simple model's gaps."""
    import pandas as pd

    nets, units = tables["networks"], tables["units"]
    live = nets[~nets["diverged"].astype(bool)].assign(frac=lambda f: f["wbd_end"] / f["units"])
    out = {"dead_by_lr": live[live["shift"] == 0][["activation", "seed", "lr", "frac"]],
           "dead_by_shift": live[np.isclose(live["lr"], SHIFT_LR)][["activation", "seed", "shift", "frac"]]}
    for which in ("lr", "shift"):
        s = _sweep(tables, which)
        xs, p = logistic_curve(s["x"].to_numpy(), s["dead_end"].to_numpy(), s["units"].to_numpy())
        out[f"dead_fit_{which}"] = pd.DataFrame({which: 10**xs if which == "lr" else -xs, "frac": p})
    out["revival"] = pd.DataFrame([{"layer": layer, "estimate": iv.estimate, "low": iv.low, "high": iv.high}
                                   for layer, _, _, iv in _revival(tables)])
    u = units[(units["shift"] == 0) & ~units["diverged"].astype(bool) & units["activation"].isin(ACTS[:2])]
    per = u.groupby(["activation", "seed", "lr"])[["wbd_back", "wbd_half"]].sum().reset_index()
    out["comeback"] = per[per["wbd_half"] > 0].assign(share=lambda f: f["wbd_back"] / f["wbd_half"])
    return {**out, **born_tables(tables["born"], MODEL_TOL)}


# -- the statistics the checks and the seed plan share --------------------------------------------
def _units(tables: dict, activation: str):
    u = tables["units"]
    return u[(u["activation"] == activation) & ~u["diverged"].astype(bool)]


def _revival(tables: dict):
    """Per hidden layer of the ReLU networks: (layer, revived, dead, interval of the mean
    share revived over seeds), at the Bonferroni level over the layers."""
    return revival_intervals(_units(tables, "relu"), 1 - 0.05 / HIDDEN)


def _comeback(tables: dict, activation: str, lr: float):
    """Per seed: the share of would-be-dead units at half-time that come back by the end,
    pooled over layers (Series by seed; NaN where none would be dead)."""
    u = _units(tables, activation)
    return comeback_by_seed(u[np.isclose(u["lr"], lr) & (u["shift"] == 0)])


def _top_lr(tables: dict) -> float:
    n = tables["networks"]
    return float(n.loc[n["part"] == "lr", "lr"].max())


def _paired_or_nan(a, b) -> Interval:
    """The paired interval, or a NaN one (inconclusive, no crash) when < 2 seeds have would-be-dead units in both."""
    return paired_ci(a, b) if len(a) >= 2 else Interval(math.nan, math.nan, math.nan, "t", len(a))


def _comeback_gap(tables: dict):
    top = _top_lr(tables)
    return paired(_comeback(tables, "leaky_relu", top), _comeback(tables, "relu", top))


def _sweep(tables: dict, which: str):
    """ReLU networks of one sweep, one row per network: seed, x, dead units, units."""
    n = tables["networks"]
    n = n[(n["activation"] == "relu") & ~n["diverged"].astype(bool)]
    if which == "lr":
        n = n[n["shift"] == 0].assign(x=lambda f: np.log10(f["lr"]))
    else:
        n = n[np.isclose(n["lr"], SHIFT_LR)].assign(x=lambda f: -f["shift"])
    return n


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    out = []
    revival = _revival(tables)
    layer, k, n, iv = deciding_layer(revival, REVIVE_MAX)
    out.append(Check.of(CLAIM, "dead-stays-dead-every-layer",
                        f"ReLU: share of the units dead at half-time that are alive at the end, every hidden layer "
                        f"(per seed, all its rates and bias shifts pooled; mean over seeds, Bonferroni over "
                        f"{len(revival)} layers); shown: the worst layer, {layer} ({k} of {n:,} revived)", iv, "<=",
                        REVIVE_MAX))
    a, b = _comeback_gap(tables)
    out.append(Check.of(CLAIM, "leaky-revives-more",
                        f"At learning rate {_top_lr(tables):g}: share of would-be-dead units at half-time that come "
                        f"back by the end, Leaky ReLU minus ReLU (paired by seed; seeds where either has none "
                        f"left out)", _paired_or_nan(a, b), ">", 0.0))
    for which, name, what in (("lr", "dead-rises-with-lr", "log10(learning rate)"),
                              ("shift", "dead-rises-with-bias-shift", "the size of the negative bias shift")):
        out.append(Check.of(CLAIM, name, f"ReLU: slope of a logistic fit of the dead fraction after training against "
                                         f"{what}, one fit per seed (mean over seeds)",
                            mean_ci(slopes_by_seed(_sweep(tables, which))), ">", 0.0, unit="log-odds per unit"))
    out += born_checks(CLAIM, tables["born"], MODEL_TOL)
    relu = rec[(rec["activation"] == "relu") & ~rec["diverged"].astype(bool)]
    out.append(Check(CLAIM, "dead-get-zero-gradient",
                     "Largest |gradient| on the incoming weights of dead first-layer ReLU units (whole training set, "
                     "every network and recorded step)", value=relu["max_dead_grad"].max(), comparator="==",
                     threshold=0.0, n_seeds=int(relu["seed"].nunique())))
    pr = rec[(rec["activation"] == "prelu") & ~rec["diverged"].astype(bool)]
    out.append(Check(CLAIM, "prelu-never-dead",
                     "PReLU: largest fraction of zero-gradient hidden units, any run, any recorded step",
                     value=pr["dead_fraction"].max(), comparator="==", threshold=0.0, n_seeds=int(pr["seed"].nunique())))
    return out


def controls(tables: dict) -> list[Control]:
    rec, units, networks = tables["records"], tables["units"], tables["networks"]
    out = []
    relu = (units["activation"] == "relu").to_numpy()
    none = units.copy()
    none.loc[relu, "revived"] = 0
    half = units.copy()
    half.loc[relu, "revived"] = (units.loc[relu, "dead_half"] + 1) // 2
    out += [Control("dead-stays-dead-every-layer", "positive", {"units": none}, "no dead unit revives"),
            Control("dead-stays-dead-every-layer", "negative", {"units": half}, "half of the dead units revive")]
    out += [Control("leaky-revives-more", "positive", {"units": _comeback_above(tables, "leaky_relu", "relu")},
                    "Leaky ReLU's comeback share set 0.25 above ReLU's, seed by seed"),
            Control("leaky-revives-more", "negative", {"units": _comeback_above(tables, "relu", "leaky_relu")},
                    "ReLU's comeback share set 0.25 above Leaky ReLU's, seed by seed")]
    for which, name in (("lr", "dead-rises-with-lr"), ("shift", "dead-rises-with-bias-shift")):
        sweep = _sweep(tables, which)
        out += [Control(name, "positive", {"networks": sorted_by_seed(networks, sweep, rising=True)},
                        "each seed's dead counts sorted to rise with the variable"),
                Control(name, "negative", {"networks": sorted_by_seed(networks, sweep, rising=False)},
                        "each seed's dead counts sorted to fall with the variable")]
    out += born_controls(tables["born"])
    zeroed = rec.copy()
    zeroed.loc[(rec["activation"] == "relu").to_numpy(), "max_dead_grad"] = 0.0
    out += [Control("dead-get-zero-gradient", "positive", {"records": zeroed}, "every dead unit's gradient exactly 0"),
            Control("dead-get-zero-gradient", "negative", {"records": _records_from(rec, "relu", "leaky_relu",
                                                                                    "max_dead_grad")},
                    "Leaky ReLU's would-be-dead units, which pass a gradient")]
    out += [Control("prelu-never-dead", "positive", {"records": _records_from(rec, "prelu", "leaky_relu",
                                                                              "dead_fraction")},
                    "Leaky ReLU's zero-gradient fractions (none, by its definition)"),
            Control("prelu-never-dead", "negative", {"records": _records_from(rec, "prelu", "relu", "dead_fraction")},
                    "ReLU's dead fractions")]
    return out


def _records_from(rec, target: str, source: str, column: str):
    """The records with ``target``'s ``column`` (and divergence) replaced by ``source``'s, matched by run."""
    keys = ["part", "seed", "lr", "shift", "step"]
    return arm_columns_from(rec, "activation", target, source, [column, "diverged"], keys)


def _comeback_above(tables: dict, raised: str, other: str, above: float = 0.25):
    """Units with ``raised``'s comeback counts at the top rate set so that its share is
    ``other``'s share (same seed) plus ``above``, capped at 1."""
    u, top = tables["units"], _top_lr(tables)
    mine = ((u["activation"] == raised) & np.isclose(u["lr"], top) & (u["shift"] == 0)).to_numpy()
    return comeback_raised(u, mine, _comeback(tables, other, top), above)


def measurements(tables: dict) -> list[Measurement]:
    top = _top_lr(tables)
    training = training_measurements(CLAIM, tables["records"], tables["networks"], _revival(tables), top,
                                     {a: _comeback(tables, a, top) for a in ACTS[:2]},
                                     {which: _sweep(tables, which) for which in ("lr", "shift")}, ACTS)
    born = born_measurements(tables["born"], CLAIM, BORN_BIAS_STD)
    return training + born + prelu_measurements(CLAIM, tables.get("slopes"))


CHANGES = [  # protocol 1 -> 2 -> 3 (rules 10, 17); the full story in docs/experiments/dying_relu.md
    Change("dead-stays-dead", "dead-stays-dead-every-layer",
           "Only first-layer units were followed, whose inputs never change; units of deeper layers see changing "
           "inputs and can revive, so every layer is now tested, as the share revived per seed, averaged over seeds "
           "with a t interval."),
    Change("dead-grows-with-lr", "dead-rises-with-lr",
           "The difference between the two extreme rates (a percentile bootstrap) became a logistic trend over the "
           "whole grid of rates, one fit per seed."),
    Change("dead-grows-with-bias-shift", "dead-rises-with-bias-shift",
           "The difference between the two extreme shifts (a percentile bootstrap) became a logistic trend over all "
           "shifts, one fit per seed."),
    Change("leaky_relu-never-dead", "leaky_relu-never-dead",
           "A Leaky ReLU derivative is 0.01 or 1, never 0: a theorem, reported as a measurement (rule 7); the new "
           "check leaky-revives-more asks whether Leaky units in the dead state come back more often than ReLU's."),
    *BORN_CHANGES,
]


# -- figures: declared once over the analysis tables, drawn by `figures` --------------------
DEAD_CAPTION = (
    "First two panels: the fraction of hidden units whose pre-activation is at most 0 on every training example after "
    "training (for ReLU: dead), mean and 95% band over seeds, with the pooled logistic fit for ReLU (dashed). Third: "
    "of the ReLU units dead at half-time, the share alive at the end, per layer, against the claim's limit. Fourth: "
    "the share of would-be-dead units that come back, Leaky ReLU against ReLU.")
DEAD_ALT = ("Dead fractions rising with learning rate and negative bias shift for ReLU; revival shares per layer "
            "against a 0.05 line; comeback shares for Leaky ReLU and ReLU by learning rate.")
BORN_CAPTION = (
    "Random ReLU networks at initialization ({:,} per cell; constant on [−1, 1] decided exactly), by depth and width. "
    "Left: zero biases, against the simple model 1−(1−2⁻ʷ)ᵈ⁻¹ for an all-zero layer at one input (dashed); being "
    "constant over the whole domain is rarer. Middle: biases drawn N(0, 1). Right: the model test, each cell's gap with its simultaneous "
    "interval against the ±0.05 band.")
BORN_ALT = ("Born-dead probability curves rising with depth, lower for wider networks, with zero and with random "
            "biases; per-cell gaps to the simple model inside a grey band.")
SLOPES_CAPTION = ("PReLU's learned slopes for negative inputs after training, over all units, seeds and learning rates "
                  "(networks that diverged left out). They start at 0.25 (dashed).")
SLOPES_ALT = "Histogram of learned PReLU slopes spread around the initial 0.25."

_NAMES = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "prelu": "PReLU"}
_LRS = dict(xticks=From(lambda T: sorted(T["dead_by_lr"]["lr"].unique())), xlog=True, xlabel="learning rate (log)")
_SHOWN = From(lambda T: [w for w in (2, 3, 4, 6, 10) if w in set(T["born"]["width"])])
_DEAD = dict(group="activation", order=ACTS, labels=lambda a: f"{_NAMES[a]} (pre-activation ≤ 0 everywhere)",
             ylim=(-0.02, 1.02), ylabel="fraction of hidden units dead / would be dead")
_BY_WIDTH = dict(group="width", order=_SHOWN, labels="width {}", xlog=True, xlabel="depth (linear layers, log)",
                 xticks=From(lambda T: [d for d in (2, 3, 5, 10, 20, 50) if d in set(T["born"]["depth"])]))
_BORN = [rows_of("born_constant", bias_std=b, width=_SHOWN) for b in BORN_BIAS_STD]
FIGURES = [
    figure("dead_units", CLAIM, main=True, caption=DEAD_CAPTION, alt=DEAD_ALT, size=(18, 4.2), panels=[
        band(rows_of("dead_by_lr"), "lr", "frac", **_DEAD, **_LRS, title="After training, by learning rate",
             theory=Theory(rows_of("dead_fit_lr"), "lr", "frac", "logistic fit, ReLU")),
        band(rows_of("dead_by_shift"), "shift", "frac", **_DEAD, xlabel="bias shift at initialization",
             theory=Theory(rows_of("dead_fit_shift"), "shift", "frac", "logistic fit, ReLU"),
             title=f"After training at lr {SHIFT_LR:g}, by bias shift"),
        regime(rows_of("revival"), "layer", labels="ReLU: dead at half-time, alive at end",
               threshold=Line(REVIVE_MAX, f"the claim's limit, {REVIVE_MAX:g}", theory=True),
               xticks=From(lambda T: list(T["revival"]["layer"])), xlabel="hidden layer",
               title="Once dead, stays dead? (every layer)",
               ylabel="share revived (mean over seeds, Bonferroni t interval)"),
        band(rows_of("comeback"), "lr", "share", group="activation", order=ACTS[:2], labels=_NAMES, **_LRS,
             ylabel="share of would-be-dead units that come back", title="Would-be-dead at half-time, back by the end")]),
    figure("born_dead", CLAIM, caption=From(lambda T: BORN_CAPTION.format(int(T["born"]["nets"].max()))),
           alt=BORN_ALT, size=(16, 4.2), panels=[
        lines(_BORN[0], "depth", "p_constant", **_BY_WIDTH, ylim=(-0.02, 1.02), title="Born dead, zero biases",
              theory=Theory(_BORN[0], "depth", "model", "dashed: 1−(1−2⁻ʷ)ᵈ⁻¹", group="width"),
              ylabel="probability of a constant network"),
        lines(_BORN[1], "depth", "p_constant", **_BY_WIDTH, ylim=(-0.02, 1.02), title="Born dead, biases N(0, 1)",
              ylabel="probability of a constant network"),
        regime(rows_of("born_model_gaps", width=_SHOWN), "depth", **_BY_WIDTH, dodge=0.02,
               span=Span(-MODEL_TOL, MODEL_TOL, f"±{MODEL_TOL:g}: agreement"), threshold=Line(0.0, reference=True),
               ylabel="P(all-zero layer at x = 1) − model", title="The simple model, cell by cell (simultaneous 90%)")]),
    figure("prelu_slopes", CLAIM, caption=SLOPES_CAPTION, alt=SLOPES_ALT, size=(6.4, 3.6),
           when=From(lambda T: T.get("slopes") is not None and len(T["slopes"])), panels=[
        histogram(rows_of("slopes"), "slope", bins=60, threshold=Line(0.25, "initial slope 0.25", axis="x", theory=True),
                  xlabel="learned negative-side slope a (PReLU)", ylabel="units")])]
figures = drawer(FIGURES)
