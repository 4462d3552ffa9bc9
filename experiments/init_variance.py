"""init-variance: does the activations' variance stay "approximately constant across layers" (003,
initialization)? `PROTOCOL = 3`. 50 hidden layers, zero biases, inputs N(0, I); q_l, the mean square of
layer l's pre-activations, against the mean-field recursion (`nnclaims.numeric.theory`). Parts: `pairs`
(ReLU, tanh x four inits), `sweep` (tanh + Xavier over widths), `scale` (the regime over the input scale
q₁, rule 18). Seeds by power (rule 6). Expected results, controls, measurements and history:
docs/experiments/init_variance.md."""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Measurement, RunContext, Sentence, combine_plans, equivalence,
    grouped_linear_fit, mean_ci, required_seeds,
)
from nnclaims.evidence.control_tables import rows_where
from nnclaims.evidence.layer_profiles import decay_measurement, layer_band, layer_decay
from nnclaims.evidence.regime_tables import regime_table as check_table, regime_text, theory_curve
from nnclaims.evidence.rescaled_signal import (
    every_layer_controls, factor_controls, intercept_controls, steady_controls,
)
from nnclaims.evidence.width_extrapolation import fit_measurements, width_tables
from nnclaims.report.figures import From, Line, Theory, band, drawer, extrapolation, figure, lines, regime, rows_of

CLAIMS = [
    Claim(
        id="init-variance",
        title="Xavier keeps tanh signals steady, He keeps ReLU signals steady; too small or too large fails",
        statement=("With weights too small the signal shrinks towards zero layer by layer; too large and it "
                   "explodes (or, for tanh, saturates). Xavier initialization (variance 2/(fan_in + fan_out)) keeps "
                   "tanh activations steady; He initialization (variance 2/fan_in) keeps ReLU activations steady, "
                   "where Xavier lets them halve at every layer."),
        section="C",
        reference=("Glorot and Bengio (2010) derived the Xavier variance; He, Zhang, Ren and Sun (2015) derived "
                   "2/fan_in for ReLU and showed the halving under Xavier."),
        core=True,
        sentences=(Sentence("003", "initialization (Xavier and He)",
                            "A proper initialization keeps the activations' variance about the same from layer to "
                            "layer.", ("approximately constant across layers",)),),
    )
]
CLAIM = "init-variance"
PROTOCOL = 3  # rule 17 / P3-8: the design changed, so the seeds come from the protocol-3 blocks
SEEDS = {"quick": 3, "full": 12}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SEED_CAP = {"quick": 8, "full": 64}  # rule 6: random networks, not trained
SHARDS = {"full": 4}
DEPTH = 50
WIDTH = {"quick": 64, "full": 512}  # the (activation, init) pairs
SWEEP = {"quick": [32, 64, 128, 256], "full": [256, 512, 1024, 2048]}  # tanh + Xavier
STEADY_WIDTH = {"quick": 128, "full": 1024}
SCALES = (0.01, 0.1)  # rule 18: the regime's other input scales q₁; q₁ = 1 is the sweep's point at the steady width
Q1 = "input scale q₁"  # the swept setting's name in the regime phrase
CHUNKS = {"quick": {}, "full": {2048: 4, 1024: 2}}  # a wide point's seeds (sweep or scale), split over jobs
INPUTS = 256
INITS = {  # label: (init name, parameters)
    "He": ("he_normal", {}),
    "Xavier": ("xavier_normal", {}),
    "std 0.01": ("normal", {"std": 0.01}),
    "std 0.1": ("normal", {"std": 0.1}),
}
ACTIVATIONS = ("relu", "tanh")
FACTOR_TOL, LAYER_TOL, SWEEP_TOL = 0.05, 0.05, 0.02
STEADY = 0.5  # q_50 / q_1 at least this: "steady"
EVERY_LAYER, EVERY_LAYER_CHECK = ("tanh", "He"), "tanh-He-every-layer"  # the pair checked layer by layer
RELU_SHOWN = "He"  # the ReLU pair whose factor gap is the one number of all four (theory's factor 1)
EQUIVALENCE_LEVEL = 0.90  # rule 3: TOST at 5%


