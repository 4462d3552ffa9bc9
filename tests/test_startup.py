"""Process start-up (issue 22): torch, over a second to import, is imported only by jobs that train."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split()


def test_summarize_plot_and_report_code_does_not_import_torch():
    out = python("import sys, nnclaims.cli, nnclaims.stages, nnclaims.plan, nnclaims.evidence.summary, "
                 "nnclaims.report.html, nnclaims.report.plotting; print('torch' in sys.modules)")
    assert out == ["False"]


def test_a_run_that_does_not_train_never_imports_torch_and_pins_it_if_it_loads():
    code = f"""
import sys
from nnclaims.evidence.experiment import load
from nnclaims.evidence.settings import settings_from
from nnclaims.plan import plan
from nnclaims.stages import run_shard
exp = load({str(REPO / "tests" / "faults" / "alpha.py")!r})
settings = settings_from({{"profile": "quick", "device": "auto", "threads": 1}}, experiments=["alpha"])
out = run_shard(exp, plan(settings, {{"alpha": exp}})["alpha"].settings)
print("torch" in sys.modules, out["provenance"]["device"]["device"], out["provenance"]["device"]["torch_threads"])
import torch  # should the run code import it after all, its threads are the setting's
print(torch.get_num_threads())
"""
    assert python(code) == ["False", "cpu", "1", "1"]


def test_a_run_that_trains_imports_torch_and_pins_its_threads():
    code = f"""
import sys
from nnclaims.evidence.experiment import load
from nnclaims.stages import _trains
exp = load({str(REPO / "experiments" / "xor.py")!r})
print(_trains(exp, exp.run_manifest()), "torch" in sys.modules)
"""
    assert python(code) == ["True", "False"]


def test_a_run_by_hand_pins_numpys_blas_threads_as_a_workflow_job_does():
    # Snakemake sets OMP_NUM_THREADS and its kin for a job; a run by hand gets the same
    # limit from run_shard, so the two round alike (the perceptron's margin differed).
    code = f"""
import threadpoolctl
from nnclaims.evidence.experiment import load
from nnclaims.evidence.settings import settings_from
from nnclaims.plan import plan
import nnclaims.stages as stages
exp = load({str(REPO / "tests" / "faults" / "alpha.py")!r})
seen = []
inner = stages._run_points
def spy(*args, **kwargs):
    seen.append(max((p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"), default=1))
    return inner(*args, **kwargs)
stages._run_points = spy
settings = settings_from({{"profile": "quick", "device": "cpu", "threads": 1}}, experiments=["alpha"])
stages.run_shard(exp, plan(settings, {{"alpha": exp}})["alpha"].settings)
print(seen[0])
"""
    assert python(code) == ["1"]
