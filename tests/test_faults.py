"""Fault injection: the pipeline never shows a wrong result, never loses data, and answers
every user error with one sentence.

Each case breaks something on purpose, on a copy of the workflow with three tiny
experiments (tests/faults/: two plain ones and one that explores first), so that a
pipeline run takes seconds. The README's "Fault tests" table counts these cases.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
import struct
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, make_workflow

pytestmark = pytest.mark.slow


def smk(wf: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(wf / "Snakefile"), "-d", str(wf), "--cores", "2",
           "--config", "profile=quick", "device=cpu", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=wf)


def cli(wf: Path, *args: str, today: bool = True) -> subprocess.CompletedProcess:
    """``nnclaims`` by hand; ``today``: with the settings the workflow ran with (quick, cpu)."""
    args = list(args)
    if today and args and args[0] in ("run", "summarize", "decide", "report"):
        for flag, value in (("--profile", "quick"), ("--device", "cpu")):
            if flag not in args:
                args += [flag, value]
    cmd = [sys.executable, "-m", "nnclaims", "--experiments-dir", str(wf / "experiments"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=wf)


def one_sentence(result: subprocess.CompletedProcess, needle: str) -> None:
    """The user error was answered with one line that names the problem, and no traceback."""
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-2000:]
    assert needle in out, out[-3000:]
    assert "Traceback" not in out and 'File "' not in out, out[-3000:]
    errors = [line for line in out.splitlines() if line.startswith("nnclaims: error:")]
    assert len(errors) == 1, out[-3000:]


def rows(path: Path) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh))


def settings_of(wf: Path, name: str) -> dict:
    return json.loads((wf / "results" / name / "provenance.json").read_text())["settings"]


@pytest.fixture
def done(tmp_path) -> Path:
    """A workflow that has run once, successfully, in the quick profile."""
    wf = make_workflow(tmp_path)
    result = smk(wf)
    assert result.returncode == 0, result.stderr[-3000:]
    return wf


# -- the configuration: stopped before any job, named in one sentence -------------------
@pytest.mark.parametrize("args,needle", [
    (["profile=fast"], "config key 'profile': 'fast' is not allowed; allowed values: quick, full"),
    (["device=tpu"], "config key 'device': 'tpu' is not allowed"),
    (["engine=vmap"], "config key 'engine': 'vmap' is not allowed"),
    (["threads=0"], "config key 'threads': 0 is not allowed; must be at least 1"),
    (["threads=two"], "config key 'threads': expected integer, got 'two'"),
    (["seed_block=fresh"], "config key 'seed_block': 'fresh' is not allowed"),
    (["proflie=quick"], "unknown config key 'proflie'"),
    (["overrides={alpha: {seed: 3}}"], "unknown config key 'seed' under 'overrides.alpha'"),
    (["overrides={alpha: {seeds: 0}}"], "config key 'overrides.alpha.seeds': 0 is not allowed; must be at least 2"),
    (["overrides={alpha: {seeds: -1}}"], "config key 'overrides.alpha.seeds': -1 is not allowed"),
    (["overrides={alpha: {shards: 0}}"], "config key 'overrides.alpha.shards': 0 is not allowed"),
    (["overrides={alphaa: {seeds: 5}}"], "config key 'overrides': unknown experiment 'alphaa'; allowed: alpha, beta, gamma"),
    (["experiments=[alphaa]"], "config key 'experiments': unknown experiment 'alphaa'"),
    (["mnist_path=/no/such/folder"], "config key 'mnist_path': /no/such/folder is not a folder"),
    (["device=cuda"], "config key 'device': 'cuda' was asked for, but torch sees no GPU"),
])
def test_a_bad_setting_stops_before_any_job(tmp_path, args, needle):
    import torch

    if "device=cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    wf = make_workflow(tmp_path)
    one_sentence(smk(wf, *args), needle)
    assert not (wf / "results").exists() and not (wf / "logs").exists()


@pytest.mark.parametrize("content,needle", [
    ("profile: quick\ndevice: [cpu\n", "config.yaml, line 3, column 1"),
    ("profile: quick\nthreads: 1\nprofile: full\n", "config.yaml, line 3: key 'profile' appears twice (first on line 1)"),
    ("- profile\n- quick\n", "a config file holds keys and values"),
    ("overrides: {alpha: {seeds: many}}\n", "config key 'overrides.alpha.seeds': expected integer, got 'many'"),
])
def test_a_broken_config_file_is_named_with_its_line(tmp_path, content, needle):
    wf = make_workflow(tmp_path)
    (wf / "config" / "config.yaml").write_text(content)
    one_sentence(smk(wf), needle)


@pytest.mark.parametrize("files,needle", [
    ({}, "no train-images-idx3-ubyte"),
    ({"train-images-idx3-ubyte": b"garbage", "train-labels-idx1-ubyte": b"", "t10k-images-idx3-ubyte": b"",
      "t10k-labels-idx1-ubyte": b""}, "is not an MNIST IDX file"),
])
def test_a_bad_mnist_path_stops_before_any_job(tmp_path, files, needle):
    wf = make_workflow(tmp_path)
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    one_sentence(smk(wf, f"mnist_path={folder}"), needle)


def test_a_broken_selected_experiment_is_named_with_its_line_and_an_unselected_one_blocks_nothing(tmp_path):
    wf = make_workflow(tmp_path)
    (wf / "experiments" / "broken.py").write_text("import numpy as np\n\nX = np.nosuch(3)\n")
    one_sentence(smk(wf, "-n"), "broken.py, line 3: importing the experiment failed: AttributeError")
    result = smk(wf, "experiments=[alpha]")
    assert result.returncode == 0, result.stderr[-2000:]
    assert [r["claim"] for r in rows(wf / "results" / "verdicts.csv")] == ["alpha-claim"]


# -- the command line --------------------------------------------------------------------
@pytest.mark.parametrize("args,needle", [
    (["run", "alpha", "--profile", "quick", "--shard", "5", "--shards", "2"], "--shard 5: shards are numbered 0 to 1"),
    (["run", "alpha", "--profile", "quick", "--shards", "0"], "config key 'overrides.alpha.shards': 0 is not allowed"),
    (["run", "alpha", "--profile", "quick", "--seeds", "0"], "config key 'overrides.alpha.seeds': 0 is not allowed"),
    (["run", "alpha", "--profile", "quick", "--threads", "0"], "config key 'threads': 0 is not allowed"),
    (["run", "alpha", "--profile", "fast"], "config key 'profile': 'fast' is not allowed"),
    (["run", "alpha", "--config-json", "{bad"], "--config-json is not valid JSON"),
    (["run", "nosuch"], "unknown experiment 'nosuch'; available: alpha, beta, gamma"),
    (["summarize", "alpha", "--profile", "quick"], "alpha: no shard"),
    (["plot", "alpha"], "results/alpha/provenance.json is missing"),
    (["decide", "alpha", "--profile", "quick"], "alpha has no exploration"),
    (["run", "gamma", "--phase", "confirm"], "gamma: no exploration shard"),
    (["report", "--only", "nonexistent", "--reports", "by-hand"], "unknown experiment 'nonexistent'"),
    (["new", "Bad-Name"], "experiment names are lower-case identifiers"),
    (["new", "alpha"], "exists; pass --force to overwrite it"),
])
def test_a_bad_command_line_is_one_sentence(tmp_path, args, needle):
    wf = make_workflow(tmp_path)
    if args[0] == "new":
        args = [*args[:1], *args[1:], ]
        result = subprocess.run([sys.executable, "-m", "nnclaims", "--experiments-dir", str(wf / "experiments"), *args],
                                capture_output=True, text=True, cwd=wf)
    else:
        result = cli(wf, *args)
    one_sentence(result, needle)


def test_report_with_a_wrong_name_leaves_the_results_alone(done):
    before = {p: p.read_bytes() for p in (done / "results").glob("*.csv")}
    one_sentence(cli(done, "report", "--only", "nonexistent", "--reports", "by-hand"), "unknown experiment 'nonexistent'")
    assert {p: p.read_bytes() for p in (done / "results").glob("*.csv")} == before


# -- corrupt files: named, never used -----------------------------------------------------
def _shard(wf: Path, name: str = "alpha") -> Path:
    return next((wf / "results" / name / "runs").glob("*/0-of-1.json"))


def _change_a_value(path: Path) -> None:
    """One recorded value edited in place, whatever the shard's spacing (shards are compact)."""
    text = path.read_text()
    edited = re.sub(r'"value":(\s*)1', r'"value":\g<1>7', text, count=1)
    assert edited != text, "the damage must change the shard, or the test checks nothing"
    path.write_text(edited)


