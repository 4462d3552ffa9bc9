"""The whole workflow, timed: wall time, job times, the critical path, and what more cores could give.

Runs the workflow in a fresh working directory (nothing cached), so the times are what a
user sees after a fresh clone, then reads every job's benchmark file (Snakemake's
``benchmark:`` records each job's run time and peak memory) and prints:

- the wall time at ``--cores``, and of a no-op rerun;
- the number of jobs (processes) per rule;
- the sum of all job times, the longest job, and the critical path: the longest chain of
  jobs that must run one after another (a run shard after the slowest of the exploration
  shards it reads, as today's plan says, then the experiment's summary and its figures,
  then the report);
- from them, the best possible wall time on 8, 32 and 128 cores: no schedule beats
  max(critical path, sum / cores);
- per experiment: its jobs' summed time, its longest job and its peak memory, from which
  its ``RESOURCES`` are declared (with margin); the work its training did, counted from
  the shapes (`nnclaims.numeric.cost`, in each shard's provenance: network-steps, those on
  already-diverged networks, training FLOPs); that work's share of this machine's
  one-thread matmul peak over the experiment's computing time; and where the share is
  low, what bounds it: the microseconds per optimizer step that the arithmetic at the peak
  does not explain (per-step Python and dispatch, memory traffic).

Run: ``make bench`` or ``python bench/pipeline.py --profile full --cores 2``;
``--analyze DIR`` reads an existing run's benchmarks instead of running.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = {"quick": 60, "full": 20 * 60}  # rule 9 and the quick profile's target, at --cores 2
MEM_MARGIN, TIME_MARGIN = 1.5, 3.0  # RESOURCES over the measured peak memory and longest job
DEFAULT_MEM_MB, DEFAULT_RUNTIME_MIN = 2000, 30  # nnclaims.evidence.experiment.DEFAULT_RESOURCES


def snakemake(workdir: Path, cores: int, profile: str) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
           "--cores", str(cores), "--config", f"profile={profile}", "device=cpu"]
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"snakemake failed:\n{out.stderr[-3000:]}")
    return wall, out.stdout + out.stderr


def jobs(workdir: Path, cpu_time: bool = False) -> list[dict]:
    """One entry per job: rule, experiment, shard, seconds, peak memory (MB). ``cpu_time``:
    a job's seconds are its CPU time, not its wall time: on a machine shared with other
    work a one-thread job's CPU time is what it would take alone, where its wall time
    grows with the load (seen: 287 s of CPU in 1,599 s of wall at a load of 12)."""
    out, by_server = [], forked(workdir)
    for path in sorted((workdir / "benchmarks").rglob("*.tsv")):
        rel = path.relative_to(workdir / "benchmarks").with_suffix("").parts
        with open(path) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"))
        rss = row.get("max_rss", "-")
        job = by_server.get(_forked_key(rel), {})
        seconds = max(float(row["cpu_time"]), job.get("cpu_s", 0.0)) if cpu_time else float(row["s"])
        out.append({"rule": rel[0], "experiment": rel[1] if len(rel) > 1 else "", "file": "/".join(rel),
                    "s": seconds, "mem_mb": max(float(rss) if rss not in ("-", "", "NA") else 0.0,
                                                job.get("max_rss_mb", 0.0))})
    return out


def forked(workdir: Path) -> dict[tuple, dict]:
    """The jobs the workflow's fork server ran (logs/forkserver.log, one line each): their
    CPU seconds and peak memory by what they wrote. Snakemake's benchmark of such a job
    measures the small command that handed it over, not the job."""
    out = {}
    try:
        lines = (workdir / "logs" / "forkserver.log").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            job = json.loads(line)
            argv = job["argv"]
        except (ValueError, KeyError, TypeError):
            continue  # not a job's line (a warning the server printed)
        if "refused" in job:
            continue  # ran in its own process: its benchmark measured it
        if "--out" in argv:
            out[("out", argv[argv.index("--out") + 1])] = job
        elif "summarize" in argv:
            out[("summarize", argv[argv.index("summarize") + 1])] = job
        elif "report" in argv:
            out[("report",)] = job
    return out


def _forked_key(rel: tuple[str, ...]) -> tuple:
    """The key of `forked` for the job whose benchmark is at ``rel`` (benchmarks/...)."""
    if rel[0] in ("run", "explore") and len(rel) == 4:
        return ("out", f"results/{rel[1]}/{'runs' if rel[0] == 'run' else 'explore'}/{rel[2]}/{rel[3]}.json")
    return (rel[0], rel[1]) if rel[0] == "summarize" and len(rel) == 2 else (rel[0],)


def work(workdir: Path) -> dict[str, dict[str, float]]:
    """Per experiment, what its jobs computed (`nnclaims.numeric.cost`, in each shard's
    provenance): network-steps, those spent on already-diverged networks, training FLOPs."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for path in sorted((workdir / "results").glob("*/*/*/*-of-*.json")):
        try:
            tally = json.loads(path.read_text())["provenance"].get("cost") or {}
        except (OSError, ValueError, KeyError):
            continue
        for k, v in tally.items():
            out[path.parts[-4]][k] += v
    return out


