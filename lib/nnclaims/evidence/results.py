"""Results on disk: tidy tables, shard files, provenance.

Layout, per experiment ``results/<name>/``:
- ``shards/<i>-of-<n>.json``: one job's tables and provenance (written atomically, so an
  interrupted job leaves nothing that looks finished);
- ``tables/<table>.csv``: the merged tidy tables (``records.csv`` first);
- ``checks.csv``, ``verdicts.csv``, ``provenance.json``;
- ``figures/`` with ``figures.json`` listing captions and alt texts.
Across experiments: ``results/checks.csv`` and ``results/verdicts.csv``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

import numpy as np

PACKAGES = ("torch", "numpy", "scipy", "pandas", "matplotlib", "snakemake", "nnclaims")
CHECK_COLUMNS = ["claim", "check", "value", "ci_low", "ci_high", "comparator", "threshold", "passed",
                 "n_seeds", "unit", "outcome", "theory", "reference", "description"]
MEASUREMENT_COLUMNS = ["claim", "name", "value", "ci_low", "ci_high", "n_seeds", "unit", "theory", "reference",
                       "description"]
VERDICT_COLUMNS = ["claim", "title", "section", "experiment", "verdict", "checks_passed", "checks_total"]


def shard_name(shard: int, n_shards: int) -> str:
    return f"{shard}-of-{n_shards}"


def write_json(path: str | Path, obj: Any) -> None:
    """Write JSON atomically: to a temporary file, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh, indent=1, default=_jsonable)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: str | Path) -> Any:
    with open(path) as fh:
        return json.load(fh)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in a results file")


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


def checks_frame(rows: list[dict], columns: list[str] = CHECK_COLUMNS):
    """Check (or measurement) rows as a table in the column order of ``checks.csv``
    (``measurements.csv``), with counts as integers."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns)
    frame["n_seeds"] = frame["n_seeds"].astype("Int64")
    return frame


def write_tables(tables: dict, directory: str | Path) -> None:
    """Write DataFrames as ``<name>.csv`` (pandas writes the shortest repr that reads back exactly)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(directory / f"{name}.csv", index=False)


def read_tables(directory: str | Path) -> dict:
    import pandas as pd

    return {p.stem: pd.read_csv(p) for p in sorted(Path(directory).glob("*.csv"))}


def git_info(where: str | Path) -> dict[str, Any]:
    """Commit of the code and whether it had uncommitted changes ("unknown" outside git)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> dict[str, Any]:
    return {"host": platform.node(), "platform": platform.platform(), "cpu": cpu_name(),
            "cpu_count": os.cpu_count()}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def concat_records(parts: Iterable[list[dict]]) -> list[dict]:
    return [row for part in parts for row in part]