@pytest.mark.parametrize("damage,needle", [
    (lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]), "is not a valid shard (corrupt or truncated"),
    (lambda p: p.write_text(""), "is not a valid shard"),
    (lambda p: p.write_text("[1, 2]"), "is not a shard written by nnclaims"),
    (_change_a_value, "do not match their checksum"),
])
def test_a_damaged_shard_is_named(done, damage, needle):
    damage(_shard(done))
    one_sentence(cli(done, "summarize", "alpha", "--profile", "quick"), needle)


def test_a_shard_of_other_settings_is_refused_even_in_todays_folder(done, tmp_path):
    other = make_workflow(tmp_path / "other", ("alpha",))
    assert cli(other, "run", "alpha", "--seed-block", "exploration").returncode == 0
    shutil.copy(_shard(other), _shard(done))
    one_sentence(cli(done, "summarize", "alpha", "--profile", "quick"),
                 "was made with other settings than today's (seed_block exploration → confirmatory")


@pytest.mark.parametrize("target,command,needle", [
    ("tables/records.csv", ["plot", "alpha"], "alpha/tables/records.csv is not the file that was written"),
    ("checks.csv", ["report", "--reports", "by-hand"], "alpha/checks.csv is not the file that was written"),
    ("verdicts.csv", ["report", "--reports", "by-hand"], "alpha/verdicts.csv is not the file that was written"),
    ("provenance.json", ["plot", "alpha"], "alpha/provenance.json is corrupt or truncated"),
])
def test_a_truncated_result_is_named_and_not_published(done, target, command, needle):
    path = done / "results" / "alpha" / target
    path.write_text(path.read_text()[:-30])
    before = (done / "reports" / "index.html").read_bytes()
    one_sentence(cli(done, *command), needle)
    assert (done / "reports" / "index.html").read_bytes() == before


