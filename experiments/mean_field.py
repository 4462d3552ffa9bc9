"""mean-field-variance: the variance map and the gradient factor chi of random tanh networks.

Setup: tanh networks of 30 hidden layers of width 1024 (protocol 2; 512 in protocol 1),
weights N(0, sw^2 / fan_in), biases N(0, sb^2) with sb^2 = 0.05, fed 128 inputs from
N(0, I), with 10 outputs; sw^2 in {0.5, 1, 1.25, 1.5, 2, 2.5, 3, 4}, on both sides of the
critical point (chi = 1 near sw^2 = 1.76 for this sb^2). We measure q_l (mean square of
layer l's pre-activations) and the squared norms of the backpropagated gradients with
respect to the pre-activations, for a mean-squared-error loss against random targets.
Networks are drawn and computed in float32 (protocol 1: float64): q stays between 0.05
and 4 and the gradients' squared norms within 1e-12..1e12 of each other, where float32's
relative rounding of 1e-7 is far below the tolerances; drawing float32 weights is five
times faster. Seeds by power (rule 6): the grid first runs on the four exploration seeds
(a pilot), and the confirmatory block runs as many seeds as the checks need (8 to 64),
each check planned for its cell that needs the most, at the check's own per-cell
(Bonferroni) level where that is above rule 6's 95%.

Expected (Poole et al. 2016; Schoenholz et al. 2017; protocol 2, pre-registered
2026-11-21):
- q agrees with the map q_l = sw^2 E[tanh(sqrt(q_{l-1}) Z)^2] + sb^2 (started from the
  input's q_1 = sw^2 mean(x^2) + sb^2) in every cell (layer x sw^2, 240 cells): the signed
  relative gap q_l / map_l - 1 has its 90% interval inside [-0.05, 0.05] in every cell,
  simultaneously (rule 3, Bonferroni over the 240 cells; the worst cell is reported);
- the per-layer growth chi of the squared gradient, measured as the geometric mean of
  |d_l|^2 / |d_{l+1}|^2 over layers 10-29, is below 1 for every sw^2 whose theoretical chi is
  below 1, and above 1 for every sw^2 whose chi is above 1 (95% t intervals, Bonferroni over
  the values of sw^2 on that side; the worst reported);
- measured chi agrees with the theory's within 10% for every sw^2 (rule 3, signed relative
  gap, Bonferroni over the values of sw^2).
The published anchor, the sw^2 at which chi = 1 for sb^2 = 0.05 (1.76, Schoenholz et al.
2017), is computed from the theory and shown, with the crossing of the measured chi.
Controls: the q and chi agreement checks pass on their own data re-centred on the theory
(each cell's mean gap removed, its seed-to-seed noise kept) and fail on the same data off
the theory by twice the tolerance or more (q 10% high; chi 25% high); the order and chaos
checks pass when the cells on their side get the gradients of the most extreme sw^2 on
that side (0.5, or 4) and fail when they get those of the most extreme on the other side.
"""

from __future__ import annotations

import math

import numpy as np

from nnclaims.evidence import (
    Change, Check, Claim, Control, Decisions, Interval, Measurement, RunContext, combine_plans, equivalence,
    mean_ci, required_seeds,
)
from nnclaims.report.figures import From, Line, Theory, cell_map, drawer, figure, lines, regime, rows_of

CLAIMS = [
    Claim(
        id="mean-field-variance",
        title="Mean-field theory predicts the variance per layer and whether gradients grow or vanish",
        statement=("In a wide random tanh network with weight variance σw²/fan_in and bias variance σb², the "
                   "pre-activation variance follows q_l = σw² E[tanh(√q_(l−1) z)²] + σb², and gradients grow or "
                   "shrink per layer by χ = σw² E[tanh′(√q* z)²] at the fixed point q*: they vanish for χ < 1 and "
                   "explode for χ > 1."),
        section="C",
        reference=("Poole, Lahiri, Raghu, Sohl-Dickstein and Ganguli (2016), Exponential expressivity in deep "
                   "neural networks through transient chaos; Schoenholz, Gilmer, Ganguli and Sohl-Dickstein (2017), "
                   "Deep information propagation: χ = 1 at σw² ≈ 1.76 for σb² = 0.05."),
        # Rule 11: the theory behind the chapter's initialization, not a sentence of it. Listed
        # beyond the chapter, outside the headline tally, and decided by all its checks (so they
        # keep the default tag).
        beyond_chapter=True,
    )
]
CLAIM = "mean-field-variance"
SEEDS = {"quick": 3, "full": 8}  # used only when seeds are overridden; otherwise decided by power (rule 6)
SEED_CAP = {"quick": 8, "full": 64}  # rule 6: random networks, not trained
SHARDS = {"full": 4}
SB2 = 0.05
SW2 = {"quick": [0.5, 1.25, 2.5, 4.0], "full": [0.5, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]}
WIDTH = {"quick": 128, "full": 1024}
DEPTH, INPUTS, OUTPUTS = 30, 128, 10
GRAD_LAYERS = (10, DEPTH)  # layers whose gradient ratios enter the measured chi
Q_TOL, CHI_TOL = 0.05, 0.10
EQUIVALENCE_LEVEL = 0.90  # rule 3: TOST at 5%
ANCHOR = 1.76  # Schoenholz et al. (2017): chi = 1 at this sw^2 for sb^2 = 0.05


