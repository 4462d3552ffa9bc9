"""Networks born dead, in numbers: the simple model and the statistics of a table of counts.

A *born-dead table* has one row per cell of random ReLU networks (``bias_std``, ``width``,
``depth``): ``nets`` drawn and ``constant`` of them constant over the domain; for zero
biases also ``point_nets`` and ``dead_at_point`` (an all-zero hidden layer at one input),
the simple model's probability ``model`` and a count ``model_draw`` drawn from it (what
`nnclaims.nn.born_dead` counts). Since protocol 3, ``constant`` is decided exactly and the
257-point grid's own verdict is kept beside it as a cross-check (``grid_constant``,
``grid_missed``: constant on the grid but not exactly, ``grid_extra``: the reverse,
``checked_exactly``: the networks that the grid's rounding-aware screen and the float
certificate of constancy left to exact arithmetic). Here: how the probability of being constant moves with depth and width, how
the pointwise counts compare with the model, and the control tables that make each of those
true or false by construction, how many networks each cell needs (rule 6), and the
measurements of such a table.
"""

from __future__ import annotations

import numpy as np

from .checks import Measurement
from .interval_plans import plan_from_interval
from .stats import (
    Equivalence, Interval, SeedPlan, equivalence_proportions, logistic_fit, newcombe, required_seeds, wilson,
)


def model(width: int, depth: int) -> float:
    """P(some hidden layer outputs all zeros at one input) for a ReLU net of ``depth`` layers
    (``depth - 1`` hidden layers of ``width`` units) with symmetric weights and zero biases:
    each layer is all zeros with probability 2^-width, independently given the one before."""
    return 1 - (1 - 2.0**-width) ** (depth - 1)


def depth_trends(born, bias_std: float, level: float) -> list[tuple[int, Interval]]:
    """Per width: the slope of a (Firth) logistic fit of constant networks against depth,
    with its interval at ``level`` (networks are independent)."""
    b = born[born["bias_std"] == bias_std]
    return [(int(w), logistic_fit(g["depth"].to_numpy(), g["constant"].to_numpy(), g["nets"].to_numpy(),
                                  level=level).slope) for w, g in b.groupby("width")]


def width_gap(born) -> tuple[Interval, int, int, int]:
    """At the largest depth (zero biases): P(constant) of the narrowest minus the widest
    networks (Newcombe interval), with that depth and the two widths."""
    b = born[born["bias_std"] == 0]
    dmax, wmin, wmax = int(b["depth"].max()), int(b["width"].min()), int(b["width"].max())
    cell = lambda w: b[(b["width"] == w) & (b["depth"] == dmax)].iloc[0]  # noqa: E731
    a, c = cell(wmin), cell(wmax)
    return newcombe(int(a["constant"]), int(a["nets"]), int(c["constant"]), int(c["nets"])), dmax, wmin, wmax


def model_test(born, tol: float) -> tuple[Equivalence, object]:
    """Every zero-bias cell's P(dead at the point) against the model, within ``tol``
    (Bonferroni-corrected Wilson intervals); with the cells tested, in order."""
    b = born[born["bias_std"] == 0].reset_index(drop=True)
    return equivalence_proportions(b["dead_at_point"].to_numpy(), b["point_nets"].to_numpy(), b["model"].to_numpy(),
                                   tol), b


def sorted_by_depth(born, bias_std: float, rising: bool):
    """A control table: each width's shares of constant networks sorted to rise (or fall)
    with depth, the counts scaled back to each cell's number of networks."""
    b = born.copy()
    for _, g in born[born["bias_std"] == bias_std].groupby("width"):
        order = g.sort_values("depth").index
        share = np.sort(g["constant"].to_numpy() / g["nets"].to_numpy())
        share = share if rising else share[::-1]
        b.loc[order, "constant"] = np.round(share * g.loc[order, "nets"].to_numpy()).astype(int)
    return b


def widths_apart(born, swap: bool):
    """A control table for `width_gap`: at the largest depth, the widest networks' share set
    to half the narrowest's, or (``swap``) the two widths' counts swapped."""
    b = born.copy()
    _, dmax, wmin, wmax = width_gap(born)
    at = lambda w: ((b["bias_std"] == 0) & (b["width"] == w) & (b["depth"] == dmax)).to_numpy()  # noqa: E731
    narrow, wide = b.loc[at(wmin), ["constant", "nets"]].iloc[0], b.loc[at(wmax), ["constant", "nets"]].iloc[0]
    if swap:
        b.loc[at(wmin), ["constant", "nets"]] = wide.to_numpy()
        b.loc[at(wmax), ["constant", "nets"]] = narrow.to_numpy()
    else:
        b.loc[at(wmax), "constant"] = int(round(narrow["constant"] / narrow["nets"] / 2 * wide["nets"]))
    return b


