"""Dead units in training, reported: the measurements beside the dying-ReLU checks.

What the checks do not decide but a reader wants to see: Leaky ReLU's zero-gradient
fraction (none, by its derivative), the largest gradient reaching a dead unit in any layer,
the revival share per layer, the comeback shares, the dead fraction per activation at the
top learning rate, the pooled logistic slopes (too narrow an interval, for comparison) and
PReLU's learned slopes. The selections of the tables (which networks, which seeds) are the
experiment's; it hands them over already made (`nnclaims.evidence.dead_units` computes them).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .checks import Measurement
from .stats import logistic_fit, mean_ci

SWEEPS = {"lr": "log10(learning rate)", "shift": "negative bias shift"}


def training_measurements(claim: str, rec, nets, revival: list, top: float, comebacks: Mapping,
                          sweeps: Mapping, acts: Sequence[str]) -> list[Measurement]:
    """``rec``: the recorded steps; ``nets``: one row per network; ``revival``: (layer,
    revived, dead, interval) per layer; ``comebacks``: activation -> comeback share per seed at
    the ``top`` learning rate; ``sweeps``: ``lr``/``shift`` -> the ReLU networks of that sweep."""
    live = rec[~rec["diverged"].astype(bool)]
    leaky, relu = live[live["activation"] == "leaky_relu"], live[live["activation"] == "relu"]
    out = [Measurement(claim, "leaky_relu-never-dead",
                       "Leaky ReLU: largest fraction of zero-gradient hidden units, any run, any recorded step (a "
                       "theorem: its derivative is 0.01 or 1)", value=leaky["dead_fraction"].max(),
                       n_seeds=int(leaky["seed"].nunique())),
           Measurement(claim, "dead-get-zero-gradient-every-layer",
                       "Largest |gradient| on the incoming weights of dead ReLU units in any hidden layer",
                       value=relu["max_dead_grad_all"].max(), n_seeds=int(relu["seed"].nunique()))]
    out += [Measurement.of(claim, f"revived-layer-{layer}", f"ReLU, hidden layer {layer}: share of units dead at "
                           f"half-time alive at the end ({k} of {n:,})", iv) for layer, k, n, iv in revival if n]
    for a, shares in comebacks.items():
        c = shares.dropna()
        if len(c) > 1:
            out.append(Measurement.of(claim, f"comeback-{a}",
                                      f"{a}, learning rate {top:g}: share of would-be-dead units at half-time that "
                                      "come back by the end (mean over seeds)", mean_ci(c.to_numpy())))
    for a in acts:
        f = nets[(nets["activation"] == a) & (nets["shift"] == 0) & np.isclose(nets["lr"], top)]
        ok = f[~f["diverged"].astype(bool)]
        if len(ok) > 1:
            out.append(Measurement.of(claim, f"dead-fraction-{a}-top-lr",
                                      f"{a}: fraction of hidden units with pre-activation ≤ 0 on every example after "
                                      f"training at learning rate {top:g} ({int(f['diverged'].sum())} diverged "
                                      "networks left out)", mean_ci((ok["wbd_end"] / ok["units"]).to_numpy())))
    for which, s in sweeps.items():
        fit = logistic_fit(s["x"].to_numpy(), s["dead_end"].to_numpy(), s["units"].to_numpy())
        out.append(Measurement.of(claim, f"pooled-slope-{which}",
                                  f"ReLU: slope of one logistic fit of dead units against {SWEEPS[which]}, pooling "
                                  "every unit of every network as an independent trial (too narrow an interval; for "
                                  "comparison)", fit.slope, unit="log-odds per unit"))
    return out


def prelu_measurements(claim: str, slopes) -> list[Measurement]:
    """PReLU's learned negative-side slopes: their median, and the share below 0."""
    if slopes is None or not len(slopes):
        return []
    return [Measurement(claim, "prelu-slopes", "PReLU: learned negative-side slopes after training "
                        f"(all learning rates, {len(slopes):,} units of networks that did not diverge): median",
                        value=slopes["slope"].median()),
            Measurement(claim, "prelu-slopes-negative", "PReLU: fraction of learned slopes below 0",
                        value=float((slopes["slope"] < 0).mean()))]
