"""A newcomer's rule, following the README's "Adding a rule": it reaches verdicts.csv and the report."""

import shutil
import subprocess
import sys

import pytest

from conftest import REPO, make_workflow

pytestmark = pytest.mark.slow
EXAMPLE = REPO / "docs" / "adding-a-rule"


def test_a_rule_of_ones_own_reaches_the_report_with_the_workdir_elsewhere(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    shutil.copy(EXAMPLE / "symmetry.smk", wf / "rules" / "symmetry.smk")   # step 1 of the recipe
    (wf / "scripts").mkdir()
    shutil.copy(EXAMPLE / "symmetry.py", wf / "scripts" / "symmetry.py")  # step 2
    work = tmp_path / "elsewhere"  # relative paths must hold under -d
    work.mkdir()
    (work / "results" / "stray").mkdir(parents=True)
    (work / "results" / "stray" / "verdicts.csv").write_text("claim,verdict\n")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(wf / "Snakefile"), "-d", str(work), "--cores", "2",
           "--config", "profile=quick", "device=cpu"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    verdicts = (work / "results" / "verdicts.csv").read_text()
    assert "zero-init-symmetry,Hidden units that start equal stay equal" in verdicts
    assert "zero_init_symmetry,reproduced" in verdicts and "alpha-claim" in verdicts
    page = (work / "reports" / "claims" / "zero-init-symmetry.html").read_text()
    assert "a rule of this workflow" in page and "Hidden units that start equal stay equal" in page
    assert (work / "reports" / "source" / "symmetry.py.txt").is_file()
    index = (work / "reports" / "index.html").read_text()
    assert 'href="claims/zero-init-symmetry.html"' in index
    log = (work / "logs" / "report.log").read_text()
    assert "results/stray holds results that no selected experiment and no rule makes" in log
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert "Nothing to be done" in again.stdout + again.stderr
