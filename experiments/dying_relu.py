"""dying-relu: ReLU units die and stay dead; leaky variants do not; deep narrow nets die at birth.

Setup (protocol 1, kept): scikit-learn's 8x8 digits (80% train split), a network
64 -> 4 hidden layers of 64 -> 10, He-normal weights, cross-entropy, plain SGD (no
momentum: a momentum buffer would keep moving a dead unit's weights), batch 64, 1,000
steps. A unit is dead when its activation derivative is zero on every training example
(for ReLU: it outputs zero on the whole training set); it "would be dead" when its
pre-activation is at most 0 on every training example (for ReLU the same thing; a Leaky
ReLU or PReLU unit in that state still passes a gradient). Two sweeps, for ReLU, Leaky
ReLU (slope 0.01) and PReLU (slopes learned per unit, starting at 0.25):
- learning rate 0.01 ... 1 (five rates over two decades), biases starting at 0 (the five
  rates train as one computation, one network per rate and seed);
- a negative shift of every bias at initialization, 0 ... -2, at learning rate 0.1.
The learning rate is the variable of the claim, not a setting to tune, so nothing is
tuned (rule 5 does not apply); the four exploration seeds (20000+) are a pilot for rule 6.
Born dead: networks of `depth` linear layers (depth - 1 hidden layers of `width` units),
1-D input, He-normal weights, biases zero or drawn N(0, 1), independent random networks per
cell; "born dead" means the output is one constant on 257 points of [-1, 1] (computed
layer by layer: a network is constant as soon as one hidden layer is constant across the
points, and otherwise when its output is); "dead at a point" means some hidden layer
outputs all zeros at x = 1, whose probability the simple model
1 - (1 - 2^-width)^(depth - 1) gives exactly for symmetric weights and zero biases (each
layer is all zeros with probability 2^-width, independently, given the layer before).

Protocol 2 (pre-registered in the claim catalogue, 2026-11-21), checks:
- (a) "once dead, stays dead", in every hidden layer: of the ReLU units dead at half-time
  (step 500), the fraction alive at the end, per seed (pooled over that seed's ReLU runs:
  all rates and bias shifts; diverged networks left out), is at most 0.05 in each of the
  four layers: mean over seeds with its t interval (BCa when far from normal) at the
  Bonferroni level 1 - 0.05/4, whole interval at most 0.05; the worst layer is shown. The
  seed is the unit: units of one network, and the runs of one seed (same initial weights
  and data order), are not independent trials. (First written as a Wilson interval over
  pooled units; changed on review, before any confirmatory run, for that reason.)
- (b) Leaky ReLU: of the units that would be dead at half-time, the fraction that come back
  (pre-activation positive on some example at the end) at the highest learning rate (1),
  per seed and pooled over layers, minus the same fraction for ReLU's dead units: paired
  by seed (the same initial weights and data order), whole 95% t interval above 0.
- (c) ReLU's dead fraction rises with the learning rate across the whole grid: per seed, a
  Firth logistic fit of dead units (out of 256) against log10(lr) over the five rates;
  the mean slope over seeds, whole 95% t interval above 0 (a binomial fit pooling the
  units of all networks would treat units of one network as independent and understate
  the uncertainty; each seed's network gives one slope). Likewise against the size of the
  negative bias shift (0, 0.5, 1, 2) at learning rate 0.1.
- (d) born dead, with zero biases and with biases N(0, 1): at every width (2 ... 10) the
  probability of a constant network rises with depth: the slope of a Firth logistic fit of
  constant networks against depth (networks are independent), whole interval above 0, at
  the Bonferroni level 1 - 0.05/9 over the widths; the worst width is shown. One check
  per bias setting.
- the zero-bias model, per cell: P(dead at x = 1) against 1 - (1 - 2^-w)^(d-1), rule 3
  with tol 0.05 absolute: every cell's Wilson interval at the Bonferroni-corrected 90%
  level, minus the model, inside [-0.05, 0.05].
Kept from protocol 1: the incoming weights of dead first-layer ReLU units get exactly zero
gradient (largest |gradient| over every network and recorded step, exact, == 0); PReLU
has no zero-gradient unit (exact, == 0); at depth 50 the born-dead probability is larger at
width 2 than at width 10 (zero biases, Newcombe interval above 0).
Measurements: Leaky ReLU has no zero-gradient unit (a theorem: its derivative is 0.01 or
1); PReLU's learned slopes; dead fractions; born-dead probabilities at depth 10.
Seeds by power (rule 6): the training checks' seeds from the pilot, at least 8 and at most
64 (four hidden layers). The random networks of the born-dead cells are the random units
of (d) and of the model test, so their number is planned the same way from a pilot of 500
networks per cell: at least protocol 1's 2,000; at most 32,000 for the model test (one
input point, cheap) and 4,000 for the constant-over-the-domain test (257 points), caps set
by the time budget before any result was seen.

Expected: every check above passes.
Controls (each check must pass its positive control and fail its negative one):
- (a): positive, no dead unit revives; negative, half of them revive;
- (b): positive, Leaky's comeback share set 0.25 above ReLU's; negative, ReLU's set 0.25
  above Leaky's;
- (c) and (d): positive, each seed's (each width's) counts sorted to rise with the
  variable; negative, sorted to fall;
- model test: positive, counts drawn by the experiment from the model itself; negative,
  the model with the width off by one;
- zero gradient: positive, every dead unit's gradient 0; negative, Leaky ReLU's
  would-be-dead units, which do get a gradient;
- PReLU never dead: positive, Leaky ReLU's dead fractions; negative, ReLU's;
- width: positive, width 10's probability set to half of width 2's; negative, the two
  widths' counts swapped.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Interval, Measurement, RunContext, SeedPlan, combine_plans,
    equivalence_proportions, logistic_fit, mean_ci, newcombe, paired, paired_ci, required_seeds, wilson,
)

CLAIMS = [
    Claim(
        id="dying-relu",
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
SHARDS = {"full": 3}
# From two full-profile runs (bench/full-profile.csv): peak 1.9 and 2.1 GB, longest job 283 s; x1.5, x3
RESOURCES = {"full": {"mem_mb": 3500, "runtime": 30}}
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


def model(width: int, depth: int) -> float:
    return 1 - (1 - 2.0**-width) ** (depth - 1)


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    return _born(point, ctx) if point["part"] == "born" else _train(point, ctx)


# -- training -------------------------------------------------------------------------------------
def _train(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

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
    monitor = _dead_unit_monitor(X.to(ctx.device), y.to(ctx.device))
    result = train(spec, X, y, seeds, schedule, device=ctx.device, engine=ctx.engine,
                   monitors=[records_training_loss(monitor, "ce")])
    rows = result.tidy(["loss", "dead_fraction", "max_dead_grad", "max_dead_grad_all"], per_network={"lr": rates})
    units, networks = _unit_tables(result, seeds, rates, steps)
    slopes = _prelu_slopes(result, seeds, rates) if point["activation"] == "prelu" and point["part"] == "lr" else []
    return {"records": rows, "units": units, "networks": networks, "slopes": slopes}


def _dead_unit_monitor(Xd, yd):
    """A training monitor: per network, the training loss (one pass, not two), which hidden
    units would be dead (pre-activation <= 0 on every example) and which are dead (zero
    derivative on every example), and the largest |gradient| on dead units' incoming weights."""
    import torch

    from nnclaims.nn import losses
    from nnclaims.nn.batched import BatchedNet

    def monitor(net: BatchedNet, step: int):
        weights = [w.detach().requires_grad_(True) for w in net.weight]
        probe = BatchedNet(net.spec, {**net.params, "weight": weights}, net.buffers)
        out, trace = probe(Xd, trace=True)
        loss = losses.per_network("ce", out, yd)  # also the record of the training loss: one pass, not two
        grads = torch.autograd.grad(loss.sum(), weights[:HIDDEN])
        pre = [z.detach() for z in trace.pre]
        wbd = [(z <= 0).all(dim=1) for z in pre]  # (N, width): would be dead
        # (N, width): zero derivative on every example (what probes.dead_units computes, from this pass)
        slope = net.params.get("slope")
        dead = [((net.act.grad(z, slope[i]) if net.act.learned_slope else net.act.grad(z)) == 0).all(dim=1)
                for i, z in enumerate(pre)]
        # Largest |gradient| on the incoming weights of would-be-dead units, per layer: (N, HIDDEN).
        dead_grad = torch.stack([torch.where(m[:, None, :], g.abs(), torch.zeros_like(g)).amax(dim=(1, 2))
                                 for m, g in zip(wbd, grads)], dim=1)
        dead_all = torch.cat(dead, dim=1)
        return {"loss": loss.detach(), "wbd": torch.cat(wbd, dim=1).float(), "dead": dead_all.float(),
                "dead_fraction": dead_all.float().mean(dim=1), "max_dead_grad": dead_grad[:, 0],
                "max_dead_grad_all": dead_grad.amax(dim=1)}

    return monitor


