"""One arm's values in another arm's place, matched run by run: a control table.

A control that asks "would the check fail if this arm behaved like that one?" puts the
other arm's measured values under this arm's name, each row taking the value of the row of
the other arm from the same run (same seed, setting and step), so that everything but the
arm stays as measured (`nnclaims.evidence.control_tables` matches by seed alone).
"""

from __future__ import annotations

from typing import Any, Sequence


def arm_columns_from(frame, arm: str, target: Any, source: Any, columns: Sequence[str], keys: Sequence[str]):
    """A copy of ``frame`` whose ``columns`` in the rows where ``arm`` is ``target`` hold
    the values of the rows where it is ``source`` with the same ``keys`` (NaN where none)."""
    keys = list(keys)
    src = frame[frame[arm] == source].set_index(keys)
    out = frame.copy()
    mine = (out[arm] == target).to_numpy()
    idx = list(zip(*[out.loc[mine, k] for k in keys])) if len(keys) > 1 else list(out.loc[mine, keys[0]])
    for column in columns:
        out.loc[mine, column] = src[column].reindex(idx).to_numpy()
    return out