def grid(profile: str) -> list[dict]:
    return [{"sw2": s, "width": WIDTH[profile]} for s in SW2[profile]]


def explore(profile: str) -> list[dict]:
    return grid(profile)  # a pilot on the four exploration seeds, for seeds by power


def run(point: dict, ctx: RunContext) -> list[dict]:
    import torch

    from nnclaims.numeric import theory
    from nnclaims.nn.batched import BatchedNet
    from nnclaims.nn.models import MLPSpec, init_params
    from nnclaims.nn.probes import activation_stats, gradient_norms
    from nnclaims.numeric.seeding import torch_generator

    sw2, width = point["sw2"], point["width"]
    spec = MLPSpec((width,) * (DEPTH + 1) + (OUTPUTS,), activation="tanh", init="variance_scaling",
                   init_params={"sw2": sw2}, bias_std=float(np.sqrt(SB2)))
    chi = theory.chi("tanh", sw2, SB2)
    dtype = torch.float32
    rows = []
    for seed in ctx.seeds:  # one network at a time: 30 layers of 1024 x 1024 are 126 MB in float32
        net = BatchedNet.stack(spec, [init_params(spec, seed, dtype=dtype)], dtype=dtype, device=ctx.device)
        gen = torch_generator(seed, "inputs")
        x = torch.randn(INPUTS, width, generator=gen, dtype=torch.float64)
        y = torch.randn(INPUTS, OUTPUTS, generator=gen, dtype=torch.float64)
        xd, yd = x.to(device=ctx.device, dtype=dtype), y.to(device=ctx.device, dtype=dtype)
        q = activation_stats(net, xd)["pre_second_moment"][0].cpu().double().numpy()
        grad2 = gradient_norms(net, xd, yd, "mse")["pre_grad"][0].cpu().double().numpy() ** 2
        predicted = theory.variance_recursion("tanh", sw2 * float((x ** 2).mean()) + SB2, sw2, DEPTH, SB2)
        rows += [{"seed": seed, "layer": l + 1, "q": float(q[l]), "q_map": float(predicted[l]),
                  "grad2": float(grad2[l]), "chi_theory": chi} for l in range(DEPTH)]
        del net
    return rows


# -- shared by checks, controls, decide and figures ----------------------------------------
def _sw2(rec) -> np.ndarray:
    return np.array(sorted(rec["sw2"].unique()))


def _by_seed(rec, column: str) -> np.ndarray:
    """``(seeds, sw2 values, layers)``."""
    return np.stack([rec[rec["sw2"] == s].pivot(index="seed", columns="layer", values=column).sort_index().to_numpy()
                     for s in _sw2(rec)], axis=1)


def measured_chi(grad2: np.ndarray) -> np.ndarray:
    """Per seed and sw^2: geometric mean over layers of |d_l|^2 / |d_{l+1}|^2."""
    a, b = GRAD_LAYERS
    logs = np.log(grad2[..., a - 1:b - 1]) - np.log(grad2[..., a:b])
    return np.exp(logs.mean(axis=-1))


def _chi_theory(rec) -> np.ndarray:
    return rec.groupby("sw2")["chi_theory"].first().loc[_sw2(rec)].to_numpy()


def _q_gaps(rec) -> np.ndarray:
    """``(seeds, sw2 values * layers)``: the signed relative gap of q from the map, cell by cell."""
    g = _by_seed(rec, "q") / _by_seed(rec, "q_map") - 1
    return g.reshape(g.shape[0], -1)


