"""tanh-vs-sigmoid: zero-centred units train a deep network better than the sigmoid.

Setup (protocol 1, kept): scikit-learn's 8x8 digits (80% train split), a network
64 -> 5 hidden layers of 32 -> 10, Xavier-normal weights, zero biases, cross-entropy,
plain SGD with batch 64 for `STEPS` steps.

Protocol 2 (pre-registered in the claim catalogue, 2026-11-21):
- three arms: tanh, the sigmoid, and the zero-centred sigmoid sigma(x) - 1/2
  (= tanh(x/2)/2: the sigmoid's saturation with a centred output);
- rule 5: each arm's learning rate is tuned on the four exploration seeds (20000+), the
  rate with the lowest median final training loss from {0.001, ..., 1}, at a quarter of
  the steps; rule 6: the confirmatory seeds (10000+) are as many as the pilot (the four
  exploration seeds at full length, each arm at its rate) says the checks need.

Expected:
- (a) tanh ends with a lower training loss than the sigmoid: the paired difference
  (tanh - sigmoid, by seed) has its whole 95% t interval below 0;
- (b) the zero-centred sigmoid ends lower than the sigmoid (the cause the chapter gives):
  paired difference below 0;
- (c) "tanh still saturates": in the same network at initialization with weight variance
  sigma_w^2 / fan_in, sigma_w^2 = 16, at least half of the hidden tanh units have
  |tanh| > 0.99 on at least 90% of the training inputs: mean fraction over seeds, whole
  interval above 0.5.
The mean activation (near 1/2 for the sigmoid, near 0 for tanh) is true by symmetry and
is reported as a measurement.
Controls: (a) and (b) must pass when the arm's losses are set to half the sigmoid's, seed
by seed, and fail when they are set to twice the sigmoid's; (c) must pass on tables where
90% of units saturate and fail on the same network at sigma_w^2 = 1, which does not
saturate.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Figure, Measurement, RunContext, best_rate, combine_plans,
    final_values, mean_ci, paired, paired_ci, required_seeds, tuning_note, where,
)

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
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
ARMS = ("tanh", "sigmoid", "sigmoid_centered")
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
STEPS = {"quick": 80, "full": 1000}
SIZES = (64, 32, 32, 32, 32, 32, 10)
BATCH = 64
SATURATION_SW2 = {"quick": [1.0, 16.0], "full": [1.0, 4.0, 16.0]}  # 16 is the check's; 1 its negative control
SATURATED, ON_INPUTS, MOST = 0.99, 0.90, 0.5
SEED_CAP = 64  # rule 6: networks of 5 hidden layers


def explore(profile: str) -> list[dict]:
    return [{"activation": a, "steps": STEPS[profile]} for a in ARMS] + \
           [{"part": "saturation", "sw2": s} for s in SATURATION_SW2[profile]]


def grid(profile: str) -> list[dict]:
    return explore(profile)


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point.get("part") == "saturation":
        return {"saturation": _saturation(point, ctx)}
    return _train(point, ctx)


def _data():
    import torch

    from nnclaims.numeric.data import load_sklearn_digits

    d = load_sklearn_digits()
    return torch.tensor(d.X_train), torch.tensor(d.y_train)


def _train(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    import pandas as pd

    from nnclaims.nn import probes
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train

    X, y = _data()
    spec = MLPSpec(SIZES, activation=point["activation"], init="xavier_normal")
    Xd = X.to(ctx.device)

    def activations(net, step):
        return {"post_mean": probes.activation_stats(net, Xd)["post_mean"]}

    def fit(seeds, rates, steps):
        return train(spec, X, y, seeds, Schedule(steps, rates, loss="ce", batch_size=BATCH,
                                                 record_every=max(20, steps // 20)),
                     device=ctx.device, engine=ctx.engine, monitors=[activations])

    out = {}
    if ctx.phase == "explore":
        grid_rates = RATES[ctx.profile]
        seeds = [s for _ in grid_rates for s in ctx.seeds]
        rates = [r for r in grid_rates for _ in ctx.seeds]
        sweep = fit(seeds, rates, point["steps"] // 4)
        out["tuning"] = sweep.tidy(["loss"], per_network={"lr": rates})
        lr = best_rate(pd.DataFrame(out["tuning"]))
    else:
        lr = ctx.decisions["lr"][point["activation"]]
    result = fit(ctx.seeds, lr, point["steps"])
    rows = result.tidy(["loss"], lr=lr)
    for row in rows:
        t, s = list(result.steps).index(row["step"]), ctx.seeds.index(row["seed"])
        row["mean_activation"] = float(result.history["post_mean"][t, s].mean())
    out["records"] = rows
    return out


def _saturation(point: dict, ctx: RunContext) -> list[dict]:
    """Per network: the share of hidden tanh units with |tanh| > 0.99 on at least 90% of the
    training inputs, at initialization with weight variance sw2 / fan_in."""
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec

    X, _ = _data()
    spec = MLPSpec(SIZES, activation="tanh", init="variance_scaling", init_params={"sw2": point["sw2"]})
    net = BatchedNet.init(spec, ctx.seeds, device=ctx.device)
    with torch.no_grad():
        _, trace = net(X.to(ctx.device), trace=True)
    saturated = torch.cat([(h.abs() > SATURATED).float().mean(dim=1) >= ON_INPUTS for h in trace.post], dim=1)
    return [{"seed": seed, "saturated_fraction": float(saturated[s].float().mean())} for s, seed in enumerate(ctx.seeds)]


# -- checks ---------------------------------------------------------------------------------
def _final_losses(tables: dict):
    """Final training loss, one row per seed, one column per arm."""
    return final_values(tables["records"], "loss", by="activation")


def _loss_gap(tables: dict, arm: str):
    final = _final_losses(tables)
    return paired(final[arm], final["sigmoid"])


def _saturated(tables: dict, sw2: float) -> np.ndarray:
    return where(tables["saturation"], sw2=sw2)["saturated_fraction"].to_numpy()


def checks(tables: dict) -> list[Check]:
    out = []
    for arm, name, what in (("tanh", "tanh-lower-loss", "tanh"), ("sigmoid_centered", "centred-lower-loss",
                                                                       "zero-centred sigmoid σ(x) − 1/2")):
        a, b = _loss_gap(tables, arm)
        out.append(Check.of("tanh-vs-sigmoid", name,
                            f"Final training loss, {what} minus sigmoid, each at its tuned learning rate (paired by seed)",
                            paired_ci(a, b), "<", 0.0))
    out.append(Check.of("tanh-vs-sigmoid", "tanh-saturates",
                        f"At initialization with σw² = 16: share of hidden tanh units with |tanh| > {SATURATED:g} on at "
                        f"least {ON_INPUTS:.0%} of the training inputs", mean_ci(_saturated(tables, 16.0)), ">=", MOST))
    return out


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    out = []
    for arm, name in (("tanh", "tanh-lower-loss"), ("sigmoid_centered", "centred-lower-loss")):
        out += [Control(name, "positive", {"records": _relative_to_sigmoid(rec, arm, 0.5)},
                        f"{arm}'s losses set to half the sigmoid's, so it ends lower"),
                Control(name, "negative", {"records": _relative_to_sigmoid(rec, arm, 2.0)},
                        f"{arm}'s losses set to twice the sigmoid's, so it ends higher")]
    sat = tables["saturation"]
    most = sat.assign(saturated_fraction=np.where(sat["sw2"] == 16.0, 0.9, sat["saturated_fraction"]))
    none = sat.assign(saturated_fraction=np.where(sat["sw2"] == 16.0, _saturated_at(sat, 1.0), sat["saturated_fraction"]))
    out += [Control("tanh-saturates", "positive", {"saturation": most}, "90% of units saturated"),
            Control("tanh-saturates", "negative", {"saturation": none}, "the same networks at σw² = 1, which do not "
                    "saturate")]
    return out


def _relative_to_sigmoid(rec, arm: str, factor: float):
    """The records with ``arm``'s loss replaced by ``factor`` times the sigmoid's, seed by seed and step by step."""
    sigmoid = where(rec, activation="sigmoid").set_index(["seed", "step"])["loss"]
    mine = (rec["activation"] == arm).to_numpy()
    out = rec.copy()
    keys = list(zip(rec.loc[mine, "seed"], rec.loc[mine, "step"]))
    out.loc[mine, "loss"] = factor * sigmoid.reindex(keys).to_numpy()
    return out


def _saturated_at(sat, sw2: float) -> np.ndarray:
    at = sat[sat["sw2"] == sw2].set_index("seed")["saturated_fraction"]
    return sat["seed"].map(at).to_numpy()


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    out = []
    for arm in ARMS:
        lr = float(where(rec, activation=arm)["lr"].iloc[0])
        out.append(Measurement.of("tanh-vs-sigmoid", f"{arm}-final-loss",
                                  f"{arm}: final training loss at its tuned learning rate {lr:g}",
                                  mean_ci(_final_losses(tables)[arm].dropna())))
        for step, when in ((0, "at initialization"), (int(rec["step"].max()), "after training")):
            m = where(rec, activation=arm, step=step)["mean_activation"].to_numpy()
            out.append(Measurement.of("tanh-vs-sigmoid", f"{arm}-mean-activation-{'init' if step == 0 else 'trained'}",
                                      f"{arm}: mean hidden activation {when} (near 1/2 for the sigmoid, 0 for the "
                                      f"centred ones, by symmetry at initialization)", mean_ci(m),
                                      theory={"sigmoid": 0.5}.get(arm, 0.0) if step == 0 else None))
    for sw2 in sorted(tables["saturation"]["sw2"].unique()):
        out.append(Measurement.of("tanh-vs-sigmoid", f"saturated-sw2-{sw2:g}",
                                  f"At initialization with σw² = {sw2:g}: share of saturated hidden tanh units",
                                  mean_ci(_saturated(tables, sw2))))
    return out


CHANGES = [
    Change("tanh-lower-loss", "tanh-lower-loss",
           "Protocol 1 counted the held-out seeds where tanh won (a Wilson interval of a share) after tuning on the "
           "other half of the same seeds; protocol 2 tunes on separate exploration seeds and tests the paired "
           "difference of final losses, and adds a zero-centred sigmoid arm to test the stated cause."),
    Change("sigmoid-mean-activation", "sigmoid-mean-activation-init",
           "True by symmetry at initialization: it cannot fail, so it is reported as a measurement (rule 7)."),
    Change("tanh-mean-activation", "tanh-mean-activation-init",
           "True by symmetry at initialization: it cannot fail, so it is reported as a measurement (rule 7)."),
]


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuning = tables["tuning"]
    rates = {arm: best_rate(where(tuning, activation=arm)) for arm in ARMS}
    notes = [tuning_note(where(tuning, activation=arm), arm, rates[arm]) for arm in ARMS]
    plans = {}
    for arm, name in (("tanh", "tanh-lower-loss"), ("sigmoid_centered", "centred-lower-loss")):
        a, b = _loss_gap(tables, arm)
        d = a - b
        plans[name] = required_seeds(d.mean(), 0.0, sd=d.std(ddof=1), n_pilot=len(d), maximum=SEED_CAP)
    s = _saturated(tables, 16.0)
    plans["tanh-saturates"] = required_seeds(s.mean(), MOST, sd=s.std(ddof=1), n_pilot=len(s), maximum=SEED_CAP)
    return Decisions({"lr": rates}, combine_plans(plans, maximum=SEED_CAP), notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """How each arm's learning rate was tuned (median final loss by rate)."""
    from nnclaims.evidence.summaries import tuning_medians

    return {"tuning_medians": tuning_medians(tables["explore_tuning"], "activation", drop_diverged=False)}