def _unit_tables(result, seeds: list[int], rates: list[float], steps: int) -> tuple[list[dict], list[dict]]:
    """Per (network, layer) and per network: units dead and would-be-dead at half-time and
    at the end, and those that came back in between."""
    half, end = list(result.steps).index(steps // 2), len(result.steps) - 1
    dead = result.history["dead"].astype(bool).reshape(len(result.steps), len(seeds), HIDDEN, WIDTH)
    wbd = result.history["wbd"].astype(bool).reshape(len(result.steps), len(seeds), HIDDEN, WIDTH)
    units, networks = [], []
    for n, (seed, lr) in enumerate(zip(seeds, rates)):
        diverged = bool(result.diverged[n])
        for layer in range(HIDDEN):
            dh, de, wh, we = dead[half, n, layer], dead[end, n, layer], wbd[half, n, layer], wbd[end, n, layer]
            units.append({"seed": seed, "lr": lr, "layer": layer + 1, "units": WIDTH, "diverged": diverged,
                          "dead_half": int(dh.sum()), "revived": int((dh & ~de).sum()), "dead_end": int(de.sum()),
                          "wbd_half": int(wh.sum()), "wbd_back": int((wh & ~we).sum()), "wbd_end": int(we.sum())})
        networks.append({"seed": seed, "lr": lr, "diverged": diverged, "units": HIDDEN * WIDTH,
                         "dead_end": int(dead[end, n].sum()), "wbd_end": int(wbd[end, n].sum())})
    return units, networks


def _prelu_slopes(result, seeds: list[int], rates: list[float]) -> list[dict]:
    """PReLU's learned negative-side slopes (a diverged network's slopes mean nothing)."""
    slopes = []
    for layer, a in enumerate(result.net.params["slope"]):
        for n, (seed, lr) in enumerate(zip(seeds, rates)):
            if not result.diverged[n]:
                slopes += [{"seed": seed, "lr": lr, "layer": layer + 1, "unit": u, "slope": float(v)}
                           for u, v in enumerate(a[n, 0].cpu())]
    return slopes


# -- born dead -------------------------------------------------------------------------------------
def _born(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet
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
    one = x[-1:]
    rows = []
    for depth in map(int, point["depths"].split(",")):
        spec = MLPSpec((1,) + (width,) * (depth - 1) + (1,), activation="relu", init="he_normal", bias_std=bias_std)
        gen = torch_generator(ctx.seeds[0], f"born-{bias_std:g}-{width}-{depth}")
        constant = dead_at_point = disagree = 0
        total = max(n_domain, n_point)
        for start in range(0, total, CHUNK):
            net = BatchedNet.random(spec, min(CHUNK, total - start), gen, dtype=torch.float64, device=ctx.device)
            k = min(net.S, n_domain - start)
            if k > 0:
                sub = _first(net, k)
                flat = constant_over(sub, x)
                constant += int(flat.sum())
                if start == 0:  # the early exit agrees with the library's probe (reported)
                    m = min(k, 64)
                    disagree += int((flat[:m] != probes.constant_output(_first(sub, m), x).cpu()).sum())
            k = min(net.S, n_point - start)
            if k > 0:
                _, trace = _first(net, k)(one, trace=True)
                dead_at_point += int(torch.stack([(h == 0).all(dim=-1).squeeze(-1) for h in trace.post],
                                                 dim=1).any(dim=1).sum())
        row = {"depth": depth, "nets": n_domain, "constant": constant, "probe_disagreements": disagree}
        if not bias_std:
            p = model(width, depth)
            draw = int(numpy_rng(ctx.seeds[0], f"model-{width}-{depth}").binomial(n_point, p))
            row.update({"point_nets": n_point, "dead_at_point": dead_at_point, "model": p, "model_draw": draw})
        rows.append(row)
    return {"born": rows}


def _first(net, k: int):
    """The first ``k`` networks of a `BatchedNet`."""
    from nnclaims.nn.batched import BatchedNet

    return BatchedNet(net.spec, {key: [t[:k] for t in v] for key, v in net.params.items()})


def constant_over(net, x):
    """``(S,)``: whether each network's output is one constant over the points x, layer by
    layer: a network whose hidden layer is constant across the points is constant from
    there on and is set aside, so the deep layers are computed only for the others."""
    import torch

    S = net.S
    a = x.expand(S, *x.shape)
    alive = torch.arange(S, device=x.device)
    constant = torch.zeros(S, dtype=torch.bool, device=x.device)
    with torch.no_grad():
        for i in range(net.spec.n_layers):
            z = torch.baddbmm(net.bias[i][alive], a, net.weight[i][alive])
            a = net.act(z) if i < net.spec.n_layers - 1 else z
            flat = (a.amax(dim=1) == a.amin(dim=1)).all(dim=-1)
            constant[alive[flat]] = True
            alive, a = alive[~flat], a[~flat]
            if len(alive) == 0:
                break
    return constant.cpu()


# -- the statistics the checks and the seed plan share --------------------------------------------
def _units(tables: dict, activation: str):
    u = tables["units"]
    return u[(u["activation"] == activation) & ~u["diverged"].astype(bool)]


def _revival_by_seed(tables: dict):
    """Per hidden layer and seed: the share of the units dead at half-time that are alive at
    the end, pooled over that seed's ReLU runs (a frame: layer, seed, revived, dead_half,
    share; a seed without dead units in a layer has no share)."""
    u = _units(tables, "relu").groupby(["layer", "seed"])[["revived", "dead_half"]].sum().reset_index()
    return u.assign(share=u["revived"] / u["dead_half"].where(u["dead_half"] > 0))


def _revival_intervals(tables: dict):
    """Per hidden layer: (layer, revived, dead, interval of the mean share over seeds), at
    the Bonferroni level over the layers. The seed is the unit: the units of one network,
    and the runs of one seed (same initial weights, same data order), are not independent."""
    level = 1 - 0.05 / HIDDEN
    out = []
    for layer, g in _revival_by_seed(tables).groupby("layer"):
        shares = g["share"].dropna().to_numpy()
        k, n = int(g["revived"].sum()), int(g["dead_half"].sum())
        iv = (mean_ci(shares, level=level) if len(shares) >= 2
              else Interval(math.nan, math.nan, math.nan, "t", len(shares), level))
        out.append((int(layer), k, n, iv))
    return out


def _worst_layer(revival):
    """The layer that decides: one wholly above the limit if any (the farthest), else one
    without an interval (fewer than two seeds with dead units), else the one whose upper
    end is highest."""
    above = [r for r in revival if r[3].low > REVIVE_MAX]
    if above:
        return max(above, key=lambda r: r[3].low)
    empty = [r for r in revival if math.isnan(r[3].high)]
    return empty[0] if empty else max(revival, key=lambda r: r[3].high)


def _comeback(tables: dict, activation: str, lr: float):
    """Per seed: the share of would-be-dead units at half-time that come back by the end,
    pooled over layers (Series by seed; NaN where none would be dead)."""
    u = _units(tables, activation)
    u = u[np.isclose(u["lr"], lr) & (u["shift"] == 0)].groupby("seed")[["wbd_back", "wbd_half"]].sum()
    return (u["wbd_back"] / u["wbd_half"].where(u["wbd_half"] > 0)).sort_index()


def _top_lr(tables: dict) -> float:
    n = tables["networks"]
    return float(n.loc[n["part"] == "lr", "lr"].max())


def _paired_or_nan(a, b) -> Interval:
    """The paired interval, or none (an inconclusive check, not a crash) when fewer than two
    seeds have would-be-dead units in both arms."""
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


def _slopes(tables: dict, which: str) -> np.ndarray:
    """Per seed: the slope of a Firth logistic fit of dead units against x."""
    out = []
    for _, g in _sweep(tables, which).groupby("seed"):
        if g["x"].nunique() >= 2:
            out.append(logistic_fit(g["x"].to_numpy(), g["dead_end"].to_numpy(), g["units"].to_numpy()).slope.estimate)
    return np.array(out)


def _depth_slopes(tables: dict, bias_std: float, level: float) -> list[tuple[int, Interval]]:
    b = tables["born"]
    b = b[b["bias_std"] == bias_std]
    return [(int(w), logistic_fit(g["depth"].to_numpy(), g["constant"].to_numpy(), g["nets"].to_numpy(),
                                  level=level).slope) for w, g in b.groupby("width")]


def _width_gap(tables: dict) -> tuple[Interval, int, int, int]:
    b = tables["born"]
    b = b[b["bias_std"] == 0]
    dmax, wmin, wmax = int(b["depth"].max()), int(b["width"].min()), int(b["width"].max())
    cell = lambda w: b[(b["width"] == w) & (b["depth"] == dmax)].iloc[0]  # noqa: E731
    a, c = cell(wmin), cell(wmax)
    return newcombe(int(a["constant"]), int(a["nets"]), int(c["constant"]), int(c["nets"])), dmax, wmin, wmax


def _model_test(tables: dict):
    b = tables["born"]
    b = b[b["bias_std"] == 0].reset_index(drop=True)
    return equivalence_proportions(b["dead_at_point"].to_numpy(), b["point_nets"].to_numpy(), b["model"].to_numpy(),
                                   MODEL_TOL), b


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    out = []
    revival = _revival_intervals(tables)
    layer, k, n, iv = _worst_layer(revival)
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
                            mean_ci(_slopes(tables, which)), ">", 0.0, unit="log-odds per unit"))
    level = 1 - 0.05 / len(tables["born"]["width"].unique())
    for bias_std, name, what in ((0.0, "born-dead-rises-with-depth", "zero biases"),
                                 (1.0, "born-dead-rises-with-depth-biased", "biases drawn N(0, 1)")):
        slopes = _depth_slopes(tables, bias_std, level)
        width, iv = min(slopes, key=lambda s: s[1].low if s[1].high >= 0 else -math.inf)
        out.append(Check.of(CLAIM, name, f"Born dead ({what}): slope of a logistic fit of the probability of a "
                                         f"constant network against depth, every width (Bonferroni over "
                                         f"{len(slopes)} widths); shown: the worst width, {width}",
                            iv, ">", 0.0, unit="log-odds per layer"))
    iv, dmax, wmin, wmax = _width_gap(tables)
    out.append(Check.of(CLAIM, "born-dead-falls-with-width",
                        f"Probability of a constant network at birth (zero biases), depth {dmax}: width {wmin} minus "
                        f"width {wmax} (Newcombe interval)", iv, ">", 0.0))
    eq, born = _model_test(tables)
    w = born.iloc[eq.worst]
    out.append(Check.of(CLAIM, "pointwise-death-matches-model",
                        f"P(dead at x = 1) minus the model 1 − (1 − 2^−w)^(d−1), every one of {len(born)} width × "
                        f"depth cells (zero biases; Wilson, Bonferroni); shown: the worst cell, width {int(w['width'])}, "
                        f"depth {int(w['depth'])}", eq.interval(), "within", MODEL_TOL, theory=0.0))
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
    rec, units, networks, born = tables["records"], tables["units"], tables["networks"], tables["born"]
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
        out += [Control(name, "positive", {"networks": _sorted_sweep(tables, which, rising=True)},
                        "each seed's dead counts sorted to rise with the variable"),
                Control(name, "negative", {"networks": _sorted_sweep(tables, which, rising=False)},
                        "each seed's dead counts sorted to fall with the variable")]
    for bias_std, name in ((0.0, "born-dead-rises-with-depth"), (1.0, "born-dead-rises-with-depth-biased")):
        out += [Control(name, "positive", {"born": _sorted_born(born, bias_std, rising=True)},
                        "each width's counts sorted to rise with depth"),
                Control(name, "negative", {"born": _sorted_born(born, bias_std, rising=False)},
                        "each width's counts sorted to fall with depth")]
    out += [Control("born-dead-falls-with-width", "positive", {"born": _width_control(tables, swap=False)},
                    "the widest nets' probability set to half of the narrowest's"),
            Control("born-dead-falls-with-width", "negative", {"born": _width_control(tables, swap=True)},
                    "the narrowest and the widest nets' counts swapped")]
    zero = (born["bias_std"] == 0).to_numpy()
    drawn = born.copy()
    drawn.loc[zero, "dead_at_point"] = born.loc[zero, "model_draw"]
    shifted = born.copy()
    shifted.loc[zero, "model"] = [model(int(w) + 1, int(d)) for w, d in zip(born.loc[zero, "width"], born.loc[zero, "depth"])]
    out += [Control("pointwise-death-matches-model", "positive", {"born": drawn},
                    "counts drawn by the experiment from the model itself"),
            Control("pointwise-death-matches-model", "negative", {"born": shifted},
                    "the model with the width off by one, 1 − (1 − 2^−(w+1))^(d−1)")]
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
    """The records with ``target``'s ``column`` replaced by ``source``'s, matched by run
    (seed, learning rate, bias shift, step)."""
    keys = ["part", "seed", "lr", "shift", "step"]
    src = rec[rec["activation"] == source].set_index(keys)[column]
    out = rec.copy()
    mine = (out["activation"] == target).to_numpy()
    idx = list(zip(*[out.loc[mine, k] for k in keys]))
    out.loc[mine, column] = src.reindex(idx).to_numpy()
    out.loc[mine, "diverged"] = rec[rec["activation"] == source].set_index(keys)["diverged"].reindex(idx).to_numpy()
    return out