def matmul_peak_one_thread(n: int = 1024, repeats: int = 20) -> float:
    """This machine's float32 matmul peak on one thread (GFLOP/s): a job's share of it
    is what the pipeline's one-thread jobs can be set against."""
    import torch

    torch.set_num_threads(1)
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 * repeats / best / 1e9


def chains_of(found: list[dict], reads: dict[str, tuple] | None = None) -> tuple[float, str, dict[str, float]]:
    """The longest chain: per experiment, each run shard after the slowest exploration
    shard it reads (``reads``: `nnclaims.plan.Plan.explore_reads` by experiment; all of
    them where unknown), then summarize (which draws the figures too; a plot job of its own
    before 2026-12-04, counted where a run has one); the report after the slowest experiment."""
    per = defaultdict(lambda: defaultdict(float))
    shards = defaultdict(lambda: defaultdict(dict))  # experiment -> rule -> shard -> s
    for j in found:
        if j["rule"] == "report":
            continue
        per[j["experiment"]][j["rule"]] = max(per[j["experiment"]][j["rule"]], j["s"])
        if m := re.search(r"(\d+)-of-(\d+)$", j["file"]):
            shards[j["experiment"]][j["rule"]][int(m.group(1))] = j["s"]
    chains, computing = {}, {}  # experiment -> its chain; -> its exploration and run part
    for e, r in per.items():
        explored, ran = shards[e]["explore"], shards[e]["run"]
        known = (reads or {}).get(e)
        if explored and ran and known is not None and len(known) == len(ran):
            computing[e] = max(s + max((explored.get(x, 0.0) for x in known[i]), default=0.0) for i, s in ran.items())
        else:
            computing[e] = r["explore"] + r["run"]
        chains[e] = computing[e] + r.get("summarize", 0.0) + r.get("plot", 0.0)
    worst = max(chains, key=chains.get)
    report = sum(j["s"] for j in found if j["rule"] == "report")
    steps = " → ".join(f"{rule} {per[worst][rule]:.1f} s" for rule in ("summarize", "plot") if rule in per[worst])
    return chains[worst] + report, (f"{worst}: exploration and run shards {computing[worst]:.1f} s → {steps}, "
                                    f"then report {report:.0f} s"), chains


def planned_reads(profile: str) -> dict[str, tuple]:
    """Which exploration shards each run shard reads, per experiment, as today's plan says
    (none known when the experiments cannot be planned: each run waits for all)."""
    from nnclaims.evidence.errors import UserError
    from nnclaims.evidence.experiment import discover
    from nnclaims.evidence.settings import settings_from
    from nnclaims.plan import plan

    try:
        experiments = discover(REPO / "experiments")
        settings = settings_from({"profile": profile, "device": "cpu"}, experiments=list(experiments))
        return {name: p.explore_reads for name, p in plan(settings, experiments).items()}
    except UserError as err:
        print(f"  (the critical path assumes each run waits for its whole exploration: {err})")
        return {}


