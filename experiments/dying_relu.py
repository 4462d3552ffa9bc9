"""dying-relu: ReLU units die and stay dead; leaky variants do not; deep narrow nets die at birth.

Setup (fixed before running): scikit-learn's 8x8 digits (80% train split), a network
64 -> 4 hidden layers of 64 -> 10, He-normal weights, cross-entropy, plain SGD (no
momentum: a momentum buffer would keep moving a dead unit's weights), batch 64. A unit
is dead when its activation derivative is zero on every training example (for ReLU:
it outputs zero on the whole training set). Two sweeps, for ReLU, Leaky ReLU (slope
0.01) and PReLU (slopes learned per unit, starting at 0.25):
- learning rate 0.01 ... 1 (five rates over two decades), biases starting at 0;
- a negative shift of every bias at initialization, 0 ... -2, at learning rate 0.1.
Born dead: networks of `depth` linear layers (depth - 1 hidden layers of `width` units),
1-D input, He-normal weights, zero biases, many random draws per cell; "dead over the
domain" means the output is the same constant on 257 points of [-1, 1]; "dead at a point"
means some hidden layer outputs all zeros at x = 1, whose probability the simple model
1 - (1 - 2^-width)^(depth - 1) gives exactly for symmetric weights and zero biases.

Expected:
- ReLU's dead fraction at the end of training is larger at learning rate 1 than at 0.01,
  and larger with bias shift -2 than with none (paired by seed, interval above 0);
- no first-hidden-layer ReLU unit that was dead at a recorded step is alive at a later
  one, and the incoming weights of dead first-layer units get exactly zero gradient;
- Leaky ReLU and PReLU have no zero-gradient units at all;
- the born-dead probability at width 2 is larger at depth 50 than at depth 2, and at
  depth 50 it is larger at width 2 than at width 10 (Newcombe interval above 0);
- the probability of being dead at a point stays within 0.05 of the model in every cell.
  (After a quick run with 300 networks per cell missed this by sampling noise, a later
  change measured the gap in binomial standard errors instead; that was changing a check
  after seeing its result, so the 0.05 check is back and decides. The gap in standard
  errors is reported.)
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci, difference_ci, proportion_ci

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
SEEDS = {"quick": 3, "full": 8}
SHARDS = {"full": 3}
ACTS = ("relu", "leaky_relu", "prelu")
LRS = {"quick": [0.01, 0.1, 1.0], "full": [0.01, 0.03, 0.1, 0.3, 1.0]}
SHIFTS = {"quick": [0.0, -2.0], "full": [0.0, -0.5, -1.0, -2.0]}
SHIFT_LR = 0.1
STEPS = {"quick": 60, "full": 1000}
SIZES = (64, 64, 64, 64, 64, 10)
BATCH = 64
BORN_WIDTHS = {"quick": [2, 3, 5, 10], "full": list(range(2, 11))}
BORN_DEPTHS = {"quick": [2, 5, 10, 20, 50], "full": [2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 40, 50]}
BORN_NETS = {"quick": 100, "full": 2000}
MODEL_TOL = 0.05


def grid(profile: str) -> list[dict]:
    steps = STEPS[profile]
    train = [{"part": "lr", "activation": a, "lr": lr, "shift": 0.0, "steps": steps} for a in ACTS for lr in LRS[profile]]
    train += [{"part": "shift", "activation": a, "lr": SHIFT_LR, "shift": s, "steps": steps}
              for a in ACTS for s in SHIFTS[profile] if s != 0.0]
    born = [{"part": "born", "width": w, "depths": ",".join(map(str, BORN_DEPTHS[profile])),
             "nets": BORN_NETS[profile]} for w in BORN_WIDTHS[profile]]
    return train + born


def model(width: int, depth: int) -> float:
    return 1 - (1 - 2.0**-width) ** (depth - 1)


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    return _born(point, ctx) if point["part"] == "born" else _train(point, ctx)


def _train(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn import losses
    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.numeric.data import load_sklearn_digits
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    d = load_sklearn_digits()
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    Xd, yd = X.to(device), y.to(device)
    spec = MLPSpec(SIZES, activation=point["activation"], init="he_normal", bias_shift=point["shift"])

    def monitor(net: BatchedNet, step: int):
        dead = probes.dead_units(net, Xd)
        w1 = net.weight[0].detach().requires_grad_(True)
        out = BatchedNet(net.spec, {**net.params, "weight": [w1, *net.weight[1:]]}, net.buffers)(Xd)
        (g,) = torch.autograd.grad(losses.per_network("ce", out, yd).sum(), w1)  # (S, in, out)
        dead_grad = torch.where(dead[0][:, None, :], g.abs(), torch.zeros_like(g)).amax(dim=(1, 2))
        return {"dead_fraction": torch.cat(dead, dim=1).float().mean(dim=1), "first_dead": dead[0].float(),
                "max_dead_grad": dead_grad}

    schedule = Schedule(point["steps"], point["lr"], loss="ce", batch_size=BATCH,
                        record_every=max(25, point["steps"] // 10))
    result = train(spec, X, y, seeds, schedule, device=device, engine=ctx.engine, monitors=[monitor])
    # A first-layer unit "revives" if it is dead at some recorded step and alive at a later one.
    first = result.history["first_dead"].astype(bool)  # (steps, S, units)
    ever = np.logical_or.accumulate(first, axis=0)
    revived = (ever[:-1] & ~first[1:]).sum(axis=2)
    result.history["dead_first"] = first.sum(axis=2).astype(float)
    result.history["revived_first"] = np.concatenate([np.zeros((1, len(seeds))), np.cumsum(revived, axis=0)])
    rows = result.tidy(["loss", "dead_fraction", "dead_first", "revived_first", "max_dead_grad"])
    slopes = []
    if point["activation"] == "prelu" and point["part"] == "lr":
        for layer, a in enumerate(result.net.params["slope"]):
            for s, seed in enumerate(seeds):
                if not result.diverged[s]:  # a diverged network's slopes mean nothing
                    slopes += [{"seed": seed, "layer": layer + 1, "unit": u, "slope": float(v)}
                               for u, v in enumerate(a[s, 0].cpu())]
    return {"records": rows, "slopes": slopes}


def _born(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn import probes
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.seeding import torch_generator

    width, n = point["width"], point["nets"]
    x = torch.linspace(-1, 1, 257, dtype=torch.float64, device=device)[:, None]
    one = x[-1:]
    rows = []
    for depth in map(int, point["depths"].split(",")):
        spec = MLPSpec((1,) + (width,) * (depth - 1) + (1,), activation="relu", init="he_normal")
        net = BatchedNet.random(spec, n, torch_generator(seeds[0], f"born-{width}-{depth}"),
                                dtype=torch.float64, device=device)
        constant = probes.constant_output(net, x)
        _, trace = net(one, trace=True)
        dead_at_one = torch.stack([(h == 0).all(dim=-1).squeeze(-1) for h in trace.post], dim=1).any(dim=1)
        rows.append({"depth": depth, "nets": n, "constant": int(constant.sum()),
                     "dead_at_point": int(dead_at_one.sum()), "model": model(width, depth)})
    return {"born": rows}


def _final(rec, part: str, activation: str):
    r = rec[(rec["part"] == part) & (rec["activation"] == activation)]
    return r[r["step"] == r["step"].max()]


def _paired(final, key: str, high: float, low: float) -> np.ndarray:
    """Per seed: dead fraction at ``key == high`` minus at ``key == low`` (diverged seeds dropped)."""
    f = final[~final["diverged"].astype(bool)].pivot(index="seed", columns=key, values="dead_fraction")
    return (f[high] - f[low]).dropna().to_numpy()


def checks(tables: dict) -> list[Check]:
    rec, born = tables["records"], tables["born"]
    lr_final = _final(rec, "lr", "relu")
    shift_final = rec[(rec["activation"] == "relu") & (rec["step"] == rec["step"].max())
                      & ((rec["part"] == "shift") | ((rec["part"] == "lr") & (rec["lr"] == SHIFT_LR)))]
    lrs, shifts = sorted(lr_final["lr"].unique()), sorted(shift_final["shift"].unique())
    out = []
    for name, final, key, high, low, what in (
            ("dead-grows-with-lr", lr_final, "lr", lrs[-1], lrs[0], f"learning rate {lrs[-1]:g} minus {lrs[0]:g}"),
            ("dead-grows-with-bias-shift", shift_final, "shift", shifts[0], shifts[-1],
             f"bias shift {shifts[0]:g} minus {shifts[-1]:g}")):
        diff = _paired(final, key, high, low)
        lo, hi = bootstrap_ci(diff)
        out.append(Check("dying-relu", name, f"ReLU: dead fraction of hidden units after training, {what}",
                         value=diff.mean(), ci_low=lo, ci_high=hi, comparator=">", threshold=0.0, n_seeds=len(diff)))
    relu = rec[rec["activation"] == "relu"]
    out += [
        Check("dying-relu", "dead-stays-dead",
              "First-layer ReLU units found alive at a recorded step after being dead at an earlier one "
              "(all learning rates and bias shifts)",
              value=relu["revived_first"].max(), comparator="==", threshold=0, unit="units",
              n_seeds=relu["seed"].nunique()),
        Check("dying-relu", "dead-get-zero-gradient",
              "Largest |gradient| on the incoming weights of dead first-layer ReLU units (whole training set)",
              value=relu["max_dead_grad"].max(), comparator="==", threshold=0.0, n_seeds=relu["seed"].nunique()),
    ]
    for a, label in (("leaky_relu", "Leaky ReLU"), ("prelu", "PReLU")):
        r = rec[(rec["activation"] == a) & ~rec["diverged"].astype(bool)]
        out.append(Check("dying-relu", f"{a}-never-dead",
                         f"{label}: largest fraction of zero-gradient hidden units, any run, any recorded step",
                         value=r["dead_fraction"].max(), comparator="==", threshold=0.0,
                         n_seeds=r["seed"].nunique()))
    cell = lambda w, dpt: born[(born["width"] == w) & (born["depth"] == dpt)].iloc[0]  # noqa: E731
    dmin, dmax = born["depth"].min(), born["depth"].max()
    wmin, wmax = born["width"].min(), born["width"].max()
    for name, a, b, what in (("born-dead-rises-with-depth", cell(wmin, dmax), cell(wmin, dmin),
                              f"width {wmin}: depth {dmax} minus depth {dmin}"),
                             ("born-dead-falls-with-width", cell(wmin, dmax), cell(wmax, dmax),
                              f"depth {dmax}: width {wmin} minus width {wmax}")):
        lo, hi = difference_ci(int(a["constant"]), int(a["nets"]), int(b["constant"]), int(b["nets"]))
        out.append(Check("dying-relu", name, f"Probability of a constant network at birth, {what} (Newcombe interval)",
                         value=a["constant"] / a["nets"] - b["constant"] / b["nets"], ci_low=lo, ci_high=hi,
                         comparator=">", threshold=0.0, n_seeds=int(a["nets"])))
    gap = (born["dead_at_point"] / born["nets"] - born["model"]).abs()
    out.append(Check("dying-relu", "pointwise-death-matches-model",
                     f"Largest |P(dead at x = 1) − (1 − (1 − 2^−w)^(d−1))| over {len(born)} width × depth cells",
                     value=gap.max(), comparator="<=", threshold=MODEL_TOL, n_seeds=int(born["nets"].min())))
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec, born = tables["records"], tables["born"]
    p, n = born["model"], born["nets"]
    se = np.maximum(np.sqrt(p * (1 - p) / n), 1 / n)
    out = [Measurement("dying-relu", "pointwise-gap-in-standard-errors",
                       "Largest gap between P(dead at x = 1) and the model, in binomial standard errors (sampling noise "
                       "alone gives about 3 over this many cells)",
                       value=float(((born["dead_at_point"] / n - p) / se).abs().max()), n_seeds=int(n.min()),
                       unit="standard errors")]
    for a in ACTS:
        f = _final(rec, "lr", a)
        top = f[(f["lr"] == f["lr"].max()) & ~f["diverged"].astype(bool)]["dead_fraction"].to_numpy()
        if len(top) > 1:
            lo, hi = bootstrap_ci(top)
            out.append(Measurement("dying-relu", f"dead-fraction-{a}-top-lr",
                                   f"{a}: dead fraction of hidden units after training at learning rate "
                                   f"{f['lr'].max():g} ({int(f[f['lr'] == f['lr'].max()]['diverged'].sum())} diverged "
                                   f"runs left out)", value=top.mean(), ci_low=lo, ci_high=hi, n_seeds=len(top)))
    for w in (2, 3, 5, 10):
        c = born[(born["width"] == w) & (born["depth"] == 10)]
        if len(c):
            c = c.iloc[0]
            lo, hi = proportion_ci(int(c["constant"]), int(c["nets"]))
            out.append(Measurement("dying-relu", f"born-dead-depth10-width{w}",
                                   f"Born dead (constant over [−1, 1]) at depth 10, width {w}",
                                   value=c["constant"] / c["nets"], ci_low=lo, ci_high=hi, n_seeds=int(c["nets"]),
                                   theory=c["model"]))
    s = tables.get("slopes")
    if s is not None and len(s):
        out.append(Measurement("dying-relu", "prelu-slopes", "PReLU: learned negative-side slopes after training "
                               f"(all learning rates, {len(s):,} units of networks that did not diverge): median",
                               value=s["slope"].median()))
        out.append(Measurement("dying-relu", "prelu-slopes-negative", "PReLU: fraction of learned slopes below 0",
                               value=float((s["slope"] < 0).mean())))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    rec, born, slopes = tables["records"], tables["born"], tables.get("slopes")
    out = []
    fig, axes = P.plt.subplots(1, 3, figsize=(14, 4.0))
    names = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "prelu": "PReLU"}
    for ax, part, key, label in ((axes[0], "lr", "lr", "learning rate (log)"),
                                 (axes[1], "shift", "shift", "bias shift at initialization")):
        for i, a in enumerate(ACTS):
            f = rec[(rec["activation"] == a) & (rec["step"] == rec["step"].max()) & ~rec["diverged"].astype(bool)]
            f = f[(f["part"] == part) | ((part == "shift") & (f["part"] == "lr") & (f["lr"] == SHIFT_LR))]
            s = group_ci(f, key, "dead_fraction")
            P.band_ci(ax, s, key, i=i, label=names[a])
        ax.set_xlabel(label)
        ax.set_ylabel("dead fraction of hidden units")
        ax.legend(fontsize=8)
    P.log_ticks(axes[0], sorted(rec.loc[rec["part"] == "lr", "lr"].unique()))
    axes[0].set_title("After training, by learning rate")
    axes[1].set_title(f"After training at lr {SHIFT_LR:g}, by bias shift")
    ax = axes[2]
    relu = rec[(rec["activation"] == "relu") & (rec["part"] == "lr")]
    for i, lr in enumerate(sorted(relu["lr"].unique())):
        s = group_ci(relu[relu["lr"] == lr], "step", "dead_first")
        P.band_ci(ax, s, "step", i=i, label=f"lr {lr:g}")
    ax.set_xlabel("training step")
    ax.set_ylabel(f"dead units in hidden layer 1 (of {SIZES[1]})")
    ax.set_title("ReLU: the first layer's dead set only grows")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "dead_units"), "dying-relu", main=True,
                      caption=("Left and middle: the fraction of hidden units that are dead (zero gradient on every "
                               "training example) after training, mean and 95% band over seeds. ReLU's grows with the "
                               "learning rate and with a negative bias shift; Leaky ReLU's and PReLU's stay at zero. "
                               "Right: the number of dead ReLU units in the first hidden layer never falls."),
                      alt=("Dead-unit fractions rising with learning rate and negative bias shift for ReLU, flat at "
                           "zero for Leaky ReLU and PReLU; first-layer dead counts that only increase over training.")))

    fig, axes = P.plt.subplots(1, 2, figsize=(11, 4.0))
    shown = [w for w in (2, 3, 4, 6, 10) if w in set(born["width"])]
    for i, w in enumerate(shown):
        b = born[born["width"] == w].sort_values("depth")
        for ax, measured in ((axes[0], b["constant"]), (axes[1], b["dead_at_point"])):
            ax.plot(b["depth"], measured / b["nets"], marker=P.marker(i), color=P.color(i), label=f"width {w}")
            ax.plot(b["depth"], b["model"], color=P.color(i), linestyle="--", linewidth=1)
    for ax, title in ((axes[0], "Output constant over the whole domain"), (axes[1], "All-zero layer at x = 1")):
        P.log_ticks(ax, [d for d in (2, 3, 5, 10, 20, 50) if d in set(born["depth"])])
        ax.set_xlabel("depth (linear layers, log)")
        ax.set_ylabel("probability at initialization")
        ax.set_title(title)
        ax.set_ylim(-0.02, 1.02)
    axes[0].legend(fontsize=8, title="markers: measured\ndashed: 1−(1−2⁻ʷ)ᵈ⁻¹", title_fontsize=8)
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "born_dead"), "dying-relu",
                      caption=(f"Random ReLU networks at initialization ({int(born['nets'].iloc[0]):,} per cell), by depth "
                               "and width, against the simple model 1−(1−2⁻ʷ)ᵈ⁻¹ (dashed). Right: the probability that "
                               "some layer is all zeros at one input matches the model. Left: being constant over the "
                               "whole input domain is rarer, but also rises with depth and falls with width."),
                      alt=("Born-dead probability curves rising with depth, lower for wider networks; measured points "
                           "at one input follow the dashed model; over the whole domain they lie below it.")))
    if slopes is not None and len(slopes):
        fig, ax = P.plt.subplots(figsize=(6.4, 3.6))
        ax.hist(slopes["slope"], bins=60, color=P.color(0))
        ax.axvline(0.25, **P.THEORY, label="initial slope 0.25")
        ax.set_xlabel("learned negative-side slope a (PReLU)")
        ax.set_ylabel("units")
        ax.legend(fontsize=8)
        out.append(Figure(P.save(fig, outdir, "prelu_slopes"), "dying-relu",
                          caption=("PReLU's learned slopes for negative inputs after training, over all units, seeds and "
                                   "learning rates (networks that diverged left out). They start at 0.25 (dashed)."),
                          alt="Histogram of learned PReLU slopes spread around the initial 0.25."))
    return out