def grid(profile: str) -> list[dict]:
    chunks, steady = CHUNKS[profile], STEADY_WIDTH[profile]
    sweep = [{"part": "sweep", "activation": "tanh", "init": "Xavier", "width": w, "chunk": k,
              "chunks": chunks.get(w, 1), "scale": 1.0}
             for w in sorted(SWEEP[profile], reverse=True) for k in range(chunks.get(w, 1))]
    scale = [{"part": "scale", "activation": "tanh", "init": "Xavier", "width": steady, "chunk": k,
              "chunks": chunks.get(steady, 1), "scale": s} for s in SCALES for k in range(chunks.get(steady, 1))]
    pairs = [{"part": "pairs", "activation": a, "init": label, "width": WIDTH[profile], "chunk": 0, "chunks": 1,
              "scale": 1.0} for a in ACTIVATIONS for label in INITS]
    return sweep + scale + pairs  # the widest first, so that round-robin shards share them out


def explore(profile: str) -> list[dict]:
    return grid(profile)  # a pilot on the four exploration seeds, for seeds by power


def point_key(point) -> str:
    key = f"{point['part']}/{point['activation']}/{point['init']}/{int(point['width'])}"
    return key + f"/q1={float(point['scale']):g}" if point["part"] == "scale" else key


def run(point: dict, ctx: RunContext) -> list[dict]:
    import torch

    from nnclaims.numeric import theory
    from nnclaims.nn.models import MLPSpec
    from nnclaims.nn.probes import streamed_second_moments
    from nnclaims.numeric.seeding import torch_generator

    width, (name, params) = point["width"], INITS[point["init"]]
    spec = MLPSpec((width,) * (DEPTH + 1) + (1,), activation=point["activation"], init=name, init_params=params)
    gain = width * spec.initializer.variance(width, width)  # sw^2 = fan_in Var(W)
    dtype = torch.float64 if point["part"] == "pairs" else torch.float32  # float32's parts: q above 0.005
    seeds = list(ctx.seeds)
    if ctx.phase == "confirm" and "seeds" in ctx.decisions:
        seeds = seeds[:ctx.decisions["seeds"][point_key(point)]]  # rule 6, per grid point
    seeds = seeds[point["chunk"]::point["chunks"]]
    rows = []
    for seed in seeds:
        x = torch.randn(INPUTS, width, generator=torch_generator(seed, "inputs"), dtype=torch.float64)
        if point["scale"] != 1.0:
            x = x * math.sqrt(point["scale"])  # q₁ = sw² mean(x²) ≈ scale at Xavier's sw² = 1
        q = streamed_second_moments(spec, seed, x.to(ctx.device), dtype=dtype).cpu().double().numpy()
        predicted = theory.variance_recursion(point["activation"], gain * float((x ** 2).mean()), gain, DEPTH)
        rows += [{"seed": seed, "layer": l + 1, "q": float(q[l]), "theory": float(predicted[l]), "sw2": gain}
                 for l in range(DEPTH)]
    return rows


# -- shared by checks, controls, decide and figures ----------------------------------------
def _rows(rec, part: str, activation: str = "tanh", init: str = "Xavier", width: int | None = None):
    r = rec[(rec["part"] == part) & (rec["activation"] == activation) & (rec["init"] == init)]
    return r if width is None else r[r["width"] == width]


def _matrix(rows, column: str) -> np.ndarray:
    """``(seeds, layers)``."""
    return rows.pivot(index="seed", columns="layer", values=column).sort_index().to_numpy()


def _factor_gap(rows) -> tuple[np.ndarray, np.ndarray]:
    """Per seed: signed relative gap of the measured per-layer factor (q_last / q_first)^(1 / (layers - 1))
    from the theory's, and the theory's."""
    g, g_th = (np.exp((np.log(q[:, -1]) - np.log(q[:, 0])) / (q.shape[1] - 1))
               for q in (_matrix(rows, "q"), _matrix(rows, "theory")))
    return g / g_th - 1, g_th


