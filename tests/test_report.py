"""The HTML report: escaping, number formatting, what decides a claim's headline, and
that it shows only today's results."""

import pytest

from conftest import REPO
from nnclaims.evidence.experiment import load
from nnclaims.evidence.settings import settings_from
from nnclaims.evidence.shards import ResultsError
from nnclaims.plan import plan
from nnclaims.report.format import fmt
from nnclaims.report.html import build_report, decisive_check
from nnclaims.scaffold import write_skeleton
from nnclaims.stages import plot, run_shard, summarize

HOSTILE = "<script>alert('x')</script>"
QUICK = {"profile": "quick", "device": "cpu"}


def _pipeline(exp, results, config=QUICK):
    p = plan(settings_from(config, experiments=[exp.name]), {exp.name: exp})
    mine = p[exp.name]
    for i, path in enumerate(mine.shard_files(results)):
        run_shard(exp, mine.settings, shard=i, n_shards=mine.n_shards, key=mine.key, out=path)
    summarize(exp, mine.shard_files(results), results / exp.name, expect=mine.settings, key=mine.key)
    plot(exp, results / exp.name)
    return p


def test_text_from_experiments_and_configs_is_escaped(tmp_path):
    path = write_skeleton("hostile", tmp_path / "experiments")
    src = path.read_text()
    src = src.replace('title="Wider networks fit a curve better (skeleton: edit me)"', f'title="{HOSTILE} title"')
    src = src.replace('return [{"width": w} for w in WIDTHS[profile]]',
                      'return [{"width": w, "note": "<img src=x onerror=alert(1)>"} for w in WIDTHS[profile]]')
    path.write_text(src)
    exp = load(path)
    results = tmp_path / "results"
    plans = _pipeline(exp, results)
    index = build_report(plans, results, tmp_path / "reports")
    for page in (index, tmp_path / "reports" / "claims" / "hostile.html"):
        html = page.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in (tmp_path / "reports" / "claims" / "hostile.html").read_text()
    assert "hostile,<script>alert('x')</script> title" in (results / "verdicts.csv").read_text()  # data stay raw


def test_the_report_refuses_results_of_other_settings_and_shows_them_as_not_run_when_partial(tmp_path):
    exp = load(write_skeleton("stale", tmp_path / "experiments"))
    results = tmp_path / "results"
    _pipeline(exp, results)
    today = plan(settings_from({**QUICK, "seed_block": "exploration"}, experiments=["stale"]), {"stale": exp})
    with pytest.raises(ResultsError, match=r"not today's \(settings changed: seed_block confirmatory → exploration"):
        build_report(today, results, tmp_path / "reports")
    assert not (results / "verdicts.csv").exists(), "nothing is written when a result is refused"
    index = build_report(today, results, tmp_path / "reports", partial=True)
    assert "did not run" in index.read_text()
    assert "stale,Wider networks fit a curve better (skeleton: edit me),Z. My experiments,stale,did not run" in \
        (results / "verdicts.csv").read_text()


def test_a_truncated_checks_file_is_named(tmp_path):
    exp = load(write_skeleton("cut", tmp_path / "experiments"))
    results = tmp_path / "results"
    plans = _pipeline(exp, results)
    checks = results / "cut" / "checks.csv"
    checks.write_text(checks.read_text()[:-40])
    with pytest.raises(ResultsError, match=r"cut/checks.csv is not the file that was written"):
        build_report(plans, results, tmp_path / "reports")


def test_numbers_for_people():
    assert fmt(13002) == "13,002"
    assert fmt(0.25) == "0.25"
    assert fmt(1e-12) == "10⁻¹²"
    assert fmt(9.5367431640625e-07) == "9.537×10⁻⁷"
    assert fmt(float("nan")) == "n/a"
    assert fmt(None) == ""


def test_the_failing_check_decides():
    checks = [{"outcome": "pass", "check": "a"}, {"outcome": "inconclusive", "check": "b"},
              {"outcome": "fail", "check": "c"}]
    assert decisive_check(checks)["check"] == "c"
    assert decisive_check(checks[:2])["check"] == "b"
    assert decisive_check(checks[:1])["check"] == "a"


def test_templates_fetch_nothing_from_the_network():
    templates = sorted((REPO / "lib" / "nnclaims" / "report" / "templates").glob("*.html"))
    assert len(templates) == 3
    for template in templates:
        text = template.read_text()
        assert "http://" not in text and "https://" not in text, template.name


def _fake_run(tmp_path, dirty_flags):
    """A results folder with one claim per experiment and the provenance findings reads."""
    import pandas as pd

    from nnclaims.evidence import results

    rows = []
    for i, dirty in enumerate(dirty_flags):
        name = f"exp{i}"
        rows.append({"claim": f"claim-{i}", "title": "t", "section": "A", "experiment": name,
                     "verdict": "reproduced" if i else "not reproduced", "checks_passed": 1, "checks_total": 1,
                     "checks_failed": 0, "reason": "All 1 checks passed | with a pipe"})
        results.write_json(tmp_path / name / "provenance.json", {
            "settings": {"profile": "full", "seed_block": "confirmatory"}, "code": {"commit": "a" * 40, "dirty": dirty},
            "started": "2026-11-22T05:53:00+00:00", "machine": {"cpu_count": 2}, "device": {"device": "cpu"}})
    results.write_csv(tmp_path / "verdicts.csv", pd.DataFrame(rows, columns=results.VERDICT_COLUMNS))
    return tmp_path


@pytest.mark.parametrize("flags,expected", [
    ([False, False], "code aaaaaaaaaaaa;"),
    ([True, True], "code aaaaaaaaaaaa (uncommitted changes);"),
    ([True, False, False], "code aaaaaaaaaaaa (1 of 3 experiments with uncommitted changes);"),
])
def test_findings_name_each_commit_once_and_what_was_uncommitted(tmp_path, flags, expected):
    from nnclaims.report.findings import END, START, findings_table, write_findings

    block = findings_table(_fake_run(tmp_path / "results", flags))
    assert block.startswith(START) and block.endswith(END)
    assert expected in block and block.count("aaaaaaaaaaaa") == 1
    assert "1 reproduced, 1 not reproduced" in block if len(flags) == 2 else "2 reproduced" in block
    assert "with a pipe" in block and "\\|" in block, "a pipe in a reason must not break the table"
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{START}\nold\n{END}\n\nafter\n")
    write_findings(readme, tmp_path / "results")
    text = readme.read_text()
    assert "old" not in text and text.endswith("after\n") and text.count(START) == 1
