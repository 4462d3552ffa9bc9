"""Networks born dead, decided: the checks of a born-dead table, their controls, and the
tables its figure draws.

The catalogue's add-on to the dying-ReLU claim (Lu, Shin, Su and Karniadakis 2020), tagged
``supporting``: the probability that a random ReLU network is constant on the domain rises
with depth at every width (with zero biases and with biases drawn N(0, 1)), falls with
width at the largest depth, and the pointwise counts agree with the simple model
1 − (1 − 2^−w)^(d−1) within a tolerance. The statistics of the table are
`nnclaims.evidence.born_dead`'s; this module words them as checks and controls.
"""

from __future__ import annotations

import math

from .born_dead import depth_trends, model_controls, model_test, sorted_by_depth, width_gap, widths_apart
from .checks import Check
from .experiment import Change, Control

# (bias std, check, words): the depth trend is tested with zero biases and with biases N(0, 1)
DEPTH_CHECKS = ((0.0, "born-dead-rises-with-depth", "zero biases"),
                (1.0, "born-dead-rises-with-depth-biased", "biases drawn N(0, 1)"))
_P3_BORN = (" Protocol 3 (amended catalogue): a network is constant on [−1, 1] as decided exactly, no longer on 257 "
            "points (the grid missed a 7×10⁻⁴-wide bump in a pilot; it stays as a counted cross-check); only this part "
            "reran, on fresh networks from protocol 3's seed blocks (30000+, 40000+).")
BORN_CHANGES = [  # protocol 1 -> 2 -> 3 (rules 10, 17); the full story in docs/experiments/dying_relu.md
    Change("born-dead-rises-with-depth", "born-dead-rises-with-depth",
           "Depth 50 against depth 2 at width 2 only became a logistic trend over depth at every width "
           "(Bonferroni), with zero biases and with biases N(0, 1) (born-dead-rises-with-depth-biased)." + _P3_BORN),
    Change("born-dead-falls-with-width", "born-dead-falls-with-width",
           "Kept from protocol 1 in protocol 2." + _P3_BORN),
    Change("pointwise-death-matches-model", "pointwise-death-matches-model",
           "The largest absolute gap over cells (a maximum compared with 0.05 without an interval) became a per-cell "
           "equivalence test with Bonferroni-corrected Wilson intervals (rule 3); the number of networks per cell "
           "is planned by power (rule 6)."),
]


def born_checks(claim: str, born, tol: float) -> list[Check]:
    """The depth trends (Bonferroni over widths, shown: the worst width), the width gap at
    the largest depth (Newcombe) and the model test of every zero-bias cell within ``tol``."""
    out = []
    level = 1 - 0.05 / len(born["width"].unique())
    for bias_std, name, what in DEPTH_CHECKS:
        slopes = depth_trends(born, bias_std, level)
        width, iv = min(slopes, key=lambda s: s[1].low if s[1].high >= 0 else -math.inf)
        out.append(Check.of(claim, name, f"Born dead ({what}): slope of a logistic fit of the probability of a "
                                         f"network constant on [−1, 1] (decided exactly) against depth, every width "
                                         f"(Bonferroni over {len(slopes)} widths); shown: the worst width, {width}",
                            iv, ">", 0.0, unit="log-odds per layer", basis="supporting"))
    iv, dmax, wmin, wmax = width_gap(born)
    out.append(Check.of(claim, "born-dead-falls-with-width",
                        f"Probability of a network constant on [−1, 1] at birth (zero biases, decided exactly), depth "
                        f"{dmax}: width {wmin} minus width {wmax} (Newcombe interval)", iv, ">", 0.0,
                        basis="supporting"))
    eq, zero = model_test(born, tol)
    w = zero.iloc[eq.worst]
    out.append(Check.of(claim, "pointwise-death-matches-model",
                        f"P(dead at x = 1) minus the model 1 − (1 − 2^−w)^(d−1), every one of {len(zero)} width × "
                        f"depth cells (zero biases; Wilson, Bonferroni); shown: the worst cell, "
                        f"width {int(w['width'])}, depth {int(w['depth'])}", eq.interval(), "within", tol, theory=0.0,
                        basis="supporting"))  # born dead: the catalogue's add-on (Lu et al.), not the chapter's
    return out


def born_controls(born) -> list[Control]:
    """Counts sorted to rise (pass) or fall (fail) with depth; the widest nets at half the
    narrowest's (pass) or swapped (fail); counts drawn from the model (pass) or from the
    model with the width off by one (fail)."""
    out = []
    for bias_std, name, _ in DEPTH_CHECKS:
        out += [Control(name, "positive", {"born": sorted_by_depth(born, bias_std, rising=True)},
                        "each width's counts sorted to rise with depth"),
                Control(name, "negative", {"born": sorted_by_depth(born, bias_std, rising=False)},
                        "each width's counts sorted to fall with depth")]
    out += [Control("born-dead-falls-with-width", "positive", {"born": widths_apart(born, swap=False)},
                    "the widest nets' probability set to half of the narrowest's"),
            Control("born-dead-falls-with-width", "negative", {"born": widths_apart(born, swap=True)},
                    "the narrowest and the widest nets' counts swapped")]
    drawn, shifted = model_controls(born)
    return out + [Control("pointwise-death-matches-model", "positive", {"born": drawn},
                          "counts drawn by the experiment from the model itself"),
                  Control("pointwise-death-matches-model", "negative", {"born": shifted},
                          "the model with the width off by one, 1 − (1 − 2^−(w+1))^(d−1)")]


def born_tables(born, tol: float) -> dict:
    """``born_constant``: the probability of a constant network per cell, with the model;
    ``born_model_gaps``: each zero-bias cell's gap to the model with its simultaneous interval."""
    import pandas as pd

    eq, zero = model_test(born, tol)
    return {"born_constant": born.assign(p_constant=born["constant"] / born["nets"])[
                ["bias_std", "width", "depth", "p_constant", "model"]],
            "born_model_gaps": pd.DataFrame({"width": zero["width"], "depth": zero["depth"], "estimate": eq.estimates,
                                             "low": eq.lows, "high": eq.highs})}
