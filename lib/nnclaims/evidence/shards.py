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

from .errors import UserError
from .fingerprint import Manifest
from .records import checksum
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


def shard_points(shard: int, n_shards: int, n_points: int) -> list[int]:
    """The grid points one shard runs: every ``n_shards``-th, from ``shard`` on (grids list
    their costliest points first, so that these go to different jobs)."""
    return list(range(shard, n_points, n_shards))


def shards_points(shards: list[int], n_shards: int, n_points: int) -> list[int]:
    """The grid points that the given shards run together, in grid order."""
    return sorted(i for s in shards for i in shard_points(s, n_shards, n_points))


def shard_of(point: int, n_shards: int) -> int:
    """The shard that runs grid point ``point``."""
    return point % n_shards


def shard_path(results: str | Path, experiment: str, key: str, shard: int, n_shards: int) -> Path:
    return Path(results) / experiment / "runs" / key / f"{shard_name(shard, n_shards)}.json"


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
