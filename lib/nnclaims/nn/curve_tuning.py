"""Rule 5 with rules 13 and P3-4 for many curve-fitting targets at once.

A sweep of 1-D curve fits (`nnclaims.nn.curve_fit`) tunes one learning rate per target on
the exploration seeds. The first grid is one stacked computation for every target (seeds x
rates x targets networks of one shape); a target whose choice sits on an edge, or at which
no rate learns (rule 12's regression criterion: normalized test error <= 0.5 in half the
seeds), then gets its own extensions (`nnclaims.evidence.tuning.tune`), so that the rates
already run are never run again.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..evidence.learning import learned_regression
from ..evidence.tuning import tune
from .curve_fit import Run

Fit = Callable[[list[Run]], list[dict]]  # train these runs (target, seed, restart, rate): `fit_curves`'s rows


def tune_targets(fit: Fit, targets: Sequence[str], seeds: Sequence[int], grid: Sequence[float],
                 arm: str) -> tuple[list[dict], list[dict]]:
    """Every run of the tuning (one row per target, seed and rate) and, per target, the chosen
    rate with its final grid, its flags and the page's sentence (``arm`` names the network)."""
    import pandas as pd

    base = sorted(float(r) for r in grid)
    first = fit([(t, s, 0, r) for t in targets for r in base for s in seeds])
    rows: list[dict] = []
    tuned = []
    for target in targets:
        def evaluate(rates: list[float], target: str = target) -> pd.DataFrame:
            got = ([r for r in first if r["target"] == target] if rates == base else
                   fit([(target, s, 0, r) for r in rates for s in seeds]))
            rows.extend(got)
            return pd.DataFrame(got)

        t = tune(evaluate, base, lambda f: learned_regression(f["test_nmse"]))
        tuned.append({"target": target, "lr": t.chosen, "grid": " ".join(f"{r:g}" for r in t.grid),
                      "on_edge": t.on_edge, "none_trained": t.none_trained, "note": t.note(arm)})
    return rows, tuned