def _comeback_above(tables: dict, raised: str, other: str, above: float = 0.25):
    """Units with ``raised``'s comeback counts at the top rate set so that its share is
    ``other``'s share (same seed) plus ``above``, capped at 1."""
    u = tables["units"].copy()
    top = _top_lr(tables)
    base = _comeback(tables, other, top)
    mine = ((u["activation"] == raised) & np.isclose(u["lr"], top) & (u["shift"] == 0)).to_numpy()
    share = np.minimum(u.loc[mine, "seed"].map(base).to_numpy() + above, 1.0)
    u.loc[mine, "wbd_back"] = np.round(np.nan_to_num(share) * u.loc[mine, "wbd_half"].to_numpy()).astype(int)
    return u


def _sorted_sweep(tables: dict, which: str, rising: bool):
    n = tables["networks"].copy()
    sweep = _sweep(tables, which)
    for _, g in sweep.groupby("seed"):
        order = g.sort_values("x").index
        values = np.sort(g["dead_end"].to_numpy())
        n.loc[order, "dead_end"] = values if rising else values[::-1]
    return n


def _sorted_born(born, bias_std: float, rising: bool):
    b = born.copy()
    for _, g in born[born["bias_std"] == bias_std].groupby("width"):
        order = g.sort_values("depth").index
        share = np.sort(g["constant"].to_numpy() / g["nets"].to_numpy())
        share = share if rising else share[::-1]
        b.loc[order, "constant"] = np.round(share * g.loc[order, "nets"].to_numpy()).astype(int)
    return b


