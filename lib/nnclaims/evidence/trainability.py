"""Rule 4 per arm: which training runs train or stall, the share of seeds per arm, and
the tables its controls need.

A run *trains* or *stalls* by its final loss and training accuracy against chance
(`nnclaims.evidence.stats.training_outcome`); a claim that an arm trains (or stalls) is a
claim about the share of its seeds, a Wilson interval. Over several arms ("in every
depth") each arm's interval is at the Bonferroni level (`nnclaims.evidence.cells`). The
controls set every final run of some arms to train or to stall, as rule 4 sees them.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .cells import bonferroni_level, deciding_cell
from .checks import Measurement
from .stats import Interval, SeedPlan, mean_ci, required_seeds, training_outcome, wilson

# What a control's run that trains (stalls) ends with: well below ½ ln K and near-perfect
# accuracy (chance: loss ln K, accuracy 1/K).
TRAINED_LOSS, TRAINED_ACCURACY = 0.1, 0.97


def final_outcomes(rec, n_classes: int, arm: str = "arm", loss: str = "loss", accuracy: str = "train_accuracy"):
    """One row per (arm, seed) at the arm's last recorded step, with its rule-4 outcome in
    the column ``outcome``: "trains", "stalls" or "neither"."""
    last = rec.groupby(arm)["step"].transform("max")
    final = rec[rec["step"] == last].copy()
    final["outcome"] = training_outcome(final[loss].to_numpy(dtype=float), final[accuracy].to_numpy(dtype=float),
                                        n_classes)
    return final


def count(final, key: str, outcome: str, arm: str = "arm") -> tuple[int, int]:
    """How many of arm ``key``'s runs have ``outcome``, and how many runs it has."""
    rows = final[final[arm] == key]
    return int((rows["outcome"] == outcome).sum()), len(rows)


def share(final, key: str, outcome: str, level: float = 0.95, arm: str = "arm") -> Interval:
    """The share of arm ``key``'s seeds with ``outcome``: a Wilson interval."""
    return wilson(*count(final, key, outcome, arm), level=level)


def every_cell(final, cells: Sequence[str], outcome: str, threshold: float) -> tuple[Interval, str]:
    """"At least ``threshold`` of the seeds have ``outcome`` in every cell": the interval
    of the cell that decides, at the Bonferroni level, and that cell's arm."""
    level = bonferroni_level(len(cells))
    ivs = [share(final, c, outcome, level=level) for c in cells]
    k = deciding_cell(ivs, ">=", threshold)
    return ivs[k], cells[k]


def cells_plan(final, cells: Sequence[str], outcome: str, threshold: float, maximum: int) -> SeedPlan:
    """Rule 6 for `every_cell`: the seeds that the cell needing the most needs, at the
    check's own (Bonferroni) level."""
    level = bonferroni_level(len(cells))
    plans = [required_seeds(k / n, threshold, kind="proportion", n_pilot=n, maximum=maximum, level=level)
             for k, n in (count(final, c, outcome) for c in cells)]
    return max(plans, key=lambda p: p.needed)


def set_outcome(rec, arms: Sequence[str], outcome: str, n_classes: int, arm: str = "arm", loss: str = "loss",
                accuracy: str = "train_accuracy"):
    """The records with every final-step run of ``arms`` set to train (loss 0.1, accuracy
    0.97) or to stall (loss ln K, accuracy 1/K: chance): a control's tables."""
    out = rec.copy()
    last = rec.groupby(arm)["step"].transform("max")
    mask = (rec["step"] == last) & rec[arm].isin(list(arms))
    out.loc[mask, loss] = TRAINED_LOSS if outcome == "trains" else math.log(n_classes)
    out.loc[mask, accuracy] = TRAINED_ACCURACY if outcome == "trains" else 1 / n_classes
    return out


def arm_measurements(claim: str, name: str, what: str, rows, n_classes: int,
                     rate: str | None = "lr") -> list[Measurement]:
    """One arm's rule-4 measurements from its final ``rows`` (`final_outcomes`): the share
    of its seeds that train and that stall, and its mean final training loss over the
    runs that stayed finite (when at least two did). ``name``: the measurements' id
    prefix; ``what``: the arm in words; ``rate``: the column of its tuned learning rate."""
    tuned = f" (learning rate {float(rows[rate].iloc[0]):g})" if rate else ""
    out = [Measurement.of(claim, f"{name}-{outcome}", f"{what}{tuned}: share of seeds that {outcome.rstrip('s')}",
                          wilson(int((rows["outcome"] == outcome).sum()), len(rows)))
           for outcome in ("trains", "stalls")]
    losses = rows["loss"].to_numpy(dtype=float)
    finite = losses[np.isfinite(losses)]
    if len(finite) >= 2:
        out.append(Measurement.of(claim, f"{name}-final-loss",
                                  f"{what}: final training loss ({len(losses) - len(finite)} of {len(losses)} runs not "
                                  f"finite, left out; chance is ln {n_classes} = {math.log(n_classes):.2f})",
                                  mean_ci(finite)))
    return out
