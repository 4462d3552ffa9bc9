"""A score calibrated between two reference banks measured the same way.

When a score has no natural threshold (how local is "local"?), the thing measured can be
placed on the scale from a negative bank's median (0: things known not to have the
property, e.g. random or shuffled templates) to a positive bank's (1: things that have it
by construction, e.g. Gabor edge filters), seed by seed; past 0.5 it lies closer to the
positive bank. The controls then put other banks in the measured thing's place.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def position(scores, score: str, target: str, negative: Sequence[str], positive: str, *, bank: str = "bank",
             by: str = "seed"):
    """Per ``by`` (seed): where the median ``score`` of the rows whose ``bank`` column is
    ``target`` lies from the median over the ``negative`` banks (0) to the median of the
    ``positive`` bank (1). A Series indexed by seed (seeds missing a bank left out)."""
    group = np.select([scores[bank].isin(list(negative)), scores[bank] == positive, scores[bank] == target],
                      ["negative", "positive", "target"], "other")
    med = scores.assign(group=group).groupby([by, "group"])[score].median().unstack()
    return ((med["target"] - med["negative"]) / (med["positive"] - med["negative"])).dropna()


def replace_banks(scores, mapping: Mapping[str, str], *, bank: str = "bank"):
    """The scores with each bank in ``mapping`` replaced by another bank's rows (target:
    source), for a control that puts a known bank in the measured one's place."""
    import pandas as pd

    parts = [scores[~scores[bank].isin(list(mapping))]]
    for target, source in mapping.items():
        parts.append(scores[scores[bank] == source].assign(**{bank: target}))
    return pd.concat(parts, ignore_index=True)
