"""The quick profile through a real one-node SLURM, compared with a local run (make cluster-test).

1. Needs root and SLURM's packages (installed with apt when missing). Where either cannot
   be had it prints one sentence saying the test is skipped and why, and exits 0; with
   NNCLAIMS_REQUIRE_CLUSTER=1 (CI sets it) that is a failure.
2. Installs the `slurm` extra of pyproject.toml (the pinned executor plugin) into the
   interpreter running this script (.venv's, from the Makefile).
3. Stands SLURM up with .ci/slurm.sh and, on the way out, stops the daemons it started
   (and only those: a cluster already up before is left up).
4. Dry-runs the SLURM profile (tests/test_cluster.py), then runs the quick profile twice,
   each in a fresh temporary working directory under `timeout -k 10 LIMIT`:
   locally (`--cores 2`) and through profiles/slurm. Both must succeed, the SLURM run must
   really have submitted its jobs to SLURM, and results/verdicts.csv and
   results/checks.csv must be byte-identical (a diff is printed when not), except the
   numbers of claims whose experiment times code (``TIMED``): only their outcomes match.
5. Prints both wall times and, per training job, the time spent outside the training
   itself, waiting for a CPU and waiting for Snakemake's next status check.

Environment: CLUSTER_TEST_LOCAL_LIMIT_S (default 600), CLUSTER_TEST_SLURM_LIMIT_S
(default 900), CLUSTER_TEST_KEEP=1 keeps the working directories (they are kept anyway
when the test fails).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SLURM_SH = REPO / ".ci" / "slurm.sh"
QUICK = ["--config", "profile=quick", "device=cpu"]
COMPARED = ["verdicts.csv", "checks.csv"]  # must be byte-identical
REPORTED = ["measurements.csv"]  # compared and reported, not required
REQUIRE = os.environ.get("NNCLAIMS_REQUIRE_CLUSTER", "") not in ("", "0")
LOCAL_LIMIT_S = int(os.environ.get("CLUSTER_TEST_LOCAL_LIMIT_S", "600"))
SLURM_LIMIT_S = int(os.environ.get("CLUSTER_TEST_SLURM_LIMIT_S", "900"))
START_LIMIT_S = 1500  # apt-get update + install (600 s each at most) and the daemons' waits


def say(message: str) -> None:
    print(f"==> cluster-test: {message}", flush=True)


class Failed(Exception):
    """The cluster test failed: the message says why."""


def skip(reason: str) -> None:
    """Where the cluster cannot be had: skip, or fail when CI requires the cluster."""
    if REQUIRE:
        print(f"cluster-test FAILED: {reason} (NNCLAIMS_REQUIRE_CLUSTER=1 requires the cluster test).", flush=True)
        sys.exit(1)
    print(f"cluster-test skipped: {reason}.", flush=True)
    sys.exit(0)


def check_prerequisites() -> None:
    if os.geteuid() != 0:
        skip("standing up SLURM needs root (apt-get install, system daemons) and this runs as "
             f"{os.environ.get('USER') or f'uid {os.geteuid()}'}")
    if shutil.which("slurmctld", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
        if shutil.which("apt-get") is None:
            skip("slurmctld is not installed and there is no apt-get to install it")
        say("SLURM is not installed: .ci/slurm.sh install")
        result = subprocess.run(["timeout", "-k", "10", str(START_LIMIT_S), "bash", str(SLURM_SH), "install"],
                                capture_output=True, text=True)
        if result.returncode != 0:
            if REQUIRE:  # a failure: show what apt said; a skip is one sentence
                sys.stdout.write(result.stdout + result.stderr)
            last = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
            skip(f"SLURM's packages could not be installed with apt-get ({last.removeprefix('ERROR: slurm: ')})")
        sys.stdout.write(result.stdout)


def install_extra() -> None:
    """pip install the `slurm` extra's pins, unless this interpreter already has them."""
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["slurm"]
    missing = []
    for pin in pins:
        name, _, version = pin.partition("==")
        try:
            if metadata.version(name) != version:
                missing.append(pin)
        except metadata.PackageNotFoundError:
            missing.append(pin)
    if not missing:
        say(f"slurm extra already installed: {', '.join(pins)}")
        return
    say(f"pip install {' '.join(missing)}")
    run_checked([sys.executable, "-m", "pip", "install", "--quiet", *missing], "pip install of the slurm extra", 600)


def run_checked(cmd: list[str], what: str, limit_s: int) -> None:
    result = subprocess.run(["timeout", "-k", "10", str(limit_s), *cmd], stdout=sys.stdout, stderr=sys.stderr)
    if result.returncode != 0:
        timed_out = ", timed out" if result.returncode in (124, 137, -9) else ""
        raise Failed(f"{what} failed (exit status {result.returncode}{timed_out})")


def running_daemons() -> set[str]:
    out = subprocess.run(["bash", str(SLURM_SH), "running"], capture_output=True, text=True, timeout=30)
    return set(out.stdout.split())


