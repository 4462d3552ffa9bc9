"""The workflow is Snakemake-native: `snakemake --lint` finds nothing, with or without a rule of one's own."""

import shutil
import subprocess
import sys

from conftest import REPO, make_workflow


def _lint(snakefile, workdir):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(snakefile), "-d", str(workdir), "--lint"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=workdir)


def test_the_workflow_lints_clean(tmp_path):
    result = _lint(REPO / "Snakefile", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr


def test_the_documented_rule_of_ones_own_lints_clean(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    shutil.copy(REPO / "docs" / "adding-a-rule" / "symmetry.smk", wf / "rules")
    (wf / "scripts").mkdir()
    shutil.copy(REPO / "docs" / "adding-a-rule" / "symmetry.py", wf / "scripts")
    result = _lint(wf / "Snakefile", wf)
    assert "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr
