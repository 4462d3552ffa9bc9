"""Shards: what one run job computed, bound to the code and settings that made it.

A shard lives at ``results/<experiment>/runs/<key>/<i>-of-<n>.json``, where ``key`` hashes
the run manifest (the code `run` reaches, see `nnclaims.evidence.fingerprint`), the
library versions and the `RunSettings`. A change of code or settings is a new key, so a
stale shard is never read as a current one, and a shard made by hand with ``nnclaims run``
is used by the workflow exactly when it matches. Each shard carries a checksum of its
tables: a truncated or edited file is refused with its name.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UserError
from .fingerprint import Manifest
from .settings import RunSettings

# Library versions that change the numbers a run computes; others only present them.
RUN_PACKAGES = ("torch", "numpy", "scipy")


class ResultsError(UserError):
    """A results file that is missing, corrupt or made under other code or settings."""


def run_versions() -> dict[str, str]:
    import platform
    from importlib import metadata

    found = {"python": ".".join(platform.python_version_tuple()[:2])}
    for name in RUN_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def run_key(manifest: Manifest, settings: RunSettings) -> str:
    blob = json.dumps({"code": manifest.digest, "settings": settings.as_dict()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def shard_name(shard: int, n_shards: int) -> str:
    return f"{shard}-of-{n_shards}"


def shard_path(results: str | Path, experiment: str, key: str, shard: int, n_shards: int) -> Path:
    return Path(results) / experiment / "runs" / key / f"{shard_name(shard, n_shards)}.json"


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


def read_shard(path: str | Path) -> dict:
    """A shard, verified: valid JSON, the expected parts, tables matching their checksum."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ResultsError(f"{path} is missing; rerun the workflow to compute it") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path} is not a valid shard (corrupt or truncated: {err.msg} at character "
                           f"{err.pos} of {len(text)}); delete it and rerun") from None
    if not isinstance(data, dict) or not {"checksum", "provenance", "tables"} <= set(data):
        raise ResultsError(f"{path} is not a shard written by nnclaims (it lacks checksum, provenance or tables); "
                           f"delete it and rerun")
    if checksum(data["tables"]) != data["checksum"]:
        raise ResultsError(f"{path}: its tables do not match their checksum (the file was edited or damaged); "
                           f"delete it and rerun")
    return data
