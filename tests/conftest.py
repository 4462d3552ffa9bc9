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
