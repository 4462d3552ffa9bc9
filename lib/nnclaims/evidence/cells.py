"""A one-sided check over several cells (depths, arms, layers), every cell at once.

The claim holds in every cell, so each cell gets its interval at the Bonferroni level
1 - 0.05/m and the check shows one of them: the cell that decides (one wholly on the
failing side if any, the farthest; else the one closest to failing), with its level
written exactly (97.5%, not 98%).
"""

from __future__ import annotations

from typing import Sequence

from .checks import Check
from .stats import Interval

ALPHA = 0.05


def bonferroni_level(cells: int, alpha: float = ALPHA) -> float:
    """Each cell's confidence level when ``cells`` intervals must hold together."""
    return 1 - alpha / cells


def deciding_cell(intervals: Sequence[Interval], comparator: str, threshold: float) -> int:
    """The index of the cell that decides ``value comparator threshold`` in every cell: a
    cell whose whole interval lies on the failing side (the farthest) if there is one,
    else the cell whose interval reaches nearest the failing side (the first on ties)."""
    ivs = list(intervals)
    cells = range(len(ivs))
    if comparator in (">", ">="):
        failing = [k for k in cells if ivs[k].high < threshold]
        return min(failing or cells, key=lambda k: ivs[k].high if failing else ivs[k].low)
    if comparator in ("<", "<="):
        failing = [k for k in cells if ivs[k].low > threshold]
        return max(failing or cells, key=lambda k: ivs[k].low if failing else ivs[k].high)
    raise ValueError(f"a check over cells is one-sided (<, <=, >, >=), got {comparator!r}")


def cell_check(claim: str, name: str, description: str, interval: Interval, comparator: str, threshold: float,
               **kw) -> Check:
    """`Check.of` for an interval at a Bonferroni level, its level written exactly."""
    return Check(claim, name, description, value=interval.estimate, comparator=comparator, threshold=threshold,
                 ci_low=interval.low, ci_high=interval.high, n_seeds=interval.n,
                 method=f"{interval.method}, {100 * interval.level:.4g}%", **kw)