def _chi_gaps(rec) -> np.ndarray:
    return measured_chi(_by_seed(rec, "grad2")) / _chi_theory(rec) - 1


def _one_sided(chi: np.ndarray, cells: np.ndarray, comparator: str) -> tuple[Interval, int]:
    """Per cell a t interval of the mean at the Bonferroni level 1 - 0.05 / m; the cell that
    decides: one wholly on the failing side if any (the farthest), else the closest to failing."""
    idx = np.flatnonzero(cells)
    level = 1 - 0.05 / len(idx)
    ivs = [mean_ci(chi[:, j], level=level) for j in idx]
    if comparator == "<":  # passes when the whole interval is below 1
        failing = [iv.low - 1 for iv in ivs]  # > 0: wholly above
        closeness = [iv.high for iv in ivs]
    else:
        failing = [1 - iv.high for iv in ivs]
        closeness = [-iv.low for iv in ivs]
    k = int(np.argmax(failing)) if max(failing) > 0 else int(np.argmax(closeness))
    return ivs[k], int(idx[k])


def _bonferroni_check(claim: str, name: str, description: str, iv: Interval, comparator: str, threshold: float,
                      **kw) -> Check:
    """`Check.of` for an interval at a Bonferroni level, its level written exactly (97.5%, not 98%)."""
    return Check(claim, name, description, value=iv.estimate, comparator=comparator, threshold=threshold,
                 ci_low=iv.low, ci_high=iv.high, n_seeds=iv.n, method=f"{iv.method}, {100 * iv.level:.4g}%", **kw)


# -- checks ---------------------------------------------------------------------------------
def checks(tables: dict) -> list[Check]:
    rec = tables["records"]
    sw2 = _sw2(rec)
    eq = equivalence(_q_gaps(rec), Q_TOL, level=EQUIVALENCE_LEVEL)
    j, layer = divmod(eq.worst, DEPTH)
    out = [Check.of(CLAIM, "q-matches-map",
                    f"Signed relative gap of measured q_l from the map in every one of the {eq.estimates.size} cells "
                    f"({DEPTH} layers × {len(sw2)} values of σw², {sw2.min():g}–{sw2.max():g}; simultaneous intervals, "
                    f"Bonferroni; shown: the worst cell, σw² = {sw2[j]:g}, layer {layer + 1})",
                    eq.interval(), "within", Q_TOL, theory=0.0)]
    chi = measured_chi(_by_seed(rec, "grad2"))  # (seeds, sw2)
    chi_th = _chi_theory(rec)
    for name, cells, comparator, what in (
            ("ordered-gradients-shrink", chi_th < 1, "<", "below 1 wherever theory puts χ < 1"),
            ("chaotic-gradients-grow", chi_th > 1, ">", "above 1 wherever theory puts χ > 1")):
        iv, k = _one_sided(chi, cells, comparator)
        out.append(_bonferroni_check(CLAIM, name,
                            f"Per-layer growth χ of the squared gradient (layers {GRAD_LAYERS[0]}–{GRAD_LAYERS[1]}), "
                            f"{what} (σw² = {', '.join(f'{v:g}' for v in sw2[cells])}; intervals at the Bonferroni "
                            f"level; shown: σw² = {sw2[k]:g}, the closest to failing)", iv, comparator, 1.0,
                            theory=float(chi_th[k])))
    eq = equivalence(_chi_gaps(rec), CHI_TOL, level=EQUIVALENCE_LEVEL)
    out.append(Check.of(CLAIM, "chi-matches-theory",
                        f"Signed relative gap of measured χ from the theory's, for every σw² (simultaneous intervals, "
                        f"Bonferroni; shown: σw² = {sw2[eq.worst]:g}, the worst)", eq.interval(), "within", CHI_TOL,
                        theory=0.0))
    return out


# -- controls -------------------------------------------------------------------------------
def _replace_grad2(rec, targets, source: float):
    """The records with the gradients of every sw^2 in ``targets`` replaced by those of
    ``source`` (same seed, same layer): networks whose gradients behave as at ``source``."""
    out = rec.copy()
    src = rec[rec["sw2"] == source].set_index(["seed", "layer"])["grad2"]
    mask = rec["sw2"].isin(targets).to_numpy()
    keys = list(zip(rec.loc[mask, "seed"], rec.loc[mask, "layer"]))
    out.loc[mask, "grad2"] = src.reindex(keys).to_numpy()
    return out


