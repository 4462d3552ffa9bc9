"""tanh-vs-sigmoid: zero-centred tanh trains a deep network better than sigmoid.

Setup (fixed before running): scikit-learn's 8x8 digits (80% train split), a network
64 -> 5 hidden layers of 32 -> 10, Xavier-normal weights, zero biases, cross-entropy,
plain SGD with batch 64 for `STEPS` steps. Each activation gets its own learning rate,
tuned over `LRS` on the first half of the seeds (lowest mean final training loss); the
comparison uses the other half, at each activation's tuned rate.

Expected:
- tanh ends with a lower training loss than sigmoid in most evaluation seeds (the whole
  95% Wilson interval of that fraction above 1/2);
- at initialization the hidden units' mean activation is near 0.5 for sigmoid and near 0
  for tanh: within 0.1 of those values (whole interval, mean over layers and seeds).
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci, proportion_ci

CLAIMS = [
    Claim(
        id="tanh-vs-sigmoid",
        title="tanh, being zero-centred, trains deep networks better than sigmoid",
        statement=("tanh's outputs are centred on zero while the sigmoid's sit around 1/2; at equal depth, "
                   "width and a learning rate tuned for each, a tanh network reaches a lower training loss than "
                   "a sigmoid one in the same number of steps, although tanh still saturates."),
        section="B",
        reference="LeCun, Bottou, Orr and Müller (1998), Efficient BackProp, §4.4: prefer symmetric sigmoids such as tanh.",
    )
]
SEEDS = {"quick": 8, "full": 16}
LRS = {"quick": [0.1, 1.0], "full": [0.03, 0.1, 0.3, 1.0, 3.0]}
STEPS = {"quick": 100, "full": 1000}
SIZES = (64, 32, 32, 32, 32, 32, 10)
SHARDS = {"full": 2}
BATCH = 64
CENTRE = {"sigmoid": 0.5, "tanh": 0.0}
NEAR = 0.1


def grid(profile: str) -> list[dict]:
    return [{"activation": a, "lr": lr, "steps": STEPS[profile]} for a in CENTRE for lr in LRS[profile]]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.nn import probes
    from nnclaims.numeric.data import load_sklearn_digits
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    d = load_sklearn_digits()
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    spec = MLPSpec(SIZES, activation=point["activation"], init="xavier_normal")
    Xd = X.to(device)

    def activations(net, step):
        stats = probes.activation_stats(net, Xd)
        return {"post_mean": stats["post_mean"]}

    result = train(spec, X, y, seeds, Schedule(point["steps"], point["lr"], loss="ce", batch_size=BATCH,
                                               record_every=max(25, point["steps"] // 15)),
                   device=device, engine=ctx.engine, monitors=[activations])
    rows = result.tidy(["loss"])
    for row in rows:
        t = list(result.steps).index(row["step"])
        s = seeds.index(row["seed"])
        row["mean_activation"] = float(result.history["post_mean"][t, s].mean())
    return rows


def tuned(rec) -> tuple[dict[str, float], list[int], list[int]]:
    """Each activation's best learning rate on the tuning seeds, and the two seed halves."""
    seeds = sorted(rec["seed"].unique())
    tune, evaluate = seeds[: len(seeds) // 2], seeds[len(seeds) // 2:]
    final = rec[rec["step"] == rec["step"].max()]
    best = {}
    for a in CENTRE:
        mine = final[(final["activation"] == a) & final["seed"].isin(tune)]
        best[a] = float(mine.groupby("lr")["loss"].mean().idxmin())
    return best, tune, evaluate


def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    best, tune, evaluate = tuned(rec)
    final = rec[rec["step"] == rec["step"].max()]
    pick = lambda a: final[(final["activation"] == a) & (final["lr"] == best[a]) & final["seed"].isin(evaluate)]  # noqa: E731
    tanh, sig = pick("tanh").set_index("seed")["loss"], pick("sigmoid").set_index("seed")["loss"]
    wins = int((tanh < sig).sum())
    lo, hi = proportion_ci(wins, len(evaluate))
    out = [Check("tanh-vs-sigmoid", "tanh-lower-loss",
                 f"Fraction of {len(evaluate)} held-out seeds where tanh (lr {best['tanh']:g}) ends with a lower "
                 f"training loss than sigmoid (lr {best['sigmoid']:g}), after {int(rec['step'].max())} steps",
                 value=wins / len(evaluate), ci_low=lo, ci_high=hi, comparator=">", threshold=0.5,
                 n_seeds=len(evaluate))]
    start = rec[rec["step"] == 0]
    for a, centre in CENTRE.items():
        m = start[(start["activation"] == a)].groupby("seed")["mean_activation"].mean().to_numpy()
        dist = lambda r, c=centre: np.abs(r.mean(axis=1) - c)  # noqa: E731
        lo, hi = bootstrap_ci(m, stat=dist)
        out.append(Check("tanh-vs-sigmoid", f"{a}-mean-activation",
                         f"{a}: |mean hidden activation at initialization − {centre:g}|",
                         value=abs(m.mean() - centre), ci_low=lo, ci_high=hi, comparator="<=", threshold=NEAR,
                         n_seeds=len(m), theory=centre))
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    best, _, evaluate = tuned(rec)
    final = rec[(rec["step"] == rec["step"].max()) & rec["seed"].isin(evaluate)]
    out = []
    for a in CENTRE:
        v = final[(final["activation"] == a) & (final["lr"] == best[a])]["loss"].to_numpy()
        lo, hi = bootstrap_ci(v)
        out.append(Measurement("tanh-vs-sigmoid", f"{a}-final-loss", f"{a}: final training loss at its tuned "
                               f"learning rate {best[a]:g}", value=v.mean(), ci_low=lo, ci_high=hi, n_seeds=len(v)))
        m = final[(final["activation"] == a) & (final["lr"] == best[a])]["mean_activation"].to_numpy()
        lo, hi = bootstrap_ci(m)
        out.append(Measurement("tanh-vs-sigmoid", f"{a}-mean-activation-trained",
                               f"{a}: mean hidden activation after training", value=m.mean(), ci_low=lo, ci_high=hi,
                               n_seeds=len(m)))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    rec = tables["records"]
    best, tune, evaluate = tuned(rec)
    final = rec[rec["step"] == rec["step"].max()]
    fig, axes = P.plt.subplots(1, 3, figsize=(14, 4.0))
    ax = axes[0]
    for i, a in enumerate(CENTRE):
        s = group_ci(final[(final["activation"] == a) & final["seed"].isin(tune)], "lr", "loss")
        P.band_ci(ax, s, "lr", i=i, label=f"{a} (tuned: {best[a]:g})")
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("learning rate (log)"), ax.set_ylabel("final training loss (log)")
    ax.set_title("Tuning on half of the seeds")
    ax.legend(fontsize=8)
    ax = axes[1]
    for i, a in enumerate(CENTRE):
        r = rec[(rec["activation"] == a) & (rec["lr"] == best[a]) & rec["seed"].isin(evaluate)]
        s = group_ci(r, "step", "loss")
        P.band_ci(ax, s, "step", i=i, label=a)
    ax.set_yscale("log")
    ax.set_xlabel("training step"), ax.set_ylabel("training loss (log)")
    ax.set_title("Held-out seeds, each at its tuned rate")
    ax.legend(fontsize=8)
    ax = axes[2]
    for i, a in enumerate(CENTRE):
        r = rec[(rec["activation"] == a) & (rec["lr"] == best[a])]
        s = group_ci(r, "step", "mean_activation")
        P.band_ci(ax, s, "step", i=i, label=a)
        ax.axhline(CENTRE[a], color=P.color(i), linestyle=":", linewidth=1)
    ax.set_xlabel("training step"), ax.set_ylabel("mean hidden activation")
    ax.set_title("Where the units' outputs sit")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return [Figure(P.save(fig, outdir, "tanh_vs_sigmoid"), "tanh-vs-sigmoid", main=True,
                   caption=("Left: final training loss against learning rate on the tuning seeds; each activation "
                            "keeps its best rate. Middle: training loss on the held-out seeds at those rates (mean and "
                            "95% band). Right: the mean output of the hidden units, near 1/2 for sigmoid and near 0 "
                            "for tanh (dotted lines)."),
                   alt=("Three panels comparing tanh and sigmoid networks: learning-rate sweep, loss curves on "
                        "held-out seeds, and mean hidden activations near 0.5 for sigmoid and 0 for tanh."))]
