"""Dead units in training, in numbers: who comes back, per seed, and trends over a setting.

The tables are `nnclaims.nn.dead_units.unit_counts`'s: *units*, one row per (network,
hidden layer) with the units dead (``dead_half``) and would-be-dead (``wbd_half``) at
half-time and those that came back by the end (``revived``, ``wbd_back``); *networks*, one
row per network with its ``dead_end`` of ``units``. The caller picks the rows (an
activation, a sweep, no diverged network). The seed is the unit throughout: the units of
one network, and the runs of one seed (same initial weights, same data order), are not
independent trials, so counts are pooled within a seed and the seeds averaged.
"""

from __future__ import annotations

import math

import numpy as np

from .stats import Interval, SeedPlan, logistic_fit, mean_ci, required_seeds


def revival_by_seed(units):
    """Per hidden layer and seed: the share of the units dead at half-time that are alive at
    the end, pooled over that seed's rows (a frame: layer, seed, revived, dead_half, share;
    a seed without dead units in a layer has no share)."""
    u = units.groupby(["layer", "seed"])[["revived", "dead_half"]].sum().reset_index()
    return u.assign(share=u["revived"] / u["dead_half"].where(u["dead_half"] > 0))


def revival_intervals(units, level: float) -> list[tuple[int, int, int, Interval]]:
    """Per hidden layer: (layer, revived, dead at half-time, the interval at ``level`` of the
    mean share over seeds; no interval with fewer than two seeds that have dead units)."""
    out = []
    for layer, g in revival_by_seed(units).groupby("layer"):
        shares = g["share"].dropna().to_numpy()
        k, n = int(g["revived"].sum()), int(g["dead_half"].sum())
        iv = (mean_ci(shares, level=level) if len(shares) >= 2
              else Interval(math.nan, math.nan, math.nan, "t", len(shares), level))
        out.append((int(layer), k, n, iv))
    return out


def deciding_layer(revival: list[tuple[int, int, int, Interval]], limit: float):
    """The layer that decides "at most ``limit`` revive" (a `revival_intervals` entry): one
    wholly above the limit if any (the farthest), else one without an interval, else the
    one whose upper end is highest."""
    above = [r for r in revival if r[3].low > limit]
    if above:
        return max(above, key=lambda r: r[3].low)
    empty = [r for r in revival if math.isnan(r[3].high)]
    return empty[0] if empty else max(revival, key=lambda r: r[3].high)


def comeback_by_seed(units):
    """Per seed: the share of would-be-dead units at half-time that come back by the end,
    pooled over layers and rows (Series by seed; NaN where none would be dead)."""
    u = units.groupby("seed")[["wbd_back", "wbd_half"]].sum()
    return (u["wbd_back"] / u["wbd_half"].where(u["wbd_half"] > 0)).sort_index()


def slopes_by_seed(networks) -> np.ndarray:
    """Per seed with at least two values of the setting ``x``: the slope of a Firth
    logistic fit of ``dead_end`` of ``units`` against ``x``."""
    out = []
    for _, g in networks.groupby("seed"):
        if g["x"].nunique() >= 2:
            out.append(logistic_fit(g["x"].to_numpy(), g["dead_end"].to_numpy(), g["units"].to_numpy()).slope.estimate)
    return np.array(out)


def sorted_by_seed(networks, sweep, rising: bool):
    """A control table: ``networks`` with each seed's ``dead_end`` over the ``sweep`` rows
    (a subset of ``networks`` with a column ``x``) sorted to rise (or fall) with ``x``."""
    n = networks.copy()
    for _, g in sweep.groupby("seed"):
        order = g.sort_values("x").index
        values = np.sort(g["dead_end"].to_numpy())
        n.loc[order, "dead_end"] = values if rising else values[::-1]
    return n


def comeback_raised(units, rows: np.ndarray, base, above: float):
    """A control table: ``units`` with the ``rows``' (a boolean mask) comebacks set so that
    their seed's share is ``base`` (a share by seed) plus ``above``, capped at 1."""
    u = units.copy()
    share = np.minimum(u.loc[rows, "seed"].map(base).to_numpy() + above, 1.0)
    u.loc[rows, "wbd_back"] = np.round(np.nan_to_num(share) * u.loc[rows, "wbd_half"].to_numpy()).astype(int)
    return u


def revival_plan(units, limit: float, level: float, maximum: int) -> SeedPlan:
    """Rule 6 for "at most ``limit`` revive" in every layer (each at ``level``): the seeds the
    layer that needs the most asks for; a layer with fewer than two pilot seeds that have
    dead units gives nothing to plan from, so the cap."""
    plans = []
    for layer, g in revival_by_seed(units).groupby("layer"):
        v = g["share"].dropna().to_numpy()
        if len(v) >= 2:
            plans.append(required_seeds(v.mean(), limit, sd=v.std(ddof=1), n_pilot=len(v), maximum=maximum,
                                        level=level))
        else:
            plans.append(SeedPlan(maximum, maximum + 1, True, math.nan, None, limit, math.nan, math.nan,
                                  f"Layer {layer}: fewer than two pilot seeds with dead units; the cap, {maximum}."))
    return max(plans, key=lambda p: p.needed)