def _scale_chi(rec, factor_by_sw2: dict):
    """The records with every measured chi multiplied by the given factor, through the
    gradients: |d_l|^2 times c^(-l) multiplies each ratio |d_l|^2 / |d_{l+1}|^2 by c."""
    out = rec.copy()
    c = rec["sw2"].map(factor_by_sw2).to_numpy(dtype=float)
    out["grad2"] = rec["grad2"].to_numpy() * c ** (-rec["layer"].to_numpy(dtype=float))
    return out


def controls(tables: dict) -> list[Control]:
    rec = tables["records"]
    sw2 = _sw2(rec)
    chi_th = _chi_theory(rec)
    ratio = (rec["q"] / rec["q_map"])
    mean_ratio = ratio.groupby([rec["sw2"], rec["layer"]]).transform("mean").to_numpy()
    centred_q = rec.assign(q=rec["q"].to_numpy() / mean_ratio)
    out = [Control("q-matches-map", "positive", {"records": centred_q},
                   "each cell's q divided by its mean ratio to the map: the map right in every cell, the real "
                   "seed-to-seed noise kept"),
           Control("q-matches-map", "negative", {"records": centred_q.assign(q=centred_q["q"] * 1.10)},
                   "the same, then 10% above the map in every cell: twice the tolerance")]
    ordered, chaotic = sw2[chi_th < 1], sw2[chi_th > 1]
    low, high = float(sw2.min()), float(sw2.max())
    out += [Control("ordered-gradients-shrink", "positive", {"records": _replace_grad2(rec, ordered, low)},
                    f"every ordered σw² given the gradients of σw² = {low:g}, deep in the ordered phase"),
            Control("ordered-gradients-shrink", "negative", {"records": _replace_grad2(rec, ordered, high)},
                    f"every ordered σw² given the gradients of σw² = {high:g}, which grow"),
            Control("chaotic-gradients-grow", "positive", {"records": _replace_grad2(rec, chaotic, high)},
                    f"every chaotic σw² given the gradients of σw² = {high:g}, deep in the chaotic phase"),
            Control("chaotic-gradients-grow", "negative", {"records": _replace_grad2(rec, chaotic, low)},
                    f"every chaotic σw² given the gradients of σw² = {low:g}, which shrink")]
    chi = measured_chi(_by_seed(rec, "grad2")).mean(axis=0)
    centre = {s: float(t / m) for s, t, m in zip(sw2, chi_th, chi)}
    out += [Control("chi-matches-theory", "positive", {"records": _scale_chi(rec, centre)},
                    "each σw²'s measured χ scaled to the theory's on average, the real noise kept"),
            Control("chi-matches-theory", "negative", {"records": _scale_chi(rec, {s: 1.25 * c for s, c in centre.items()})},
                    "the same, then 25% above the theory: 2.5 times the tolerance")]
    return out


# -- measurements ---------------------------------------------------------------------------
def critical_sw2(sb2: float) -> float:
    """The sw^2 at which the theory's chi is 1, for bias variance sb2 (the order-to-chaos edge)."""
    from scipy.optimize import brentq

    from nnclaims.numeric import theory

    return float(brentq(lambda s: theory.chi("tanh", s, sb2) - 1.0, 1.0, 3.0, xtol=1e-10))


def _measured_crossing(sw2: np.ndarray, chi: np.ndarray) -> float:
    """Where the mean measured log chi crosses 0, by linear interpolation between grid values."""
    y = np.log(chi.mean(axis=0))
    for k in range(len(sw2) - 1):
        if y[k] < 0 <= y[k + 1]:
            return float(sw2[k] + (sw2[k + 1] - sw2[k]) * (-y[k]) / (y[k + 1] - y[k]))
    return float("nan")