class Run:
    """One snakemake invocation under `timeout -k 10 LIMIT`, output to a log file."""

    def __init__(self, name: str, workdir: Path, args: list[str], limit_s: int) -> None:
        self.name, self.workdir, self.limit_s = name, workdir, limit_s
        self.log = workdir.parent / f"{name}.log"
        self.cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir), *args]
        self.wall_s = 0.0
        self.proc: subprocess.Popen | None = None

    def __call__(self) -> None:
        self.workdir.mkdir()
        say(f"{self.name}: {' '.join(self.cmd)}  (limit {self.limit_s} s; log {self.log})")
        start = time.perf_counter()
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(["timeout", "-k", "10", str(self.limit_s), *self.cmd],
                                         stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
            rc = self.proc.wait()
        self.proc = None
        self.wall_s = time.perf_counter() - start
        if rc != 0:
            print(f"--- last lines of {self.log} ---")
            print("\n".join(self.log.read_text(errors="replace").splitlines()[-60:]), flush=True)
            # 124: timed out, stopped by SIGTERM; 137 or -9: still running 10 s later, SIGKILLed
            # (with its process group, `timeout` included: Python sees -9)
            if rc in (124, 137, -9):
                lock = f"; SIGKILL leaves a lock: snakemake -d {self.workdir} --unlock" if rc != 124 else ""
                raise Failed(f"the {self.name} run took longer than {self.limit_s} s and was stopped "
                             f"(exit status {rc}){lock}")
            raise Failed(f"the {self.name} run failed (exit status {rc}) after {self.wall_s:.1f} s")
        say(f"{self.name}: done in {self.wall_s:.1f} s")

    def stop(self) -> None:
        """On an interrupt: SIGTERM to `timeout`, which passes it on to snakemake."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def cancel_jobs_in(workdir: Path) -> None:
    """scancel the SLURM jobs still queued or running in workdir (after a failed run)."""
    out = subprocess.run(["squeue", "-h", "-o", "%i %Z"], capture_output=True, text=True, timeout=30)
    ids = [line.split()[0] for line in out.stdout.splitlines() if line.split()[1:] == [str(workdir)]]
    if ids:
        say(f"scancel {' '.join(ids)} (left in {workdir})")
        subprocess.run(["scancel", *ids], timeout=30)


def show_slurm_logs(workdir: Path) -> None:
    """The logs SLURM kept (the plugin deletes those of successful jobs)."""
    for log in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))[:5]:
        print(f"--- last lines of {log} ---")
        print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))


def timed_claims() -> set[str]:
    """Claims of experiments that time code (``TIMED = True``, e.g. matrix-form): their
    numbers are timings, which no two runs share, so only their outcomes are compared."""
    sys.path.insert(0, str(REPO / "lib"))
    from nnclaims.evidence.experiment import discover

    return {c.id for e in discover(REPO / "experiments").values() if getattr(e.module, "TIMED", False)
            for c in e.claims}


OUTCOME_COLUMNS = {"verdicts.csv": ["claim", "verdict"], "checks.csv": ["claim", "check", "outcome"]}


def comparable(path: Path, timed: set[str]) -> str:
    """The file's text with the rows of timed claims cut down to their outcome columns."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    if not rows or "claim" not in rows[0]:
        return path.read_text()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0].keys())
    for row in rows:
        if row["claim"] in timed:
            keep = OUTCOME_COLUMNS.get(path.name, ["claim"])
            row = {k: (v if k in keep else "(timed)") for k, v in row.items()}
        writer.writerow(row.values())
    return out.getvalue()


def compare(local: Path, slurm: Path) -> list[str]:
    """Names of the required files that differ; prints a diff of each file that differs."""
    differ = []
    timed = timed_claims()
    for name in COMPARED + REPORTED:
        a, b = local / "results" / name, slurm / "results" / name
        for path in (a, b):
            if not path.is_file():
                raise Failed(f"{path} was not written")
        if comparable(a, timed) == comparable(b, timed):
            say(f"results/{name}: byte-identical ({len(a.read_text().splitlines()) - 1} rows)")
            continue
        print(f"results/{name} differs between the local and the SLURM run:")
        sys.stdout.writelines(difflib.unified_diff(a.read_text().splitlines(True), b.read_text().splitlines(True),
                                                   f"local/results/{name}", f"slurm/results/{name}"))
        if name in COMPARED:
            differ.append(name)
    return differ


# ---------------------------------------------------------------- per-job times

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def snakemake_job_times(log: Path) -> dict[int, dict]:
    """Per computing job (rules run, explore, explore_and_run), from Snakemake's log: its
    output, when it started (or was submitted) and when Snakemake saw it finish (second
    resolution)."""
    jobs: dict[int, dict] = {}
    lines = log.read_text(errors="replace").splitlines()
    stamp = None
    for i, line in enumerate(lines):
        if m := STAMP.match(line):
            stamp = datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif re.fullmatch(r"(local)?rule (run|explore|explore_and_run):", line):
            block = "\n".join(lines[i:i + 8])
            jobid = int(re.search(r"jobid: (\d+)", block).group(1))
            output = re.search(r"output: ([^\s,]+)", block).group(1)
            jobs[jobid] = {"output": output, "start": stamp}
        elif m := re.match(r"Finished jobid: (\d+) \(Rule: (run|explore|explore_and_run)\)", line):
            jobs[int(m.group(1))]["seen_done"] = stamp
        elif m := re.match(r"Job (\d+) has been submitted with SLURM jobid (\d+)", line):
            jobs[int(m.group(1))]["slurm_id"] = m.group(2)
    return jobs


