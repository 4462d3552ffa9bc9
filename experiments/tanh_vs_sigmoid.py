"""tanh-vs-sigmoid: zero-centred units train better than the sigmoid; tanh still saturates.

Setup: the 8x8 digits (80% train split, pixels in [0, 1]); 64 -> 5 hidden layers of 32 -> 10,
Xavier-normal weights, zero biases, cross-entropy, plain SGD, batch 64, `STEPS` steps; arms
tanh, sigmoid, σ(x) − 1/2. Rates: rule 5 on four exploration seeds (quarter-length runs) with
rule 13 and P3-4 (3 and 10 added above 1 when the choice is on the edge or no rate trains, at
most twice). At initialization: the tanh net with weight variance σw²/fan_in, bias variance σb².
History and reasons: docs/experiments/tanh_vs_sigmoid.md.

Expected (protocol 3 with its amendments; `chapter` unless marked; rule 12 on (a), (b)):
- (a) tanh-lower-loss, (b) centred-lower-loss: final training loss, arm minus sigmoid, paired
  by seed, whole 95% interval below 0; decided only when an arm trains (rule 4) in half the
  confirmatory seeds, else "inconclusive: no arm learned";
- (c1) saturated-share: at σw² = 16, σb² = 0, the share of (unit, input) pairs with
  |tanh| > 0.99 is at least 0.25 (mean field 0.385);
- (c2) vanishes-through-weights (σw² = 16, σb² = 0: theory says the gradient grows, expected
  to fail) and vanishes-through-biases (σw² = 1, σb² = 16: expected to pass): the signal
  shrinks going back, |δ_l+1| / |δ_l| > 1 in every layer (δ_6: the logits'); pass when every
  Bonferroni lower bound is above 1, fail when some upper bound is below 1;
- (c3, `supporting`) saturation-theory: per layer, share minus mean field within ±0.05
  (TOST 90%, Bonferroni over the five layers).
Controls (+/−): (a, b) sigmoid's losses ×2 / ×½ the arm's; (c1) the nets at σw² = 64 / 1; (c2)
at σw² = 0.5 / 64; (c3) the scatter recentred on theory / the σw² = 64 shares. Design control
(rule 14, `design_control`, run by the tests): one hidden layer, the sigmoid born saturated
(biases +20: σ'(20) ≈ 2e-9, so it cannot learn); (a) and (b) must pass.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence,
                               combine_plans, equivalence, final_values, mean_ci, paired, paired_ci, required_seeds,
                               where)
from nnclaims.evidence.learning import gate, learned_classification
from nnclaims.evidence.regimes import regime_phrase, theory_phrase
from nnclaims.report.figures import From, Line, Theory, band, curves, drawer, figure, lines, regime, rows_of

PROTOCOL = 3
CLAIM = "tanh-vs-sigmoid"
CLAIMS = [Claim(
    CLAIM, "tanh, being zero-centred, trains deep networks better than sigmoid",
    "tanh's outputs are centred on zero while the sigmoid's sit around 1/2; at equal depth, width and a learning rate "
    "tuned for each, a tanh network reaches a lower training loss than a sigmoid one in the same number of steps, "
    "although tanh still saturates.", "B",
    reference="LeCun, Bottou, Orr and Müller (1998), Efficient BackProp, §4.4: prefer symmetric sigmoids such as tanh.",
    sentences=(Sentence("003", "activation functions (tanh)", "tanh does better than the sigmoid because its outputs "
                        "are centred on zero, so that positive and negative values can cancel, which helps gradients "
                        "flow.", ("improves on sigmoid", "centering activations around zero", "can cancel out")),
               Sentence("003", "activation functions (tanh)", "tanh too saturates when its inputs are large, and then "
                        "its gradients vanish.", ("still saturates for large inputs", "causing vanishing gradients"))))]
SEEDS, SEED_CAP = {"quick": 4, "full": 8}, {"quick": 8, "full": 64}  # SEEDS if overridden; rule 6 plans (full cap: 5 layers)
ARMS = ("tanh", "sigmoid", "sigmoid_centered")
NAMES = {"tanh": "tanh", "sigmoid": "sigmoid", "sigmoid_centered": "σ(x) − 1/2"}
RATES = {"quick": [0.01, 0.1, 1.0], "full": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]}  # rule 5's grid
STEPS = {"quick": 80, "full": 1000}
SIZES = (64, 32, 32, 32, 32, 32, 10)
BATCH, K = 64, 10
SWEEP = (0.5, 1.0, 2.0, 4.0, 16.0, 64.0)  # σw² of the regime figure (σb² = 0)
WEIGHTS, BIASES = (16.0, 0.0), (1.0, 16.0)  # (σw², σb²) of the two routes to saturation (c2)
CELLS = [(s, 0.0) for s in SWEEP] + [BIASES]  # the at-initialization cells
SETUP = ("Training (P3-6): plain SGD, batch 64, {steps} steps, cross-entropy, 64 → 5 hidden layers of 32 → 10 (input "
         "straight into the first hidden layer, linear head), Xavier-normal, zero biases. Tuning (P3-5): rule 5, the "
         "lowest median final training loss on 4 exploration seeds at a quarter of the steps, with rule 13 and P3-4.")
SATURATED, SHARE_MIN, FACTOR_MIN, THEORY_TOL, SAT = 0.99, 0.25, 1.0, 0.05, "saturated"
SATURATED_BIAS, DESIGN_SIZES = 20.0, (64, 32, 10)  # the design control: a born-saturated sigmoid, one hidden layer
ROUTE_WORDS = {"pass": "vanishes", "fail": "grows", "inconclusive": "neither clearly vanishes nor grows"}
ROUTES = ("weights (σb² = 0)", "biases (σb² = 16)")  # the regime figure's two routes to saturation


def explore(profile: str) -> list[dict]:
    return [{"activation": a, "steps": STEPS[profile]} for a in ARMS] + [dict(part="init", sw2=w, sb2=b) for w, b in CELLS]


grid = explore


def run(point: dict, ctx: RunContext) -> dict[str, list[dict]]:
    if point.get("part") == "init":
        return {"init": _at_init(point, ctx)}
    arm = point["activation"]
    lr = None if ctx.phase == "explore" else ctx.decisions["lr"][arm]
    return _train_arm(arm, ctx.seeds, RATES[ctx.profile], point["steps"], ctx.device, ctx.engine, ctx.phase, lr)


def _data():
    import torch

    from nnclaims.numeric.data import load_sklearn_digits
    d = load_sklearn_digits()
    return torch.tensor(d.X_train), torch.tensor(d.y_train)


def _fit(activation: str, seeds, rates, steps: int, device: str, engine: str, bias_shift=0.0, sizes=SIZES):
    """Train one arm on the digits for ``steps`` steps: rule 4's loss and accuracy, and the mean activation."""
    from nnclaims.nn import probes
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.training import Schedule, classification_monitor, train

    X, y = _data()
    spec = MLPSpec(sizes, activation=activation, init="xavier_normal", bias_shift=bias_shift)
    Xd, yd = X.to(device), y.to(device)

    def activations(net, step):
        return {"post_mean": probes.activation_stats(net, Xd)["post_mean"].mean(dim=1)}

    schedule = Schedule(steps, rates, loss="ce", batch_size=BATCH, record_every=max(20, steps // 20))
    return train(spec, X, y, seeds, schedule, device=device, engine=engine,
                 monitors=[classification_monitor(Xd, yd, "train", training_data=True), activations])


def _learned(finals) -> np.ndarray:
    return learned_classification(finals["loss"], finals["train_accuracy"], K)


def _train_arm(activation: str, seeds, grid_rates, steps: int, device: str, engine: str, phase: str,
               lr: float | None = None, **net) -> dict[str, list[dict]]:
    """Exploration: tune the rate (rules 5, 13, P3-4) on quarter-length runs, then a full-length pilot.
    Confirmation: train at the decided rate ``lr``."""
    import pandas as pd

    from nnclaims.evidence.analysis import last_step
    from nnclaims.evidence.tuning import tune

    keys = ["loss", "train_accuracy", "post_mean"]
    out: dict[str, list[dict]] = {}
    if phase == "explore":
        def evaluate(rates):
            many = [s for _ in rates for s in seeds]
            per = [r for r in rates for _ in seeds]
            res = _fit(activation, many, per, max(1, steps // 4), device, engine, **net)
            return last_step(pd.DataFrame(res.tidy(keys, per_network={"lr": per}, activation=activation)))

        frames = []
        t = tune(lambda r: frames.append(evaluate(r)) or frames[-1], grid_rates, _learned)
        out["tuning"] = pd.concat(frames, ignore_index=True).to_dict("records")
        out["tuned"] = [{"activation": activation, "lr": t.chosen, "grid": " ".join(f"{r:g}" for r in t.grid),
                         "extended": len(t.extensions), "on_edge": t.on_edge, "none_trained": t.none_trained,
                         "note": t.note(NAMES[activation])}]
        lr = t.chosen
    result = _fit(activation, list(seeds), lr, steps, device, engine, **net)
    out["records"] = result.tidy(keys, lr=lr, activation=activation)
    return out


def _at_init(point: dict, ctx: RunContext) -> list[dict]:
    """Per seed and hidden layer: the share of (unit, input) pairs with |tanh| > 0.99 and the factor
    |δ_{l+1}| / |δ_l| by which the backpropagated signal (gradient of the loss with respect to the
    pre-activations; δ_6 = the logits') shrinks going back; float64, all training inputs."""
    import torch

    from nnclaims.nn import losses
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec

    X, y = (t.to(ctx.device) for t in _data())
    X = X.double()
    spec = MLPSpec(SIZES, activation="tanh", init="variance_scaling", init_params={"sw2": point["sw2"]},
                   bias_std=math.sqrt(point["sb2"]))
    net = BatchedNet.init(spec, ctx.seeds, dtype=torch.float64, device=ctx.device)
    weights = [w.detach().requires_grad_(True) for w in net.weight]
    out, trace = BatchedNet(net.spec, {**net.params, "weight": weights}, net.buffers)(X, trace=True)
    grads = torch.autograd.grad(losses.per_network("ce", out, y).sum(), [*trace.pre, out])
    norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads], dim=1)  # (S, 6)
    x2 = float((X ** 2).sum(dim=1).mean() / X.shape[1])  # the input's second moment: theory's q_1
    return [{"seed": seed, "sw2": point["sw2"], "sb2": point["sb2"], "layer": i + 1, "x2": x2,
             "saturated": float((h[s].abs() > SATURATED).double().mean()), "factor": float(norms[s, i + 1] / norms[s, i])}
            for s, seed in enumerate(ctx.seeds) for i, h in enumerate(trace.post)]


# -- theory (mean field, numeric/theory.py) ------------------------------------------------
def theory(sw2: float, sb2: float, x2: float) -> tuple[np.ndarray, np.ndarray]:
    """Per hidden layer: the saturated share P(|tanh(z)| > 0.99), z ~ N(0, q_l), and the factor
    χ_l^(-1/2) = (σw² E[tanh'(z)²])^(-1/2), from q_1 = σw² x2 + σb² (x2: the input's second moment)."""
    from nnclaims.numeric.theory import derivative_second_moment, variance_recursion
    q = variance_recursion("tanh", sw2 * x2 + sb2, sw2, len(SIZES) - 2, sb2)
    share = np.array([math.erfc(math.atanh(SATURATED) / math.sqrt(2 * v)) for v in q])
    return share, np.array([(sw2 * derivative_second_moment("tanh", v)) ** -0.5 for v in q])


def _cell(init, sw2: float, sb2: float = 0.0):
    return where(init, sw2=sw2, sb2=sb2)


_x2 = lambda tables: float(tables["init"]["x2"].iloc[0])  # noqa: E731  per-pixel input second moment: q_1 = σw² x2 + σb²


# -- checks ---------------------------------------------------------------------------------
def _learned_by_arm(records, arms) -> dict[str, np.ndarray]:
    finals = where(records, step=records["step"].max())
    return {NAMES[a]: _learned(where(finals, activation=a)) for a in arms}


def _loss_check(records, arm: str, name: str) -> Check:
    final = final_values(records, "loss", by="activation")
    a, b = paired(final[arm], final["sigmoid"])
    check = Check.of(CLAIM, name, f"Final training loss, {NAMES[arm]} minus sigmoid, each at its tuned rate "
                     f"(paired by seed)", paired_ci(a, b), "<", 0.0)
    return gate(check, _learned_by_arm(records, (arm, "sigmoid")))


def factor_interval(cell) -> tuple[float, float, float]:
    """Per layer, the mean factor over seeds with its Bonferroni interval (95% over the layers, rule 2's t or BCa);
    the smallest mean, lower and upper bound: every layer's factor above 1 iff the smallest lower bound is."""
    layers = [g["factor"].to_numpy() for _, g in cell.groupby("layer")]
    ivs = [mean_ci(v, level=1 - 0.05 / len(layers)) for v in layers]  # rule 2: t, or BCa when far from normal
    return min(i.estimate for i in ivs), min(i.low for i in ivs), min(i.high for i in ivs)


def _factor_check(init, route, name: str, x2: float) -> Check:
    est, lo, hi = factor_interval(_cell(init, *route))
    sw2, sb2 = route
    return Check(CLAIM, name, f"At initialization with σw² = {sw2:g}, σb² = {sb2:g}: smallest per-layer factor "
                 f"|δ_l+1| / |δ_l| by which the gradient shrinks going back", est, ">", FACTOR_MIN, lo, hi,
                 n_seeds=_cell(init, *route)["seed"].nunique(), method="Bonferroni over 5 layers, 95%",
                 theory=float(theory(sw2, sb2, x2)[1].min()))


def checks(tables: dict) -> list[Check]:
    rec, init, x2 = tables["records"], tables["init"], _x2(tables)
    share, per_layer = theory(*WEIGHTS, x2)[0], _cell(init, *WEIGHTS).pivot(index="seed", columns="layer", values=SAT)
    return [_loss_check(rec, "tanh", "tanh-lower-loss"), _loss_check(rec, "sigmoid_centered", "centred-lower-loss"),
            Check.of(CLAIM, "saturated-share", f"At initialization with σw² = 16: share of (unit, input) pairs with "
                     f"|tanh| > {SATURATED:g}", mean_ci(per_layer.mean(axis=1)), ">=", SHARE_MIN, theory=share.mean()),
            _factor_check(init, WEIGHTS, "vanishes-through-weights", x2),
            _factor_check(init, BIASES, "vanishes-through-biases", x2),
            Check.of(CLAIM, "saturation-theory", "At σw² = 16: saturated share minus mean field, the worst of the five "
                     "layers", equivalence((per_layer - share).to_numpy(), THEORY_TOL).interval(), "within", THEORY_TOL,
                     theory=0.0, basis="supporting")]


def _swap(init, into: tuple[float, float], source: tuple[float, float], shift=None):
    """``init`` with the cell ``into`` holding the measurements of cell ``source``."""
    import pandas as pd
    src = _cell(init, *source).assign(sw2=into[0], sb2=into[1])
    src = src if shift is None else src.assign(saturated=shift(src))
    return {"init": pd.concat([init[~((init["sw2"] == into[0]) & (init["sb2"] == into[1]))], src], ignore_index=True)}


def controls(tables: dict) -> list[Control]:
    rec, init, share = tables["records"], tables["init"], theory(*WEIGHTS, _x2(tables))[0]
    C, out = Control, []
    for arm, name in (("tanh", "tanh-lower-loss"), ("sigmoid_centered", "centred-lower-loss")):
        out += [C(name, "positive", {"records": _sigmoid_relative_to(rec, arm, 2.0)}, f"the sigmoid's losses set to "
                  f"twice {NAMES[arm]}'s"), C(name, "negative", {"records": _sigmoid_relative_to(rec, arm, 0.5)},
                                              f"the sigmoid's losses set to half {NAMES[arm]}'s")]
    for route, name in ((WEIGHTS, "vanishes-through-weights"), (BIASES, "vanishes-through-biases")):
        out += [C(name, "positive", _swap(init, route, (0.5, 0.0)), "the networks at σw² = 0.5 (theory: shrinks by "
                  "1.4-1.6 per layer)"), C(name, "negative", _swap(init, route, (64.0, 0.0)), "the networks at σw² = 64 "
                                           "(theory: grows by 2.4-3 per layer)")]
    recentred = lambda c: c[SAT] - c.groupby("layer")[SAT].transform("mean") + share[c["layer"] - 1]  # noqa: E731
    return out + [C("saturated-share", "positive", _swap(init, WEIGHTS, (64.0, 0.0)), "the networks at σw² = 64"),
                  C("saturated-share", "negative", _swap(init, WEIGHTS, (1.0, 0.0)), "the networks at σw² = 1"),
                  C("saturation-theory", "positive", _swap(init, WEIGHTS, WEIGHTS, recentred), "the measured "
                    "seed-to-seed scatter recentred on mean field"),
                  C("saturation-theory", "negative", _swap(init, WEIGHTS, (64.0, 0.0)), "the shares at σw² = 64 "
                    "against the theory for σw² = 16")]


def _sigmoid_relative_to(rec, arm: str, factor: float):
    """The records with the sigmoid's loss replaced by ``factor`` times ``arm``'s, seed by seed and step by
    step (the arm's own runs untouched, so rule 12 reads what it learned)."""
    theirs = where(rec, activation=arm).set_index(["seed", "step"])["loss"]
    sig = (rec["activation"] == "sigmoid").to_numpy()
    out = rec.copy()
    out.loc[sig, "loss"] = factor * theirs.reindex(list(zip(rec.loc[sig, "seed"], rec.loc[sig, "step"]))).to_numpy()
    return out


def design_control(profile: str, seeds, device: str = "cpu", engine: str = "batched") -> list[Check]:
    """Rule 14: (a) and (b) through the same tuning, training and gate, on one hidden layer (where the arms
    train within the budget) with the sigmoid born saturated (biases +20: it cannot learn): both must pass."""
    import pandas as pd
    parts = [_train_arm(a, seeds, RATES[profile], STEPS[profile], device, engine, "explore", sizes=DESIGN_SIZES,
                        bias_shift=SATURATED_BIAS if a == "sigmoid" else 0.0)["records"] for a in ARMS]
    rec = pd.DataFrame([r for p in parts for r in p])
    return [_loss_check(rec, "tanh", "tanh-lower-loss"), _loss_check(rec, "sigmoid_centered", "centred-lower-loss")]


# -- regimes and plain words (rule 18, P3-7) -------------------------------------------------
def route_phrase(biases: str, weights: str) -> str:
    """Where "causing vanishing gradients" holds, from the outcomes of the two routes' checks."""
    return (f"{ROUTE_WORDS[biases]} when the inputs to the unit are pushed out by biases, "
            f"{ROUTE_WORDS[weights]} when by weights")


def regimes(tables: dict) -> dict[str, str]:
    c = {k.check: k.outcome for k in checks(tables)}
    return {CLAIM: route_phrase(c["vanishes-through-biases"], c["vanishes-through-weights"])}


def sweep_phrase(tables: dict) -> tuple[str, str]:
    """Through the weights alone: where the smallest factor's Bonferroni interval lies above 1, measured and theory."""
    init, x2 = tables["init"], _x2(tables)
    outcomes = [_factor_check(init, (sw2, 0.0), "sweep", x2).outcome for sw2 in SWEEP]
    return (regime_phrase("σw²", SWEEP, outcomes),
            theory_phrase("σw²", SWEEP, lambda s: float(theory(s, 0.0, x2)[1].min()), FACTOR_MIN))


def plain_reasons(tables: dict) -> dict[str, str]:
    final, c = final_values(tables["records"], "loss", by="activation"), {k.check: k for k in checks(tables)}
    said = [f"neither {NAMES[a]} nor the sigmoid learned" if c[n].undecided else f"{NAMES[a]} ended below the sigmoid "
            f"in {int((final[a] < final['sigmoid']).sum())} of {len(final)} seeds"
            for a, n in (("tanh", "tanh-lower-loss"), ("sigmoid_centered", "centred-lower-loss"))]
    share = _cell(tables["init"], *WEIGHTS)["saturated"].mean()
    return {CLAIM: f"{'; '.join(said)}; with large weights {share:.0%} of tanh outputs were saturated; the gradient "
                   f"{route_phrase(c['vanishes-through-biases'].outcome, c['vanishes-through-weights'].outcome)}."}


def measurements(tables: dict) -> list[Measurement]:
    rec, out = tables["records"], []
    for arm in ARMS:
        lr = float(where(rec, activation=arm)["lr"].iloc[0])
        out += [Measurement.of(CLAIM, f"{arm}-final-loss", f"{NAMES[arm]}: final training loss at its tuned rate {lr:g}",
                               mean_ci(final_values(rec, "loss", by="activation")[arm].dropna())),
                Measurement.of(CLAIM, f"{arm}-mean-activation-init", f"{NAMES[arm]}: mean hidden activation at "
                               "initialization (1/2 for the sigmoid, 0 for the centred ones, by symmetry)",
                               mean_ci(where(rec, activation=arm, step=0)["post_mean"]), theory=0.5 * (arm == "sigmoid"))]
    return out


CHANGES = [  # protocol 1 -> 2 -> 3 (rules 10, 17); the full story in docs/experiments/tanh_vs_sigmoid.md
    Change("tanh-lower-loss", "tanh-lower-loss", "Protocol 2 tuned on separate exploration seeds and paired final "
           "losses; protocol 3 adds rule 13's grid extension (P3-4) and rule 12: decided only when an arm learned."),
    Change("centred-lower-loss", "centred-lower-loss", "Protocol 2 passed on a gap of −0.0003 nats with both arms at "
           "chance (the centred sigmoid trains only at rate 3, above the grid); protocol 3 extends the grid (rule 13, "
           "P3-4) and decides only when an arm learned (rule 12)."),
    Change("tanh-saturates", "saturated-share", "Protocol 2's 'saturated on 90% of inputs' cannot happen at σw² = 16 "
           "(mean field; 1.4% measured); protocol 3 tests the saturated share of (unit, input) pairs against 0.25, "
           "adds 'causing vanishing gradients' by both routes and the per-layer theory (supporting)."),
    Change("sigmoid-mean-activation", "sigmoid-mean-activation-init", "True by symmetry: a measurement (rule 7)."),
    Change("tanh-mean-activation", "tanh-mean-activation-init", "True by symmetry: a measurement (rule 7)."),
]


# -- exploration ----------------------------------------------------------------------------
def decide(tables: dict, profile: str) -> Decisions:
    tuned, rec, init = tables["tuned"], tables["records"], tables["init"]
    notes = [SETUP.format(steps=STEPS[profile])] + [str(where(tuned, activation=arm)["note"].iloc[0]) for arm in ARMS]
    notes.append("Rule 12 on the exploration seeds (full-length pilot at the tuned rates): seeds that learned: " +
                 ", ".join(f"{k} {int(v.sum())}/{v.size}" for k, v in _learned_by_arm(rec, ARMS).items()))
    final = final_values(rec, "loss", by="activation")
    pilots = {name: (np.subtract(*paired(final[arm], final["sigmoid"])), 0.0)
              for arm, name in (("tanh", "tanh-lower-loss"), ("sigmoid_centered", "centred-lower-loss"))}
    pilots["saturated-share"] = (_cell(init, *WEIGHTS).groupby("seed")["saturated"].mean(), SHARE_MIN)
    for route, name in ((WEIGHTS, "vanishes-through-weights"), (BIASES, "vanishes-through-biases")):
        f = _cell(init, *route).pivot(index="seed", columns="layer", values="factor")
        pilots[name] = (f[f.mean().idxmin()], FACTOR_MIN)  # the layer that decides
    gaps = _cell(init, *WEIGHTS).pivot(index="seed", columns="layer", values=SAT) - theory(*WEIGHTS, _x2(tables))[0]
    worst = gaps[gaps.mean().abs().idxmax()]
    pilots["saturation-theory"] = (worst * np.sign(worst.mean()), THEORY_TOL)  # the worst layer, to the nearer edge
    plans = {name: required_seeds(np.mean(v), t, sd=np.std(v, ddof=1), n_pilot=len(v), maximum=SEED_CAP[profile])
             for name, (v, t) in pilots.items()}
    rates = {arm: float(where(tuned, activation=arm)["lr"].iloc[0]) for arm in ARMS}
    return Decisions({"lr": rates}, combine_plans(plans, maximum=SEED_CAP[profile]), notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Tuning medians on the final grid; the regime sweep (pooled share, smallest factor, theory);
    the per-layer shares at σw² = 16 against mean field."""
    import pandas as pd

    from nnclaims.evidence.summaries import tuning_medians

    init, x2 = tables["init"], _x2(tables)
    route = lambda sb2: ROUTES[sb2 > 0]  # noqa: E731
    pooled = init.groupby(["sw2", "sb2", "seed"], as_index=False)["saturated"].mean()
    factors = [dict(zip(("estimate", "low", "high"), factor_interval(_cell(init, w, b))), sw2=w, route=route(b))
              for w, b in CELLS]
    curve = [dict(sw2=w, route=route(b), share=theory(w, b, x2)[0].mean(), factor=theory(w, b, x2)[1].min())
             for w, b in [(float(s), 0.0) for s in np.geomspace(min(SWEEP), max(SWEEP), 49)] + [BIASES]]
    return {"tuning_medians": tuning_medians(tables["explore_tuning"], "activation", drop_diverged=False),
            "sweep_share": pooled.assign(route=[route(b) for b in pooled["sb2"]]),
            "factor_regime": pd.DataFrame(factors), "regime_theory": pd.DataFrame(curve),
            "layer_theory": pd.DataFrame({"layer": range(1, 6), "share": theory(*WEIGHTS, x2)[0]}),
            "layer_share": _cell(init, *WEIGHTS)[["seed", "layer", "saturated"]],
            "regime_phrase": pd.DataFrame([dict(zip(("measured", "theory"), sweep_phrase(tables)))])}


# -- figures (declared: report/figures.py kinds) ----------------------------------------------
_ARMS = dict(group="activation", order=ARMS, labels=NAMES)
_ROUTES = dict(group="route", order=list(ROUTES))
_SW2 = dict(xscale={"value": "log", "base": 2}, xlabel="σw² (weight variance × fan-in)")
_SAT = f"share with |tanh| > {SATURATED:g}"
FIGURES = [
    figure("tanh_vs_sigmoid", CLAIM, main=True, size=(10, 4.2), caption=(
        "Left: median final training loss against learning rate on the exploration seeds, on the final grid after "
        "rule 13's extensions; dotted lines mark each arm's chosen rate. Right: training loss on the confirmatory "
        "seeds, each arm at its own rate (mean and 95% band); the dashed line is chance."),
        alt="A learning-rate sweep for tanh, sigmoid and σ(x) − 1/2, and loss curves at the tuned rates.", panels=[
        lines(rows_of("tuning_medians"), "lr", "loss", **_ARMS, xlog=True, ylog=True, xlabel="learning rate (log)",
              threshold=From(lambda t: [Line(float(r), axis="x") for r in t["records"].groupby("activation")["lr"].max()]),
              ylabel="median final training loss (log)", title="Tuning on 4 exploration seeds (final grid)"),
        curves(rows_of("records"), "step", "loss", **_ARMS, threshold=Line(np.log(10), "ln 10: chance", theory=True),
               ylog=True, xlabel="training step", ylabel="training loss (log)", title="Confirmatory seeds")]),
    figure("tanh_saturation_regime", CLAIM, size=(15, 4.2), caption=(
        f"At initialization. Left: the share of (unit, input) pairs with |tanh| > {SATURATED:g} against σw², mean "
        "field dashed; the biases route (σw² = 1, σb² = 16) is the lone square. Middle: the smallest per-layer factor "
        "by which the backpropagated signal shrinks going back (Bonferroni 95% over layers): above 1 the gradient "
        "vanishes, below it grows; the corner names where it vanishes. Right: the per-layer share at σw² = 16."),
        alt="Saturation rising with σw²; the gradient factor falling below 1 as σw² grows while the biases route stays "
            "above 1; per-layer saturation against theory.", panels=[
        band(rows_of("sweep_share"), "sw2", "saturated", **_ROUTES, ylim=(-0.02, 1.02), **_SW2, ylabel=_SAT,
             theory=Theory(rows_of("regime_theory"), "sw2", "share", "mean field", group="route"),
             threshold=Line(SHARE_MIN, "0.25: the check"), title="Saturation at initialization"),
        regime(rows_of("factor_regime"), "sw2", **_ROUTES, connect=True, **_SW2, ylog=True,
               theory=Theory(rows_of("regime_theory"), "sw2", "factor", "mean field χ^(-1/2)", group="route"),
               threshold=Line(FACTOR_MIN, "1: neither shrinks nor grows"),
               phrase=From(lambda t: "through the weights: {}\n{}".format(*t["regime_phrase"].iloc[0])),
               ylabel="smallest |δ_l+1| / |δ_l|", title="Does the gradient vanish going back?"),
        band(rows_of("layer_share"), "layer", "saturated", labels="measured, σw² = 16", xlabel="hidden layer", ylabel=_SAT,
             theory=Theory(rows_of("layer_theory"), "layer", "share", "mean field"), title="Per layer, against mean field")]),
]
figures = drawer(FIGURES)