def _width_control(tables: dict, swap: bool):
    b = tables["born"].copy()
    _, dmax, wmin, wmax = _width_gap(tables)
    at = lambda w: ((b["bias_std"] == 0) & (b["width"] == w) & (b["depth"] == dmax)).to_numpy()  # noqa: E731
    narrow, wide = b.loc[at(wmin), ["constant", "nets"]].iloc[0], b.loc[at(wmax), ["constant", "nets"]].iloc[0]
    if swap:
        b.loc[at(wmin), ["constant", "nets"]] = wide.to_numpy()
        b.loc[at(wmax), ["constant", "nets"]] = narrow.to_numpy()
    else:
        b.loc[at(wmax), "constant"] = int(round(narrow["constant"] / narrow["nets"] / 2 * wide["nets"]))
    return b


def measurements(tables: dict) -> list[Measurement]:
    return _in_training(tables) + _born_dead(tables["born"]) + _prelu(tables.get("slopes"))


def _in_training(tables: dict) -> list[Measurement]:
    """Dead units during training: Leaky ReLU, zero gradients, revival, comebacks, the fits."""
    rec = tables["records"]
    out = []
    leaky = rec[(rec["activation"] == "leaky_relu") & ~rec["diverged"].astype(bool)]
    out.append(Measurement(CLAIM, "leaky_relu-never-dead",
                           "Leaky ReLU: largest fraction of zero-gradient hidden units, any run, any recorded step (a "
                           "theorem: its derivative is 0.01 or 1)", value=leaky["dead_fraction"].max(),
                           n_seeds=int(leaky["seed"].nunique())))
    relu = rec[(rec["activation"] == "relu") & ~rec["diverged"].astype(bool)]
    out.append(Measurement(CLAIM, "dead-get-zero-gradient-every-layer",
                           "Largest |gradient| on the incoming weights of dead ReLU units in any hidden layer",
                           value=relu["max_dead_grad_all"].max(), n_seeds=int(relu["seed"].nunique())))
    for layer, k, n, iv in _revival_intervals(tables):
        if n:
            out.append(Measurement.of(CLAIM, f"revived-layer-{layer}",
                                      f"ReLU, hidden layer {layer}: share of units dead at half-time alive at the end "
                                      f"({k} of {n:,})", iv))
    top = _top_lr(tables)
    for a in ACTS[:2]:
        c = _comeback(tables, a, top).dropna()
        if len(c) > 1:
            out.append(Measurement.of(CLAIM, f"comeback-{a}",
                                      f"{a}, learning rate {top:g}: share of would-be-dead units at half-time that "
                                      "come back by the end (mean over seeds)", mean_ci(c.to_numpy())))
    nets = tables["networks"]
    for a in ACTS:
        f = nets[(nets["activation"] == a) & (nets["shift"] == 0) & np.isclose(nets["lr"], top)]
        ok = f[~f["diverged"].astype(bool)]
        if len(ok) > 1:
            out.append(Measurement.of(CLAIM, f"dead-fraction-{a}-top-lr",
                                      f"{a}: fraction of hidden units with pre-activation ≤ 0 on every example after "
                                      f"training at learning rate {top:g} ({int(f['diverged'].sum())} diverged "
                                      "networks left out)", mean_ci((ok["wbd_end"] / ok["units"]).to_numpy())))
    for which, what in (("lr", "log10(learning rate)"), ("shift", "negative bias shift")):
        s = _sweep(tables, which)
        fit = logistic_fit(s["x"].to_numpy(), s["dead_end"].to_numpy(), s["units"].to_numpy())
        out.append(Measurement.of(CLAIM, f"pooled-slope-{which}",
                                  f"ReLU: slope of one logistic fit of dead units against {what}, pooling every unit "
                                  "of every network as an independent trial (too narrow an interval; for comparison)",
                                  fit.slope, unit="log-odds per unit"))
    return out