def _sweep_gaps(rec) -> tuple[np.ndarray, np.ndarray]:
    """Per (width, seed): 1 / width and the signed relative gap of q_50 from the map."""
    last = rec[(rec["part"] == "sweep") & (rec["layer"] == DEPTH)]
    return 1.0 / last["width"].to_numpy(dtype=float), (last["q"] / last["theory"] - 1).to_numpy()


def _steady_width(rec) -> int:
    widths = sorted(rec.loc[rec["part"] == "sweep", "width"].unique())
    return int(STEADY_WIDTH["full"] if STEADY_WIDTH["full"] in widths else STEADY_WIDTH["quick"])


def _ratio(rows) -> np.ndarray:
    q = _matrix(rows, "q")
    return q[:, -1] / q[:, 0]


def _label(init: str) -> str:
    return init.replace(" ", "")


def _pairs(rec):
    width = int(rec.loc[rec["part"] == "pairs", "width"].iloc[0])
    return [(a, init, _rows(rec, "pairs", a, init, width)) for a in ACTIVATIONS for init in INITS]


def _pair(rec, activation: str, init: str):
    return next(r for a, i, r in _pairs(rec) if (a, i) == (activation, init))


# -- the regime (rule 18): the steady test at each input scale q₁ ---------------------------
def _scale_rows(rec) -> dict[float, object]:
    """q₁ -> the tanh + Xavier rows at the steady width; q₁ = 1 is the width sweep's point."""
    w, scales = _steady_width(rec), sorted(rec.loc[rec["part"] == "scale", "scale"].unique())
    return {**{float(s): _rows(rec, "scale", width=w).query("scale == @s") for s in scales},
            1.0: _rows(rec, "sweep", width=w)}


def _steady_check(rows, where: str) -> Check:
    """The chapter's "steady" as written: mean q₅₀ / q₁ over seeds, whole 95% interval at least 0.5."""
    th = float(np.mean(_ratio(rows.assign(q=rows["theory"]))))
    return Check.of(CLAIM, "tanh-xavier-steady", f"\"Xavier keeps tanh activations steady\": q₅₀ / q₁ {where} (the "
                    f"map predicts {th:.3f})", mean_ci(_ratio(rows)), ">=", STEADY, theory=th)


def _map(rec):
    """q₁ -> the mean-field map's q₅₀ / q₁ for tanh at the records' σw²."""
    from nnclaims.numeric import theory

    sw2 = float(_scale_rows(rec)[1.0]["sw2"].iloc[0])
    return lambda q1: float(theory.variance_recursion("tanh", q1, sw2, DEPTH)[-1] / q1)


def regime_table(rec):
    """Per input scale q₁: the steady test's estimate, interval, outcome and the map's q₅₀ / q₁."""
    return check_table("q1", {s: _steady_check(r, f"at q₁ = {s:g}") for s, r in _scale_rows(rec).items()}, _map(rec))


def regimes(tables: dict) -> dict[str, str]:
    """Where "steady" holds, computed (P3-7): the outcomes across q₁, and where the map crosses 0.5."""
    return {CLAIM: regime_text(Q1, regime_table(tables["records"]), "q1", _map(tables["records"]), STEADY)}


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    x, gap = _sweep_gaps(rec)
    fit = grouped_linear_fit(x, gap, level=EQUIVALENCE_LEVEL)
    widths = sorted(rec.loc[rec["part"] == "sweep", "width"].unique())
    out = [Check.of(CLAIM, "tanh-xavier-infinite-width",
                    f"tanh, Xavier: the signed relative gap of q₅₀ from the mean-field map, fitted against 1/width "
                    f"over widths {', '.join(str(int(w)) for w in widths)} and extrapolated to infinite width "
                    f"(intercept, {EQUIVALENCE_LEVEL:.0%} interval)", fit.intercept, "within", SWEEP_TOL, theory=0.0,
                    basis="supporting")]  # agreement with mean-field theory
    out.append(_steady_check(_scale_rows(rec)[1.0], f"at width {_steady_width(rec)}, the data's scale q₁ = 1"))
    for name, label, rows, basis in _factor_cells(rec):
        g, g_th = _factor_gap(rows)
        out.append(Check.of(CLAIM, name, f"{label}: per-layer factor (q₅₀ / q₁)^(1/49) of the pre-activation variance, "
                            f"signed relative gap from the theory's {g_th.mean():.4g}",
                            equivalence(g, FACTOR_TOL, level=EQUIVALENCE_LEVEL).interval(), "within", FACTOR_TOL,
                            theory=0.0, basis=basis))
    gaps = _layer_gaps(rec)
    eq = equivalence(gaps, LAYER_TOL, level=EQUIVALENCE_LEVEL)
    out.append(Check.of(CLAIM, EVERY_LAYER_CHECK, f"{', '.join(EVERY_LAYER)}: signed relative gap of q_l from the "
                        f"mean-field map at every one of the {gaps.shape[1]} layers (simultaneous intervals, "
                        f"Bonferroni; shown: layer {eq.worst + 1}, the worst)", eq.interval(), "within", LAYER_TOL,
                        theory=0.0, basis="supporting"))
    return out


