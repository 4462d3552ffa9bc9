"""Results on disk: atomic writes, tables with checksums, provenance.

Layout, per experiment ``results/<name>/``:
- ``runs/<key>/<i>-of-<n>.json``: shards (`nnclaims.evidence.shards`);
- ``tables/<table>.csv``: the merged tidy tables (``records.csv`` first);
- ``checks.csv``, ``measurements.csv``, ``verdicts.csv``;
- ``provenance.json``: the settings, code and versions behind them, and the checksum and
  row count of every file above, so that a truncated or edited file is refused by name;
- ``figures/`` with ``figures.json`` listing captions and alt texts.
Across experiments: ``results/verdicts.csv``, ``results/checks.csv``, ``results/measurements.csv``,
and ``results/provenance.json`` with their checksums (written by the report).

Every file is written to a temporary name and renamed over the target, so an interrupted
job leaves either the old file or the new one, never half of one; it gets the mode the
umask gives an ordinary file. Records (``provenance.json``, ``figures.json``) are sealed:
they carry the checksum of their own content, so an edited record is refused by name too.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .shards import ResultsError

PACKAGES = ("torch", "numpy", "scipy", "pandas", "matplotlib", "snakemake", "nnclaims")
CHECK_COLUMNS = ["claim", "check", "value", "ci_low", "ci_high", "comparator", "threshold", "passed",
                 "n_seeds", "unit", "outcome", "theory", "reference", "description", "method", "fragile",
                 "positive_control", "negative_control", "basis", "undecided"]  # protocol 3, rules 11 and 12
MEASUREMENT_COLUMNS = ["claim", "name", "value", "ci_low", "ci_high", "n_seeds", "unit", "theory", "reference",
                       "description", "method", "note", "basis"]  # basis: a demoted check's rule-11 tag
# checks_passed/_total/_failed count the checks that decide (rule 11: the chapter's);
# supporting_* the others; regime: where the sentence holds (rule 18); plain: the reason
# in plain words, read first on the index.
VERDICT_COLUMNS = ["claim", "title", "section", "experiment", "verdict", "checks_passed", "checks_total",
                   "checks_failed", "reason", "supporting_passed", "supporting_total", "beyond_chapter", "regime",
                   "plain"]


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write atomically: to a temporary file in the same folder, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes a private file (0600): give it the mode an ordinary write would,
        # so that results shared on a cluster's filesystem stay readable by the group.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    # The umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode())


def write_json(path: str | Path, obj: Any, *, compact: bool = False) -> None:
    """``compact``: no indentation, for files that only programs read (a shard): json's C
    encoder runs only without ``indent``, and the Python one took 3 of a quick job's 9 s."""
    text = json.dumps(obj, separators=(",", ":"), default=_jsonable) if compact else \
        json.dumps(obj, indent=1, default=_jsonable)
    write_text(path, text)


SEAL = "seal"  # the checksum a record file carries of its own content


def _seal_of(plain: dict) -> str:
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()


def write_sealed(path: str | Path, record: dict) -> None:
    """Write a record (provenance, a list of figures) with the checksum of its own content,
    so that an edited record is refused like an edited table."""
    plain = json.loads(json.dumps(record, default=_jsonable))  # what reading it back gives
    plain.pop(SEAL, None)
    write_json(path, {**plain, SEAL: _seal_of(plain)})


def read_sealed(path: str | Path) -> dict:
    """A record written by `write_sealed`; `ResultsError` names it when it was edited."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get(SEAL) != _seal_of({k: v for k, v in data.items() if k != SEAL}):
        raise ResultsError(f"{path} is not the file that was written (edited, or made by an older nnclaims); "
                           f"rerun the step that writes it (snakemake reruns it by itself)")
    return data


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"{path} is missing; rerun the workflow to make it") from None
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path} is corrupt or truncated ({err.msg} at character {err.pos}); "
                           f"rerun the step that writes it") from None


def _jsonable(obj: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):  # a claim's `Sentence`, recorded by publish
        return dataclasses.asdict(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in a results file")


def csv_bytes(frame) -> bytes:
    """A DataFrame as CSV (pandas writes the shortest float repr that reads back exactly)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def write_csv(path: str | Path, frame) -> dict[str, Any]:
    """Write a table atomically; return its checksum and row count for the provenance."""
    data = csv_bytes(frame)
    write_bytes(path, data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "rows": int(len(frame))}


