"""The whole workflow in the quick profile, in a temporary working directory."""

import csv
import re

import pytest

from conftest import REPO, snakemake

EXACT = {"param-count", "sigmoid-derivative", "bias-shifts-boundary", "linear-collapse"}
VERDICT_COLUMNS = ["claim", "title", "section", "experiment", "verdict", "checks_passed", "checks_total"]
CHECK_COLUMNS = ["claim", "check", "value", "ci_low", "ci_high", "comparator", "threshold", "passed",
                 "n_seeds", "unit"]


def _rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_results_tables(quick_run):
    verdicts = _rows(quick_run / "results" / "verdicts.csv")
    checks = _rows(quick_run / "results" / "checks.csv")
    assert list(verdicts[0])[:7] == VERDICT_COLUMNS
    assert list(checks[0])[:10] == CHECK_COLUMNS
    by_claim = {v["claim"]: v for v in verdicts}
    assert {"perceptron-convergence", "xor-not-separable"} | EXACT <= set(by_claim)
    for claim in EXACT:
        assert by_claim[claim]["verdict"] == "reproduced", by_claim[claim]
    for v in verdicts:
        assert v["verdict"] in ("reproduced", "partly reproduced", "not reproduced", "inconclusive")
        mine = [c for c in checks if c["claim"] == v["claim"]]
        # rule 11: the tally counts the checks that decide (the chapter's, or all of a claim
        # beyond the chapter); the supporting ones are counted beside it
        deciding = mine if v["beyond_chapter"] == "True" else [c for c in mine if c["basis"] == "chapter"]
        assert int(v["checks_total"]) == len(deciding) and int(v["supporting_total"]) == len(mine) - len(deciding)
        assert len(mine) > 0
    for name in {v["experiment"] for v in verdicts}:
        prov = quick_run / "results" / name / "provenance.json"
        text = prov.read_text()
        for key in ('"seeds"', '"settings"', '"seed_block"', '"key"', '"manifest"', '"commit"', '"torch"', '"device"',
                    '"threads"', '"wall_s"', '"files"'):
            assert key in text, f"{prov} lacks {key}"


@pytest.mark.slow
def test_report_pages(quick_run):
    index = (quick_run / "reports" / "index.html").read_text()
    verdicts = _rows(quick_run / "results" / "verdicts.csv")
    for v in verdicts:
        page = quick_run / "reports" / "claims" / f"{v['claim']}.html"
        assert page.is_file()
        assert f'href="claims/{v["claim"]}.html"' in index
        html = page.read_text()
        for src in re.findall(r'<img src="([^"]+)"', html):
            assert (page.parent / src).resolve().is_file(), f"{page.name}: missing image {src}"
    assert "http://" not in index and "https://" not in index, "the report must work offline"


@pytest.mark.slow
def test_second_run_does_nothing(quick_run):
    result = snakemake("--cores", "2", "--config", "profile=quick", "device=cpu", "-n", cwd=quick_run)
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


@pytest.mark.slow
def test_snakemakes_own_report_builds(quick_run):
    result = snakemake("--cores", "1", "--config", "profile=quick", "device=cpu", "--report",
                       "reports/snakemake-report.html", cwd=quick_run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (quick_run / "reports" / "snakemake-report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_the_longest_recorded_jobs_start_first(quick_run):
    """Run jobs carry their experiment's longest job in bench/full-profile.csv as priority, so
    that the jobs that bound the wall time start first, not last (Snakemake knows no durations)."""
    recorded = {r["experiment"]: float(r["longest_s"]) for r in _rows(REPO / "bench" / "full-profile.csv")}
    log = sorted((quick_run / ".snakemake" / "log").glob("*.snakemake.log"))[0]  # the fixture's run
    started = re.findall(r"^    wildcards: experiment=(\w+)", log.read_text(), flags=re.M)
    first_two = set(started[:2])
    longest = sorted((e for e in set(started) if e in recorded), key=recorded.get, reverse=True)
    assert first_two == set(longest[:2]), (started[:4], longest[:4])
    assert recorded[longest[1]] > 2 * sorted(recorded.values())[len(recorded) // 2]  # a choice, not a tie
