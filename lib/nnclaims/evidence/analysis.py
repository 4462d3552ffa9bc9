"""The per-seed idioms of the checks: final values per seed, tables by seed, paired arms.

Checks compare arms over the same seeds (a seed fixes the init and data-order streams
of every arm), so their statistics start from one row per seed. These helpers give that
shape once, so no experiment rewrites it.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def last_step(frame, step: str = "step", within: Sequence[str] = ()):
    """The rows at the last recorded step (of each group in ``within``, when arms ran for
    different numbers of steps)."""
    if step not in frame:
        return frame
    if not within:
        return frame[frame[step] == frame[step].max()]
    last = frame.groupby(list(within))[step].transform("max")
    return frame[frame[step] == last]


def by_seed(frame, value: str, by: str | Sequence[str] | None = None, index: str = "seed"):
    """``value`` with one row per seed and one column per value of ``by`` (a Series when
    ``by`` is None). Refuses duplicated (seed, by) rows rather than averaging them away."""
    if by is None:
        dup = frame[index].duplicated()
        if dup.any():
            raise ValueError(f"{int(dup.sum())} duplicated {index} rows for {value!r}; select one arm first")
        return frame.set_index(index)[value].sort_index()
    return frame.pivot(index=index, columns=by, values=value).sort_index()


def final_values(frame, value: str, by: str | Sequence[str] | None = None, index: str = "seed",
                 step: str = "step"):
    """``value`` at the last recorded step, one row per seed (see `by_seed`)."""
    within = [] if by is None else ([by] if isinstance(by, str) else list(by))
    return by_seed(last_step(frame, step, within), value, by, index)


def where(frame, **equal: Any):
    """The rows whose columns equal the given values, e.g. ``where(rec, activation="tanh")``."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in equal.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]


def paired(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Two arms as arrays over the seeds both have (Series indexed by seed), in seed order;
    a seed missing or non-finite in either arm is left out of both."""
    joined = np.column_stack([a.reindex(a.index.union(b.index)), b.reindex(a.index.union(b.index))]).astype(float)
    keep = np.isfinite(joined).all(axis=1)
    return joined[keep, 0], joined[keep, 1]


def best_rate(frame, value: str = "loss", rate: str = "lr") -> float:
    """Rule 5: the learning rate with the lowest median final ``value`` over the tuning
    seeds (a diverged run counts as infinitely bad; a tie goes to the smaller rate)."""
    finals = last_step(frame, within=[rate]) if "step" in frame else frame
    values = finals[value].astype(float).where(np.isfinite(finals[value].astype(float)), np.inf)
    medians = values.groupby(finals[rate]).median().sort_index()
    return float(medians.idxmin())


def tuning_note(frame, arm: str, chosen: float, value: str = "loss", rate: str = "lr") -> str:
    """One sentence for the report: which rate was chosen for an arm, against the others."""
    finals = last_step(frame, within=[rate]) if "step" in frame else frame
    medians = finals[value].astype(float).groupby(finals[rate]).median().sort_index()
    listed = ", ".join(f"{r:g}: {m:.3g}" for r, m in medians.items())
    n = finals["seed"].nunique() if "seed" in finals else len(finals)
    return (f"{arm}: learning rate {chosen:g}, the lowest median final training {value} over {n} exploration seeds "
            f"(median by rate: {listed})")
