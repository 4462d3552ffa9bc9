"""sigmoid-vanishing-gradients: through sigmoid layers the backpropagated signal shrinks; early layers learn slowly.

Setup (protocol 3 as amended; reasoning and history: docs/experiments/vanishing_gradients.md): the 8x8 digits (80%
train), 64 -> 10 hidden sigmoid layers of 32 -> 10, zero biases, cross-entropy. At initialization (float64, every
training digit): weights N(0, σw²/fan_in), σw² ∈ {1, 2, 4, 16, 64, 256}, δ_l = ∂L/∂z_l per hidden layer (δ_11: the
logits'); the Xavier sigmoid and tanh and He ReLU nets' weight gradients. Trained: the Xavier sigmoid net (`SETUP`).
Expected (`chapter` unless marked):
- (a) always-75-percent: per cell (σw², layer), mean |δ_l+1| / |δ_l| over seeds; passes when every Bonferroni
  lower bound (95%, 60 cells) is ≥ 4, fails when some upper bound is < 4 (theory crosses 4 at σw² ≈ 1.14);
- (b) millionfold: the Xavier net's log10(|∇W₁| / |∇W₁₁|) (W₁₁: the output layer) in [−7, −5];
- (c) early-layers-learn-slowly: SGD, log10 of |W_T − W_0| / |W_0|, hidden layer 1 over 10, below −1; rule 12;
- (supporting) the same with Adam; shrink-matches-mean-field: protocol 2's ±10% agreement with χ_l^(−1/2).
Controls (+/−): (a) every cell rescaled to mean 8 / one cell to mean 2; (b) recentred on −6 / −3; (c) layer 1's
change 100× below layer 10's / equal; mean field: the scatter recentred on theory / the next σw²'s theory.
Design control (rule 14): none exists for (c): no configuration both trains and slows its first layer by
construction, and at 3 hidden layers, where SGD trains, the first layer moves as much as the last (a pilot).
"""

from __future__ import annotations

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               combine_plans, equivalence, mean_ci, where)
from nnclaims.evidence.learning import gate, learned_classification
from nnclaims.evidence.pilot import equivalence_plan, pilot_plan
from nnclaims.evidence.regimes import regime_phrase, theory_phrase
from nnclaims.report.figures import Line, Span, Theory, band, drawer, figure, phrase_of, regime, rows_of

PROTOCOL = 3
CLAIM = "sigmoid-vanishing-gradients"
CLAIMS = [Claim(
    CLAIM, "Through sigmoid layers the gradient vanishes: early layers learn very slowly",
    "The sigmoid's derivative is at most 1/4, so backpropagation shrinks the gradient by at least 4× at every layer: "
    "through 10 layers about a millionfold, and the first layers barely learn.", "B",
    reference=("Nielsen, Neural Networks and Deep Learning, ch. 5: in sigmoid networks on MNIST the speed of learning "
               "fell about 4–5× per layer going back. Mean field: Schoenholz, Gilmer, Ganguli and Sohl-Dickstein (2017)."),
    core=True,
    sentences=(Sentence("003", "activation functions (sigmoid)", "The sigmoid's slope is at most a quarter, so "
                        "backpropagation loses at least three quarters of the gradient at every layer.",
                        ("always attenuated by at least 75% at each layer",)),
               Sentence("003", "activation functions (sigmoid)", "Through ten sigmoid layers the gradient shrinks "
                        "about a millionfold, so the early layers barely learn.",
                        ("0.25^10 ≈ 0.000001", "effectively preventing learning in early layers"))))]
SEEDS, SEED_CAP, SHARDS = {"quick": 4, "full": 8}, {"quick": 8, "full": 64}, {"full": 2}  # SEEDS: when overridden
HIDDEN, WIDTH, BATCH, K = 10, 32, 64, 10
SIZES = (64,) + (WIDTH,) * HIDDEN + (K,)
SW2 = (1.0, 2.0, 4.0, 16.0, 64.0, 256.0)  # (a) and its regime figure
MEAN_FIELD_SW2 = (1.0, 4.0, 16.0)  # protocol 2's cells of the supporting agreement
NETS = {"sigmoid": "xavier_normal", "tanh": "xavier_normal", "relu": "he_normal"}
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
RATES = {"sgd": {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]},
         "adam": {"quick": [0.001, 0.01], "full": [0.0001, 0.0003, 0.001, 0.003, 0.01]}}  # rule 5's grids
