"""Summaries that several experiments' analysis tables share: how each arm's learning rate
was tuned, and the share of seeds with an outcome per cell.

Kept apart from `nnclaims.evidence.analysis` (which ``run`` code reaches) so that
changing how a figure's table is summarized never changes a run key.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def tuning_medians(tuning, arm: str, value: str = "loss", rate: str = "lr", drop_diverged: bool = True):
    """Per arm and learning rate, the median final ``value`` over the exploration seeds:
    the curve rule 5 chose a rate on. A diverged run (non-finite value) is left out, or,
    with ``drop_diverged=False``, counts as infinitely bad (rule 5's own view) and a median
    that is infinite is left blank."""
    last = tuning.groupby(arm)["step"].transform("max") if "step" in tuning else None
    final = tuning if last is None else tuning[tuning["step"] == last]
    v = final[value].astype(float)
    final = final.assign(**{value: v.where(np.isfinite(v)) if drop_diverged else v})
    medians = final.groupby([arm, rate], sort=True)[value].median().reset_index()
    return medians.assign(**{value: medians[value].replace([np.inf, -np.inf], np.nan)})


def shares(frame, by: str | Sequence[str], hit: str, level: float = 0.95):
    """Per group of ``by``, the share of rows where the boolean column ``hit`` holds, with
    its Wilson interval: columns ``by``, ``estimate``, ``low``, ``high``, ``k``, ``n``."""
    import pandas as pd

    from .stats import wilson

    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        k, n = int(group[hit].astype(bool).sum()), len(group)
        iv = wilson(k, n, level=level)
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))), "estimate": iv.estimate,
                     "low": iv.low, "high": iv.high, "k": k, "n": n})
    return pd.DataFrame(rows)
