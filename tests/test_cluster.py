"""profiles/slurm, caught broken before anyone waits on a cluster queue.

The profile's own rules are checked everywhere; the dry run (`-n`) through the SLURM
executor needs snakemake-executor-plugin-slurm (`pip install -e '.[slurm]'`) and is skipped
with a message without it. `make cluster-test` runs the profile for real on a one-node
SLURM (.ci/cluster_test.py).
"""

import importlib.util
import re
import tomllib

import pytest
import yaml

from conftest import REPO, snakemake

PROFILE = REPO / "profiles" / "slurm"
PLUGIN = importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None


def _profile() -> dict:
    return yaml.safe_load((PROFILE / "config.yaml").read_text())


def test_profile_works_as_shipped():
    profile = _profile()
    assert profile["executor"] == "slurm"
    assert profile["rerun-incomplete"] is True
    assert profile["slurm-init-seconds-before-status-checks"] <= 10, "the plugin's default first check (40 s) idles"
    assert profile["latency-wait"] >= 5 and profile["jobs"] >= 1
    resources = profile["default-resources"]
    assert {"mem_mb", "runtime"} <= set(resources)
    # a partition or account of one site fails everywhere else ("invalid partition specified")
    assert not {"slurm_partition", "slurm_account"} & set(resources)
    assert "slurm-status-command" not in profile, "sacct is the plugin's default; squeue is documented, commented"


def test_slurm_extra_pins_the_tested_plugin():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    pins = dict(pin.split("==") for pin in extras["slurm"])
    assert "snakemake-executor-plugin-slurm" in pins
    tested = re.search(r"snakemake-executor-plugin-slurm (\S+)", (PROFILE / "config.yaml").read_text()).group(1)
    assert pins["snakemake-executor-plugin-slurm"] == tested, "the profile's comment names the version tested"


def test_dry_run_through_the_slurm_executor(tmp_path):
    if not PLUGIN:
        pytest.skip("snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]'): "
                    "the SLURM profile's dry run is skipped")
    result = snakemake("--workflow-profile", str(PROFILE), "--config", "profile=quick", "device=cpu", "-n",
                       cwd=tmp_path, timeout=120)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "This was a dry-run" in log
    jobs = re.findall(r"^(?:local)?rule (\w+):$", log, re.MULTILINE)
    assert len(jobs) > 1, log[-4000:]
    # every job has memory and a runtime for sbatch (its rule's, or the profile's defaults),
    # and nothing names a site's partition
    resources = re.findall(r"^    resources: (.*)$", log, re.MULTILINE)
    assert len(resources) == len(jobs), (len(resources), len(jobs))
    assert all("mem_mb=" in r and "runtime=" in r for r in resources), resources[:3]
    assert "slurm_partition" not in log


GPU_PROFILE = REPO / "profiles" / "slurm-gpu"
COMPUTING = {"run", "explore", "explore_and_run"}  # the rules submitted to SLURM; the others are localrules


def test_gpu_profile_asks_a_gpu_for_the_computing_rules_only():
    asked = yaml.safe_load((GPU_PROFILE / "config.yaml").read_text())["set-resources"]
    assert set(asked) == COMPUTING and all(r["gpu"] == 1 for r in asked.values())
    rules = set(re.findall(r"^rule (\w+):", (REPO / "rules" / "run.smk").read_text(), re.MULTILINE))
    assert rules == COMPUTING, "a new computing rule needs its GPU line in profiles/slurm-gpu"


def test_dry_run_with_the_gpu_setting_asks_sbatch_for_a_gpu(tmp_path):
    if not PLUGIN:
        pytest.skip("snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]'): "
                    "the GPU profile's dry run is skipped")
    from types import SimpleNamespace

    from snakemake_executor_plugin_slurm.utils import set_gres_string

    result = snakemake("--workflow-profile", str(PROFILE), "--profile", str(GPU_PROFILE), "--config", "profile=quick",
                       "-n", cwd=tmp_path, timeout=120)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    resources: (.*)$", log, re.MULTILINE)
    computing = [res for rule, res in jobs if rule in COMPUTING]
    assert computing and all(re.search(r"\bgpu=1\b", res) for res in computing), computing[:3]
    assert not any("gpu=" in res for rule, res in jobs if rule not in COMPUTING)
    # what the plugin adds to each computing job's sbatch line for that resource
    assert set_gres_string(SimpleNamespace(resources={"gpu": 1})).strip() == "--gpus=1"