STEPS = {"quick": 40, "full": 2000}
FACTOR_MIN, MILLION, ORDER, SLOW, MEAN_FIELD_TOL = 4.0, -6.0, 1.0, -1.0, 0.10
SETUP = ("Training (P3-6): plain SGD (no momentum) and Adam, batch 64, {steps} steps, cross-entropy, 64 → 10 hidden "
         "sigmoid layers of 32 → 10, Xavier-normal, zero biases. Tuning (P3-5): rule 5, the lowest median final training "
         "loss on 4 exploration seeds at a quarter of the steps, with rule 13 and P3-4. Rule 14: no design control "
         "exists for (c): no configuration both trains and slows its first layer by construction.")


def grid(profile: str) -> list[dict]:
    return ([{"part": "train", "optimizer": o, "steps": STEPS[profile]} for o in OPTIMIZERS] +
            [{"part": "init", "sw2": s} for s in SW2] + [{"part": "nets"}])


explore = grid


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point["part"] == "init":
        return _signal(float(point["sw2"]), ctx)
    if point["part"] == "nets":
        return {"nets": _nets(ctx)}
    opt, seeds = point["optimizer"], ctx.seeds[:int(ctx.decisions.get("train_seeds", len(ctx.seeds)))]
    lr = None if ctx.phase == "explore" else ctx.decisions["lr"][opt]
    return _train_arm(opt, seeds, RATES[opt][ctx.profile], point["steps"], ctx.device, ctx.engine, ctx.phase, lr)


def _digits():
    import torch

    from nnclaims.numeric.data import load_sklearn_digits
    d = load_sklearn_digits()
    return torch.tensor(d.X_train), torch.tensor(d.y_train)


def _probe(spec, seeds, device: str):
    """Per seed (float64, every training digit): |δ_1| .. |δ_10|, the logits' gradient's, and |∇W_1| .. |∇W_11|."""
    import torch

    from nnclaims.nn import losses
    from nnclaims.nn.batched import BatchedNet

    X, y = (t.to(device) for t in _digits())
    net = BatchedNet.init(spec, seeds, dtype=torch.float64, device=device)
    weights = [w.detach().requires_grad_(True) for w in net.weight]
    out, trace = BatchedNet(net.spec, {**net.params, "weight": weights}, net.buffers)(X.double(), trace=True)
    grads = torch.autograd.grad(losses.per_network("ce", out, y).sum(), [*trace.pre, out, *weights])
    norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads], dim=1).detach().cpu().numpy()
    return norms[:, :HIDDEN + 1], norms[:, HIDDEN + 1:]


def _signal(sw2: float, ctx: RunContext) -> dict[str, list[dict]]:
    """Per seed and hidden layer l, |δ_l+1| / |δ_l|; at protocol 2's σw², mean field's χ_l^(−1/2) per layer."""
    from nnclaims.nn.models import MLPSpec
    from nnclaims.numeric.signal_shrink import per_layer_shrink

    spec = MLPSpec(SIZES, activation="sigmoid", init="variance_scaling", init_params={"sw2": sw2})
    delta = _probe(spec, ctx.seeds, ctx.device)[0]
    rows = [{"seed": seed, "sw2": sw2, "layer": l + 1, "factor": float(delta[s, l + 1] / delta[s, l])}
            for s, seed in enumerate(ctx.seeds) for l in range(HIDDEN)]
    theory = per_layer_shrink(_digits()[0].double().numpy(), "sigmoid", sw2, HIDDEN) if sw2 in MEAN_FIELD_SW2 else []
    return {"init": rows, "mean_field_theory": theory}


def _nets(ctx: RunContext) -> list[dict]:
    """The Xavier sigmoid and tanh nets and the He ReLU net at initialization: |∇W_l| for the 11 layers."""
    from nnclaims.nn.models import MLPSpec

    rows = []
    for act, init in NETS.items():
        weight = _probe(MLPSpec(SIZES, activation=act, init=init), ctx.seeds, ctx.device)[1]
        rows += [{"activation": act, "seed": seed, "layer": l + 1, "weight_grad": float(weight[s, l])}
                 for s, seed in enumerate(ctx.seeds) for l in range(HIDDEN + 1)]
    return rows


