import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo() -> Path:
    return REPO


def snakemake(*args: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the project's workflow with ``cwd`` as its working directory."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(cwd), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory) -> Path:
    """The whole workflow in the quick profile, once per test session, in a temporary
    working directory (shared by the pipeline and browser tests)."""
    work = tmp_path_factory.mktemp("quick")
    result = snakemake("--cores", "2", "--config", "profile=quick", "device=cpu", cwd=work, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    return work


FAULTS = REPO / "tests" / "faults"


def make_workflow(tmp_path: Path, experiments=("alpha", "beta", "gamma")) -> Path:
    """A copy of the workflow with tiny experiments (tests/faults/), whose runs take seconds."""
    import shutil

    wf = tmp_path / "wf"
    wf.mkdir(parents=True)
    shutil.copy(REPO / "Snakefile", wf)
    shutil.copy(REPO / "environment.yml", wf)  # the rules name it as their software environment
    shutil.copytree(REPO / "rules", wf / "rules")
    shutil.copytree(REPO / "config", wf / "config")
    shutil.copytree(REPO / "profiles", wf / "profiles")
    (wf / "experiments").mkdir()
    for name in experiments:
        shutil.copy(FAULTS / f"{name}.py", wf / "experiments")
    return wf
