# Finding the experiments and turning the config into job parameters. Plain Python
# helpers, named, so that rules read as a list of inputs and outputs.
import sys
from pathlib import Path

import nnclaims
from nnclaims.evidence import settings as nnconfig
from nnclaims.evidence.experiment import discover, fingerprint
from nnclaims.evidence.results import shard_name

EXPERIMENTS_DIR = Path(workflow.basedir) / "experiments"
LIBRARY_DIR = Path(nnclaims.__file__).parent
# The interpreter running Snakemake runs the jobs too: no PATH or activation needed.
NNCLAIMS = f"{sys.executable} -m nnclaims --experiments-dir {EXPERIMENTS_DIR}"

# A bad value stops here, before any job starts, naming the key and what is allowed.
nnconfig.check(
    config,
    nnconfig.load_schema(Path(workflow.basedir) / "config" / "schema.yaml"),
    experiments=[p.stem for p in EXPERIMENTS_DIR.glob("*.py") if not p.name.startswith("_")],
)
EXPERIMENTS = discover(EXPERIMENTS_DIR, only=config.get("experiments") or None)
PROFILE = config.get("profile", "full")


wildcard_constraints:
    experiment="|".join(EXPERIMENTS) or "(?!)",
    shard=r"\d+",
    n=r"\d+",


def override(name, key):
    return config.get("overrides", {}).get(name, {}).get(key)


def n_shards(name):
    return EXPERIMENTS[name].shards(PROFILE, override(name, "shards"))


def shard_files(wildcards):
    n = n_shards(wildcards.experiment)
    return [f"results/{wildcards.experiment}/shards/{shard_name(i, n)}.json" for i in range(n)]


def run_code(wildcards):
    # A params entry: when the computing code changes, Snakemake reruns the job.
    return fingerprint(EXPERIMENTS[wildcards.experiment].path, "run")


def summarize_code(wildcards):
    return fingerprint(EXPERIMENTS[wildcards.experiment].path, "summarize")


def n_seeds(wildcards):
    return len(EXPERIMENTS[wildcards.experiment].seeds(PROFILE, override=override(wildcards.experiment, "seeds")))


def run_mem_mb(wildcards):
    return EXPERIMENTS[wildcards.experiment].resources(PROFILE)["mem_mb"]


def run_runtime(wildcards):
    return EXPERIMENTS[wildcards.experiment].resources(PROFILE)["runtime"]


def experiment_source(wildcards):
    return str(EXPERIMENTS[wildcards.experiment].path)
