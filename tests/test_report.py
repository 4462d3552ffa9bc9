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


# --- protocol 3: the reader's view (rules 11 and 18) -----------------------------------

def _page(claim, verdict="reproduced", **kw):
    from nnclaims.report.html import ClaimPage, decisive_check, deciding_rows

    provenance = {"code": {"commit": "b" * 40, "dirty": False}, "machine": {}, "device": {}, "versions": {},
                  "settings": {"profile": "quick", "seed_block": "confirmatory"}, "seeds": [10000], "points": [],
                  "wall_s": 1.0, "started": "2026-12-03T07:00:00+00:00", "key": "k"}
    checks = kw.pop("checks", [])
    return ClaimPage(claim=claim, experiment="toy", verdict=verdict, reason=kw.pop("reason", "All checks passed."),
                     checks=checks, provenance=provenance, checks_passed=sum(c["outcome"] == "pass" for c in checks
                                                                             if c["basis"] == "chapter"),
                     checks_total=sum(c["basis"] == "chapter" for c in checks),
                     decisive=decisive_check(deciding_rows(checks, claim.beyond_chapter)), **kw)


def _row(name, outcome, basis):
    return {"claim": "x", "check": name, "description": f"{name} check", "value": 1.0, "unit": "", "ci_low": None,
            "ci_high": None, "comparator": ">=", "threshold": 0.5, "outcome": outcome, "basis": basis,
            "undecided": "", "fragile": False, "method": "exact", "n_seeds": None, "theory": None, "reference": ""}


def test_the_index_lists_claims_beyond_the_chapter_apart_and_shows_regime_and_plain_words(tmp_path):
    from nnclaims.evidence import Claim, Sentence
    from nnclaims.report.html import render

    sentence = Sentence("003", "activation functions", "The sigmoid's gradient shrinks at least fourfold per layer.",
                        ("always", "at least 75%"))
    chapter = Claim("sigmoid-toy", "Sigmoid gradients shrink", "Our statement.", "B", sentences=(sentence,))
    beyond = Claim("theory-toy", "Mean-field theory holds", "Not the chapter's.", "C", beyond_chapter=True)
    pages = [
        _page(chapter, "partly reproduced", checks=[_row("a", "pass", "chapter"), _row("b", "fail", "chapter"),
                                                    _row("c", "pass", "supporting"), _row("d", "fail", "supporting")],
              supporting_passed=1, supporting_total=2, regime="holds at σw² ≤ 1, fails above",
              plain="Shrinks fourfold only near Xavier's scale.", reason="The data contradict part of the claim."),
        _page(beyond, "not reproduced", checks=[_row("e", "fail", "supporting")]),
    ]
    pages[1].checks_total = 1  # beyond the chapter: every check decides
    index = render(pages, {}, tmp_path).read_text()
    tally = index[index.index('aria-label="Verdict tally"'):index.index("</div>\n\n", index.index("Verdict tally"))]
    # the tally counts the chapter's claims only
    assert '<strong>0</strong><span class="badge bad">' in tally and '<strong>1</strong><span class="badge partly">' in tally
    beyond_at = index.index('id="beyond-the-chapter"')
    assert index.index("Mean-field theory holds", index.index("<h2 id=\"section-")) > beyond_at
    assert "1 claim of the chapter" in index and "1 more\nclaim goes beyond the chapter" in index
    row = index[index.index('<div class="claim-row">'):beyond_at]
    assert row.index("Shrinks fourfold only near Xavier") < row.index("Decided by")  # plain words first
    assert "holds at σw² ≤ 1, fails above" in row and "1/2 chapter checks pass, and 1 of 2 supporting" in row
    assert "Decided by:</span> b check" in row  # the failed chapter check decides, not the supporting one
    callout = index[index.index('id="not-borne-out"'):index.index("</section>", index.index('id="not-borne-out"'))]
    assert "Mean-field theory holds" not in callout and "(holds at σw² ≤ 1, fails above)" in callout
    page = (tmp_path / "claims" / "sigmoid-toy.html").read_text()
    body = page[page.index("<h1>"):]
    assert body.index("The sentences it tests") < body.index("The claim.") < body.index("verdict-box")
    assert "003, activation functions: “always”, “at least 75%”" in body
    assert "1 of 2 checks of the chapter&#39;s words passed, and 1 of 2 supporting" in body
    assert "Beyond the chapter." in (tmp_path / "claims" / "theory-toy.html").read_text()


