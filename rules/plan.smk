# Validate the config before anything reads it, find the selected experiments and plan
# every result they must have today (nnclaims.plan). Named input functions below, so
# that rules read as lists of inputs and outputs. A user error stops here, before any
# job, with one sentence.
import functools
import json
import os
import re
import socket
import sys

import nnclaims
from nnclaims.bytecode import write_checked_bytecode
from nnclaims.evidence.errors import UserError
from nnclaims.evidence.experiment import available, discover
from nnclaims.evidence.settings import merge_config, read_config_file, settings_from
from nnclaims.everyday import recorded_full_profile
from nnclaims.plan import check_environment, plan, stale_results

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
    # Snakemake reads --configfile itself and lets a repeated key win silently: read each
    # strictly too, so that a duplicate is named with its line, as in config/config.yaml.
    for configfile in getattr(workflow, "overwrite_configfiles", None) or ():
        read_config_file(configfile)
    SETTINGS = settings_from(merge_config(read_config_file(Path(workflow.basedir) / "config" / "config.yaml"), config),
                             experiments=available(EXPERIMENTS_DIR))
    EXPERIMENTS = discover(EXPERIMENTS_DIR, SETTINGS.experiments)
    PLANS = plan(SETTINGS, EXPERIMENTS)
    if workflow.is_main_process:
        check_environment(SETTINGS)
        clean_stale_lock()
        write_checked_bytecode(LIBRARY_DIR, EXPERIMENTS_DIR)  # once, not in each job (nnclaims.bytecode)
except UserError as err:
    print(f"nnclaims: error: {err}", file=sys.stderr)
    sys.exit(1)


def mark_stale(outputs):
    """Make the job graph remake these outputs: Snakemake reruns a job whose output is
    missing (an older one is not enough: it skips inputs whose checksums it recorded as
    unchanged), so the output, a record where the job writes one, is removed."""
    import shutil

    for out in map(Path, outputs):
        if out.is_dir():
            shutil.rmtree(out)
        else:
            out.unlink(missing_ok=True)


def verify_results(rules_results):
    """Before any job: every result on disk is checked against what its producer recorded
    and against today's plan; what is not is named, and the output that makes the job
    graph remake it is removed, so that "will be remade" is said exactly when it is.
    Called by the Snakefile once the rules of one's own are known."""
    if not workflow.is_main_process:
        return
    for stale in stale_results(PLANS, rules_results):
        print(f"nnclaims: {stale.why}", file=sys.stderr)
        mark_stale(stale.outputs)


# What the report finds of a rule of one's own, an output results/<name>/verdicts.csv.
USER_OUTPUT = re.compile(r"results/([A-Za-z0-9_.-]+)/verdicts\.csv")


def rules_results(rules, ours):
    """The results folders that rules of one's own write (any rule with an output
    results/<name>/verdicts.csv for a name that is not an experiment's). An output of such
    a rule that almost matches (verdict.csv, result/x/verdicts.csv) is named in a warning,
    as the report would leave its claims out without a word."""
    import difflib

    found = set()
    for r in rules:
        for f in map(str, r.output):
            if m := USER_OUTPUT.fullmatch(f):
                found.add(m.group(1))
            elif Path(getattr(r, "snakefile", "") or "").name not in ours and workflow.is_main_process \
                    and difflib.SequenceMatcher(None, Path(f).name.lower(), "verdicts.csv").ratio() > 0.8:
                print(f"nnclaims: warning: {r.name} writes {f}, which the report does not read (a rule's "
                      f"claims are found in results/<name>/verdicts.csv; README, 'Adding a rule')", file=sys.stderr)
    return sorted(found - set(EXPERIMENTS))


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
    # Both paths are written relative to the working directory when they lie in it (a
    # checkout's .venv and experiments/): Snakemake reruns a job whose params changed, and a
    # checkout moved to another folder must not rerun anything (the run key holds no path).
    exe, experiments = relative_to_workdir([sys.executable, EXPERIMENTS_DIR])
    return f"{exe} -m nnclaims --experiments-dir {experiments}"


def relative_to_workdir(paths):
    """Paths under the working directory written relative to it (``./x`` for a file right
    there, so that a shell never looks it up on PATH): Snakemake reruns a job whose params or
    set of input paths changed, and moving a checkout changes every absolute one. Links are
    not followed: a virtual environment's interpreter is a link out of the checkout."""
    here, out = os.getcwd(), []
    for p in map(os.path.abspath, paths):
        rel = os.path.relpath(p, here)
        inside = p.startswith(here + os.sep)
        out.append((rel if os.sep in rel else os.path.join(".", rel)) if inside else p)
    return out


def config_json():
    return json.dumps(SETTINGS.as_dict(), sort_keys=True)


def experiment_config(wildcards):
    """This job's experiment's settings only, as the command's --config-json: Snakemake
    reruns a job whose params changed, so the whole config here would rerun every
    experiment after an override of one (or a change of `experiments`, or an MNIST path
    that only some experiments read). What stays is what the run key hashes."""
    p = PLANS[wildcards.experiment]
    own = SETTINGS.as_dict()
    own["experiments"] = []
    own["overrides"] = {p.name: own["overrides"][p.name]} if own["overrides"].get(p.name) else {}
    stages = [p.confirm] + ([p.explore] if p.explore else [])
    if not any(s.settings.mnist_path for s in stages):
        own["mnist_path"] = ""
    return json.dumps(own, sort_keys=True)