def _factor_cells(rec) -> list[tuple]:
    """(check, label, rows, basis) per factor check. ReLU's four inits are one number (zero biases: positively
    homogeneous, the same weight draws scaled), shown at He, whose factor 1 *is* "approximately constant"
    (chapter); tanh's agree with the map (supporting)."""
    return [("relu-factor", f"relu, {RELU_SHOWN} (one number for He, Xavier, std 0.01 and std 0.1: positive "
             "homogeneity, shared weight draws)", _pair(rec, "relu", RELU_SHOWN), "chapter")] + \
        [(f"tanh-{_label(i)}-factor", f"tanh, {i}", rows, "supporting") for a, i, rows in _pairs(rec) if a == "tanh"]


def _layer_gaps(rec) -> np.ndarray:
    rows = _pair(rec, *EVERY_LAYER)
    return _matrix(rows, "q") / _matrix(rows, "theory") - 1


# -- controls: the measured q rescaled, the real noise kept (nnclaims.evidence.rescaled_signal) --
def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    fit = grouped_linear_fit(*_sweep_gaps(rec), level=EQUIVALENCE_LEVEL)
    out = intercept_controls("tanh-xavier-infinite-width", rec, rows_where(rec, part="sweep", layer=DEPTH),
                             fit.intercept.estimate, 2.5 * SWEEP_TOL, SWEEP_TOL)
    out += steady_controls("tanh-xavier-steady", rec, rows_where(rec, part="sweep", width=_steady_width(rec)))
    for name, _, rows, _ in _factor_cells(rec):
        out += factor_controls(name, rec, rows, _factor_gap(rows)[0].mean(), 1.1, FACTOR_TOL)
    return out + every_layer_controls(EVERY_LAYER_CHECK, rec, _pair(rec, *EVERY_LAYER), 1.1, LAYER_TOL)


# -- measurements ---------------------------------------------------------------------------
def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    out = [decay_measurement(CLAIM, f"{a}-{_label(init)}-ratio-50-1", f"{a}, {init}, width {int(rows['width'].iloc[0])}"
                             ": q₅₀ / q₁ (geometric mean over seeds)", _matrix(rows, "q"), _matrix(rows, "theory"))
           for a, init, rows in _pairs(rec)]
    shown = _factor_gap(_pair(rec, "relu", RELU_SHOWN))[0]
    spread = max(float(np.max(np.abs(_factor_gap(rows)[0] - shown))) for a, _, rows in _pairs(rec) if a == "relu")
    out.append(Measurement(CLAIM, "relu-factor-spread", "relu: the largest difference, over seeds and the four inits, "
                           f"between an init's factor gap and {RELU_SHOWN}'s (zero up to rounding: one number)",
                           value=spread, theory=0.0))
    out += [Measurement.of(CLAIM, f"tanh-xavier-ratio-50-1-q1-{s:g}", f"tanh, Xavier, width {_steady_width(rec)}, "
                           f"input scale q₁ = {s:g}: q₅₀ / q₁ (the regime, rule 18)", mean_ci(_ratio(rows)),
                           theory=float(np.mean(_ratio(rows.assign(q=rows["theory"])))))
            for s, rows in _scale_rows(rec).items() if s != 1.0]  # q₁ = 1 is the chapter check itself
    x, gap = _sweep_gaps(rec)
    for w in sorted(rec.loc[rec["part"] == "sweep", "width"].unique()):
        out.append(Measurement.of(CLAIM, f"tanh-xavier-gap-50-width-{int(w)}",
                                  f"tanh, Xavier, width {int(w)}: signed relative gap of q₅₀ from the map",
                                  mean_ci(gap[np.isclose(x, 1.0 / w)]), theory=0.0))
        steady = _rows(rec, "sweep", width=w)
        out.append(Measurement.of(CLAIM, f"tanh-xavier-ratio-50-1-width-{int(w)}",
                                  f"tanh, Xavier, width {int(w)}: q₅₀ / q₁", mean_ci(_ratio(steady)),
                                  theory=float(np.mean(_ratio(steady.assign(q=steady["theory"]))))))
    return out + fit_measurements(CLAIM, "tanh-xavier", "tanh, Xavier", x, gap, EQUIVALENCE_LEVEL)