def line(what: str, value: float, target: float | None = None, unit: str = "s") -> None:
    verdict = "" if target is None else f"target < {target:g} {unit}: {'met' if value < target else 'MISSED'}"
    print(f"  {what:44s} {value:9.1f} {unit}   {verdict}")


def analyze(workdir: Path, wall: float | None, profile: str, cores: int, record: Path | None = None,
            peak: float | None = None, cpu_time: bool = False) -> None:
    found = jobs(workdir, cpu_time)
    if cpu_time:
        print("  job times are CPU times (--cpu-time): what each one-thread job takes on an idle core")
    if not found:
        raise SystemExit(f"no benchmarks under {workdir}/benchmarks: run the workflow there first")
    counts = defaultdict(int)
    for j in found:
        counts[j["rule"]] += 1
    total = sum(j["s"] for j in found)
    longest = max(found, key=lambda j: j["s"])
    path, chain, chains = chains_of(found, planned_reads(profile))
    if wall is not None:
        line(f"{profile} profile, --cores {cores}", wall, TARGET_S[profile] if cores == 2 else None)
    print(f"  {'jobs (one process each)':44s} {len(found):9d}     " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    line("sum of all job times", total)
    line(f"longest job ({longest['file']})", longest["s"])
    line("critical path", path)
    print(f"    {chain}")
    for n in (2, 8, 32, 128):
        line(f"best possible wall time on {n} cores", max(path, total / n))
    peak = peak if peak is not None else matmul_peak_one_thread()
    table = per_experiment(found, work(workdir), chains, peak)
    print_table(table, peak, profile)
    if record:
        summary = {"experiment": "(pipeline)", "jobs": len(found), "sum_s": round(total, 1),
                   "longest_s": round(longest["s"], 1), "critical_path_s": round(path, 1),
                   "wall_s": round(wall, 1) if wall is not None else ""}
        with open(record, "w", newline="") as fh:
            out = csv.DictWriter(fh, fieldnames=list(table[0]), restval="")
            out.writeheader()
            out.writerows(table + [summary])
        print(f"  per-experiment costs written to {record}")


def per_experiment(found: list[dict], done: dict, chains: dict[str, float], peak: float) -> list[dict]:
    """One row per experiment: its jobs' time, longest computing job, peak memory, the work
    its training did (FLOPs counted from the shapes) and that work's share of the one-thread
    matmul peak over its computing jobs' time, network-steps on diverged networks."""
    per = defaultdict(list)
    for j in found:
        if j["experiment"]:
            per[j["experiment"]].append(j)
    table = []
    for name, js in sorted(per.items(), key=lambda kv: -sum(j["s"] for j in kv[1])):
        computing = [j for j in js if j["rule"] in ("explore", "run", "explore_and_run")] or js
        busy = sum(j["s"] for j in computing)
        w = done.get(name, {})
        flops = w.get("train_flops", 0.0)
        steps = w.get("steps", 0)
        table.append({"experiment": name, "jobs": len(computing), "sum_s": round(sum(j["s"] for j in js), 1),
                      "longest_s": round(max(j["s"] for j in computing), 1),
                      "peak_mb": round(max(j["mem_mb"] for j in computing)), "flops": f"{flops:.3g}",
                      "pct_peak": round(100 * flops / (busy * peak * 1e9), 2) if busy else 0.0,
                      # CPU seconds inside the run code (the shards' provenance; no imports, no start-up)
                      "compute_cpu_s": round(w["cpu_s"], 1) if "cpu_s" in w else "",
                      "network_steps": int(w.get("network_steps", 0)),
                      "diverged_network_steps": int(w.get("diverged_network_steps", 0)),
                      # what bounds an experiment far from the peak: the time per optimizer step
                      # that its arithmetic at the peak does not explain (Python, dispatch, memory)
                      "us_per_step": round(busy / steps * 1e6) if steps else "",
                      "us_beyond_peak_per_step": round((busy - flops / (peak * 1e9)) / steps * 1e6) if steps else "",
                      "critical_path_s": round(chains.get(name, 0.0), 1), "wall_s": ""})
    return table


def print_table(table: list[dict], peak: float, profile: str) -> None:
    print(f"  per experiment (one-thread float32 matmul peak, same run: {peak:.1f} GFLOP/s; FLOPs are those of "
          "training steps through nn.training.train, so the share is a lower bound):")
    print(f"    {'experiment':26s} {'job sum':>9s} {'longest':>8s} {'chain':>8s} {'peak MB':>8s} {'train FLOPs':>11s} "
          f"{'% peak':>7s} {'net-steps':>11s} {'on diverged':>11s} {'µs/step':>8s} {'not arithmetic':>14s}")
    for r in table:
        print(f"    {r['experiment']:26s} {r['sum_s']:8.1f}s {r['longest_s']:7.1f}s {r['critical_path_s']:7.1f}s "
              f"{r['peak_mb']:8d} {r['flops']:>11s} {r['pct_peak']:6.2f}% {r['network_steps']:11d} "
              f"{r['diverged_network_steps']:11d} {r['us_per_step']!s:>8s} {r['us_beyond_peak_per_step']!s:>14s}")
    print(f"  RESOURCES to declare for the {profile} profile (x{MEM_MARGIN:g} the peak memory, x{TIME_MARGIN:g} the "
          f"longest job; the defaults where they suffice):")
    for r in sorted(table, key=lambda r: r["experiment"]):
        print(f"    {r['experiment']:26s} {declared(r['peak_mb'], r['longest_s'])}")


def declared(peak_mb: float, longest_s: float) -> dict[str, int]:
    """An experiment's ``RESOURCES`` from its measured peak memory and longest job: a
    cluster node may be slower than this machine and a seed's network may need more."""
    mem = max(DEFAULT_MEM_MB, math.ceil(MEM_MARGIN * peak_mb / 500) * 500)
    runtime = max(DEFAULT_RUNTIME_MIN, math.ceil(TIME_MARGIN * longest_s / 60 / 5) * 5)
    return {"mem_mb": mem, "runtime": runtime}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--profile", choices=("quick", "full"), default="quick")
    p.add_argument("--workdir", type=Path, default=None, help="run here (default: a fresh temporary folder)")
    p.add_argument("--analyze", type=Path, default=None, help="only read the benchmarks of an existing run")
    p.add_argument("--cpu-time", action="store_true",
                   help="time jobs by their CPU time (a machine shared with other work; the wall time is then not "
                        "the profile's)")
    p.add_argument("--record", type=Path, default=None,
                   help="write each experiment's jobs, summed and longest time and peak memory to this CSV "
                        "(the full profile's is bench/full-profile.csv, which RESOURCES must cover: tested)")
    args = p.parse_args()
    if args.analyze:
        print(f"pipeline ({args.analyze})")
        analyze(args.analyze, None, args.profile, args.cores, args.record, cpu_time=args.cpu_time)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp) / args.profile
        print(f"pipeline ({work}; fresh working directory, device=cpu, 1 torch thread per job)")
        wall, _ = snakemake(work, args.cores, args.profile)
        analyze(work, wall, args.profile, args.cores, args.record, matmul_peak_one_thread(), args.cpu_time)
        noop, log = snakemake(work, args.cores, args.profile)
        line("no-op rerun", noop, 4)
        if not re.search(r"Nothing to be done", log):
            print("  the no-op rerun did something: see its log")


if __name__ == "__main__":
    main()
