"""The pipeline's per-experiment stages as plain functions: run a shard, summarize, plot.

The workflow calls these through the command line (`nnclaims.cli`); tests and users
can call them directly. Each reads and writes only files under the paths it is given.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .evidence import results
from .evidence.experiment import Experiment, ExperimentError, Figure
from .evidence.checks import Check, Measurement, verdict


def run_shard(exp: Experiment, *, profile: str, shard: int = 0, n_shards: int = 1, seed: int = 0,
              n_seeds: int | None = None, device: str = "cpu", threads: int = 1,
              engine: str = "batched", out: str | Path | None = None) -> dict[str, Any]:
    """Run every ``n_shards``-th grid point starting at ``shard``, for all seeds.

    Returns (and writes to ``out``, atomically) ``{"tables": ..., "provenance": ...}``.
    Each record gets its grid point's keys as columns (unless it set them itself) and
    ``_point``, the point's position in the grid, which keeps merged tables in grid order.
    """
    from .nn import device as devices  # imports torch: only this stage needs it
    from .nn.training import use_engine

    devices.pin_threads(threads)
    device = devices.resolve(device)
    seeds = exp.seeds(profile, seed, n_seeds)
    grid = exp.grid(profile)
    mine = list(range(shard, len(grid), n_shards))
    tables: dict[str, list[dict]] = {}
    timings = []
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    with use_engine(engine):
        for index in mine:
            point = grid[index]
            t = time.perf_counter()
            output = results.as_tables(exp.run(dict(point), list(seeds), device))
            timings.append({"point": point, "wall_s": round(time.perf_counter() - t, 4)})
            for name, rows in output.items():
                for row in rows:
                    for key, value in point.items():
                        row.setdefault(key, value if _scalar(value) else str(value))
                    row["_point"] = index
                tables.setdefault(name, []).extend(rows)
    provenance = {
        "experiment": exp.name, "profile": profile, "shard": shard, "n_shards": n_shards,
        "points": [grid[i] for i in mine], "point_index": mine, "seeds": seeds, "engine": engine,
        "config": {"profile": profile, "seed": seed, "n_seeds": len(seeds), "device": device,
                   "threads": threads, "engine": engine},
        "code": results.git_info(exp.path.parent), "versions": results.versions(),
        "machine": results.machine(), "device": devices.describe(device), "threads": threads,
        "started": started.isoformat(timespec="seconds"), "wall_s": round(time.perf_counter() - t0, 3),
        "point_timings": timings,
    }
    payload = {"tables": tables, "provenance": provenance}
    if out is not None:
        results.write_json(out, payload)
    return payload


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def merge_shards(shard_files: list[str | Path]) -> tuple[dict, list[dict]]:
    """Tables (as DataFrames, in grid order) and the provenance of every shard."""
    import pandas as pd

    payloads = [results.read_json(p) for p in shard_files]
    names = list(dict.fromkeys(name for p in payloads for name in p["tables"]))
    tables = {}
    for name in names:
        rows = results.concat_records(p["tables"].get(name, []) for p in payloads)
        frame = pd.DataFrame(rows)
        if "_point" in frame:
            frame = frame.sort_values("_point", kind="stable").drop(columns="_point").reset_index(drop=True)
        tables[name] = frame
    return tables, [p["provenance"] for p in payloads]


def evaluate(exp: Experiment, tables: dict) -> tuple[list[Check], list[dict], list[Measurement]]:
    """Run the experiment's checks and turn them into one verdict per claim; also collect
    its reported measurements (optional ``measurements(tables)``)."""
    checks = list(exp.checks(tables))
    measured = list(getattr(exp.module, "measurements", lambda t: [])(tables))
    ids = {c.id for c in exp.claims}
    for m in measured:
        if not isinstance(m, Measurement) or m.claim not in ids:
            raise ExperimentError(f"{exp.name}: measurements must be nnclaims.stats.Measurement objects "
                                  f"naming a claim in CLAIMS; got {m!r}")
    seen = set()
    for check in checks:
        if not isinstance(check, Check):
            raise ExperimentError(f"{exp.name}: checks must return nnclaims.stats.Check objects")
        if check.claim not in ids:
            raise ExperimentError(f"{exp.name}: check {check.check!r} names claim {check.claim!r}, "
                                  f"which is not in CLAIMS ({', '.join(sorted(ids))})")
        if (check.claim, check.check) in seen:
            raise ExperimentError(f"{exp.name}: check {check.check!r} of {check.claim!r} appears twice")
        seen.add((check.claim, check.check))
    rows = []
    for claim in exp.claims:
        mine = [c for c in checks if c.claim == claim.id]
        if not mine:
            raise ExperimentError(f"{exp.name}: claim {claim.id!r} has no checks")
        rows.append({"claim": claim.id, "title": claim.title, "section": claim.section,
                     "experiment": exp.name, "verdict": verdict([c.outcome for c in mine]),
                     "checks_passed": sum(c.outcome == "pass" for c in mine), "checks_total": len(mine)})
    return checks, rows, measured


def summarize(exp: Experiment, shard_files: list[str | Path], outdir: str | Path) -> list[dict]:
    """Merge shards into tables, run the checks, write tables, checks, verdicts, provenance."""
    import pandas as pd

    outdir = Path(outdir)
    tables, provenance = merge_shards(shard_files)
    checks, verdicts, measured = evaluate(exp, tables)
    results.write_tables(tables, outdir / "tables")
    results.checks_frame([c.row() for c in checks]).to_csv(outdir / "checks.csv", index=False)
    results.checks_frame([m.row() for m in measured], results.MEASUREMENT_COLUMNS).to_csv(
        outdir / "measurements.csv", index=False)
    pd.DataFrame(verdicts, columns=results.VERDICT_COLUMNS).to_csv(outdir / "verdicts.csv", index=False)
    first = provenance[0]
    results.write_json(outdir / "provenance.json", {
        "experiment": exp.name, "profile": first["profile"], "seeds": first["seeds"],
        "config": first["config"], "code": first["code"], "versions": first["versions"],
        "machine": first["machine"], "device": first["device"], "threads": first["threads"],
        "engine": first["engine"], "started": min(p["started"] for p in provenance),
        "wall_s": round(sum(p["wall_s"] for p in provenance), 3),
        "points": [pt for _, pt in sorted((i, pt) for p in provenance
                                            for i, pt in zip(p["point_index"], p["points"]))],
        "shards": [{k: p[k] for k in ("shard", "n_shards", "wall_s", "started", "point_timings")}
                   for p in provenance],
    })
    return verdicts


def plot(exp: Experiment, tables_dir: str | Path, outdir: str | Path) -> list[Figure]:
    """Draw the experiment's figures from its tables and list them in ``figures.json``."""
    from .report import plotting

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    tables = results.read_tables(tables_dir)
    with plotting.style():
        figures = list(exp.figures(tables, outdir))
    ids = {c.id for c in exp.claims}
    for fig in figures:
        if fig.claim not in ids:
            raise ExperimentError(f"{exp.name}: figure {fig.file!r} names unknown claim {fig.claim!r}")
        if not (outdir / fig.file).is_file():
            raise ExperimentError(f"{exp.name}: figures() listed {fig.file!r} but did not write it")
    results.write_json(outdir / "figures.json", [vars(f) for f in figures])
    return figures
