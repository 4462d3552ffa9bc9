"""The whole workflow, timed: quick and full profiles, a no-op rerun, processes started.

Each run starts in a fresh temporary working directory (nothing cached), so the times
are what a user sees after a fresh clone. Printed beside each target of issue 3:
quick under 60 s, full under 10 minutes and a no-op rerun under 5 s, on 2 cores. The
full profile also runs at --cores 1, and the longest single job is compared with the sum
of all training jobs: their ratio bounds the speed-up more cores can give.

Run: ``make bench`` (after the engine benchmark) or ``python bench/pipeline.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def snakemake(workdir: Path, cores: int, profile: str) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
           "--cores", str(cores), "--config", f"profile={profile}", "device=cpu"]
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"snakemake failed:\n{out.stderr[-3000:]}")
    return wall, out.stdout + out.stderr


def jobs(log: str) -> dict[str, int]:
    """Finished jobs per rule; every job but `all` is one Python process."""
    counts: dict[str, int] = {}
    for rule in re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", log):
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def training_jobs(workdir: Path) -> list[float]:
    return [json.loads(p.read_text())["provenance"]["wall_s"]
            for p in (workdir / "results").glob("*/shards/*.json")]


def line(what: str, value: float, target: float | None, unit: str = "s") -> None:
    verdict = "" if target is None else f"target < {target:g} {unit}: {'met' if value < target else 'MISSED'}"
    print(f"  {what:40s} {value:8.1f} {unit}   {verdict}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--skip-full", action="store_true", help="time the quick profile only")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"pipeline (fresh working directory each time, device=cpu, 1 torch thread per job)")
        wall, log = snakemake(tmp / "quick", args.cores, "quick")
        line(f"quick profile, --cores {args.cores}", wall, 60)
        counts = jobs(log)
        noop, _ = snakemake(tmp / "quick", args.cores, "quick")
        line("no-op rerun (quick)", noop, 5)
        print(f"  {'processes started (quick)':40s} {sum(v for k, v in counts.items() if k != 'all'):8d}"
              f"     jobs: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()) if k != 'all')}")
        if args.skip_full:
            return
        for cores in (args.cores, 1):
            wall, log = snakemake(tmp / f"full-{cores}", cores, "full")
            line(f"full profile, --cores {cores}", wall, 600 if cores == args.cores else None)
        counts = jobs(log)
        times = training_jobs(tmp / f"full-{args.cores}")
        print(f"  {'processes started (full)':40s} {sum(v for k, v in counts.items() if k != 'all'):8d}"
              f"     jobs: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()) if k != 'all')}")
        print(f"  {'training: sum of job times':40s} {sum(times):8.1f} s")
        print(f"  {'training: longest job':40s} {max(times):8.1f} s   "
              f"(bounds the speed-up from more cores at {sum(times) / max(times):.1f}x)")


if __name__ == "__main__":
    main()
