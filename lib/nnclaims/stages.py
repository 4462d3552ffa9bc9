"""The pipeline's per-experiment stages as plain functions: run a shard, summarize, plot.

The workflow calls these through the command line (`nnclaims.cli`); tests and users
can call them directly. Each reads and writes only files under the paths it is given,
and refuses inputs that were not made by today's code and settings.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from .evidence import records, results, shards
from .evidence.experiment import Experiment, ExperimentError, Figure, RunContext
from .evidence.settings import ConfigError, RunSettings
from .evidence.shards import ResultsError
from .evidence.summary import Summary, evaluate
from .numeric import cost
from .progress import Progress


def run_shard(exp: Experiment, settings: RunSettings, *, shard: int = 0, n_shards: int = 1,
              key: str | None = None, out: str | Path | None = None, phase: str = "confirm",
              explored: "Explored | None" = None) -> dict[str, Any]:
    """Run every ``n_shards``-th grid point starting at ``shard``, for all seeds.

    ``key``: the run key the workflow planned this job under; if the code changed since,
    the job stops rather than file today's results under yesterday's key. ``phase``:
    "explore" runs the exploration grid on the exploration seeds; "confirm" the grid, with
    what the exploration decided (``explored``, see `explore`) when the experiment has one.
    Returns (and writes to ``out``, atomically) the shard: tables, provenance and a checksum.
    """
    if not 0 <= shard < n_shards:
        raise ExperimentError(f"shard {shard} does not exist: shards are numbered 0 to {n_shards - 1}")
    versions = shards.run_versions()
    manifest = exp.explore_manifest(versions) if phase == "explore" else exp.run_manifest(versions)
    actual = shards.run_key(manifest, settings)
    if key is not None and key != actual:
        raise ResultsError(f"{exp.name}: its code or settings changed after the workflow planned this job "
                           f"(key {key}, now {actual}); run snakemake again")
    planned = settings
    settings, decided = _decided(exp, settings, phase, explored)
    device = _device(settings, _trains(exp, manifest))
    ctx = RunContext(seeds=list(settings.seeds), device=device, engine=settings.engine,
                     mnist_path=settings.mnist_path, profile=settings.profile, phase=phase, decisions=decided)
    grid = exp.grid(settings.profile, phase)
    mine = shards.shard_points(shard, n_shards, len(grid))
    started = datetime.now(timezone.utc)
    t0, cpu0 = time.perf_counter(), time.process_time()
    # NumPy's BLAS too runs on the configured threads: a Snakemake job gets them from the
    # environment Snakemake sets, a run by hand would otherwise use every core and round
    # differently (seen: the perceptron's margin in its last bits).
    with threadpool_limits(limits=settings.threads), cost.counting() as tally:
        tables, timings = _run_points(exp, grid, mine, ctx, f"{exp.name} {phase} shard {shard}/{n_shards}")
    provenance = {
        "experiment": exp.name, "phase": phase, "key": actual, "settings": planned.as_dict(),
        "seeds": list(settings.seeds), "manifest": manifest.as_dict(),
        "decisions": explored.decisions if phase == "confirm" and explored is not None else None,
        "shard": shard, "n_shards": n_shards, "n_points": len(grid), "points": [grid[i] for i in mine],
        "point_index": mine, "device": _describe(device, settings.threads), "code": results.git_info(exp.path.parent),
        "versions": results.versions(), "machine": results.machine(),
        "started": started.isoformat(timespec="seconds"), "wall_s": round(time.perf_counter() - t0, 3),
        "point_timings": timings, "cost": {**tally.as_dict(), "cpu_s": round(time.process_time() - cpu0, 3)},
    }
    payload = records.payload(tables, provenance)
    if out is not None:
        results.write_json(out, payload, compact=True)
    return payload


def _trains(exp: Experiment, manifest: Any) -> bool:
    """Whether the run code can use torch: it reaches the library's nn package, or the
    experiment imports torch itself. A run that does not is spared importing it (over a
    second of each quick job)."""
    return any(m.startswith("nnclaims.nn") for m in manifest.parts) or \
        any(line.lstrip().startswith(("import torch", "from torch")) for line in exp.path.read_text().splitlines())


def _device(settings: RunSettings, trains: bool) -> str:
    """The device the run computes on, with torch's threads pinned (results change with
    their number). Without training, ``auto`` is the CPU and torch is not imported: should
    the run code import it after all, its threads are pinned the moment it loads."""
    if not trains and settings.device != "cuda":
        _pin_torch_on_import(settings.threads)
        return "cpu"
    from .nn import device as devices  # imports torch

    devices.pin_threads(settings.threads)
    try:
        return devices.resolve(settings.device)
    except ValueError as err:
        raise ConfigError(f"config key 'device': {err}") from None


def _describe(device: str, threads: int) -> dict[str, Any]:
    import sys

    if "torch" not in sys.modules:
        return {"device": device, "torch_threads": threads}  # pinned to this if it loads
    from .nn import device as devices

    return devices.describe(device)


def _pin_torch_on_import(threads: int) -> None:
    import importlib.abc
    import importlib.machinery
    import sys

    if "torch" in sys.modules:
        from .nn import device as devices

        devices.pin_threads(threads)
        return

    class PinOnImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "torch":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None:
                load = spec.loader.exec_module

                def exec_module(module):
                    load(module)
                    from .nn import device as devices

                    devices.pin_threads(threads)

                spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, PinOnImport())


def _decided(exp: Experiment, settings: RunSettings, phase: str,
             explored: "Explored | None") -> tuple[RunSettings, dict[str, Any]]:
    """What the exploration decided for a confirmatory run (and the seed count it chose
    when none is set); nothing for an exploration or an experiment that does not explore."""
    if phase != "confirm" or not exp.explores:
        return settings, {}
    if explored is None or explored.key != settings.explore_key:
        raise ResultsError(f"{exp.name} explores first: its confirmatory run needs today's exploration "
                           f"(key {settings.explore_key}); the workflow runs it, or `nnclaims run {exp.name}`")
    if not settings.seeds:
        settings = settings.with_seeds(explored.decisions["seeds"]["n"])
    return settings, explored.decisions["values"]


def _run_points(exp: Experiment, grid: list[dict], mine: list[int], ctx: RunContext,
                label: str) -> tuple[dict[str, list[dict]], list[dict]]:
    """The shard's grid points, run one after another: their tables, and each point's time."""
    tables: dict[str, list[dict]] = {}
    timings = []
    with Progress(label, len(mine)) as progress:  # the job's log
        for index in mine:
            point = grid[index]
            t = time.perf_counter()
            output = records.as_tables(exp.run(dict(point), ctx))
            timings.append({"point": point, "wall_s": round(time.perf_counter() - t, 4)})
            records.add_point(output, point, index)
            for name, rows in output.items():
                tables.setdefault(name, []).extend(rows)
            progress.step()
    return tables, timings


@dataclass
class Explored:
    """An exploration's merged tables and what `decide` made of them (values, seed plan,
    notes), recomputed wherever needed: it is cheap and deterministic, and then no file
    of decisions can drift from the shards it came from."""

    key: str
    tables: dict
    decisions: dict
    settings: dict
    manifest: dict
    wall_s: float
    files: tuple[str, ...] = ()


def explore(exp: Experiment, shard_files: list[str | Path], *, expect: RunSettings, key: str,
            part: tuple[list[int], int] | None = None) -> Explored:
    """Merge the exploration's shards (verified like any shards) and let the experiment
    decide: its tuned values and its seeds by power. ``part``: (shards, n_shards) when the
    files are only those exploration shards, the ones a run shard reads (see
    `explore_part`); nothing is decided from none."""
    tables: dict = {}
    provenance: list[dict] = []
    made = {"values": {}, "seeds": None, "notes": []}  # from no exploration shard, nothing is decided
    if part is None or part[0]:
        n_points = len(exp.grid(expect.profile, "explore"))
        cover = None if part is None else shards.shards_points(part[0], part[1], n_points)
        tables, provenance = merge_shards(shard_files, expect, key, cover)
        made = exp.decide(tables, expect.profile).as_dict()
    if made["seeds"] is not None and not isinstance(made["seeds"], dict):
        raise ExperimentError(f"{exp.name}: decide() must give its seed plan as nnclaims.evidence.SeedPlan "
                              f"(from required_seeds) or None")
    if made["seeds"] is None:  # the experiment keeps its SEEDS; no power computation
        n = exp.n_seeds(expect.profile)
        made["seeds"] = {"n": n, "explanation": f"{n} seeds, fixed by the design (not chosen by power)."}
    json.dumps(made)  # decisions must be plain data: they are recorded in every shard
    return Explored(key, tables, made, expect.as_dict(), provenance[0]["manifest"] if provenance else {},
                    round(sum(p["wall_s"] for p in provenance), 3), tuple(map(str, shard_files)))


def explore_part(exp: Experiment, shard_files: list[str | Path], shard: int, n_shards: int, n_explore: int, *,
                 expect: RunSettings, key: str) -> Explored:
    """What confirmatory run shard ``shard`` (of ``n_shards``) decides from: the exploration
    shards it reads (`Experiment.explore_reads`: all, unless the experiment declares
    ``explore_needs``), given as ``shard_files``, out of ``n_explore``."""
    reads = exp.explore_reads(expect.profile, shard, n_shards, n_explore)
    if len(reads) == n_explore:
        return explore(exp, shard_files, expect=expect, key=key)
    return explore(exp, shard_files, expect=expect, key=key, part=(reads, n_explore))


def merge_shards(shard_files: list[str | Path], expect: RunSettings, key: str,
                 cover: list[int] | None = None) -> tuple[dict, list[dict]]:
    """Tables (as DataFrames, in grid order) and the provenance of every shard, after
    checking that the shards were made by today's code and settings and cover the grid
    (or exactly the points ``cover`` lists)."""
    import pandas as pd

    if not shard_files:
        raise ResultsError(f"{expect.experiment}: no shards to summarize; run it first")
    payloads = [shards.read_shard(p) for p in shard_files]
    for path, p in zip(shard_files, payloads):
        prov = p["provenance"]
        made = RunSettings.from_dict(prov["settings"])
        if made != expect:
            raise ResultsError(f"{path} was made with other settings than today's "
                               f"({'; '.join(expect.differences(made))}); delete it or rerun it "
                               f"(snakemake --forcerun run)")
        if prov["key"] != key:
            raise ResultsError(f"{path} was made by other code than today's (key {prov['key']}, today {key}); "
                               f"delete it or rerun it (snakemake --forcerun run)")
    covered = sorted(i for p in payloads for i in p["provenance"]["point_index"])
    n_points = payloads[0]["provenance"]["n_points"]
    if cover is not None and covered != cover:
        raise ResultsError(f"{expect.experiment}: the shards {', '.join(map(str, shard_files))} are not the "
                           f"exploration shards this run shard reads (grid points {cover}); give exactly those")
    if cover is None and covered != list(range(n_points)):
        raise ResultsError(f"{expect.experiment}: the shards {', '.join(map(str, shard_files))} do not cover its "
                           f"{n_points} grid points exactly once; delete them and rerun")
    devices = sorted({p["provenance"]["device"]["device"] for p in payloads})
    if len(devices) > 1:
        raise ResultsError(f"{expect.experiment}: its shards were computed on different devices ({', '.join(devices)}); "
                           f"set device to cpu or cuda and rerun")
    names = list(dict.fromkeys(name for p in payloads for name in p["tables"]))
    tables = {}
    for name in names:
        frame = pd.DataFrame([row for p in payloads for row in p["tables"].get(name, [])])
        if "_point" in frame:
            frame = frame.sort_values("_point", kind="stable").drop(columns="_point").reset_index(drop=True)
        tables[name] = frame
    return tables, [p["provenance"] for p in payloads]


def summarize(exp: Experiment, shard_files: list[str | Path], outdir: str | Path, *, expect: RunSettings,
              key: str, explored: Explored | None = None) -> list[dict]:
    """Merge shards into tables, run the checks and their controls, write tables, checks,
    measurements, verdicts and provenance (with every file's checksum). With an
    exploration, its tables join as ``explore_<name>`` and its decisions as ``decisions``."""
    import pandas as pd

    outdir = Path(outdir)
    tables, provenance = merge_shards(shard_files, expect, key)
    made = None
    if exp.explores:
        if explored is None or explored.key != expect.explore_key:
            raise ResultsError(f"{exp.name} explores first: its summary needs today's exploration "
                               f"(key {expect.explore_key})")
        _check_decisions(exp, provenance, explored, expect)
        made = {"key": explored.key, **explored.decisions, "settings": explored.settings, "wall_s": explored.wall_s,
                "manifest": explored.manifest}
        tables.update({f"explore_{name}": frame for name, frame in explored.tables.items()})
        tables["decisions"] = pd.DataFrame([{"key": k, "value": json.dumps(v, sort_keys=True)}
                                            for k, v in explored.decisions["values"].items()], columns=["key", "value"])
    summary = evaluate(exp, tables)
    tables.update(exp.analysis(tables))  # after the checks: their controls replace run tables, not these
    files = write_summary(summary, tables, outdir)
    first = provenance[0]
    results.write_sealed(outdir / "provenance.json", {
        "experiment": exp.name, "key": key, "settings": expect.as_dict(), "seeds": first["seeds"],
        "manifest": first["manifest"],
        "exploration": None if made is None else {k: made[k] for k in ("key", "values", "seeds", "notes", "settings",
                                                                       "wall_s")},
        "explore_key": None if made is None else made["key"],
        "explore_manifest": None if made is None else made["manifest"],
        "summary_code": exp.summary_manifest().digest, "device": first["device"], "code": first["code"],
        "versions": first["versions"], "machine": first["machine"],
        "started": min(p["started"] for p in provenance),
        "wall_s": round(sum(p["wall_s"] for p in provenance), 3),
        "points": [pt for _, pt in sorted((i, pt) for p in provenance for i, pt in zip(p["point_index"], p["points"]))],
        "shards": [{k: p[k] for k in ("shard", "n_shards", "wall_s", "started", "point_timings")} for p in provenance],
        "files": files,
    })
    return summary.verdicts


def _check_decisions(exp: Experiment, provenance: list[dict], explored: Explored, expect: RunSettings) -> None:
    """Every run shard was given what the exploration shards it reads decide today, and,
    where it reads only part of the exploration, each value it used is the whole's (else
    its ``explore_needs`` leaves out exploration that a decision reads)."""
    whole = explored.decisions
    if exp.explores_in_parts and whole["seeds"]["n"] != exp.n_seeds(expect.profile):
        raise ExperimentError(f"{exp.name}: decide() chose {whole['seeds']['n']} seeds, but run shards that read "
                              f"part of the exploration (explore_needs) keep the {exp.n_seeds(expect.profile)} of "
                              f"SEEDS; fix the seeds in decide() or remove explore_needs")
    if exp.explores_in_parts and not explored.files:
        raise ResultsError(f"{exp.name}: its summary needs the exploration's shard files (stages.explore gives them)")
    xsettings, n_explore = RunSettings.from_dict(explored.settings), len(explored.files)
    for p in provenance:
        used = whole
        reads = exp.explore_reads(expect.profile, p["shard"], p["n_shards"], n_explore) if exp.explores_in_parts else []
        if exp.explores_in_parts and len(reads) < n_explore:
            used = explore(exp, [explored.files[j] for j in reads], expect=xsettings, key=explored.key,
                           part=(reads, n_explore)).decisions
            if (where := _differs(used["values"], whole["values"])) is not None:
                raise ExperimentError(f"{exp.name}: run shard {p['shard']} decides {where or 'its values'} from the "
                                      f"exploration shards it reads, but the whole exploration decides otherwise; "
                                      f"its explore_needs leaves out exploration that this decision reads")
        if _canonical(p["decisions"]) != _canonical(used):
            raise ResultsError(f"{exp.name}: its shards were run with other decisions than its exploration gives "
                               f"today; delete them and rerun")


def _canonical(decisions: Any) -> str:
    """Decisions as JSON text: a shard's recorded decisions and today's compare equal when they are the same,
    NaN included (a seed plan's sd is NaN when the exploration's values are not finite, and NaN != NaN)."""
    return json.dumps(decisions, sort_keys=True, default=str)


def _differs(part: Any, whole: Any, path: str = "") -> str | None:
    """The first value of ``part`` (by its path of keys) that ``whole`` does not hold equal;
    None when ``whole`` holds all of ``part``."""
    if isinstance(part, dict) and isinstance(whole, dict):
        for k, v in part.items():
            inner = f"{path}[{k!r}]"
            if k not in whole:
                return inner
            if (found := _differs(v, whole[k], inner)) is not None:
                return found
        return None
    return None if part == whole else path


def write_summary(summary: Summary, tables: dict[str, Any], outdir: Path) -> dict[str, dict]:
    """Write the tables, the checks with their controls' outcomes, the measurements and the
    verdicts under ``outdir``; return each file's record (checksum, rows) for provenance."""
    files = results.write_tables(tables, outdir / "tables")
    check_rows = []
    for c in summary.checks:
        row = c.row()
        row.update({f"{kind}_control": outcome for kind, outcome in summary.controls[c.check].items()})
        check_rows.append(row)
    files["checks.csv"] = results.write_csv(outdir / "checks.csv", results.frame(check_rows, results.CHECK_COLUMNS))
    files["measurements.csv"] = results.write_csv(
        outdir / "measurements.csv", results.frame([m.row() for m in summary.measurements], results.MEASUREMENT_COLUMNS))
    files["verdicts.csv"] = results.write_csv(outdir / "verdicts.csv",
                                              results.frame(summary.verdicts, results.VERDICT_COLUMNS))
    return files