def model_controls(born):
    """Control tables for `model_test`: (the pointwise counts drawn from the model itself,
    the model with the width off by one)."""
    zero = (born["bias_std"] == 0).to_numpy()
    drawn = born.copy()
    drawn.loc[zero, "dead_at_point"] = born.loc[zero, "model_draw"]
    shifted = born.copy()
    shifted.loc[zero, "model"] = [model(int(w) + 1, int(d)) for w, d in zip(born.loc[zero, "width"],
                                                                             born.loc[zero, "depth"])]
    return drawn, shifted


def networks_for_model_test(born, tol: float, n_pilot: int, minimum: int, maximum: int) -> SeedPlan:
    """Rule 6 for `model_test`: networks per cell so that every cell's simultaneous (90%,
    Bonferroni) Wilson interval clears the nearer end of ±``tol``; the cell that needs the
    most decides."""
    eq, b = model_test(born, tol)
    level = 1 - 0.10 / len(b)
    return max((required_seeds(float(r["dead_at_point"] / r["point_nets"]), float(r["model"] + np.sign(g or 1.0) * tol),
                               kind="proportion", n_pilot=n_pilot, maximum=maximum, minimum=minimum, level=level)
                for (_, r), g in zip(b.iterrows(), eq.estimates)), key=lambda p: p.needed)


def networks_for_trends(born, bias_stds, n_pilot: int, minimum: int, maximum: int) -> SeedPlan:
    """Rule 6 for `depth_trends` (every width, Bonferroni, each of ``bias_stds``) and
    `width_gap`: networks per cell so that each interval's half-width is at most a third of
    its estimate's distance to 0; the test that needs the most decides."""
    widths = len(born["width"].unique())
    plans = [plan_from_interval(f"depth trend, width {w}, bias std {bias_std:g}", iv.estimate, iv.half_width, n_pilot,
                                "networks", minimum, maximum)
             for bias_std in bias_stds for w, iv in depth_trends(born, bias_std, 1 - 0.05 / widths)]
    iv, *_ = width_gap(born)
    plans.append(plan_from_interval("width gap", iv.estimate, iv.half_width, n_pilot, "networks", minimum, maximum))
    return max(plans, key=lambda p: p.needed)


def grid_disagreements(born, claim: str) -> list[Measurement]:
    """How often the 257-point grid's verdict (equal floats on every point) and the exact
    decision disagree, each way, over every cell; and how many networks needed exact arithmetic."""
    n = int(born["nets"].sum())
    missed, extra, checked = (int(born[k].sum()) for k in ("grid_missed", "grid_extra", "checked_exactly"))
    return [Measurement(claim, "born-grid-disagreements",
                        f"Born-dead networks on which the 257-point grid and the exact decision disagree, of {n:,}: "
                        f"constant on the grid but not exactly {missed}, the reverse {extra} ({checked:,} networks "
                        "that the grid's rounding-aware screen and the float certificate of constancy left to "
                        "exact arithmetic)", value=float(missed + extra)),
            Measurement(claim, "born-grid-missed", "Born-dead networks constant on the 257-point grid but not on "
                        "[−1, 1] (a bump between the points, or below rounding)", value=float(missed))]


def born_measurements(born, claim: str, bias_stds, widths=(2, 3, 5, 10), depth: int = 10) -> list[Measurement]:
    """Networks dead at initialization: the pointwise model's largest gap, the code's and the
    grid's cross-checks, and at ``depth`` by width the born-dead (and dead-at-a-point) shares."""
    zero = born[born["bias_std"] == 0]
    p, n = zero["model"], zero["point_nets"]
    se = np.maximum(np.sqrt(p * (1 - p) / n), 1 / n)
    out = [Measurement(claim, "pointwise-gap-in-standard-errors",
                       "Largest gap between P(dead at x = 1) and the model, in binomial standard errors",
                       value=float(((zero["dead_at_point"] / n - p) / se).abs().max()), n_seeds=int(n.min()),
                       unit="standard errors"),
           Measurement(claim, "born-probe-disagreements",
                       "Born-dead networks where the grid's layer-by-layer early exit and the library's "
                       "constant_output probe disagree (first 64 networks of every cell)",
                       value=float(born["probe_disagreements"].sum())), *grid_disagreements(born, claim)]
    for bias_std in bias_stds:
        for w in widths:
            c = born[(born["bias_std"] == bias_std) & (born["width"] == w) & (born["depth"] == depth)]
            if not len(c):
                continue
            c, biases = c.iloc[0], "biases N(0, 1)" if bias_std else "zero biases"
            out.append(Measurement.of(claim, f"born-dead-depth{depth}-width{w}" + ("-biased" if bias_std else ""),
                                      f"Born dead (constant on [−1, 1], decided exactly) at depth {depth}, width {w}, "
                                      f"{biases}", wilson(int(c["constant"]), int(c["nets"]))))
            if not bias_std:
                out.append(Measurement.of(claim, f"dead-at-point-depth{depth}-width{w}",
                                          f"An all-zero hidden layer at x = 1, depth {depth}, width {w}, zero biases "
                                          "(theory: the simple model)",
                                          wilson(int(c["dead_at_point"]), int(c["point_nets"])), theory=c["model"]))
    return out