def test_a_hope_is_marked_as_one_on_the_claim_page(tmp_path):
    from nnclaims.evidence import Claim, Sentence
    from nnclaims.report.html import render

    hope = Sentence("001", "what the hidden layers do", "Hidden units may become edge detectors.",
                    ("a hopeful interpretation",), hope=True)
    render([_page(Claim("templates-toy", "Templates", "Ours.", "E", sentences=(hope,)),
                  checks=[_row("a", "pass", "chapter")])], {}, tmp_path)
    assert "the source states this as a hope, not a fact" in (tmp_path / "claims" / "templates-toy.html").read_text()


def test_a_supporting_check_and_the_experiments_hooks_reach_the_report(tmp_path):
    path = write_skeleton("tagged", tmp_path / "experiments")
    src = path.read_text()
    assert 'comparator="<", threshold=0.0)' in src
    src = src.replace('comparator="<", threshold=0.0)', 'comparator="<", threshold=0.0, basis="supporting")')
    src += ("\n\ndef regimes(tables):\n    return {'tagged': 'holds at width ≥ 8, fails below'}\n"
            "\n\ndef plain_reasons(tables):\n    return {'tagged': 'Wider nets fit better in every seed.'}\n")
    path.write_text(src)
    exp = load(path)
    results = tmp_path / "results"
    plans = _pipeline(exp, results)
    index = build_report(plans, results, tmp_path / "reports").read_text()
    import pandas as pd

    row = pd.read_csv(results / "verdicts.csv").iloc[0]
    assert row["regime"] == "holds at width ≥ 8, fails below" and row["plain"] == "Wider nets fit better in every seed."
    assert bool(row["beyond_chapter"]) is False
    assert "holds at width ≥ 8, fails below" in index and "Wider nets fit better in every seed." in index
    # the skeleton's one check, tagged supporting, leaves nothing to decide; the report's
    # tally check (checks.csv against verdicts.csv) counts the chapter's checks only
    assert row["checks_total"] == 0 and row["verdict"] == "inconclusive"
    # at quick sizes its controls may demote it to a measurement, which keeps the tag
    demoted = pd.read_csv(results / "measurements.csv")
    demoted = demoted[demoted["name"] == "wider-fits-better"]
    assert row["supporting_total"] + (demoted["basis"] == "supporting").sum() == 1
    assert "0/0 chapter checks pass" in index
    assert "Decided by" not in index and "Headline check" not in index  # a supporting check decides nothing


def test_a_rule_of_ones_own_keeps_its_claims_sentences(tmp_path):
    from nnclaims.evidence import Check, Claim, Control, Sentence
    from nnclaims.publish import publish
    from nnclaims.report.html import load_rule_results

    s = Sentence("003", "the perceptron", "A bias moves the boundary off the origin.", ("bias",))
    claim = Claim("rule-toy", "Bias", "Ours.", "Z", sentences=(s,))

    def checks(tables):
        return [Check("rule-toy", "ok", "value", value=float(tables["records"]["v"].iloc[0]), comparator=">",
                      threshold=0.0, basis="chapter"),
                Check("rule-toy", "theory", "theory value", value=float(tables["records"]["v"].iloc[0]), comparator=">",
                      threshold=0.0,
                      basis="supporting")]

    def controls(tables):
        import pandas as pd

        return [Control(name, kind, {"records": pd.DataFrame({"v": [v]})}, why) for name in ("ok", "theory")
                for kind, v, why in (("positive", 1.0, "true"), ("negative", -1.0, "false"))]

    rows = publish("rule_toy", [claim], {"records": {"v": [2.0]}}, checks, controls, expected="it holds",
                   results_dir=tmp_path)
    assert (rows[0]["checks_total"], rows[0]["supporting_total"]) == (1, 1)
    found = load_rule_results("rule_toy", tmp_path)
    assert found["claims"][0].sentences == (s,)