_P2_FACTOR = ("Protocol 1 took a percentile bootstrap of the absolute relative error; protocol 2 tests the signed "
              "relative gap for equivalence (rule 3: 90% t interval inside ±5%).")
CHANGES = [
    *[Change(f"relu-{_label(i)}-factor", "relu-factor",
             _P2_FACTOR + " Protocol 3: the four ReLU factor checks are one number (zero biases make a ReLU net "
             "positively homogeneous, and the four inits scale the same weight draws, so each gap is He's to "
             "rounding): reported once, as relu-factor (chapter: He's factor is 1).") for i in INITS],
    *[Change(f"tanh-{_label(i)}-factor", f"tanh-{_label(i)}-factor", _P2_FACTOR) for i in INITS],
    Change("tanh-Xavier-every-layer", "tanh-xavier-infinite-width",
           "The largest gap over 50 layers at one width mixed a finite-width effect with the theory's error; protocol "
           "2 sweeps the width (256 to 2048) and extrapolates the layer-50 gap to infinite width (tolerance 2%), and "
           "adds the chapter's own assertion, q₅₀ / q₁ ≥ 0.5, as tanh-xavier-steady. Protocol 3 keeps both and adds "
           "the regime (rule 18): the steady test at q₁ = 0.01, 0.1 and 1, its phrase computed."),
    Change("tanh-He-every-layer", "tanh-He-every-layer",
           "A percentile bootstrap of the largest absolute gap over 50 layers -> an equivalence test of the signed gap "
           "at every layer (rule 3, Bonferroni over the layers)."),
]


# -- exploration: seeds by power ------------------------------------------------------------
def _equivalence_plan(gaps: np.ndarray, tol: float, cap: int):
    """The plan of the cell (column) that needs the most seeds to settle inside or outside ±tol,
    for an interval at the check's own per-cell level when that exceeds rule 6's 95%."""
    gaps = np.atleast_2d(np.asarray(gaps, dtype=float).T).T  # (seeds, cells)
    level = max(0.95, 1 - (1 - EQUIVALENCE_LEVEL) / gaps.shape[1])
    plans = [required_seeds(g.mean(), math.copysign(tol, g.mean()), sd=g.std(ddof=1), n_pilot=len(g), maximum=cap,
                            level=level) for g in gaps.T]
    return max(plans, key=lambda p: p.needed)


def _sweep_plans(rec, cap: int) -> tuple[dict, dict]:
    """Plans of the sweep's checks and of each regime scale's steady test; seeds per sweep and scale point."""
    x, gap = _sweep_gaps(rec)  # the intercept's se at n seeds per width is se_pilot * sqrt(n_pilot / n)
    n_pilot = rec.loc[rec["part"] == "sweep", "seed"].nunique()
    fit = grouped_linear_fit(x, gap, level=0.95).intercept
    plans = {"tanh-xavier-infinite-width": required_seeds(fit.estimate, math.copysign(SWEEP_TOL, fit.estimate),
                                                          sd=fit.se * math.sqrt(n_pilot), n_pilot=n_pilot, maximum=cap)}
    for s, rows in _scale_rows(rec).items():
        r = _ratio(rows)
        name = "tanh-xavier-steady" if s == 1.0 else f"regime at q₁ = {s:g}"
        plans[name] = required_seeds(r.mean(), STEADY, sd=r.std(ddof=1), n_pilot=len(r), maximum=cap)
    sweep_n = max(plans["tanh-xavier-infinite-width"].n, plans["tanh-xavier-steady"].n)
    w = _steady_width(rec)
    per_point = {f"sweep/tanh/Xavier/{int(width)}": sweep_n
                 for width in sorted(rec.loc[rec["part"] == "sweep", "width"].unique())}
    per_point.update({f"scale/tanh/Xavier/{w}/q1={s:g}": plans[f"regime at q₁ = {s:g}"].n
                      for s in _scale_rows(rec) if s != 1.0})
    return plans, per_point