def file_record(path: str | Path) -> dict[str, Any]:
    data = Path(path).read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest()}


def verify(base: str | Path, files: dict[str, dict]) -> None:
    """Refuse, naming the file, any recorded file that is missing or not what was written."""
    base = Path(base)
    for name, record in files.items():
        path = base / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ResultsError(f"{path} is missing; rerun the step that writes it "
                               f"(snakemake reruns it by itself)") from None
        if hashlib.sha256(data).hexdigest() != record["sha256"]:
            raise ResultsError(f"{path} is not the file that was written (truncated or edited); rerun the step "
                               f"that writes it: delete it and run snakemake again")


def problems(base: str | Path, files: dict[str, dict], folder: str | None = None,
             ignore: tuple[str, ...] = ()) -> list[str]:
    """One sentence for each recorded file under ``base`` that is missing or not what was
    written, and for each file in ``base/folder`` that no record names (an extra file
    would be published unchecked); ``ignore``: file names that are not results."""
    base = Path(base)
    out = []
    for name, record in files.items():
        path = base / name
        if not path.is_file():
            out.append(f"{path} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != record.get("sha256"):
            out.append(f"{path} is not the file that was written (truncated or edited)")
    if folder is not None and (base / folder).is_dir():
        known = {Path(name).name for name in files if Path(name).parent == Path(folder)} | set(ignore)
        out += [f"{path} was not written by nnclaims (an extra file)" for path in sorted((base / folder).iterdir())
                if path.is_file() and path.name not in known and not path.name.startswith(".")]
    return out


def read_csv(path: str | Path):
    import pandas as pd

    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise ResultsError(f"{path} is missing; rerun the step that writes it") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path} is not a readable table ({str(err).splitlines()[0]}); "
                           f"rerun the step that writes it") from None


def write_tables(tables: dict, directory: str | Path) -> dict[str, dict]:
    """Write DataFrames as ``<name>.csv``; return their records, keyed ``tables/<name>.csv``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.csv"):  # a table an older version wrote and this one does not
        if stale.stem not in tables:
            stale.unlink()
    return {f"{directory.name}/{name}.csv": write_csv(directory / f"{name}.csv", frame)
            for name, frame in tables.items()}


def read_tables(directory: str | Path, files: dict[str, dict] | None = None) -> dict:
    """The tables of a folder; with ``files`` (from provenance), verified against their checksums."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ResultsError(f"no tables folder {directory}; run summarize first")
    if files is not None:
        recorded = {k: v for k, v in files.items() if k.startswith(f"{directory.name}/")}
        verify(directory.parent, recorded)
        extra = problems(directory.parent, recorded, directory.name)
        if extra:
            raise ResultsError(f"{extra[0]}; delete it or rerun summarize")
    paths = sorted(directory.glob("*.csv"))
    if not paths:
        raise ResultsError(f"{directory} holds no tables; run summarize first")
    return {p.stem: read_csv(p) for p in paths}


def frame(rows: list[dict], columns: list[str]):
    """Rows as a table in the given column order, with counts as integers."""
    import pandas as pd

    out = pd.DataFrame(rows, columns=columns)
    if "n_seeds" in out:
        out["n_seeds"] = out["n_seeds"].astype("Int64")
    return out


def plain(value: Any) -> Any:
    """A cell read back from CSV as a Python value: NaN becomes None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


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
