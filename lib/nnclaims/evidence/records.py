"""What a run writes: tidy records of plain scalars, tagged with their grid point, checksummed.

This is the code that shapes a shard's content, so it belongs to every run's fingerprint;
it imports nothing of the rest of the library, so that editing a message elsewhere never
reruns a computation.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np


def clean_record(record: dict) -> dict:
    """A record with plain Python scalars; anything else is refused with its column name."""
    out = {}
    for key, value in record.items():
        if isinstance(value, np.generic):
            value = value.item()
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # 0-d tensors and arrays
            value = value.item()
        if not (value is None or isinstance(value, (bool, int, float, str))):
            raise TypeError(f"record column {key!r} holds a {type(value).__name__}; tidy records hold "
                            f"scalars only (one row per seed, step, layer, ...)")
        out[key] = value
    return out


def as_tables(output: Any) -> dict[str, list[dict]]:
    """``run``'s return value as named tables: a plain list is the ``records`` table."""
    tables = {"records": output} if isinstance(output, list) else output
    if not isinstance(tables, dict):
        raise TypeError("run must return a list of records or a dict of such lists")
    return {name: [clean_record(r) for r in rows] for name, rows in tables.items()}


def add_point(tables: dict[str, list[dict]], point: dict, index: int) -> None:
    """Give every record its grid point's keys (unless it set them itself) and ``_point``,
    the point's position in the grid, which keeps merged tables in grid order."""
    for rows in tables.values():
        for row in rows:
            for key, value in point.items():
                row.setdefault(key, value if value is None or isinstance(value, (bool, int, float, str)) else str(value))
            row["_point"] = index


def checksum(tables: dict) -> str:
    return hashlib.sha256(json.dumps(tables, sort_keys=True, allow_nan=True).encode()).hexdigest()


def payload(tables: dict, provenance: dict) -> dict:
    return {"checksum": checksum(tables), "provenance": provenance, "tables": tables}
