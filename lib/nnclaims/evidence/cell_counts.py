"""A claim decided over a map of cells: per cell a paired comparison of two arms, then a count.

"Depth is generally more parameter-efficient than width" is not one comparison but many
(target x budget cells), and "generally" is a count: the claim holds when the treatment
arm is significantly better in enough cells and in clearly more cells than it is worse.
Each cell compares log10 errors paired by seed (rule 2) at the Bonferroni level over the
cells; a cell where no arm learned (rule 12) or where both arms are already below a tie
level decides nothing. The count rule is three-way (pass, fail, inconclusive), so its
check carries the pass rule's margin as its lower end and the fail rule's as its upper:
it passes when both are >= 0, fails when both are < 0.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from .analysis import paired
from .cells import bonferroni_level
from .checks import Check
from .learning import gate, learned_regression, some_arm_learned
from .stats import Interval, paired_ci

OUTCOMES = ("better", "worse", "tie", "no arm learned", "unclear")


def compare_cell(log_errors, treatment: str, control: str, cells: int, tie: float) -> dict:
    """One cell: ``log_errors`` (rows: seeds; columns: arms, log10 normalized errors), the
    mean paired difference treatment - control with its interval at the Bonferroni level
    over ``cells``, per arm the seeds that learned (rule 12's regression criterion), and the
    outcome: "no arm learned", "tie" (both arms' mean log10 error <= ``tie``), "better"
    (interval below 0), "worse" (above 0) or "unclear"."""
    a, b = paired(log_errors[treatment], log_errors[control])
    level = bonferroni_level(cells)
    nan = float("nan")
    iv = paired_ci(a, b, level=level) if len(a) > 1 else Interval(nan, nan, nan, "t", len(a), level)
    arms = {arm: learned_regression(10 ** log_errors[arm].dropna().to_numpy()) for arm in (control, treatment)}
    means = log_errors[[control, treatment]].mean()
    outcome = ("no arm learned" if not some_arm_learned(arms) else "tie" if means.max() <= tie else
               "better" if iv.high < 0 else "worse" if iv.low > 0 else "unclear")
    return {"interval": iv, "outcome": outcome, "arms": arms}


def counts(results: Sequence[Mapping]) -> dict[str, int]:
    return {o: sum(r["outcome"] == o for r in results) for o in OUTCOMES}


def count_check(claim: str, name: str, what: str, results: Sequence[Mapping], at_least: int,
                ratio: float, labels: Sequence[str] | None = None, **kw) -> Check:
    """Passes when the treatment is better in at least ``at_least`` cells and in at least
    ``ratio`` times as many as it is worse; fails when it is worse in more cells than
    better; else inconclusive. Value and lower end: better - max(at_least, ratio x worse);
    upper end: better - worse. Closed by rule 12 when no arm learned in any cell
    (``labels``: a name per result, for the page)."""
    n = counts(results)
    low, high = n["better"] - max(at_least, ratio * n["worse"]), n["better"] - n["worse"]
    level = bonferroni_level(max(1, len(results)))
    check = Check(claim, name, f"{what}: better in {n['better']} of {len(results)} cells, worse in {n['worse']}, tied "
                  f"in {n['tie']}, no arm learned in {n['no arm learned']}, unclear in {n['unclear']}. Value and lower "
                  f"end: better − max({at_least}, {ratio:g} × worse) (≥ 0 passes); upper end: better − worse (< 0 "
                  f"fails)", value=low, comparator=">=", threshold=0, ci_low=low, ci_high=high, unit="cells",
                  method=f"count over cells, each a paired interval at {100 * level:.4g}% (Bonferroni)", **kw)
    if not results:
        return check
    names = labels or [str(i) for i in range(len(results))]
    return gate(check, {f"{label}, {arm}": flags for label, r in zip(names, results)
                        for arm, flags in r["arms"].items()})

