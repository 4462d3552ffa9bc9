"""Protocol 3, rule 12 (with amendment P3-3): nothing learned, nothing decided.

A trained comparison says which arm learns better; when neither arm learned, its
difference measures two failures of optimization, not the claim. So a check that reads
trained networks decides only when at least one arm learned in at least half of its
seeds, where "learned" is, for regression, a normalized test error (MSE over the
target's variance) of at most 0.5, and for classification rule 4's "trains". Otherwise
the check is inconclusive, with the reason "no arm learned" on the page. The gate is
applied on the exploration seeds (to switch a design before it runs) and again on the
confirmatory seeds (P3-3).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import numpy as np
from numpy.typing import ArrayLike

from .checks import Check
from .stats import training_outcome

REGRESSION_LEARNED = 0.5   # normalized test error: half the target's variance explained
SHARE_OF_SEEDS = 0.5       # "in at least half of the seeds"
NO_ARM_LEARNED = "no arm learned"


def normalized_error(predictions: ArrayLike, targets: ArrayLike) -> np.ndarray:
    """Rule 12's regression score per network: test MSE over the variance of the test
    targets (1 = predicting the mean; 0 = exact). ``predictions`` (networks, points) or
    (points,), ``targets`` (points,) or the same shape as ``predictions``."""
    pred = np.asarray(predictions, dtype=float)
    y = np.broadcast_to(np.asarray(targets, dtype=float), pred.shape)
    var = y.var(axis=-1)
    if np.any(var == 0):
        raise ValueError("constant targets have no variance to normalize by")
    return ((pred - y) ** 2).mean(axis=-1) / var


def learned_regression(normalized_error: ArrayLike) -> np.ndarray:
    """Per seed, whether a regression network learned (a non-finite error did not)."""
    err = np.asarray(normalized_error, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(err) & (err <= REGRESSION_LEARNED)


def learned_classification(final_loss: ArrayLike, accuracy: ArrayLike, n_classes: int) -> np.ndarray:
    """Per seed, whether a classifier learned: rule 4's "trains" against chance."""
    return training_outcome(final_loss, accuracy, n_classes) == "trains"


def arm_learned(learned: ArrayLike) -> bool:
    """Whether an arm learned: in at least half of its seeds (an arm with no seeds did not)."""
    flags = np.asarray(learned, dtype=bool)
    return bool(flags.size) and flags.mean() >= SHARE_OF_SEEDS


def some_arm_learned(arms: Mapping[str, ArrayLike]) -> bool:
    """Whether at least one arm of a comparison learned (``arms``: name -> per-seed flags)."""
    return any(arm_learned(flags) for flags in arms.values())


def learning_summary(arms: Mapping[str, ArrayLike]) -> str:
    """Per arm, how many seeds learned: the page's reason when the gate closes."""
    parts = []
    for name, flags in arms.items():
        f = np.asarray(flags, dtype=bool)
        parts.append(f"{name} {int(f.sum())}/{f.size}")
    return "seeds that learned: " + ", ".join(parts)


def gate(check: Check, arms: Mapping[str, ArrayLike]) -> Check:
    """The check itself when some arm learned; otherwise the same check made
    inconclusive, its reason saying that no arm learned and how many seeds did."""
    if some_arm_learned(arms):
        return check
    return replace(check, undecided=f"{NO_ARM_LEARNED} ({learning_summary(arms)})")
