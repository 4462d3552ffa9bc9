"""`nnclaims clean --stale`: remove the shards and logs that no current result needs.

Every change of code or settings files a new run key, so ``results/<experiment>/runs/``
(and ``explore/``, and the matching folders under ``logs/`` and ``benchmarks/``) keep one
folder per key ever run. A key is *current*, and its folder is never touched, when it is
what today's code makes under the settings of the config file and the flags given, or
under the settings the experiment's summarized results recorded (so that cleaning after a
quick run, without saying --profile quick, keeps the quick run's shards while the code is
unchanged). Experiments whose module cannot be imported are left alone, with a sentence.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .evidence import results
from .evidence.errors import UserError
from .evidence.experiment import Experiment, available, load
from .evidence.settings import RunSettings, Settings
from .evidence.shards import run_key, run_versions

STAGE_FOLDERS = ("runs", "explore")


@dataclass(frozen=True)
class Stale:
    path: Path
    size: int  # bytes


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def recorded_keys(exp: Experiment, results_dir: Path) -> set[str]:
    """The keys of the experiment's summarized results, if today's code still makes them."""
    path = results_dir / exp.name / "provenance.json"
    if not path.is_file():
        return set()
    try:
        made = results.read_json(path)
        versions = run_versions()
        keys = set()
        if run_key(exp.run_manifest(versions), RunSettings.from_dict(made["settings"])) == made.get("key"):
            keys.add(made["key"])
        explored = made.get("exploration")
        if explored and run_key(exp.explore_manifest(versions),
                                RunSettings.from_dict(explored["settings"])) == made.get("explore_key"):
            keys.add(made["explore_key"])
        return keys
    except (UserError, KeyError, TypeError):
        return set()  # unreadable or older provenance: it protects nothing


def current_keys(settings: Settings, experiments: dict[str, Experiment], results_dir: Path) -> dict[str, set[str]]:
    from .plan import plan

    keys = {}
    for name, p in plan(settings, experiments).items():
        keys[name] = {p.key} | ({p.explore.key} if p.explore else set()) | recorded_keys(p.experiment, results_dir)
    return keys


def stale_folders(settings: Settings, experiments_dir: str | Path, results_dir: str | Path = "results",
                  logs_dirs: tuple[str | Path, ...] = ("logs", "benchmarks")) -> tuple[list[Stale], list[str]]:
    """The folders of keys that are not current, and a sentence for each experiment that
    could not be judged (its module does not import)."""
    results_dir = Path(results_dir)
    experiments, skipped = {}, []
    for name in available(experiments_dir):
        if not (results_dir / name).is_dir():
            continue
        try:
            experiments[name] = load(Path(experiments_dir) / f"{name}.py")
        except UserError as err:
            skipped.append(f"{name} left alone: {err}")
    keys = current_keys(settings, experiments, results_dir)
    out = []
    for name, keep in keys.items():
        bases = [results_dir / name] + [Path(d) / stage / name for d in logs_dirs for stage in ("run", "explore")]
        for base in bases:
            for folder in _key_folders(base):
                if folder.name not in keep:
                    out.append(Stale(folder, _size(folder)))
    return out, skipped


def _key_folders(base: Path) -> list[Path]:
    """``base/runs/<key>`` and ``base/explore/<key>`` for results, ``base/<key>`` for logs."""
    parents = [base / s for s in STAGE_FOLDERS] if (base / "runs").is_dir() or (base / "explore").is_dir() else [base]
    return sorted(f for parent in parents if parent.is_dir() for f in parent.iterdir()
                  if f.is_dir() and len(f.name) == 16 and all(c in "0123456789abcdef" for c in f.name))


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"


def clean(stale: list[Stale], dry_run: bool) -> str:
    """Remove (or, ``dry_run``, only list) the stale folders; the lines to print."""
    if not stale:
        return "nothing is stale: every shard and log folder under results/, logs/ and benchmarks/ is current"
    lines = [f"{'would remove' if dry_run else 'removed'} {s.path} ({megabytes(s.size)})" for s in stale]
    if not dry_run:
        for s in stale:
            shutil.rmtree(s.path, ignore_errors=True)  # a half-removed stale folder is still stale, never read
    total = megabytes(sum(s.size for s in stale))
    lines.append(f"{len(stale)} stale folders, {total}: " + ("nothing removed (--dry-run)" if dry_run else "freed"))
    return "\n".join(lines)


def check_no_run_in_progress(workdir: str | Path = ".") -> None:
    """A workflow running now writes shards under keys of its own command-line settings,
    which this command cannot see: cleaning then could remove them."""
    locks = list(Path(workdir, ".snakemake", "locks").glob("*.lock"))
    if locks:
        raise UserError("a snakemake run holds this working directory (.snakemake/locks/); clean after it ends "
                        "(or, after an interrupted run, run snakemake --unlock first)")