def _born_dead(born) -> list[Measurement]:
    """Networks dead at initialization: the pointwise model, the probes, depth 10 by width."""
    out = []
    zero = born[born["bias_std"] == 0]
    p, n = zero["model"], zero["point_nets"]
    se = np.maximum(np.sqrt(p * (1 - p) / n), 1 / n)
    out.append(Measurement(CLAIM, "pointwise-gap-in-standard-errors",
                           "Largest gap between P(dead at x = 1) and the model, in binomial standard errors",
                           value=float(((zero["dead_at_point"] / n - p) / se).abs().max()), n_seeds=int(n.min()),
                           unit="standard errors"))
    out.append(Measurement(CLAIM, "born-probe-disagreements",
                           "Born-dead networks where the layer-by-layer early exit and the library's constant_output "
                           "probe disagree (first 64 networks of every cell)",
                           value=float(born["probe_disagreements"].sum())))
    for bias_std in BORN_BIAS_STD:
        for w in (2, 3, 5, 10):
            c = born[(born["bias_std"] == bias_std) & (born["width"] == w) & (born["depth"] == 10)]
            if len(c):
                c = c.iloc[0]
                out.append(Measurement.of(CLAIM, f"born-dead-depth10-width{w}" + ("-biased" if bias_std else ""),
                                          f"Born dead (constant over [−1, 1]) at depth 10, width {w}, "
                                          f"{'biases N(0, 1)' if bias_std else 'zero biases'}",
                                          wilson(int(c["constant"]), int(c["nets"]))))
                if not bias_std:
                    out.append(Measurement.of(CLAIM, f"dead-at-point-depth10-width{w}",
                                              f"An all-zero hidden layer at x = 1, depth 10, width {w}, zero biases "
                                              "(theory: the simple model)",
                                              wilson(int(c["dead_at_point"]), int(c["point_nets"])), theory=c["model"]))
    return out