def plot(exp: Experiment, base: str | Path, outdir: str | Path | None = None) -> list[Figure]:
    """Draw the experiment's figures from its verified tables; list them in ``figures.json``."""
    from .report import plotting

    base = Path(base)
    outdir = Path(outdir) if outdir is not None else base / "figures"
    provenance = results.read_sealed(base / "provenance.json")
    tables = results.read_tables(base / "tables", provenance["files"])
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ResultsError(f"--outdir {outdir} is a file (or lies in one), not a folder; give a folder for the "
                           f"figures") from None
    with plotting.style():
        figures = list(exp.figures(tables, outdir))
    ids = {c.id for c in exp.claims}
    for fig in figures:
        if fig.claim not in ids:
            raise ExperimentError(f"{exp.name}: figure {fig.file!r} names unknown claim {fig.claim!r}")
        if not (outdir / fig.file).is_file():
            raise ExperimentError(f"{exp.name}: figures() listed {fig.file!r} but did not write it")
    results.write_sealed(outdir / "figures.json", {
        "key": provenance["key"], "tables": {k: v for k, v in provenance["files"].items() if k.startswith("tables/")},
        "code": exp.figures_manifest().digest, "figures": [vars(f) for f in figures],
        "files": {f.file: results.file_record(outdir / f.file) for f in figures}})
    return figures