def test_a_missing_tables_folder_is_named(done):
    shutil.rmtree(done / "results" / "alpha" / "tables")
    one_sentence(cli(done, "plot", "alpha"), "no tables folder results/alpha/tables; run summarize first")


# -- the workflow: nothing stale reaches the report --------------------------------------
def test_a_second_run_does_nothing(done):
    result = smk(done)
    assert result.returncode == 0 and "Nothing to be done" in result.stdout + result.stderr


@pytest.mark.parametrize("victim", ["shard", "checks", "figures", "exploration"])
def test_a_deleted_result_is_remade(done, victim):
    path = {"shard": _shard(done), "checks": done / "results" / "alpha" / "checks.csv",
            "figures": done / "results" / "alpha" / "figures",
            "exploration": next((done / "results" / "gamma" / "runs").glob("*/explore-0-of-1.json"))}[victim]
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    result = smk(done)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Nothing to be done" not in result.stdout + result.stderr
    assert path.exists()


def test_changed_settings_rerun_with_a_reason_and_the_report_never_mixes(done):
    result = smk(done, "seed_block=exploration")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "nnclaims: alpha will be recomputed: settings changed: seed_block confirmatory → exploration" in result.stderr
    for name in ("alpha", "beta", "gamma"):
        assert settings_of(done, name)["seed_block"] == "exploration"


def test_a_failing_experiment_with_keep_going_still_gets_a_report_without_stale_results(done):
    # Change the settings (every result is now stale), then make beta's run fail.
    src = done / "experiments" / "beta.py"
    src.write_text(src.read_text().replace("time.sleep(20 if", "raise RuntimeError('beta is broken')\n    time.sleep(20 if"))
    result = smk(done, "seed_block=exploration", "--keep-going")
    assert result.returncode != 0
    verdicts = {r["claim"]: r for r in rows(done / "results" / "verdicts.csv")}
    assert verdicts["beta-claim"]["verdict"] == "did not run"
    assert verdicts["alpha-claim"]["verdict"] != "did not run"
    assert settings_of(done, "alpha")["seed_block"] == "exploration"
    page = (done / "reports" / "claims" / "beta-claim.html").read_text()
    assert "did not run" in page and "logs/beta/" in page
    log = next((done / "reports" / "logs" / "beta").glob("*.log")).read_text()
    assert "beta is broken" in log
    index = (done / "reports" / "index.html").read_text()
    assert "Incomplete run" in index