def measurements(tables: dict) -> list[Measurement]:
    rec = tables["records"]
    sw2 = _sw2(rec)
    chi = measured_chi(_by_seed(rec, "grad2"))
    edge = critical_sw2(SB2)
    out = [Measurement(CLAIM, "critical-sw2-theory",
                       f"σw² at which the theory's χ equals 1 for σb² = {SB2:g} (the edge of chaos), computed from "
                       f"the map by root finding", value=edge, theory=edge,
                       reference=f"{ANCHOR} (Schoenholz et al. 2017)"),
           Measurement(CLAIM, "critical-sw2-measured",
                       "σw² at which the measured χ (mean over seeds) crosses 1, interpolated linearly in log χ "
                       "between the grid's values of σw²", value=_measured_crossing(sw2, chi), n_seeds=chi.shape[0],
                       theory=edge, reference=f"{ANCHOR} (Schoenholz et al. 2017)")]
    gaps = _by_seed(rec, "q") / _by_seed(rec, "q_map") - 1
    for j, s in enumerate(sw2):
        out.append(Measurement.of(CLAIM, f"chi-sw2-{s:g}", f"σw² = {s:g}: measured χ", mean_ci(chi[:, j]),
                                  theory=float(rec[rec["sw2"] == s]["chi_theory"].iloc[0])))
        out.append(Measurement.of(CLAIM, f"q-gap-sw2-{s:g}",
                                  f"σw² = {s:g}: signed relative gap of q_l from the map, averaged over the {DEPTH} layers",
                                  mean_ci(gaps[:, j].mean(axis=1)), theory=0.0))
    return out


CHANGES = [
    Change("q-matches-map", "q-matches-map",
           "A percentile bootstrap of the largest absolute gap over 240 cells (biased upwards by noise) -> an "
           "equivalence test of the signed gap in every cell (rule 3, Bonferroni), at width 1024 with seeds by power."),
    Change("ordered-gradients-shrink", "ordered-gradients-shrink",
           "A percentile bootstrap of the largest χ -> a t interval per σw² at the Bonferroni level, the worst shown."),
    Change("chaotic-gradients-grow", "chaotic-gradients-grow",
           "A percentile bootstrap of the smallest χ -> a t interval per σw² at the Bonferroni level, the worst shown."),
    Change("chi-matches-theory", "chi-matches-theory",
           "A percentile bootstrap of the largest absolute error -> an equivalence test of the signed gap per σw² "
           "(rule 3, Bonferroni)."),
]


# -- exploration: seeds by power ------------------------------------------------------------
def _equivalence_plan(gaps: np.ndarray, tol: float, cap: int):
    """The plan of the cell (column) that needs the most seeds to settle inside or outside ±tol,
    for an interval at the check's own per-cell (Bonferroni) level when that exceeds rule 6's 95%."""
    gaps = np.asarray(gaps, dtype=float)
    level = max(0.95, 1 - (1 - EQUIVALENCE_LEVEL) / gaps.shape[1])
    plans = [required_seeds(g.mean(), math.copysign(tol, g.mean()), sd=g.std(ddof=1), n_pilot=len(g), maximum=cap,
                            level=level) for g in gaps.T]
    return max(plans, key=lambda p: p.needed)


def decide(tables: dict, profile: str) -> Decisions:
    rec = tables["records"]
    cap = SEED_CAP[profile]
    chi = measured_chi(_by_seed(rec, "grad2"))
    chi_th = _chi_theory(rec)
    plans = {"q-matches-map": _equivalence_plan(_q_gaps(rec), Q_TOL, cap)}
    for name, cells in (("ordered-gradients-shrink", chi_th < 1), ("chaotic-gradients-grow", chi_th > 1)):
        level = 1 - 0.05 / int(cells.sum())  # the check's Bonferroni level
        cell_plans = [required_seeds(c.mean(), 1.0, sd=c.std(ddof=1), n_pilot=len(c), maximum=cap, level=level)
                      for c in chi[:, cells].T]
        plans[name] = max(cell_plans, key=lambda p: p.needed)
    plans["chi-matches-theory"] = _equivalence_plan(_chi_gaps(rec), CHI_TOL, cap)
    return Decisions({}, combine_plans(plans, maximum=cap),
                     ["For each check, the cell that needs the most seeds decides its plan, planned for the check's "
                      "own per-cell level (Bonferroni) rather than 95% where that is higher."])