def explore_config(wildcards):
    """An exploration's job: overrides are the confirmatory run's (its seeds; the shard
    count is the job's --shards), so changing them must not redo the exploration."""
    return json.dumps({**json.loads(experiment_config(wildcards)), "overrides": {}}, sort_keys=True)


def shard_files(wildcards):
    return PLANS[wildcards.experiment].shard_files()


def explore_shard_files(wildcards):
    """An experiment's exploration shards: its own explore jobs, and what its run and
    summarize jobs decide from (none for an experiment that does not explore)."""
    return PLANS[wildcards.experiment].explore_files()


def explore_files_flag(wildcards):
    files = PLANS[wildcards.experiment].explore_files()
    return f"--explore-files {' '.join(files)}" if files else ""


def run_explore_files(wildcards):
    """The exploration shards one run shard reads: all of them, unless its experiment says
    which its points need (explore_needs); it waits for no other."""
    return PLANS[wildcards.experiment].explore_files(shard=int(wildcards.shard))


def run_explore_flag(wildcards):
    files = run_explore_files(wildcards)
    return f"--explore-files {' '.join(files)}" if files else ""


def summary_code(wildcards):
    # A params entry: when the check code changes, Snakemake redoes the summary.
    return _code_digest(wildcards.experiment, "summary")


def figures_code(wildcards):
    return _code_digest(wildcards.experiment, "figures")


@functools.cache
def _code_digest(name, stage):
    # Snakemake evaluates a job's params when it builds the job graph and again when the
    # job runs; a manifest hashes the code it reaches (a good part of a second's work), and
    # one run plans with one version of the code, so each is computed once per run.
    made = EXPERIMENTS[name]
    return (made.summary_manifest() if stage == "summary" else made.figures_manifest()).digest


def run_mem_mb(wildcards):
    return EXPERIMENTS[wildcards.experiment].resources(SETTINGS.profile)["mem_mb"]


def run_runtime(wildcards):
    return EXPERIMENTS[wildcards.experiment].resources(SETTINGS.profile)["runtime"]


# Longest jobs first. Snakemake knows no job's duration and started the quick profile's
# longest job (dropout's, 17 of its 60 s) after 41 s, leaving a core idle for its last
# 7 s; a run job's priority is its experiment's longest job in the recorded full profile
# (bench/full-profile.csv, measured), 0 for an experiment it does not list (one's own).
@functools.cache
def recorded_longest_jobs():
    recorded = recorded_full_profile(EXPERIMENTS_DIR)
    try:
        return {name: float(row["longest_s"]) for name, row in recorded.items()}
    except (KeyError, ValueError):
        return {}


def run_priority(wildcards):
    return recorded_longest_jobs().get(wildcards.experiment, 0.0)


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
    reported = ["reports/index.html", "results/verdicts.csv", "results/checks.csv", "results/measurements.csv",
              "results/provenance.json"]
    return [*reported, *shards, *explored, *summaries, *user_results(wildcards)]


# The fork server (nnclaims.forkserver): the jobs this process starts are forked from one
# that has imported torch, NumPy, pandas, SciPy and matplotlib once, instead of each
# importing them (about 1.2 s of a quick job's 3 s). Only this workflow's own jobs use it,
# never one that a cluster runs; a job started before it listens runs as before.
FORKSERVER = {}


def start_forkserver():
    import subprocess
    import tempfile

    from nnclaims.forkserver import ENV

    folder = tempfile.mkdtemp(prefix="nnclaims-")  # a short path: a socket's is at most 107 bytes
    Path("logs").mkdir(exist_ok=True)
    with open(Path("logs") / "forkserver.log", "w") as log:
        FORKSERVER["process"] = subprocess.Popen([sys.executable, str(LIBRARY_DIR / "forkserver.py"),
                                                  os.path.join(folder, "jobs.sock")],
                                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    FORKSERVER["folder"] = folder
    os.environ[ENV] = os.path.join(folder, "jobs.sock")
    import atexit

    atexit.register(stop_forkserver)  # also when the run ends without onsuccess or onerror (Ctrl-C)


def stop_forkserver():
    import shutil
    import subprocess

    from nnclaims.forkserver import ENV

    os.environ.pop(ENV, None)
    process = FORKSERVER.pop("process", None)
    if process is not None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(FORKSERVER.pop("folder", ""), ignore_errors=True)


onstart:
    RUNNING.parent.mkdir(exist_ok=True)
    RUNNING.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    start_forkserver()


onsuccess:
    stop_forkserver()
    RUNNING.unlink(missing_ok=True)
    # The verdict tally, what changed since the previous run, the report's path; the run
    # is recorded in results/_history/ (nnclaims compare).
    from nnclaims.history import after_success

    print(after_success(PLANS, SETTINGS, USER_RESULTS), file=sys.stderr)


onerror:
    stop_forkserver()
    RUNNING.unlink(missing_ok=True)
    from nnclaims.history import failure_block

    print(failure_block(log), file=sys.stderr)  # the failed jobs and their logs, in one block
    # Failure is contained: the report still shows every experiment whose results are
    # today's; the others are marked "did not run", with their logs.
    from nnclaims.report.html import build_report

    try:
        index = build_report(PLANS, partial=True, extra=USER_RESULTS)
        print(f"nnclaims: a job failed; the report shows what did run: {index.resolve()}", file=sys.stderr)
    except UserError as err:
        print(f"nnclaims: a job failed, and no report could be made: {err}", file=sys.stderr)
    # Only the report rule makes the report for good; the record of this partial one names
    # what did not run, and the next run's planning removes it, so the report rule runs.
