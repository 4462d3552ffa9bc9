"""The everyday loop, as a user lives it (README, "The everyday loop"): change one thing,
rerun only that, see what changed; read results without a browser; tidy up.

Most tests share one finished quick run of the tiny fault-test experiments (alpha, beta,
gamma: seconds), copied before a test changes anything.
"""

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_workflow

pytestmark = pytest.mark.slow


def smk(wf: Path, *args: str, config: tuple[str, ...] = (), timeout: int = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(wf / "Snakefile"), "-d", str(wf), "--cores", "2",
           "--config", "profile=quick", "device=cpu", *config, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=wf)


def nnclaims(wf: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "nnclaims", "--experiments-dir", str(wf / "experiments"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=wf)


def jobs(result: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    """(rule, experiment) of every job a dry run lists."""
    out = []
    for block in re.split(r"^(?=(?:local)?rule \w+:$)", result.stdout + result.stderr, flags=re.M):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        if rule:
            exp = re.search(r"^    wildcards: .*?experiment=(\w+)", block, flags=re.M)
            out.append((rule.group(1), exp.group(1) if exp else ""))
    return out


def one_sentence(result: subprocess.CompletedProcess, needle: str) -> None:
    out = result.stdout + result.stderr
    assert needle in out, out[-3000:]
    assert "Traceback" not in out and 'File "' not in out, out[-3000:]
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out[-3000:]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A workflow that has run once, successfully, in the quick profile."""
    wf = make_workflow(tmp_path_factory.mktemp("everyday"))
    result = smk(wf)
    assert result.returncode == 0, result.stderr[-4000:]
    return wf


@pytest.fixture
def copy(finished, tmp_path) -> Path:
    """The finished run, copied, for a test that changes it."""
    wf = tmp_path / "wf"
    shutil.copytree(finished, wf, symlinks=True)
    return wf


# -- 1. an override of one experiment reruns that experiment only --------------------------
def test_an_override_of_one_experiment_reruns_only_that_experiment(finished):
    result = smk(finished, "-n", config=("overrides={alpha: {seeds: 9}}",))
    assert result.returncode == 0, result.stderr[-3000:]
    listed = set(jobs(result)) - {("all", "")}
    assert listed == {("run", "alpha"), ("summarize", "alpha"), ("report", "")}, listed


def test_an_override_of_an_exploring_experiment_reruns_only_its_jobs(finished):
    result = smk(finished, "-n", config=("overrides={gamma: {seeds: 5}}",))
    assert result.returncode == 0, result.stderr[-3000:]
    assert {exp for _, exp in jobs(result)} - {""} == {"gamma"}, jobs(result)


def test_an_override_of_the_seeds_keeps_the_exploration(tmp_path):
    wf = make_workflow(tmp_path, ("gamma",))
    first = smk(wf, config=("overrides={gamma: {shards: 2}}",))  # exploration in jobs of its own
    assert first.returncode == 0, first.stderr[-3000:]
    assert ("explore", "gamma") in jobs(first)
    again = smk(wf, "-n", config=("overrides={gamma: {shards: 2, seeds: 5}}",))
    assert {rule for rule, _ in jobs(again)} == {"run", "summarize", "report", "all"}, jobs(again)


def test_without_an_override_nothing_is_to_be_done(finished):
    result = smk(finished, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_a_checkout_moved_to_another_folder_reruns_nothing(copy):
    # `copy` is the finished workflow in another folder: same results, new absolute paths
    # (the interpreter's stays, the experiments' and the Snakefile's move)
    result = smk(copy, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr, jobs(result)


def test_an_override_of_xor_on_the_quick_run_reruns_only_xor(quick_run):
    from conftest import snakemake

    result = snakemake("--cores", "2", "--config", "profile=quick", "device=cpu", "overrides={xor: {seeds: 9}}", "-n",
                       cwd=quick_run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {exp for _, exp in jobs(result)} - {""} == {"xor"}, jobs(result)
    assert {rule for rule, exp in jobs(result) if not exp} <= {"report", "all"}


# -- 2. what changed since the previous run --------------------------------------------------
def test_each_run_is_recorded_and_compare_says_what_changed_and_why(copy):
    history = sorted((copy / "results" / "_history").glob("*.json"))
    assert len(history) == 1, "the first successful run is recorded"
    first = json.loads(history[0].read_text())
    assert {"date", "commit", "dirty", "settings", "experiments", "verdicts", "checks"} <= set(first)
    check = first["checks"]["alpha-claim/above-half"]
    assert check["outcome"] == "pass" and check["ci_low"] < check["value"] < check["ci_high"]
    one = nnclaims(copy, "compare")
    one_sentence(one, "only one run is recorded yet")

    rerun = smk(copy, config=("overrides={alpha: {seeds: 9}}",))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    out = rerun.stdout + rerun.stderr
    assert "nnclaims: 3 claims: 3 reproduced" in out
    assert "check alpha-claim/above-half: pass" in out and "(seeds 4 → 9)" in out
    assert f"nnclaims: report: {copy / 'reports' / 'index.html'}" in out
    assert len(list((copy / "results" / "_history").glob("*.json"))) == 2
    assert history[0].read_text() == json.dumps(first, indent=1), "a record is never rewritten"

    compared = nnclaims(copy, "compare")  # piped: plain text
    assert compared.returncode == 0, compared.stderr
    assert "no verdict changed (3 claims)" in compared.stdout
    assert "check alpha-claim/above-half" in compared.stdout and "seeds 4 → 9" in compared.stdout
    assert 'setting overrides: {} → {"alpha": {"seeds": 9}}' in compared.stdout
    assert "\x1b[" not in compared.stdout, "no terminal colours in a pipe"
    one_sentence(nnclaims(copy, "compare", "-5"), "run -5 does not exist")


def test_a_failed_run_names_its_failed_jobs_and_their_logs_in_one_block(copy):
    src = copy / "experiments" / "alpha.py"
    src.write_text(src.read_text().replace("    time.sleep(20 if", "    raise RuntimeError('boom')\n    time.sleep(20 if"))
    result = smk(copy, "--keep-going")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    block = out[out.index("nnclaims: 1 job failed:"):].splitlines()[:5]
    assert block[1].startswith("  run results/alpha/runs/"), block
    assert block[2].strip() == "RuntimeError: boom", block
    assert block[3].strip().startswith("log: logs/run/alpha/") and (copy / block[3].split("log: ")[1]).is_file()


# -- 3. results without a browser ------------------------------------------------------------
def test_show_and_verdicts_read_the_results(finished):
    shown = nnclaims(finished, "show", "alpha-claim")
    assert shown.returncode == 0, shown.stderr
    for needle in ("Alpha is above one half", "verdict:   reproduced (1/1 chapter checks pass)", "above-half: Mean value:",
                   "needed > 0.5, 4 seeds -> pass; positive control pass, negative control fail",
                   "results/alpha/figures/alpha.svg", "reports/claims/alpha-claim.html"):
        assert needle in shown.stdout, shown.stdout
    listed = nnclaims(finished, "verdicts")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["alpha-claim", "reproduced"], ["beta-claim", "reproduced"],
                                                        ["gamma-claim", "reproduced"]]
    assert lines[3] == "3 claims: 3 reproduced"


def test_show_and_verdicts_answer_in_one_sentence(finished, tmp_path):
    one_sentence(nnclaims(finished, "show", "alpha-clam"), "unknown claim 'alpha-clam'")
    empty = make_workflow(tmp_path, ("alpha",))
    one_sentence(nnclaims(empty, "show", "alpha-claim"), "no results yet")
    one_sentence(nnclaims(empty, "verdicts"), "no results yet")


def test_results_older_than_the_code_are_named(copy):
    src = copy / "experiments" / "alpha.py"
    src.write_text(src.read_text().replace("time.sleep(20 if", "time.sleep(21 if"))
    one_sentence(nnclaims(copy, "show", "alpha-claim"),
                 "the results of alpha are older than the code (run code of alpha.py changed: run)")
    listed = nnclaims(copy, "verdicts")
    assert "alpha-claim  reproduced         1/1 chapter checks pass  (older than the code)" in listed.stdout
    assert "beta-claim   reproduced         1/1 chapter checks pass\n" in listed.stdout


# -- 5. housekeeping ------------------------------------------------------------------------
def _folders(wf: Path) -> set[str]:
    return {str(p.relative_to(wf)) for base in ("results", "logs", "benchmarks") for p in (wf / base).rglob("*")
            if p.is_dir() and len(p.name) == 16 and p.parent.name in ("runs", "explore", "alpha", "beta", "gamma")}


def test_clean_stale_removes_old_keys_only(copy):
    before = _folders(copy)
    assert smk(copy, config=("overrides={alpha: {seeds: 5}}",)).returncode == 0
    old = _folders(copy) - before  # the override's key is today's now; the first run's alpha key is stale
    listed = nnclaims(copy, "clean", "--stale", "--dry-run")
    assert listed.returncode == 0, listed.stderr
    stale = {line.split()[2] for line in listed.stdout.splitlines() if line.startswith("would remove")}
    assert stale and all("alpha" in s for s in stale), listed.stdout
    assert "nothing removed (--dry-run)" in listed.stdout and _folders(copy) == before | old
    cleaned = nnclaims(copy, "clean", "--stale")
    assert re.search(r"^\d+ stale folders, [\d.]+ [kM]B: freed$", cleaned.stdout, flags=re.M), cleaned.stdout
    assert _folders(copy) == (before | old) - stale
    again = smk(copy, "-n", config=("overrides={alpha: {seeds: 5}}",))
    assert "Nothing to be done" in again.stdout + again.stderr, "the current results were not touched"
    assert "nothing is stale" in nnclaims(copy, "clean", "--stale").stdout


def test_clean_without_stale_says_what_to_say(finished):
    one_sentence(nnclaims(finished, "clean"), "clean: say what to remove: --stale")


def test_a_run_jobs_log_shows_progress_with_the_time_left(finished):
    log = next((finished / "logs" / "run" / "alpha").rglob("*.log")).read_text()
    lines = [line for line in log.splitlines() if line.startswith("nnclaims: progress alpha confirm shard 0/1")]
    assert "0/2 grid points done (0%)" in lines[0] and "time left: estimated after the first point" in lines[0]
    assert "2/2 grid points done (100%)" in lines[-1] and "finished" in lines[-1]


def test_findings_of_a_run_with_a_rule_of_ones_own(tmp_path):
    from conftest import REPO

    wf = make_workflow(tmp_path, ("alpha",))
    shutil.copy(REPO / "docs" / "adding-a-rule" / "symmetry.smk", wf / "rules")
    (wf / "scripts").mkdir()
    shutil.copy(REPO / "docs" / "adding-a-rule" / "symmetry.py", wf / "scripts")
    assert smk(wf).returncode == 0
    table = nnclaims(wf, "findings")
    assert table.returncode == 0, table.stderr
    assert "`zero-init-symmetry`" in table.stdout and "`alpha-claim`" in table.stdout
    assert "The quick profile's run of" in table.stdout
    shown = nnclaims(wf, "show", "zero-init-symmetry")  # a rule's claim reads like an experiment's
    assert shown.returncode == 0 and "Hidden units that start equal stay equal" in shown.stdout, shown.stderr
    assert "zero-init-symmetry" in nnclaims(wf, "verdicts").stdout


# -- 4. the findings are the pre-registered run's ---------------------------------------------
def test_findings_write_refuses_a_run_that_is_not_the_preregistered_one(copy):
    readme = copy / "README.md"
    readme.write_text("# x\n<!-- findings:start -->\nold\n<!-- findings:end -->\n")
    one_sentence(nnclaims(copy, "findings", "--write", "README.md"),
                 "these results are not the pre-registered run (alpha ran in the quick profile")
    assert "old" in readme.read_text()
    forced = nnclaims(copy, "findings", "--write", "README.md", "--not-preregistered")
    assert forced.returncode == 0 and "`alpha-claim`" in readme.read_text()


# -- 6. the README's recipe for a new experiment ends green -----------------------------------
def test_adding_an_experiment_as_the_readme_says_ends_green(tmp_path):
    from conftest import REPO

    wf = make_workflow(tmp_path, ())
    for name in sorted(p.name for p in (REPO / "experiments").glob("*.py")):
        shutil.copy(REPO / "experiments" / name, wf / "experiments")
    shutil.copytree(REPO / "bench", wf / "bench")
    (wf / "tests").mkdir()
    for name in ("conftest.py", "test_experiments.py"):
        shutil.copy(REPO / "tests" / name, wf / "tests")
    assert nnclaims(wf, "new", "my_claim").returncode == 0                                  # step 1
    flags = ("--profile", "quick", "--seed-block", "exploration")
    for step in (("run", "my_claim", *flags), ("summarize", "my_claim", *flags), ("plot", "my_claim")):  # step 10
        done = nnclaims(wf, *step)
        assert done.returncode == 0, done.stderr[-2000:]
    listed = nnclaims(wf, "list").stdout
    assert "my_claim\n  note: not yet measured in bench/full-profile.csv" in listed
    assert "asks the default resources, 2000 MB and 30 min" in listed
    run = smk(wf, config=("experiments=[my_claim]",), timeout=600)                            # make quick, for it
    assert run.returncode == 0, run.stderr[-3000:]
    assert 'href="claims/my-claim.html"' in (wf / "reports" / "index.html").read_text()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_experiments.py",
                            "-k", "my_claim or resources or unique"], capture_output=True, text=True, cwd=wf,
                           timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "failed" not in tests.stdout