def test_findings_keep_claims_beyond_the_chapter_out_of_the_tally_and_name_the_regime(tmp_path):
    import pandas as pd

    from nnclaims.evidence import results
    from nnclaims.report.findings import findings_table

    base = _fake_run(tmp_path / "results", [False, False])
    verdicts = results.read_csv(base / "verdicts.csv")
    verdicts["beyond_chapter"] = [False, True]
    verdicts["regime"] = ["holds at σw² ≤ 1.14, fails above", None]
    verdicts["plain"] = ["Shrinks fourfold only near Xavier's scale.", None]
    results.write_csv(base / "verdicts.csv", pd.DataFrame(verdicts, columns=results.VERDICT_COLUMNS))
    block = findings_table(base)
    head, beyond = block.split("Beyond the chapter")
    assert "): 1 not reproduced." in head and "reproduced, " not in head.split("):")[1].split(".")[0]
    assert "not reproduced (holds at σw² ≤ 1.14, fails above)" in head
    assert "Shrinks fourfold only near Xavier's scale. Detail: All 1 checks passed" in head
    assert "`claim-1` | reproduced | All 1 checks passed" in beyond and "`claim-1`" not in head


def test_a_changed_check_shows_each_recorded_protocols_result_beside_todays():
    # rule 10 over two protocols: init-trains-deep's he-trains was run under protocol 1 and
    # protocol 2 (docs/history/); weights-as-templates' check had another id in each
    from nnclaims.evidence.experiment import Change
    from nnclaims.report.html import history
    now = [{"claim": "init-trains-deep", "check": "he-trains", "value": 1.0},
           {"claim": "weights-as-templates", "check": "templates-concentrated", "value": 0.5}]
    got = history("deep_training", [Change("he-trains", "he-trains", "why")], now, [])
    (entry,) = got["init-trains-deep"]
    assert [b["protocol"] for b in entry["before"]] == [1, 2] and entry["new"] is now[0]
    assert entry["before"][1]["commit"].startswith("1a7ba93") and entry["before"][0]["commit"].startswith("63731bc")
    moved = history("weights_as_templates", [Change("local-like-a-filter", "templates-concentrated", "why",
                                                    was_p2="templates-local")], now, [], ["weights-as-templates"])
    assert [(b["protocol"], b["check"]) for b in moved["weights-as-templates"][0]["before"]] == [
        (1, "local-like-a-filter"), (2, "templates-local")]
    assert history("deep_training", [Change("never-recorded", "he-trains", "why")], now, []) == {}


def test_a_run_without_overrides_is_the_preregistered_run():
    # depth_vs_width's run shards read only their part of the exploration (explore_needs),
    # so it keeps SEEDS rather than a count chosen by power: not an override
    from nnclaims.evidence.experiment import available, discover
    from nnclaims.report.changes import not_preregistered

    found = discover(REPO / "experiments", ["depth_vs_width", "universal_approximation", "perceptron"])
    assert found["depth_vs_width"].preregistered_seeds("full") == found["depth_vs_width"].n_seeds("full")
    assert found["universal_approximation"].preregistered_seeds("full") is None
    assert found["perceptron"].preregistered_seeds("full") == found["perceptron"].n_seeds("full")
    settings = settings_from({"profile": "full"}, experiments=available(REPO / "experiments"))
    assert not_preregistered(plan(settings, discover(REPO / "experiments", settings.experiments))) == []
    overridden = settings_from({"profile": "full", "overrides": {"depth_vs_width": {"seeds": 3}}},
                               experiments=available(REPO / "experiments"))
    assert not_preregistered(plan(overridden, discover(REPO / "experiments", ["depth_vs_width"]))) == [
        "depth_vs_width: 3 seeds (pre-registered: 12)"]
