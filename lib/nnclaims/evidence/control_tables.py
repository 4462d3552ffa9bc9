"""Tables for controls: one arm's rows in another's place, or one arm's value set from
another's, seed by seed.

A control makes the claim true (or false) by construction on tables of the run's own
shape, so that a check can be seen to pass (or fail) on it. Most are one of two moves:
put the rows of an arm known to pass (or fail) under the name of the arm the check
reads, or set the checked arm's value to a multiple of a reference arm's, seed by seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def relabel(frame, column: str, source: Any, target: Any):
    """``frame`` with the rows whose ``column`` is ``target`` replaced by a copy of those
    whose ``column`` is ``source``, relabelled ``target``."""
    import pandas as pd

    return pd.concat([frame[frame[column] != target], frame[frame[column] == source].assign(**{column: target})],
                     ignore_index=True)


def matched(frame, rows, source, value, seed: str = "seed") -> np.ndarray:
    """``value`` (a column's name, or a Series aligned with ``frame``) of the ``source``
    rows, taken seed by seed for each of the ``rows`` (both boolean masks over ``frame``)."""
    values = frame[value] if isinstance(value, str) else value
    return values[source].set_axis(frame.loc[source, seed]).reindex(frame.loc[rows, seed]).to_numpy()


def scaled(frame, rows, source, column: str, factor: float, seed: str = "seed"):
    """A copy of ``frame`` whose ``column`` in the ``rows`` is ``factor`` times the
    ``source`` rows' value of the same seed (both boolean masks over ``frame``)."""
    out = frame.copy()
    out.loc[rows, column] = factor * matched(frame, rows, source, column, seed)
    return out


def rows_where(frame, **equal: Any) -> np.ndarray:
    """The boolean mask of the rows whose columns equal the given values (the rows a
    control changes), e.g. ``rows_where(rec, dropout=0.5, step=rec["step"].max())``."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in equal.items():
        mask &= (frame[column] == value).to_numpy()
    return mask