def decide(tables: dict, profile: str) -> Decisions:
    rec = tables["records"]
    cap = SEED_CAP[profile]
    plans, per_point = _sweep_plans(rec, cap)
    plans.update({name: _equivalence_plan(_factor_gap(rows)[0], FACTOR_TOL, cap)
                  for name, _, rows, _ in _factor_cells(rec)})
    plans[EVERY_LAYER_CHECK] = _equivalence_plan(_layer_gaps(rec), LAYER_TOL, cap)
    for a, init, rows in _pairs(rec):  # every ReLU pair at the one ReLU check's seeds (the figure draws all four)
        mine = [plans[f"tanh-{_label(init)}-factor" if a == "tanh" else "relu-factor"]]
        mine += [plans[EVERY_LAYER_CHECK]] if (a, init) == EVERY_LAYER else []
        per_point[f"pairs/{a}/{init}/{int(rows['width'].iloc[0])}"] = max(p.n for p in mine)
    notes = [f"Seeds per grid point, each the most its own checks (or, for a regime scale, its steady test) need "
             f"(rule 6): " + ", ".join(f"{k}: {n}" for k, n in per_point.items()) + "."]
    return Decisions({"seeds": per_point}, combine_plans(plans, maximum=cap), notes)


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Variance per layer per (activation, init) with its spread over networks; the tanh + Xavier
    width sweep (layer-50 gaps, their fit, the decay per width); the regime over q₁ with the map."""
    import pandas as pd

    rec = tables["records"]
    per_layer = [layer_band(_matrix(rows, "q"), _matrix(rows, "theory"), activation=a,
                            init=f"{init} (σw² = {rows['sw2'].iloc[0]:.3g})") for a, init, rows in _pairs(rec)]
    x, gap = _sweep_gaps(rec)
    widths = sorted(rec.loc[rec["part"] == "sweep", "width"].unique())
    decay = [layer_decay(_matrix(r, "q"), _matrix(r, "theory"), width=int(w))
             for w in widths for r in [_rows(rec, "sweep", width=w)]]
    return {"variance_per_layer": pd.concat(per_layer), **width_tables(x, gap, widths, EQUIVALENCE_LEVEL),
            "width_decay": pd.concat(decay), "scale_regime": regime_table(rec),
            "scale_theory": theory_curve("q1", np.geomspace(min(SCALES) / 2, 2.0, 40), _map(rec), "ratio")}


# -- figures: declared once over the analysis tables, drawn by `figures` --------------------
def _pairs_width(tables: dict) -> int:
    return int(tables["records"].loc[tables["records"]["part"] == "pairs", "width"].iloc[0])


VARIANCE_CAPTION = ("Mean square of each layer's pre-activations through 50 layers (geometric mean over seeds; band: "
                    "10th–90th percentile of networks), with the theory's recursion dashed. ReLU: He stays level, "
                    "Xavier halves every layer, std 0.01 vanishes and std 0.1 explodes. tanh: Xavier decays slowly "
                    "(the mean-field map's marginal case), He settles at a fixed point, std 0.01 vanishes, std 0.1 "
                    "saturates.")
VARIANCE_ALT = ("Two log-scale panels of variance against layer for four initializations; measured curves follow the "
                "dashed theory lines: flat for He with ReLU, straight decline for Xavier with ReLU, steep decline for "
                "std 0.01, growth or saturation for std 0.1.")
WIDTH_CAPTION = ("Left: the layer-50 gap between measured q and the mean-field map against 1/width, with its "
                 "least-squares line; the intercept (diamond, 90% interval) is the gap at infinite width, to be "
                 "inside the grey ±2% band. Right: q_l / q₁ through the layers at each width (geometric mean over "
                 "seeds) against the map (dashed): the map itself decays to about 0.01 by layer 50, far below the "
                 "dotted 0.5 that 'steady' asks for, at every width.")
WIDTH_ALT = ("Two panels: measured layer-50 gaps at four widths with a fitted line extrapolated to zero on the "
             "1/width axis; and decaying variance curves for tanh with Xavier at four widths, all following the "
             "dashed mean-field curve well below the 0.5 threshold.")
SCALE_CAPTION = ("The regime (rule 18): q₅₀ / q₁ for tanh with Xavier initialization against the variance q₁ of the "
                 "first layer's pre-activations (mean over seeds, 95% t interval), with the mean-field map (dashed) "
                 "and the 0.5 that 'steady' asks for (dotted). q₁ = 1 is the data's standardized scale, where the "
                 "chapter's sentence is checked; smaller q₁ keeps the units in tanh's near-linear part. The phrase in "
                 "the corner is computed from the intervals and the map.")
SCALE_ALT = ("One log-log panel: measured q₅₀ / q₁ at three input scales (0.01, 0.1, 1) following a dashed mean-field "
             "curve that falls with q₁ and crosses the dotted 0.5 line near the smallest scale.")
_DECAY_WIDEST = rows_of("width_decay", width=From(lambda T: T["width_decay"]["width"].max()))
FIGURES = [
    figure("variance_per_layer", CLAIM, caption=VARIANCE_CAPTION, alt=VARIANCE_ALT, size=(12, 4.6), panels=[
        band(rows_of("variance_per_layer", activation=a), "layer", "q", interval=("low", "high"), group="init",
             markevery=7, ylog=True, xlabel="layer",
             theory=Theory(rows_of("variance_per_layer", activation=a), "layer", "theory", "theory (dashed)",
                           group="init"),
             ylabel="q_l = mean square of pre-activations (log)" if a == ACTIVATIONS[0] else "",
             title=From(lambda T, a=a: f"{a}, width {_pairs_width(T)}: variance of the pre-activations"))
        for a in ACTIVATIONS]),
    figure("tanh_xavier_width", CLAIM, caption=WIDTH_CAPTION, alt=WIDTH_ALT, size=(12, 4.4), panels=[
        extrapolation(rows_of("width_gaps"), rows_of("width_fit"), rows_of("width_intercept"), tol=SWEEP_TOL,
                      level=EQUIVALENCE_LEVEL, xlabel="1 / width", ylabel="q₅₀ / map₅₀ − 1 (signed relative gap)",
                      title="tanh + Xavier: is the gap a finite-width effect?"),
        lines(rows_of("width_decay"), "layer", "ratio", group="width", labels="width {}", ylog=True,
              theory=Theory(_DECAY_WIDEST, "layer", "theory", "mean-field map"),
              threshold=Line(STEADY, f"q_l / q₁ = {STEADY:g}: 'steady' threshold"), xlabel="layer",
              ylabel="q_l / q₁ (log)", title="tanh + Xavier: the signal decays at every width")]),
    figure("tanh_xavier_scale", CLAIM, main=True, caption=SCALE_CAPTION, alt=SCALE_ALT, size=(7, 4.6), panels=[
        regime(rows_of("scale_regime"), "q1", labels="measured (mean, 95% t interval)", xlog=True, ylog=True,
               theory=Theory(rows_of("scale_theory"), "q1", "ratio", "mean-field map"), ylim=(3e-3, 3),
               phrase=From(lambda T: regimes(T)[CLAIM].replace(" (theory", "\n(theory")),
               threshold=Line(STEADY, f"q₅₀ / q₁ = {STEADY:g}: 'steady' threshold"),
               xlabel="q₁ = variance of the first layer's pre-activations (log)", ylabel="q₅₀ / q₁ (log)",
               title=From(lambda T: f"tanh + Xavier, width {_steady_width(T['records'])}: "
                                    "where is the signal steady?"))]),
]
figures = drawer(FIGURES)
