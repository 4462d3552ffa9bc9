# Validate the config before anything reads it, find the selected experiments and plan
# every result they must have today (nnclaims.plan). Named input functions below, so
# that rules read as lists of inputs and outputs. A user error stops here, before any
# job, with one sentence.
import json
import os
import socket
import sys

import nnclaims
from nnclaims.evidence.errors import UserError
from nnclaims.evidence.experiment import available, discover
from nnclaims.evidence.settings import merge_config, read_config_file, settings_from
from nnclaims.plan import check_environment, plan

# Resuming by default. After an interrupted run (kill -9, a power cut) Snakemake's lock
# stays behind and the next run stops with a LockException. The run that holds the lock
# records its process here; a lock whose process is gone is stale and removed, so a plain
# `snakemake --cores N` resumes (profiles/default sets rerun-incomplete for the rest).
RUNNING = Path(".snakemake") / "nnclaims-running.json"


def clean_stale_lock():
    locks = list(Path(".snakemake", "locks").glob("*.lock"))
    if not locks or not RUNNING.is_file():
        return
    try:
        owner = json.loads(RUNNING.read_text())
    except (OSError, json.JSONDecodeError):
        return
    if owner.get("host") != socket.gethostname() or _alive(owner.get("pid", -1)):
        return  # another snakemake runs here (or elsewhere): its lock is real
    for lock in locks:
        lock.unlink(missing_ok=True)
    RUNNING.unlink(missing_ok=True)
    print(f"nnclaims: removed the lock of an interrupted run (process {owner.get('pid')} is gone); resuming",
          file=sys.stderr)


def _alive(pid):
    # A reused process number only makes the lock look real: the safe direction.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True



EXPERIMENTS_DIR = Path(workflow.basedir) / "experiments"
LIBRARY_DIR = Path(nnclaims.__file__).parent
try:
    SETTINGS = settings_from(merge_config(read_config_file(Path(workflow.basedir) / "config" / "config.yaml"), config),
                             experiments=available(EXPERIMENTS_DIR))
    EXPERIMENTS = discover(EXPERIMENTS_DIR, SETTINGS.experiments)
    PLANS = plan(SETTINGS, EXPERIMENTS)
    if workflow.is_main_process:
        check_environment(SETTINGS)
        clean_stale_lock()
except UserError as err:
    print(f"nnclaims: error: {err}", file=sys.stderr)
    sys.exit(1)
if workflow.is_main_process:
    for name, p in PLANS.items():
        for why in p.reasons():
            print(f"nnclaims: {name} will be recomputed: {why}", file=sys.stderr)


# Experiments whose exploration and run are one shard each compute both in one job.
_one_job = [n for n, p in PLANS.items() if p.explore and p.explore.n_shards == 1 and p.n_shards == 1]
ONE_JOB = "|".join(_one_job) or "(?!)"
SEPARATE_JOBS = "|".join(n for n in EXPERIMENTS if n not in _one_job) or "(?!)"


wildcard_constraints:
    experiment="|".join(EXPERIMENTS) or "(?!)",
    key=r"[0-9a-f]{16}",
    shard=r"\d+",
    n=r"\d+",


def nnclaims_cli():
    # The interpreter running Snakemake runs the jobs too: no PATH or activation needed.
    return f"{sys.executable} -m nnclaims --experiments-dir {EXPERIMENTS_DIR}"


def config_json():
    return json.dumps(SETTINGS.as_dict(), sort_keys=True)


def shard_files(wildcards):
    return PLANS[wildcards.experiment].shard_files()


def explore_shard_files(wildcards):
    """An experiment's exploration shards: its own explore jobs, and what its run and
    summarize jobs decide from (none for an experiment that does not explore)."""
    return PLANS[wildcards.experiment].explore_files()


def explore_files_flag(wildcards):
    files = PLANS[wildcards.experiment].explore_files()
    return f"--explore-files {' '.join(files)}" if files else ""


def summary_code(wildcards):
    # A params entry: when the check code changes, Snakemake redoes the summary.
    return EXPERIMENTS[wildcards.experiment].summary_manifest().digest


def figures_code(wildcards):
    return EXPERIMENTS[wildcards.experiment].figures_manifest().digest


def run_mem_mb(wildcards):
    return EXPERIMENTS[wildcards.experiment].resources(SETTINGS.profile)["mem_mb"]


def run_runtime(wildcards):
    return EXPERIMENTS[wildcards.experiment].resources(SETTINGS.profile)["runtime"]


def summarized(kind):
    return [f"results/{name}/{kind}" for name in EXPERIMENTS]


def user_results(wildcards):
    return [f"results/{name}/{kind}" for name in USER_RESULTS for kind in ("verdicts.csv", "provenance.json")]


def all_outputs(wildcards):
    """Every result of every selected experiment, so that a missing one is remade."""
    # Snakemake does not remake a missing file whose consumers are up to date (it could
    # have been temporary): so every result is a target, and deleting one remakes it.
    shards = [f for p in PLANS.values() for f in p.shard_files()]
    explored = [f for p in PLANS.values() for f in p.explore_files()]
    summaries = [f for kind in ("tables", "checks.csv", "measurements.csv", "verdicts.csv", "provenance.json", "figures")
                 for f in summarized(kind)]
    return ["reports/index.html", *shards, *explored, *summaries]


onstart:
    RUNNING.parent.mkdir(exist_ok=True)
    RUNNING.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))


onsuccess:
    RUNNING.unlink(missing_ok=True)


onerror:
    RUNNING.unlink(missing_ok=True)
    # Failure is contained: the report still shows every experiment whose results are
    # today's; the others are marked "did not run", with their logs.
    from nnclaims.report.html import build_report

    try:
        index = build_report(PLANS, partial=True, extra=USER_RESULTS)
        print(f"nnclaims: a job failed; the report shows what did run: {index.resolve()}", file=sys.stderr)
    except UserError as err:
        print(f"nnclaims: a job failed, and no report could be made: {err}", file=sys.stderr)