# -- analysis: the tables the figures draw ---------------------------------------------------
def analysis(tables: dict) -> dict:
    """Per σw² and layer: the geometric-mean variance and gradient, the gap to the map with
    its simultaneous interval's verdict; per σw²: the measured χ and the theory's curve."""
    import pandas as pd

    from nnclaims.numeric import theory

    rec = tables["records"]
    sw2 = _sw2(rec)
    q, qmap, grad2 = _by_seed(rec, "q"), _by_seed(rec, "q_map"), _by_seed(rec, "grad2")
    gaps = q / qmap - 1
    eq = equivalence(gaps.reshape(gaps.shape[0], -1), Q_TOL, level=EQUIVALENCE_LEVEL)
    outside = (eq.lows > Q_TOL) | (eq.highs < -Q_TOL)
    g = np.exp(np.log(grad2).mean(axis=0))
    cells = pd.DataFrame({"sw2": np.repeat(sw2, DEPTH), "layer": np.tile(np.arange(1, DEPTH + 1), len(sw2)),
                          "q": np.exp(np.log(q).mean(axis=0)).ravel(), "q_map": qmap[0].ravel(),
                          "grad_rel": (g / g[:, -1:]).ravel(), "gap": eq.estimates, "outside": outside,
                          "open": ~outside & ((eq.lows < -Q_TOL) | (eq.highs > Q_TOL))})
    chi = [mean_ci(c, method="t") for c in measured_chi(grad2).T]
    dense = np.linspace(0.3, 4.2, 80)
    return {"layers": cells, "chi": pd.DataFrame({"sw2": sw2, "estimate": [iv.estimate for iv in chi],
                                                  "low": [iv.low for iv in chi], "high": [iv.high for iv in chi]}),
            "chi_theory": pd.DataFrame({"sw2": dense, "chi": [theory.chi("tanh", s, SB2) for s in dense]})}


# -- figures --------------------------------------------------------------------------------
CAPTION = (
    "Top left: the mean square of the pre-activations per layer (geometric mean over seeds, markers) on the mean-field "
    "map (dashed) for each σw². Top right: squared gradient norms from the last layer back to the first; they shrink "
    "below the critical σw² and grow above it. Bottom left: where the map holds: the mean signed gap in every layer × "
    "σw² cell (blue below the map, red above), circles where the cell's simultaneous interval reaches past ±5%, "
    "crosses where it lies wholly past. Bottom right: the per-layer factor χ measured against the theory's curve, "
    "with the edge of chaos computed from the theory next to the published 1.76.")
ALT = (
    "Four panels: variance curves converging to fixed points along dashed theory lines; gradient norms decaying or "
    "growing through the layers depending on σw²; a heat map of the gap between measured and predicted variance over "
    "layers and σw²; measured chi points on the theoretical chi curve, crossing 1 near 1.76.")



def _edge_of_chaos(tables: dict) -> list:
    """χ = 1 and the edge the theory computes, found when drawn (no root-finding on import)."""
    edge = critical_sw2(SB2)
    return [Line(1.0, reference=True), Line(edge, f"χ = 1 at σw² = {edge:.3f} (published: {ANCHOR})", axis="x")]


_PER_SW2 = dict(group="sw2", labels="σw² = {:g}", ylog=True, xlabel="layer")
FIGURES = [figure("mean_field", CLAIM, main=True, caption=CAPTION, alt=ALT, ncols=2, size=(12.5, 9), panels=[
    lines(rows_of("layers"), "layer", "q", **_PER_SW2, ylabel="q_l (log)",
          theory=Theory(rows_of("layers"), "layer", "q_map", "map (dashed)", group="sw2"),
          title="Variance: measured (markers), map (dashed)"),
    lines(rows_of("layers"), "layer", "grad_rel", **_PER_SW2, ylabel="|∂loss/∂z_l|² relative to the last layer (log)",
          title="Gradients backwards through the layers"),
    cell_map(rows_of("layers"), "sw2", "layer", "gap", label="signed relative gap", signed=True,
             limit=From(lambda T: max(2 * Q_TOL, float(T["layers"]["gap"].abs().max()))), xlabel="layer", ylabel="σw²",
             marks={"open": ("o", "interval reaches past ±5%"), "outside": ("x", "interval wholly past ±5%")},
             title=From(lambda T: "Where does the map hold? Mean gap q/map − 1 "
                                  f"({T['records']['seed'].nunique()} seeds)")),
    regime(rows_of("chi"), "sw2", labels="measured (mean, 95% t interval)",
           theory=Theory(rows_of("chi_theory"), "sw2", "chi", "theory χ"),
           threshold=From(_edge_of_chaos),
           phrase="χ < 1: order; χ > 1: chaos", xlabel="σw²", ylabel="χ: per-layer growth of |gradient|²",
           title=f"Order (χ<1) and chaos (χ>1), σb² = {SB2:g}")])]
figures = drawer(FIGURES)