def _prelu(s) -> list[Measurement]:
    """PReLU's learned negative-side slopes."""
    out = []
    if s is not None and len(s):
        out.append(Measurement(CLAIM, "prelu-slopes", "PReLU: learned negative-side slopes after training "
                               f"(all learning rates, {len(s):,} units of networks that did not diverge): median",
                               value=s["slope"].median()))
        out.append(Measurement(CLAIM, "prelu-slopes-negative", "PReLU: fraction of learned slopes below 0",
                               value=float((s["slope"] < 0).mean())))
    return out


CHANGES = [
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
    Change("born-dead-rises-with-depth", "born-dead-rises-with-depth",
           "Depth 50 against depth 2 at width 2 only became a logistic trend over depth at every width "
           "(Bonferroni), with zero biases and with biases N(0, 1) (born-dead-rises-with-depth-biased)."),
    Change("pointwise-death-matches-model", "pointwise-death-matches-model",
           "The largest absolute gap over cells (a maximum compared with 0.05 without an interval) became a per-cell "
           "equivalence test with Bonferroni-corrected Wilson intervals (rule 3); the number of networks per cell "
           "is planned by power (rule 6)."),
]


# -- exploration ----------------------------------------------------------------------------
def _plan_from_interval(name: str, estimate: float, half: float, n_pilot: int, unit: str,
                        minimum: int, maximum: int) -> SeedPlan:
    """Rule 6 for a statistic whose interval half-width falls as 1/sqrt(n): enough units
    that the half-width is at most a third of the distance from the estimate to 0."""
    distance = abs(estimate)
    target = distance / 3
    needed = maximum + 1 if distance == 0 or not math.isfinite(half) else max(
        1, math.ceil(n_pilot * (half / target) ** 2))
    n = min(max(needed, minimum), maximum)
    return SeedPlan(n, needed, needed > maximum, estimate, None, 0.0, distance, target,
                    f"{name}: the pilot's estimate {estimate:.4g} has an interval half-width {half:.3g} over "
                    f"{n_pilot} {unit}; a half-width of at most {target:.3g} (a third of the distance to 0) needs "
                    f"{needed} {unit}.")