def training_s(workdir: Path, output: str) -> float:
    return json.loads((workdir / output).read_text())["provenance"]["wall_s"]


def sacct_times(ids: list[str]) -> dict[str, dict]:
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-j", ",".join(ids), "-o", "JobID,Submit,Start,End,ElapsedRaw,State"],
                         capture_output=True, text=True, timeout=30, check=True)
    rows = {}
    for line in out.stdout.splitlines():
        jid, submit, start, end, elapsed, state = line.split("|")
        iso = datetime.fromisoformat
        rows[jid] = {"submit": iso(submit), "start": iso(start), "end": iso(end), "elapsed": int(elapsed),
                     "state": state}
    return rows


def med(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} s (range {min(values):.1f}-{max(values):.1f})"


def report_job_times(local: Run, slurm: Run) -> None:
    try:
        lj = snakemake_job_times(local.log)
        outside = [(j["seen_done"] - j["start"]).total_seconds() - training_s(local.workdir, j["output"])
                   for j in lj.values()]
        say(f"local: {len(lj)} training jobs; per job, time outside the training itself (process start, "
            f"imports, writing): {med(outside)}")
        sj = snakemake_job_times(slurm.log)
        acct = sacct_times([j["slurm_id"] for j in sj.values()])
        rows = [(j, acct[j["slurm_id"]]) for j in sj.values()]
        say(f"SLURM: {len(rows)} training jobs, states {sorted({a['state'] for _, a in rows})}; per job:")
        say("  time inside the SLURM job outside the training itself (the job's own snakemake, process start, "
            f"imports): {med([a['elapsed'] - training_s(slurm.workdir, j['output']) for j, a in rows])}")
        say(f"  waiting in the queue for a free CPU (Submit to Start): "
            f"{med([(a['start'] - a['submit']).total_seconds() for _, a in rows])}")
        say(f"  finished but not yet seen by Snakemake (End to its next status check): "
            f"{med([(j['seen_done'] - a['end']).total_seconds() for j, a in rows])}")
    except Exception as error:  # the measurement is a report, not a check
        say(f"could not measure per-job times: {error!r}")


# ---------------------------------------------------------------- main

def main() -> int:
    check_prerequisites()
    before = running_daemons()
    base = Path(tempfile.mkdtemp(prefix="nnclaims-cluster-test-"))
    local = Run("local", base / "local", ["--cores", "2", *QUICK], LOCAL_LIMIT_S)
    slurm = Run("SLURM", base / "slurm", ["--workflow-profile", str(REPO / "profiles" / "slurm"), *QUICK],
                SLURM_LIMIT_S)
    ok = False
    try:
        install_extra()
        say("starting a one-node SLURM: .ci/slurm.sh start")
        run_checked(["bash", str(SLURM_SH), "start"], ".ci/slurm.sh start", START_LIMIT_S)
        say("dry run of profiles/slurm: pytest tests/test_cluster.py")
        run_checked([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(REPO / "tests" / "test_cluster.py")],
                    "the dry run of profiles/slurm (tests/test_cluster.py)", 300)
        local()
        slurm()
        submitted = len(re.findall(r"has been submitted with SLURM jobid", slurm.log.read_text()))
        if submitted == 0:
            raise Failed("the SLURM run submitted no job to SLURM: is profiles/slurm's executor still slurm?")
        differ = compare(local.workdir, slurm.workdir)
        if differ:
            raise Failed(f"{' and '.join(differ)} differ between the local and the SLURM run (diff above)")
        say(f"wall time, quick profile on this machine ({os.cpu_count()} CPUs): local --cores 2 {local.wall_s:.1f} s, "
            f"SLURM {slurm.wall_s:.1f} s ({submitted} jobs through sbatch)")
        report_job_times(local, slurm)
        ok = True
        say("passed")
        return 0
    except Failed as error:
        print(f"cluster-test FAILED: {error}", flush=True)
        return 1
    finally:
        local.stop()
        slurm.stop()
        if not ok and shutil.which("squeue") and slurm.workdir.exists():
            try:
                cancel_jobs_in(slurm.workdir)
            except (subprocess.SubprocessError, OSError) as error:
                say(f"could not cancel leftover jobs: {error!r}")
            show_slurm_logs(slurm.workdir)
        started = sorted(running_daemons() - before)
        if started:
            say(f"stopping the daemons this test started: {' '.join(started)}")
            subprocess.run(["timeout", "-k", "10", "300", "bash", str(SLURM_SH), "stop", *started])
        if ok and not os.environ.get("CLUSTER_TEST_KEEP"):
            shutil.rmtree(base, ignore_errors=True)
        else:
            say(f"working directories and logs kept in {base}")


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # so that main's finally stops what it started


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    sys.exit(main())
