"""The HTML report: escaping, number formatting, and what decides a claim's headline."""

from conftest import REPO
from nnclaims.evidence.experiment import load
from nnclaims.report.html import build_report, decisive_check, fmt
from nnclaims.scaffold import write_skeleton
from nnclaims.stages import plot, run_shard, summarize

HOSTILE = "<script>alert('x')</script>"


def test_text_from_experiments_and_configs_is_escaped(tmp_path):
    path = write_skeleton("hostile", tmp_path / "experiments")
    src = path.read_text()
    src = src.replace('title="Wider networks fit a curve better (skeleton: edit me)"', f'title="{HOSTILE} title"')
    src = src.replace('return [{"width": w} for w in WIDTHS[profile]]',
                      'return [{"width": w, "note": "<img src=x onerror=alert(1)>"} for w in WIDTHS[profile]]')
    path.write_text(src)
    exp = load(path)
    results = tmp_path / "results"
    run_shard(exp, profile="quick", device="cpu", out=results / "hostile" / "shards" / "0-of-1.json")
    summarize(exp, [results / "hostile" / "shards" / "0-of-1.json"], results / "hostile")
    plot(exp, results / "hostile" / "tables", results / "hostile" / "figures")
    index = build_report(results, tmp_path / "reports", tmp_path / "experiments")
    for page in (index, tmp_path / "reports" / "claims" / "hostile.html"):
        html = page.read_text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in (tmp_path / "reports" / "claims" / "hostile.html").read_text()
    assert "hostile,<script>alert('x')</script> title" in (results / "verdicts.csv").read_text()  # data stay raw


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
    for template in (REPO / "lib" / "nnclaims" / "templates").glob("*.html"):
        text = template.read_text()
        assert "http://" not in text and "https://" not in text, template.name