def decide(tables: dict, profile: str) -> Decisions:
    cap = SEED_CAP[profile]
    nets = BORN_NETS[profile]

    def mean_plan(values, threshold):
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        return required_seeds(v.mean(), threshold, sd=v.std(ddof=1), n_pilot=len(v), maximum=cap)

    # (a): per layer, the seeds its interval of the mean share over seeds needs.
    layer_plans = []
    for layer, g in _revival_by_seed(tables).groupby("layer"):
        v = g["share"].dropna().to_numpy()
        if len(v) >= 2:
            layer_plans.append(required_seeds(v.mean(), REVIVE_MAX, sd=v.std(ddof=1), n_pilot=len(v), maximum=cap,
                                              level=1 - 0.05 / HIDDEN))
        else:  # no dead units to speak of in the pilot: nothing to plan from, so the cap
            layer_plans.append(SeedPlan(cap, cap + 1, True, math.nan, None, REVIVE_MAX, math.nan, math.nan,
                                        f"Layer {layer}: fewer than two pilot seeds with dead units; the cap, {cap}."))
    revival_plan = max(layer_plans, key=lambda p: p.needed)
    a, b = _comeback_gap(tables)
    plans = {"dead-stays-dead-every-layer": revival_plan,
             "leaky-revives-more": mean_plan(a - b, 0.0),
             "dead-rises-with-lr": mean_plan(_slopes(tables, "lr"), 0.0),
             "dead-rises-with-bias-shift": mean_plan(_slopes(tables, "shift"), 0.0)}
    seeds = combine_plans(plans, maximum=cap)

    # Networks per born-dead cell: the model test (one point) and the trend tests (the domain).
    pilot = nets["pilot"]
    eq, born = _model_test(tables)
    level = 1 - 0.10 / len(born)
    point = max((required_seeds(float(r["dead_at_point"] / r["point_nets"]),
                                float(r["model"] + np.sign(g or 1.0) * MODEL_TOL), kind="proportion", n_pilot=pilot,
                                maximum=nets["max_point"], minimum=nets["min"], level=level)
                 for (_, r), g in zip(born.iterrows(), eq.estimates)), key=lambda p: p.needed)
    widths = len(tables["born"]["width"].unique())
    domain = []
    for bias_std in BORN_BIAS_STD:
        for w, iv in _depth_slopes(tables, bias_std, 1 - 0.05 / widths):
            domain.append(_plan_from_interval(f"depth trend, width {w}, bias std {bias_std:g}", iv.estimate,
                                              iv.half_width, pilot, "networks", nets["min"], nets["max_domain"]))
    iv, *_ = _width_gap(tables)
    domain.append(_plan_from_interval("width gap", iv.estimate, iv.half_width, pilot, "networks", nets["min"],
                                      nets["max_domain"]))
    domain = max(domain, key=lambda p: p.needed)
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
        fit = logistic_fit(s["x"].to_numpy(), s["dead_end"].to_numpy(), s["units"].to_numpy())
        xs = np.linspace(s["x"].min(), s["x"].max(), 50)
        logit = fit.intercept.estimate + fit.slope.estimate * xs
        out[f"dead_fit_{which}"] = pd.DataFrame({which: 10**xs if which == "lr" else -xs, "frac": 1 / (1 + np.exp(-logit))})
    out["revival"] = pd.DataFrame([{"layer": layer, "estimate": iv.estimate, "low": iv.low, "high": iv.high}
                                   for layer, _, _, iv in _revival_intervals(tables)])
    u = units[(units["shift"] == 0) & ~units["diverged"].astype(bool) & units["activation"].isin(ACTS[:2])]
    per = u.groupby(["activation", "seed", "lr"])[["wbd_back", "wbd_half"]].sum().reset_index()
    out["comeback"] = per[per["wbd_half"] > 0].assign(share=lambda f: f["wbd_back"] / f["wbd_half"])
    born = tables["born"]
    out["born_constant"] = born.assign(p_constant=born["constant"] / born["nets"])[
        ["bias_std", "width", "depth", "p_constant", "model"]]
    eq, zero = _model_test(tables)
    out["born_model_gaps"] = pd.DataFrame({"width": zero["width"], "depth": zero["depth"], "estimate": eq.estimates,
                                           "low": eq.lows, "high": eq.highs})
    return out


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, Span, Theory, band, custom, draw, figure, lines, regime

    T, names = tables, {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "prelu": "PReLU"}
    lrs = dict(xticks=sorted(T["dead_by_lr"]["lr"].unique()), xlog=True, xlabel="learning rate (log)")
    depths = [d for d in (2, 3, 5, 10, 20, 50) if d in set(T["born"]["depth"])]
    shown = [w for w in (2, 3, 4, 6, 10) if w in set(T["born"]["width"])]
    dead = dict(group="activation", order=ACTS, labels=lambda a: f"{names[a]} (pre-activation ≤ 0 everywhere)",
                ylim=(-0.02, 1.02), ylabel="fraction of hidden units dead / would be dead")
    born = [T["born_constant"][(T["born_constant"]["bias_std"] == b) & T["born_constant"]["width"].isin(shown)]
            for b in BORN_BIAS_STD]
    by_width = dict(group="width", order=shown, labels="width {}", xticks=depths, xlog=True,
                    xlabel="depth (linear layers, log)")
    declared = [
        figure("dead_units", CLAIM, main=True, caption=DEAD_CAPTION, alt=DEAD_ALT, size=(18, 4.2), panels=[
            band(T["dead_by_lr"], "lr", "frac", **dead, **lrs, title="After training, by learning rate",
                 theory=Theory(T["dead_fit_lr"], "lr", "frac", "logistic fit, ReLU")),
            band(T["dead_by_shift"], "shift", "frac", **dead, xlabel="bias shift at initialization",
                 theory=Theory(T["dead_fit_shift"], "shift", "frac", "logistic fit, ReLU"),
                 title=f"After training at lr {SHIFT_LR:g}, by bias shift"),
            regime(T["revival"], "layer", labels="ReLU: dead at half-time, alive at end",
                   threshold=Line(REVIVE_MAX, f"the claim's limit, {REVIVE_MAX:g}", theory=True),
                   xticks=list(T["revival"]["layer"]), xlabel="hidden layer", title="Once dead, stays dead? (every layer)",
                   ylabel="share revived (mean over seeds, Bonferroni t interval)"),
            band(T["comeback"], "lr", "share", group="activation", order=ACTS[:2], labels=names, **lrs,
                 ylabel="share of would-be-dead units that come back", title="Would-be-dead at half-time, back by the end")]),
        figure("born_dead", CLAIM, caption=BORN_CAPTION.format(int(T["born"]["nets"].max())), alt=BORN_ALT,
               size=(16, 4.2), panels=[
            lines(born[0], "depth", "p_constant", **by_width, ylim=(-0.02, 1.02), title="Born dead, zero biases",
                  theory=Theory(born[0], "depth", "model", "dashed: 1−(1−2⁻ʷ)ᵈ⁻¹", group="width"),
                  ylabel="probability of a constant network"),
            lines(born[1], "depth", "p_constant", **by_width, ylim=(-0.02, 1.02), title="Born dead, biases N(0, 1)",
                  ylabel="probability of a constant network"),
            regime(T["born_model_gaps"][T["born_model_gaps"]["width"].isin(shown)], "depth", **by_width, dodge=0.02,
                   span=Span(-MODEL_TOL, MODEL_TOL, f"±{MODEL_TOL:g}: agreement"), threshold=Line(0.0, reference=True),
                   ylabel="P(all-zero layer at x = 1) − model", title="The simple model, cell by cell (simultaneous 90%)")])]
    if T.get("slopes") is not None and len(T["slopes"]):
        declared.append(figure("prelu_slopes", CLAIM, caption=SLOPES_CAPTION, alt=SLOPES_ALT, size=(6.4, 3.6), panels=[
            custom(lambda ax: ax.hist(T["slopes"]["slope"], bins=60, color="#0072B2"),
                   threshold=Line(0.25, "initial slope 0.25", axis="x", theory=True),
                   xlabel="learned negative-side slope a (PReLU)", ylabel="units")]))
    return draw(outdir, declared)