def _fit(optimizer: str, seeds, rates, steps: int, device: str, engine: str):
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train

    X, y = _digits()
    schedule = Schedule(steps, rates, optimizer=optimizer, loss="ce", batch_size=BATCH, record_every=max(1, steps // 4))
    spec = MLPSpec(SIZES, activation="sigmoid", init="xavier_normal")
    result = train(spec, X, y, seeds, schedule, device=device, engine=engine,
                   monitors=[classification_monitor(X.to(device), y.to(device), "train", training_data=True)])
    return spec, result


_learned = lambda finals: learned_classification(finals["loss"], finals["train_accuracy"], K)  # noqa: E731  rule 4


def _train_arm(optimizer: str, seeds, grid_rates, steps: int, device: str, engine: str, phase: str,
               lr: float | None = None) -> dict[str, list[dict]]:
    """Explore: tune the rate (rules 5, 13, P3-4) at ¼ length, then a pilot; confirm: train at ``lr``."""
    import pandas as pd

    from nnclaims.evidence.analysis import last_step
    from nnclaims.evidence.tuning import tune
    from nnclaims.nn.batched import BatchedNet

    keys, out, frames = ["loss", "train_accuracy"], {}, []
    if phase == "explore":
        def evaluate(rates):  # every (rate, seed) pair: one network of one run
            many, per = [s for _ in rates for s in seeds], [r for r in rates for _ in seeds]
            res = _fit(optimizer, many, per, max(1, steps // 4), device, engine)[1]
            frames.append(last_step(pd.DataFrame(res.tidy(keys, per_network={"lr": per}, optimizer=optimizer))))
            return frames[-1]

        t = tune(evaluate, grid_rates, _learned)
        out["tuning"] = pd.concat(frames, ignore_index=True).to_dict("records")
        out["tuned"] = [{"optimizer": optimizer, "lr": t.chosen, "note": t.note(OPTIMIZERS[optimizer])}]
        lr = t.chosen
    spec, result = _fit(optimizer, list(seeds), lr, steps, device, engine)
    start = BatchedNet.init(spec, list(seeds), device=device)
    out["change"] = [{"optimizer": optimizer, "seed": seed, "layer": l + 1,
                      "relative_change": float((w1[s] - w0[s]).norm() / w0[s].norm())}
                     for l, (w0, w1) in enumerate(zip(start.weight, result.net.weight)) for s, seed in enumerate(seeds)]
    out["records"] = result.tidy(keys, lr=lr, optimizer=optimizer)
    return out


# -- the numbers the checks, the seed plan and the figures share ------------------------------
def cell_intervals(init):
    """Per cell (σw², layer): the mean factor over seeds, its interval Bonferroni-corrected over the cells (rule 2)."""
    import pandas as pd
    cells = list(init.groupby(["sw2", "layer"]))
    ivs = [mean_ci(g["factor"].to_numpy(), level=1 - 0.05 / len(cells)) for _, g in cells]
    return pd.DataFrame([{"sw2": w, "layer": l, "estimate": i.estimate, "low": i.low, "high": i.high, "n": i.n}
                         for ((w, l), _), i in zip(cells, ivs)])


def fixed_point_factor(sw2: float) -> float:
    from nnclaims.numeric import theory
    return theory.chi("sigmoid", sw2, 0.0) ** -0.5


def _millionfold(nets) -> np.ndarray:
    """Per seed, log10(|∇W₁| / |∇W₁₁|) of the Xavier sigmoid net."""
    w = where(nets, activation="sigmoid").pivot(index="seed", columns="layer", values="weight_grad")
    return np.log10(w[1].to_numpy() / w[HIDDEN + 1].to_numpy())


def _ratio(change, optimizer: str) -> np.ndarray:
    """Per seed, log10 of hidden layer 1's relative weight change over hidden layer 10's."""
    ch = where(change, optimizer=optimizer).pivot(index="seed", columns="layer", values="relative_change")
    return np.log10(ch[1].to_numpy() / ch[HIDDEN].to_numpy())


def _learned_by(records, optimizer: str) -> dict[str, np.ndarray]:
    rec = where(records, optimizer=optimizer)
    return {f"sigmoid, {OPTIMIZERS[optimizer]}": _learned(where(rec, step=rec["step"].max()))}


def _mean_field_gaps(tables: dict):
    """Protocol 2's gaps s_l / χ_l^(−1/2) − 1 (seeds × cells: σw² ∈ {1, 4, 16}, layers 1-9), cells, predictions."""
    init, th = tables["init"], tables["mean_field_theory"]
    m = init[init["sw2"].isin(MEAN_FIELD_SW2) & (init["layer"] < HIDDEN)]
    wide = m.pivot_table(index="seed", columns=["sw2", "layer"], values="factor").sort_index(axis=1)
    cells = [(float(s), int(l)) for s, l in wide.columns]
    predicted = np.array([th.set_index(["sw2", "layer"])["predicted_shrink"].loc[c] for c in cells])
    return wide.to_numpy() / predicted - 1, cells, predicted


# -- checks ---------------------------------------------------------------------------------
def _always(init) -> Check:
    cells = cell_intervals(init)
    worst = cells.loc[cells["estimate"].idxmin()]
    return Check(CLAIM, "always-75-percent", f"At initialization, σw² ∈ {{{', '.join(f'{s:g}' for s in SW2)}}}: the "
                 f"smallest per-cell mean factor |δ_l+1| / |δ_l| by which the signal shrinks going back (each of "
                 f"{len(cells)} cells (σw², layer) must be ≥ 4; shown: σw² = {worst['sw2']:g}, layer {int(worst['layer'])})",
                 worst["estimate"], ">=", FACTOR_MIN, cells["low"].min(), cells["high"].min(), n_seeds=int(worst["n"]),
                 method=f"Bonferroni over {len(cells)} cells, 95%", theory=fixed_point_factor(worst["sw2"]))


def _slow(tables: dict, optimizer: str, name: str, basis: str = "chapter") -> Check:
    check = Check.of(CLAIM, name, f"Sigmoid, {OPTIMIZERS[optimizer]} at its tuned rate: log10 of the relative weight "
                     f"change |W_T − W_0| / |W_0| of hidden layer 1 over hidden layer {HIDDEN} (paired by seed)",
                     mean_ci(_ratio(tables["change"], optimizer)), "<", SLOW, unit="orders of magnitude", basis=basis)
    return gate(check, _learned_by(tables["records"], optimizer))


def checks(tables: dict) -> list[Check]:
    gaps, cells, predicted = _mean_field_gaps(tables)
    eq = equivalence(gaps, MEAN_FIELD_TOL)
    sw2, layer = cells[eq.worst]
    return [_always(tables["init"]),
            Check.of(CLAIM, "millionfold", f"Xavier sigmoid net at initialization: log10(|∇W₁| / |∇W₁₁|) + 6, within "
                     f"±1 (the ratio in [−7, −5])", mean_ci(_millionfold(tables["nets"]) - MILLION), "within", ORDER,
                     unit="orders of magnitude from 10⁻⁶"),
            _slow(tables, "sgd", "early-layers-learn-slowly"),
            _slow(tables, "adam", "adam-early-layers-learn-slowly", basis="supporting"),
            Check.of(CLAIM, "shrink-matches-mean-field", f"Relative gap of the measured factor to mean field χ_l^(−1/2), "
                     f"σw² ∈ {{1, 4, 16}}, layers 1-9 ({len(cells)} cells, Bonferroni); shown: the worst, σw² = "
                     f"{sw2:g}, layer {layer} (predicted {predicted[eq.worst]:.3g})", eq.interval(), "within",
                     MEAN_FIELD_TOL, unit="relative gap", theory=0.0, basis="supporting")]


def _rescaled(init, target: float | dict):
    """``init`` with each cell (σw², layer) of ``target`` (every cell, for a number) rescaled to that mean."""
    mean = init.groupby(["sw2", "layer"])["factor"].transform("mean")
    goal = np.array([target.get((w, l), np.nan) if isinstance(target, dict) else target
                     for w, l in zip(init["sw2"], init["layer"])])
    return init.assign(factor=np.where(np.isnan(goal), init["factor"], init["factor"] * goal / mean))


def _recentred_nets(nets, level: float):
    """The nets with the sigmoid's ∇W₁ set so that log10(|∇W₁| / |∇W₁₁|) has mean ``level`` (the scatter kept)."""
    mask = ((nets["activation"] == "sigmoid") & (nets["layer"] == 1)).to_numpy()
    return nets.assign(weight_grad=nets["weight_grad"] * np.where(mask, 10 ** (level - _millionfold(nets).mean()), 1))


def _first_layer_change(change, level: float):
    """Layer 1's change scaled so that, per optimizer, log10 of its ratio to layer 10's has mean ``level``."""
    shift = change["optimizer"].map({o: 10 ** (level - _ratio(change, o).mean()) for o in OPTIMIZERS})
    return change.assign(relative_change=change["relative_change"] * np.where(change["layer"] == 1, shift, 1.0))


def controls(tables: dict) -> list[Control]:
    init, nets, change, th, C = tables["init"], tables["nets"], tables["change"], tables["mean_field_theory"], Control
    _, cells, predicted = _mean_field_gaps(tables)
    nxt = dict(zip(MEAN_FIELD_SW2, MEAN_FIELD_SW2[1:] + MEAN_FIELD_SW2[:1]))
    rotated = th.assign(predicted_shrink=th.set_index(["sw2", "layer"])["predicted_shrink"].reindex(
        list(zip(th["sw2"].map(nxt), th["layer"]))).to_numpy())
    out = [C("always-75-percent", "positive", {"init": _rescaled(init, 2 * FACTOR_MIN)}, "every cell's factors scaled "
             "to mean 8"),
           C("always-75-percent", "negative", {"init": _rescaled(init, {(SW2[0], 1): FACTOR_MIN / 2})}, "one cell's "
             "factors (σw² = 1, layer 1) scaled to mean 2"),
           C("shrink-matches-mean-field", "positive", {"init": _rescaled(init, dict(zip(cells, predicted)))},
             "the measured seed-to-seed scatter, centred on the theory"),
           C("shrink-matches-mean-field", "negative", {"mean_field_theory": rotated},
             "each σw²'s factors against the prediction for the next σw² (1 → 4 → 16 → 1)"),
           C("millionfold", "positive", {"nets": _recentred_nets(nets, MILLION)}, "the ratios recentred on 10⁻⁶"),
           C("millionfold", "negative", {"nets": _recentred_nets(nets, -3.0)}, "the ratios recentred on 10⁻³")]
    for name in ("early-layers-learn-slowly", "adam-early-layers-learn-slowly"):
        out += [C(name, "positive", {"change": _first_layer_change(change, -2.0)}, "the first layer's change set 100× "
                  "below the last's (the seed scatter kept)"),
                C(name, "negative", {"change": _first_layer_change(change, 0.0)}, "the first layer's change equal to "
                  "the last's on average")]
    return out


# -- regimes and plain words (rule 18, P3-7) -------------------------------------------------
def sweep_outcomes(init) -> list[str]:
    """Per σw², whether every layer's factor is ≥ 4, on the check's own (60-cell Bonferroni) intervals."""
    lows, highs = (cell_intervals(init).groupby("sw2")[c].min() for c in ("low", "high"))
    return ["pass" if lows[s] >= FACTOR_MIN else "fail" if highs[s] < FACTOR_MIN else "inconclusive" for s in SW2]


def regimes(tables: dict) -> dict[str, str]:
    return {CLAIM: f"{regime_phrase('σw²', SW2, sweep_outcomes(tables['init']))} "
                   f"({theory_phrase('σw²', SW2, fixed_point_factor, FACTOR_MIN)})"}


def plain_reasons(tables: dict) -> dict[str, str]:
    least, slow = cell_intervals(tables["init"]).groupby("sw2")["estimate"].min(), _slow(tables, "sgd", "(c)")
    said = ("the SGD net did not learn, so how much its first layer moved decides nothing" if slow.undecided else
            f"with SGD the first layer moved 10^{slow.value:.1f} times as much as the tenth")
    return {CLAIM: "at initialization the smallest per-layer shrink factor (the chapter: at least 4) was " +
                   ", ".join(f"{least[s]:.2f} at σw² = {s:g}" for s in SW2) + "; through the Xavier net the "
                   f"gradient fell 10^{np.mean(_millionfold(tables['nets'])):.1f} (the chapter: 10^-6); {said}."}


def measurements(tables: dict) -> list[Measurement]:
    nets, rec, out = tables["nets"], tables["records"], []
    for act in NETS:
        w = where(nets, activation=act).pivot(index="seed", columns="layer", values="weight_grad")
        slope = np.polyfit(np.arange(1, HIDDEN + 1), np.log10(w[list(range(1, HIDDEN + 1))].to_numpy()).T, 1)[0]
        out.append(Measurement.of(CLAIM, f"shrink-factor-{act}", f"{act} ({NETS[act].replace('_normal', '')}) at "
                                  "initialization: factor by which |∇W_l| shrinks per hidden layer going back (10^slope)",
                                  mean_ci(10 ** slope), unit="× per layer"))
    return out + [Measurement.of(CLAIM, f"final-loss-{o}", f"Sigmoid, {OPTIMIZERS[o]} at its tuned rate "
                                 f"{float(r['lr'].iloc[0]):g}: final training loss (chance: ln 10 = 2.30)",
                                 mean_ci(where(r, step=r["step"].max())["loss"])) for o, r in rec.groupby("optimizer")]


CHANGES = [  # protocol 2 -> 3 (rules 10, 17); the full story in docs/experiments/vanishing_gradients.md
    Change("sigmoid-shrinks", "always-75-percent", "A factor above 1 does not test 'at least 75% at each layer': ≥ 4 in "
           "every layer at every σw² in {1 … 256} (Bonferroni over cells); theory: only below σw² ≈ 1.14."),
    Change("first-vs-last-init", "millionfold", "'Below 10⁻²' tested less than the chapter's 10⁻⁶: the ten factors "
           "to the output layer, log10(|∇W₁| / |∇W₁₁|) in [−7, −5]."),
    Change("early-layers-learn-slowly", "early-layers-learn-slowly", "Was SGD at a fixed rate 0.1; now plain SGD tuned "
           "(rules 5, 13, P3-4), decided only when the net learned (rule 12); Adam's ratio is supporting."),
    Change("shrink-matches-mean-field", "shrink-matches-mean-field", "Our theory's tolerance, not the chapter's "
           "words: supporting (rule 11); fresh seeds (P3-8)."),
    Change("first-vs-last-trained", "", "Not a sentence of the chapter's; the trained comparison is (c)."),
    Change("tanh-shrinks-less", "shrink-factor-tanh", "Not among protocol 3's checks for this claim: a measurement."),
    Change("relu-he-steady", "shrink-factor-relu", "Not among protocol 3's checks for this claim: a measurement."),
    Change("derivative-product-bound", "", "A theorem (each factor is at most 1/4); (b) measures the ten factors."),
]


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuned, rec, init, cap = tables["tuned"], tables["records"], tables["init"], SEED_CAP[profile]
    cells = cell_intervals(init)
    notes = [SETUP.format(steps=STEPS[profile]), *map(str, tuned["note"]), "Rule 12 on the exploration seeds (pilot "
             "at the tuned rates): seeds that learned: " + ", ".join(f"{k} {int(v.sum())}/{v.size}" for o in OPTIMIZERS
                                                                     for k, v in _learned_by(rec, o).items())]
    w, l = cells.loc[(cells["low"] - FACTOR_MIN).abs().idxmin(), ["sw2", "layer"]]  # the cell nearest 4 decides
    trained = {n: pilot_plan(_ratio(tables["change"], o), SLOW, maximum=cap)
               for n, o in (("early-layers-learn-slowly", "sgd"), ("adam-early-layers-learn-slowly", "adam"))}
    plans = {"always-75-percent": pilot_plan(where(init, sw2=w, layer=l)["factor"], FACTOR_MIN, maximum=cap,
                                             level=1 - 0.05 / len(cells)),
             "millionfold": equivalence_plan((_millionfold(tables["nets"]) - MILLION)[:, None], ORDER, cap),
             "shrink-matches-mean-field": equivalence_plan(_mean_field_gaps(tables)[0], MEAN_FIELD_TOL, cap),
             **trained}
    n_train = combine_plans(trained, maximum=cap)
    notes.append(f"The trained nets use the first {n_train.n} confirmatory seeds: {n_train.explanation}")
    rates = dict(zip(tuned["optimizer"], tuned["lr"].astype(float)))
    return Decisions({"lr": rates, "train_seeds": n_train.n}, combine_plans(plans, maximum=cap), notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    import pandas as pd

    init, nets, cells = tables["init"], tables["nets"], cell_intervals(tables["init"])
    smallest = cells.loc[cells.groupby("sw2")["estimate"].idxmin()]
    fine = np.geomspace(min(SW2), max(SW2), 49)
    gaps, mf_cells, _ = _mean_field_gaps(tables)
    eq = equivalence(gaps, MEAN_FIELD_TOL)
    top = 10 ** np.log10(where(nets, activation="sigmoid", layer=HIDDEN + 1)["weight_grad"]).mean()
    k = np.arange(1, HIDDEN + 2)
    return {"factor_regime": smallest[["sw2", "estimate", "low", "high"]],
            "regime_theory": pd.DataFrame({"sw2": fine, "factor": [fixed_point_factor(s) for s in fine]}),
            "regime_phrase": pd.DataFrame([{"phrase": regimes(tables)[CLAIM]}]),
            "mean_field_gaps": pd.DataFrame({"sw2": [c[0] for c in mf_cells], "layer": [c[1] for c in mf_cells],
                                             "estimate": eq.estimates, "low": eq.lows, "high": eq.highs}),
            "init_gradients": nets[["activation", "seed", "layer", "weight_grad"]],
            "init_gradients_theory": pd.DataFrame({"layer": k, "weight_grad": top * 0.25 ** (HIDDEN + 1 - k)}),
            "layer_change": tables["change"].assign(optimizer=tables["change"]["optimizer"].map(OPTIMIZERS))}


# -- figures (declared: report/figures.py kinds) ----------------------------------------------
FIGURES = [
    figure("vanishing_regime", CLAIM, main=True, size=(10, 4.2), caption=(
        "Sigmoid nets of 10 hidden layers of 32 units at initialization. Left: the smallest per-layer factor |δ_l+1| / "
        "|δ_l| (mean over seeds, Bonferroni 95% over the 60 cells) against σw², with mean field χ*^(−1/2) (dashed) and "
        "the chapter's 4; the corner names where it holds. Right: each cell's gap to mean field (supporting)."),
        alt="The smallest shrink factor falling with σw² below the line at 4, following theory; gaps to mean field.",
        panels=[
        regime(rows_of("factor_regime"), "sw2", connect=True, xscale={"value": "log", "base": 2}, ylog=True,
               xlabel="σw² (weight variance × fan-in)",
               theory=Theory(rows_of("regime_theory"), "sw2", "factor", "mean field χ*^(−1/2)"),
               threshold=Line(FACTOR_MIN, "4: at least 75% lost per layer"), phrase=phrase_of(),
               ylabel="smallest |δ_l+1| / |δ_l| (log)", title="Is the gradient always cut by 75% per layer?"),
        regime(rows_of("mean_field_gaps"), "layer", group="sw2", dodge=0.15, labels="σw² = {:g}",
               span=Span(-MEAN_FIELD_TOL, MEAN_FIELD_TOL, "±10%: agreement"), threshold=Line(0.0, reference=True),
               xlabel="layer l (shrink from l + 1 back to l)", ylabel="measured / predicted − 1",
               title="Gap to mean field (supporting)")]),
    figure("gradients_per_layer", CLAIM, size=(10, 4.2), caption=(
        "Left: weight-gradient norm per layer at initialization (mean and 95% band), against 0.25ᵏ from the output "
        "layer (dashed). Right: each layer's relative weight change after training with SGD and with Adam."),
        alt="Gradient norms per layer for sigmoid, tanh and ReLU; relative weight change per layer, SGD and Adam.",
        panels=[
        band(rows_of("init_gradients"), "layer", "weight_grad", group="activation", order=list(NETS), geometric=True,
             ylog=True, theory=Theory(rows_of("init_gradients_theory"), "layer", "weight_grad", "0.25ᵏ"),
             xlabel="layer (1 = nearest the input)", ylabel="|∂loss/∂W| at initialization (log)",
             title="Gradient norm per layer"),
        band(rows_of("layer_change"), "layer", "relative_change", group="optimizer", order=list(OPTIMIZERS.values()),
             ylog=True, xlabel="layer (11 = output)", ylabel="|W_end − W_start| / |W_start| (log)",
             title="How much each layer learned")]),
]
figures = drawer(FIGURES)
