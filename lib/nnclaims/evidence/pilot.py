"""Rule 6 from a pilot: how many confirmatory seeds a check needs, from the exploration
seeds' values of the quantity it decides on.

`required_seeds` takes the pilot's mean, spread and size; these helpers take the pilot's
values, so that no experiment rewrites that unpacking, and plan an equivalence check
over several cells for the cell nearest its tolerance.
"""

from __future__ import annotations

import numpy as np

from .stats import SeedPlan, required_seeds


def pilot_plan(values, threshold: float, **kw) -> SeedPlan:
    """Seeds for a check that the mean of ``values`` lies beyond ``threshold`` (one value
    per pilot seed); ``kw`` as for `required_seeds` (``maximum``, ``level``, …)."""
    values = np.asarray(values, dtype=float)
    return required_seeds(values.mean(), threshold, sd=values.std(ddof=1), n_pilot=len(values), **kw)


def equivalence_plan(gaps: np.ndarray, tolerance: float, maximum: int) -> SeedPlan:
    """Seeds for an equivalence check over cells (``gaps``: seeds x cells, each within
    ±``tolerance``): the cell whose mean gap lies nearest its tolerance decides."""
    worst = int(np.argmax(np.abs(gaps.mean(axis=0))))
    g = gaps[:, worst]
    return required_seeds(abs(g.mean()), tolerance, sd=g.std(ddof=1), n_pilot=len(g), maximum=maximum)