DEAD_CAPTION = (
    "First two panels: the fraction of hidden units whose pre-activation is at most 0 on every training example after "
    "training (for ReLU: dead), mean and 95% band over seeds, with the pooled logistic fit for ReLU (dashed). Third: "
    "of the ReLU units dead at half-time, the share alive at the end, per layer, against the claim's limit. Fourth: "
    "the share of would-be-dead units that come back, Leaky ReLU against ReLU.")
DEAD_ALT = ("Dead fractions rising with learning rate and negative bias shift for ReLU; revival shares per layer "
            "against a 0.05 line; comeback shares for Leaky ReLU and ReLU by learning rate.")
BORN_CAPTION = (
    "Random ReLU networks at initialization ({:,} per cell over the domain), by depth and width. Left: zero biases, "
    "against the simple model 1−(1−2⁻ʷ)ᵈ⁻¹ for an all-zero layer at one input (dashed); being constant over the whole "
    "domain is rarer. Middle: biases drawn N(0, 1). Right: the model test, each cell's gap with its simultaneous "
    "interval against the ±0.05 band.")
BORN_ALT = ("Born-dead probability curves rising with depth, lower for wider networks, with zero and with random "
            "biases; per-cell gaps to the simple model inside a grey band.")
SLOPES_CAPTION = ("PReLU's learned slopes for negative inputs after training, over all units, seeds and learning rates "
                  "(networks that diverged left out). They start at 0.25 (dashed).")
SLOPES_ALT = "Histogram of learned PReLU slopes spread around the initial 0.25."