# -- figures --------------------------------------------------------------------------------
def figures(tables: dict, outdir) -> list[Figure]:
    from nnclaims.report.figures import Line, band, curves, draw, figure, lines

    T, names = tables, {"tanh": "tanh", "sigmoid": "sigmoid", "sigmoid_centered": "σ(x) − 1/2"}
    chosen = [Line(float(where(T["records"], activation=arm)["lr"].iloc[0]), axis="x") for arm in ARMS]
    arms = dict(group="activation", order=ARMS, labels=names)
    return draw(outdir, [figure("tanh_vs_sigmoid", "tanh-vs-sigmoid", main=True, caption=CAPTION, alt=ALT, size=(15, 4.2),
                                panels=[
        lines(T["tuning_medians"], "lr", "loss", **arms, threshold=chosen, xlog=True, ylog=True,
              xlabel="learning rate (log)", ylabel="median final training loss (log)", title="Tuning on 4 exploration seeds (¼ of the steps)"),
        curves(T["records"], "step", "loss", **arms, threshold=Line(np.log(10), "ln 10: chance", theory=True), ylog=True,
               xlabel="training step", ylabel="training loss (log)", title="Confirmatory seeds, each arm at its tuned rate"),
        band(T["saturation"], "sw2", "saturated_fraction", labels="tanh units saturated", ylim=(-0.02, 1.02),
             threshold=Line(MOST, "half of the units", theory=True), xscale={"value": "log", "base": 2},
             xlabel="σw² (weight variance × fan-in)", ylabel=f"share of units with |tanh| > {SATURATED:g}",
             title="When does tanh saturate? (at initialization)")])])


CAPTION = (
    "Left: median final training loss against learning rate on the exploration seeds; dotted lines mark each arm's "
    "chosen rate. Middle: training loss on the confirmatory seeds, each arm at its own rate (mean and 95% band). "
    f"Right: the share of tanh units that are saturated (|tanh| > {SATURATED:g} on {ON_INPUTS:.0%} of inputs) at "
    "initialization, against the weight scale: at σw² = 1 almost none, at 16 most.")
ALT = ("Three panels: a learning-rate sweep for tanh, sigmoid and the centred sigmoid; loss curves at the tuned rates; "
       "and the share of saturated tanh units rising with the weight variance.")