def test_a_failing_summary_shows_as_not_run(done):
    src = done / "experiments" / "alpha.py"
    src.write_text(src.read_text().replace('return [Check.of("alpha-claim"', 'raise ValueError("checks broke")\n    return [Check.of("alpha-claim"'))
    result = smk(done, "--keep-going")
    assert result.returncode != 0
    verdicts = {r["claim"]: r["verdict"] for r in rows(done / "results" / "verdicts.csv")}
    assert verdicts["alpha-claim"] == "did not run" and verdicts["beta-claim"] != "did not run"


def test_a_hand_run_shard_is_used_only_when_it_matches(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    # By hand, with the full profile (what `nnclaims run` gives without --profile): not today's.
    assert cli(wf, "run", "alpha", "--profile", "full").returncode == 0  # and device auto: not today's either
    result = smk(wf)
    assert result.returncode == 0
    assert "rule run:" in result.stdout + result.stderr or "localrule run:" in result.stdout + result.stderr
    assert settings_of(wf, "alpha")["profile"] == "quick"
    # By hand, with today's settings: the workflow uses it and does not recompute it.
    shutil.rmtree(wf / "results")
    shutil.rmtree(wf / ".snakemake")
    assert cli(wf, "run", "alpha").returncode == 0
    result = smk(wf)
    assert result.returncode == 0
    assert "rule run:" not in result.stdout + result.stderr


# -- the fingerprint: what is rerun after an edit ----------------------------------------
def _jobs(result) -> set[str]:
    return set(re.findall(r"^(?:local)?rule (\w+):", result.stdout + result.stderr, flags=re.M))


@pytest.mark.parametrize("edit,expected", [
    (("def _points_for_figure(rec):\n", "def _points_for_figure(rec):\n    rec = rec.copy()\n"),
     {"summarize", "report"}),  # one job summarizes and draws
    (("def _helper_for_checks(rec):\n", "def _helper_for_checks(rec):\n    rec = rec.copy()\n"),
     {"summarize", "report"}),
    (('Expected: the mean', 'Expected (a reworded docstring): the mean'), {"report"}),
    (("    time.sleep(20 if", "    time.sleep(21 if"), {"run", "summarize", "report"}),
])
def test_an_edit_reruns_exactly_what_it_touches(done, edit, expected):
    src = done / "experiments" / "alpha.py"
    text = src.read_text()
    assert edit[0] in text
    src.write_text(text.replace(edit[0], edit[1], 1))
    result = smk(done, "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _jobs(result) - {"all"} == expected
    if "run" in expected:
        assert "nnclaims: alpha will be recomputed: run code of alpha.py changed: run" in result.stderr


# -- resuming after kill -9 ----------------------------------------------------------------
def test_an_interrupted_run_resumes_by_default_with_the_same_bytes(tmp_path):
    reference = make_workflow(tmp_path / "ref")
    assert smk(reference).returncode == 0
    wf = make_workflow(tmp_path / "cut")
    (wf / "slow-runs").touch()  # every run job sleeps, so the kill lands mid-run
    cmd = [sys.executable, "-m", "snakemake", "-s", str(wf / "Snakefile"), "-d", str(wf), "--cores", "2",
           "--config", "profile=quick", "device=cpu"]
    proc = subprocess.Popen(cmd, cwd=wf, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((wf / "results").glob("*/runs/*/*.json")):
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its jobs, mid-run
    proc.wait()
    assert list((wf / ".snakemake" / "locks").glob("*.lock")), "the interrupted run should leave its lock"
    (wf / "slow-runs").unlink()
    result = smk(wf)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "removed the lock of an interrupted run" in result.stderr
    for name in ("verdicts.csv", "checks.csv", "measurements.csv"):
        assert (wf / "results" / name).read_bytes() == (reference / "results" / name).read_bytes(), name
    for table in (reference / "results").glob("*/tables/*.csv"):
        assert (wf / table.relative_to(reference)).read_bytes() == table.read_bytes(), table


# -- issue 17: one writer of the report, every file verified, no loop, rules, logs ---------
def _text(result) -> str:
    return result.stdout + result.stderr


def test_after_a_failed_keep_going_run_the_fixed_code_rebuilds_the_report(done):
    src = done / "experiments" / "alpha.py"
    good = src.read_text()
    src.write_text(good.replace('return [Check.of("alpha-claim"', 'raise ValueError("checks broke")\n    return [Check.of("alpha-claim"'))
    assert smk(done, "--keep-going").returncode != 0
    assert {r["claim"]: r["verdict"] for r in rows(done / "results" / "verdicts.csv")}["alpha-claim"] == "did not run"
    src.write_text(good)  # the fix
    result = smk(done)
    assert result.returncode == 0, _text(result)[-3000:]
    assert "Nothing to be done" not in _text(result)
    assert {r["claim"]: r["verdict"] for r in rows(done / "results" / "verdicts.csv")}["alpha-claim"] != "did not run"
    assert "Incomplete run" not in (done / "reports" / "index.html").read_text()
    assert "Nothing to be done" in _text(smk(done))


def test_a_report_by_hand_goes_elsewhere_and_leaves_the_workflows_report_alone(done):
    ours = [done / "reports" / "index.html", *(done / "results" / f for f in ("verdicts.csv", "checks.csv",
                                                                                "measurements.csv"))]
    before = {p: p.read_bytes() for p in ours}
    one_sentence(cli(done, "report", "--only", "alpha"), "say where to write it with --reports DIR")
    one_sentence(cli(done, "report", "--only", "alpha", "--reports", "reports"), "is the workflow's own report")
    one_sentence(cli(done, "report", "--only", "--reports", "by-hand"), "--only names no experiment")
    result = cli(done, "report", "--only", "alpha", "--reports", "by-hand")
    assert result.returncode == 0, _text(result)
    assert [r["claim"] for r in rows(done / "by-hand" / "verdicts.csv")] == ["alpha-claim"]
    assert {p: p.read_bytes() for p in ours} == before
    assert "Nothing to be done" in _text(smk(done))


@pytest.mark.parametrize("command", [["list"], ["report", "--reports", "by-hand"], ["run", "alpha"]])
@pytest.mark.parametrize("folder,needle", [("nosuch", "no such folder"), ("empty", "holds no experiment modules")])
def test_a_missing_or_empty_experiments_folder_is_one_sentence(tmp_path, command, folder, needle):
    (tmp_path / "empty").mkdir()
    result = subprocess.run([sys.executable, "-m", "nnclaims", "--experiments-dir", str(tmp_path / folder), *command],
                            capture_output=True, text=True, cwd=tmp_path)
    one_sentence(result, needle)
    assert not (tmp_path / "by-hand").exists() and not (tmp_path / "results").exists()


def _extra_csv(wf: Path) -> Path:
    path = wf / "results" / "alpha" / "tables" / "extra.csv"
    path.write_text("seed,value\n1,99\n")
    return path


def _extra_figure(wf: Path) -> Path:
    path = wf / "results" / "alpha" / "figures" / "extra.svg"
    path.write_text("<svg/>")
    return path


@pytest.mark.parametrize("damage,needle", [
    (lambda wf: wf / "results" / "alpha" / "tables" / "records.csv", "tables/records.csv is not the file that was written"),
    (lambda wf: wf / "results" / "alpha" / "figures" / "alpha.svg", "figures/alpha.svg is not the file that was written"),
    (lambda wf: wf / "results" / "verdicts.csv", "results/verdicts.csv is not the file that was written"),
    (lambda wf: wf / "results" / "alpha" / "figures" / "figures.json", "figures.json is corrupt, or not the file"),
])
def test_an_edited_file_the_report_reads_is_named_and_remade(done, damage, needle):
    path = damage(done)
    good = path.read_bytes()
    path.write_bytes(good.replace(b"1", b"2", 1) if b"1" in good else good + b" ")
    result = smk(done)
    assert result.returncode == 0, _text(result)[-3000:]
    assert needle in result.stderr and "Traceback" not in result.stderr
    if path.parent.name == "figures":  # redrawn: as figures.json records (the style may change between runs)
        _figures_as_recorded(done)
    else:
        assert path.read_bytes() == good
    assert "Nothing to be done" in _text(smk(done))


def _figures_as_recorded(wf: Path) -> None:
    from nnclaims.evidence import results

    folder = wf / "results" / "alpha" / "figures"
    assert results.problems(folder, results.read_sealed(folder / "figures.json")["files"], ".",
                            ignore=("figures.json",)) == []


@pytest.mark.parametrize("damage,needle", [
    (lambda wf: (wf / "results" / "alpha" / "tables" / "records.csv").unlink(), "tables/records.csv is missing"),
    (lambda wf: (wf / "results" / "alpha" / "figures" / "alpha.svg").unlink(), "figures/alpha.svg is missing"),
    (_extra_csv, "tables/extra.csv was not written by nnclaims"),
    (_extra_figure, "figures/extra.svg was not written by nnclaims"),
    (lambda wf: (wf / "results" / "provenance.json").unlink(), "results/provenance.json is missing"),
])
def test_a_missing_or_extra_file_in_a_result_folder_is_named_and_remade(done, damage, needle):
    def files():  # tables by their bytes; figures by name (the style may change between runs)
        return {p.relative_to(done): p.read_bytes() if p.suffix == ".csv" else b"" for p in (done / "results").rglob("*")
                if p.is_file() and "runs" not in p.parts and p.suffix in (".csv", ".svg")}

    reference = files()
    damage(done)
    result = smk(done)
    assert result.returncode == 0, _text(result)[-3000:]
    assert needle in result.stderr
    assert files() == reference, "the folder holds again exactly what was written"
    _figures_as_recorded(done)
    assert "Nothing to be done" in _text(smk(done))


@pytest.mark.parametrize("how,needle", [
    ("hand-run", "alpha will be summarized again from today's shards: settings changed: seed_block exploration → confirmatory"),
    ("edited", "results/alpha/provenance.json is corrupt, or not the file that was written: alpha will be summarized again"),
    ("empty", "results/alpha/provenance.json is corrupt, or not the file that was written: alpha will be summarized again"),
])
def test_will_be_recomputed_is_said_only_when_it_happens(done, how, needle):
    record = done / "results" / "alpha" / "provenance.json"
    if how == "hand-run":
        for step in ("run", "summarize"):
            assert cli(done, step, "alpha", "--seed-block", "exploration").returncode == 0
    else:
        record.write_text("" if how == "empty" else record.read_text().replace('"wall_s": ', '"wall_s": 1', 1))
    result = smk(done)
    assert result.returncode == 0, _text(result)[-3000:]
    assert needle in result.stderr
    assert "summarize" in _jobs(result)
    assert settings_of(done, "alpha")["seed_block"] == "confirmatory"
    again = smk(done)
    assert "Nothing to be done" in _text(again) and "will be" not in again.stderr


RULE = '''
rule {name}:
    output:
        verdicts="results/{name}/{file}",
        provenance="results/{name}/provenance.json",
    log:
        "logs/{name}.log",
    script:
        "../scripts/{name}.py"
'''


def _rule(wf: Path, name: str = "zero_init_symmetry", file: str = "verdicts.csv", claim: str | None = None) -> None:
    example = REPO / "docs" / "adding-a-rule"
    (wf / "rules" / f"{name}.smk").write_text(RULE.format(name=name, file=file))
    (wf / "scripts").mkdir(exist_ok=True)
    script = (example / "symmetry.py").read_text()
    (wf / "scripts" / f"{name}.py").write_text(script.replace("zero-init-symmetry", claim) if claim else script)


def test_a_rule_publishing_an_experiments_claim_id_is_refused(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    _rule(wf, claim="alpha-claim")
    result = smk(wf)
    assert result.returncode != 0
    log = (wf / "logs" / "report.log").read_text()
    assert "claim 'alpha-claim' is published by both alpha and zero_init_symmetry" in log and "Traceback" not in log


def test_an_output_that_almost_matches_the_pattern_is_named(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    _rule(wf, name="my_rule", file="verdict.csv")
    result = smk(wf, "-n")
    assert result.returncode == 0, _text(result)[-2000:]
    assert "warning: my_rule writes results/my_rule/verdict.csv, which the report does not read" in result.stderr


def test_a_rule_reruns_when_the_library_code_its_script_imports_changes(tmp_path):
    # A copy of the library, first on the path, that the test may edit.
    shutil.copytree(REPO / "lib", tmp_path / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "config", tmp_path / "config")
    wf = make_workflow(tmp_path, ("alpha",))
    _rule(wf)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "lib")}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(wf / "Snakefile"), "-d", str(wf), "--cores", "2",
           "--config", "profile=quick", "device=cpu"]
    run = lambda: subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=wf, env=env)  # noqa: E731
    assert run().returncode == 0
    module = tmp_path / "lib" / "nnclaims" / "numeric" / "reference.py"
    module.write_text(module.read_text() + "\n_EDITED = True\n")
    result = run()
    assert result.returncode == 0, _text(result)[-3000:]
    assert "zero_init_symmetry will be recomputed: library module changed: nnclaims.numeric.reference" in result.stderr
    assert "zero_init_symmetry" in _jobs(result)
    assert "Nothing to be done" in _text(run())


def test_a_failing_plot_is_named_in_the_summarize_log(done):
    # Figures are drawn in the summarize job: its log holds the error, and the report links it.
    src = done / "experiments" / "alpha.py"
    src.write_text(src.read_text().replace("    fig, ax = P.plt.subplots()", "    raise RuntimeError('plot broke')", 1))
    assert smk(done, "--keep-going").returncode != 0
    logs = {p.name: p.read_text() for p in (done / "reports" / "logs" / "alpha").glob("*.log")}
    assert "plot broke" in logs["summarize.alpha.log"]
    assert "logs/alpha/summarize.alpha.log" in (done / "reports" / "claims" / "alpha-claim.html").read_text()


@pytest.mark.parametrize("args,needle", [
    (["overrides={alpha: {seeds: 1000000000000}}"],
     "config key 'overrides.alpha.seeds': 1000000000000 is not allowed; must be at most 10000"),
])
def test_a_setting_past_its_maximum_stops_before_any_job(tmp_path, args, needle):
    wf = make_workflow(tmp_path)
    one_sentence(smk(wf, *args), needle)


def test_threads_as_a_whole_float_is_the_same_setting(done):
    result = smk(done, "threads=1.0")
    assert "Nothing to be done" in _text(result) and "will be" not in result.stderr


def test_a_config_file_in_utf16_or_with_a_repeated_key_on_the_command_line_is_named(tmp_path):
    wf = make_workflow(tmp_path)
    (wf / "config" / "config.yaml").write_bytes("profile: quick\n".encode("utf-16"))
    one_sentence(smk(wf), "config.yaml is not UTF-8 text")
    (wf / "config" / "config.yaml").write_text("")
    extra = tmp_path / "mine.yaml"
    extra.write_text("profile: quick\nthreads: 1\nprofile: full\n")
    one_sentence(smk(wf, "--configfile", str(extra)), "mine.yaml, line 3: key 'profile' appears twice")


def test_truncated_mnist_bodies_stop_before_any_job(tmp_path):
    wf = make_workflow(tmp_path)
    folder = tmp_path / "mnist"
    folder.mkdir()
    for split, n in (("train", 10), ("t10k", 5)):
        (folder / f"{split}-images-idx3-ubyte").write_bytes(b"\0\0\x08\x03" + struct.pack(">3I", n, 28, 28) + b"\0" * 100)
        with gzip.open(folder / f"{split}-labels-idx1-ubyte.gz", "wb") as fh:
            fh.write(b"\0\0\x08\x01" + struct.pack(">I", n) + b"\0" * n)
    one_sentence(smk(wf, f"mnist_path={folder}"), "does not hold the 10 items its header promises")


def test_a_top_level_import_of_a_library_module_plans(tmp_path):
    wf = make_workflow(tmp_path, ("alpha",))
    src = wf / "experiments" / "alpha.py"
    src.write_text(src.read_text().replace("import numpy as np\n", "import numpy as np\nimport nnclaims.numeric.seeding\n"))
    result = smk(wf, "-n")
    assert result.returncode == 0 and "Traceback" not in _text(result), _text(result)[-3000:]


@pytest.mark.parametrize("args,needle", [
    (["run", "alpha", "--config-json", "[1]"], "--config-json must be one JSON object of settings"),
    (["findings", "--write", "nosuch/README.md"], "findings --write nosuch/README.md: no such file"),
    (["report", "--reports", "a-file/reports"], "cannot write"),
    (["plot", "alpha", "--outdir", "a-file"], "--outdir a-file is a file"),
])
def test_more_bad_command_lines_on_finished_results_are_one_sentence(done, args, needle):
    (done / "a-file").write_text("")
    one_sentence(cli(done, *args), needle)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_report_folder_is_one_sentence(done):
    (done / "by-hand").mkdir()
    (done / "by-hand").chmod(0o555)
    one_sentence(cli(done, "report", "--reports", "by-hand"), "Permission denied")


def test_result_files_are_readable_by_the_group(done):
    mask = os.umask(0)
    os.umask(mask)
    for path in [done / "results" / "verdicts.csv", done / "results" / "alpha" / "provenance.json",
                 done / "reports" / "index.html", _shard(done)]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask, path
