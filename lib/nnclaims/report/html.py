"""The HTML report: an index of every claim and one page per claim.

Reads each experiment's summarized results, checks that they are today's (made by the
run key and check code the plan expects, every file matching the checksum it was written
with, every verdict counting the checks it lists), writes the cross-experiment tables
``results/verdicts.csv``, ``results/checks.csv`` and ``results/measurements.csv``, and
renders self-contained pages: figures, data and source are copied next to them, styles
are inline, and nothing is fetched at view time. All text from experiments, configs and
data is HTML-escaped by the template engine.

An experiment whose results are missing or stale stops the report, naming it and why —
unless the report is partial (after a failed job, with ``--keep-going``): then it shows
as "did not run", with the reason and its logs, and the others keep their verdicts.
"""

from __future__ import annotations

import inspect
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..evidence import results
from ..evidence.checks import DID_NOT_RUN, VERDICTS
from ..evidence.experiment import SECTIONS, Claim
from ..evidence.sentences import Sentence
from ..evidence.shards import ResultsError
from .changes import overrides_banner_html, since_previous, since_previous_html
from .format import commits_text, comparator, fmt, interval, point

VERDICT_STYLE = {  # symbol + word, so the verdict never rests on colour alone
    "reproduced": ("✓", "ok"),
    "partly reproduced": ("◐", "partly"),
    "not reproduced": ("✗", "bad"),
    "inconclusive": ("?", "unsure"),
    DID_NOT_RUN: ("–", "none"),
}
OUTCOME_SYMBOL = {"pass": "✓ pass", "fail": "✗ fail", "inconclusive": "? inconclusive"}
# The recorded runs of earlier protocols (docs/history/README.md says how each was made).
HISTORY = {p: Path(__file__).resolve().parents[3] / "docs" / "history" / f"protocol-{p}-checks.csv" for p in (1, 2)}


@dataclass
class ClaimPage:
    claim: Claim
    experiment: str
    verdict: str
    reason: str
    checks: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    source: str = ""
    expected: str = ""
    checks_passed: int = 0
    checks_total: int = 0
    measurements: list[dict] = field(default_factory=list)
    decisive: dict | None = None
    thumbnail: str | None = None
    history: list[dict] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    source_path: Path | None = None
    supporting_passed: int = 0
    supporting_total: int = 0
    regime: str = ""  # rule 18: where the sentence holds, beside the verdict
    plain: str = ""  # the reason in plain words, read first on the index

    @property
    def beyond(self) -> bool:
        """Rule 11: a claim that is not the chapter's, outside the headline tally."""
        return self.claim.beyond_chapter

    @property
    def deciding(self) -> list[dict]:
        """The checks that decide the verdict: the chapter's (all, beyond the chapter)."""
        return deciding_rows(self.checks, self.beyond)

    @property
    def supporting_text(self) -> str:
        """"and 2 of 3 supporting", or nothing when the claim has no supporting check."""
        return f"and {self.supporting_passed} of {self.supporting_total} supporting" if self.supporting_total else ""

    @property
    def href(self) -> str:
        return f"claims/{self.claim.id}.html"

    @property
    def ran(self) -> bool:
        return self.verdict != DID_NOT_RUN

    @property
    def short_reason(self) -> str:
        """The index's one line: the check that decided, with its numbers, and a count of the rest."""
        if not self.ran or self.decisive is None:
            return self.reason
        d = self.decisive
        # the deciding check is named; count only the other checks that decide
        failed = sum(c["outcome"] == "fail" for c in self.deciding) - (d["outcome"] == "fail")
        open_ = sum(c["outcome"] == "inconclusive" for c in self.deciding) - (d["outcome"] == "inconclusive")
        lead = {"fail": "Failed", "inconclusive": "Not settled", "pass": "Held"}[d["outcome"]]
        value = fmt(d["value"]) + (f" {d['unit']}" if d.get("unit") else "") + (f" {interval(d)}" if interval(d) else "")
        rest = []
        if failed:
            rest.append(f"{failed} more failed")
        if open_:
            rest.append(f"{open_} more not settled")
        if self.checks_passed:
            rest.append(f"{self.checks_passed} held")
        tail = f" ({'; '.join(rest)} of {self.checks_total})" if rest else ""
        if self.supporting_text:
            tail += f" ({self.supporting_text})"
        return f"{lead}: {d['description']}: {value}, needed {comparator(d['comparator'])} {fmt(d['threshold'])}{tail}."


def is_chapter(row: dict) -> bool:
    """Whether a check row (read back from checks.csv) is a `chapter` check; rows written
    before rule 11 carry no basis and count as the chapter's, the default."""
    return row.get("basis") in (None, "", "chapter")


def deciding_rows(checks: list[dict], beyond: bool = False) -> list[dict]:
    """The rows that decide a claim's verdict (rule 11): its `chapter` checks, or all of
    them for a claim beyond the chapter."""
    return list(checks) if beyond else [c for c in checks if is_chapter(c)]


def _tally_problem(row: dict, checks, beyond: bool) -> str:
    """Why a verdict row does not count the checks it lists ("" when it does)."""
    mine = deciding_rows([c for c in checks if c["claim"] == row["claim"]], beyond)
    if len(mine) != int(row["checks_total"]) or sum(c["outcome"] == "pass" for c in mine) != int(row["checks_passed"]):
        return f"does not hold the {int(row['checks_total'])} checks that the verdict of {row['claim']!r} counts"
    return ""


def _flag(value: Any) -> bool:
    """A boolean column read back from CSV (absent in results written before rule 11)."""
    return value is True or str(value).strip().lower() == "true"


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def decisive_check(checks: list[dict]) -> dict | None:
    """The check that decided the verdict: the first failing one, else the first
    inconclusive one, else the first (headline) check."""
    for outcome in ("fail", "inconclusive"):
        for check in checks:
            if check["outcome"] == outcome:
                return check
    return checks[0] if checks else None


def load_results(plan, results_dir: Path) -> dict[str, Any]:
    """One experiment's summarized results, verified to be today's; `ResultsError` says
    in one sentence what is missing, stale or corrupt."""
    name, base = plan.name, results_dir / plan.name
    if not (base / "provenance.json").is_file():
        raise ResultsError(f"{name} has no results in {base}; run the workflow (snakemake) to make them")
    provenance = results.read_sealed(base / "provenance.json")
    if provenance.get("key") != plan.key:
        raise ResultsError(f"the results in {base} are not today's ({'; '.join(plan.reasons(results_dir))}); "
                           f"run the workflow to recompute them")
    if provenance.get("summary_code") != plan.experiment.summary_manifest().digest:
        raise ResultsError(f"the checks in {base} were made by older check code of {plan.experiment.path.name}; "
                           f"run the workflow to redo them")
    files = provenance["files"]
    _verify(base, files, "tables")
    frames = {k: results.read_csv(base / f"{k}.csv") for k in ("verdicts", "checks", "measurements")}
    for key, frame in frames.items():
        if len(frame) != files[f"{key}.csv"]["rows"]:
            raise ResultsError(f"{base / key}.csv has {len(frame)} rows but {files[f'{key}.csv']['rows']} were written")
    beyond = {c.id: c.beyond_chapter for c in plan.experiment.claims}
    check_rows = frames["checks"].to_dict("records")
    for row in frames["verdicts"].to_dict("records"):
        problem = _tally_problem(row, check_rows, beyond.get(row["claim"], False))
        if problem:
            raise ResultsError(f"{base / 'checks.csv'} {problem}; run the workflow to redo it")
    figures_json = base / "figures" / "figures.json"
    figures = results.read_sealed(figures_json)
    if figures.get("key") != plan.key or figures.get("code") != plan.experiment.figures_manifest().digest \
            or figures.get("tables") != {k: v for k, v in files.items() if k.startswith("tables/")}:
        raise ResultsError(f"the figures in {base / 'figures'} were drawn from other tables or by other figure code; "
                           f"run the workflow to redraw them")
    _verify(base / "figures", figures["files"], ".")
    as_records = lambda f: [{k: results.plain(v) for k, v in r.items()} for r in f.to_dict("records")]  # noqa: E731
    return {"provenance": provenance, "verdicts": as_records(frames["verdicts"]),
            "checks": as_records(frames["checks"]),
            "measurements": as_records(frames["measurements"]), "figures": figures["figures"],
            "tables": sorted(k.split("/", 1)[1] for k in files if k.startswith("tables/"))}


def _verify(base: Path, files: dict[str, dict], folder: str) -> None:
    """Every recorded file as written, and no file in ``folder`` that no record names
    (the report copies the folder: an extra file would be published unchecked)."""
    results.verify(base, files)
    extra = results.problems(base, files, folder, ignore=("figures.json",))
    if extra:
        raise ResultsError(f"{extra[0]}; delete it, or run the workflow, which remakes the folder")


def load_rule_results(name: str, results_dir: Path) -> dict[str, Any]:
    """The results a rule of one's own wrote with `nnclaims.publish`, verified
    (every file as written, every verdict counting its checks). Snakemake reruns that rule
    when its inputs change; its results carry no run key of ours."""
    base = results_dir / name
    if not (base / "provenance.json").is_file():
        raise ResultsError(f"the rule that makes {base} has not written it; run the workflow")
    provenance = results.read_sealed(base / "provenance.json")
    if provenance.get("kind") != "rule":
        raise ResultsError(f"{base} was not written by nnclaims.publish")
    files = provenance["files"]
    _verify(base, files, "tables")
    frames = {k: results.read_csv(base / f"{k}.csv") for k in ("verdicts", "checks", "measurements")}
    claims = [_claim(c) for c in provenance["claims"]]
    beyond = {c.id: c.beyond_chapter for c in claims}
    check_rows = frames["checks"].to_dict("records")
    for row in frames["verdicts"].to_dict("records"):
        if _tally_problem(row, check_rows, beyond.get(row["claim"], _flag(row.get("beyond_chapter")))):
            raise ResultsError(f"{base / 'checks.csv'} does not hold the checks the verdict of {row['claim']!r} counts")
    figures = results.read_sealed(base / "figures" / "figures.json")
    _verify(base / "figures", figures["files"], ".")
    as_records = lambda f: [{k: results.plain(v) for k, v in r.items()} for r in f.to_dict("records")]  # noqa: E731
    return {"provenance": provenance, "verdicts": as_records(frames["verdicts"]),
            "checks": as_records(frames["checks"]),
            "measurements": as_records(frames["measurements"]), "figures": figures["figures"],
            "tables": sorted(k.split("/", 1)[1] for k in files if k.startswith("tables/")),
            "claims": claims}


def _claim(record: dict) -> Claim:
    """A claim as a rule's provenance recorded it, its sentences rebuilt as `Sentence`."""
    sentences = tuple(s if isinstance(s, Sentence) else Sentence(**{**s, "decisive": tuple(s["decisive"])})
                      for s in record.get("sentences") or ())
    return Claim(**{**record, "sentences": sentences})


def _verdict_fields(row: dict, checks: list[dict], beyond: bool) -> dict:
    """What a page takes from its verdict row (columns added by protocol 3 read with
    defaults, so results written before it still show)."""
    decides = deciding_rows(checks, beyond)
    return {"verdict": row["verdict"], "reason": row["reason"], "checks_passed": int(row["checks_passed"]),
            "checks_total": int(row["checks_total"]), "supporting_passed": int(row.get("supporting_passed") or 0),
            "supporting_total": int(row.get("supporting_total") or 0), "regime": _text(row.get("regime")),
            "plain": _text(row.get("plain")), "decisive": decisive_check(decides)}  # none when nothing decides


def _recorded(protocol: int, experiment: str, claims: set[str]) -> dict[str, dict]:
    """One earlier protocol's recorded checks of this experiment (or of its claims, wherever
    they were then), by check id."""
    path = HISTORY[protocol]
    if not path.is_file():
        return {}
    rows = ({k: results.plain(v) for k, v in row.items()} for row in results.read_csv(path).to_dict("records"))
    return {r["check"]: {**r, "protocol": protocol} for r in rows
            if r.get("experiment") == experiment or r.get("claim") in claims}


def history(experiment: str, changes: list, checks: list[dict], measurements: list[dict],
            claims: Iterable[str] = ()) -> dict[str, list[dict]]:
    """Per claim: every check that changed since protocol 1, each recorded protocol's result
    of it (``before``, oldest first) beside today's, and why (rule 10). Old results come from
    the runs recorded in docs/history/ (see its README), not from today's run, and say so.
    A claim that has since moved to a module of its own (``claims``) keeps the history it
    made elsewhere."""
    if not changes:
        return {}
    claims = set(claims)
    recorded = {p: _recorded(p, experiment, claims) for p in HISTORY}
    now = {c.get("check") or c.get("name"): c for c in [*checks, *measurements]}
    out: dict[str, list[dict]] = {}
    for change in changes:
        names = {1: change.old, 2: getattr(change, "was_p2", "") or change.old}
        before = [recorded[p][names[p]] for p in sorted(recorded) if names[p] and names[p] in recorded[p]]
        if not before:
            continue
        claim = (now.get(change.new) or {}).get("claim") or before[-1]["claim"]
        out.setdefault(claim, []).append({"old": before[0], "before": before, "new": now.get(change.new),
                                                       "why": change.why, "new_name": change.new})
    return out


def collect(plans: Mapping[str, Any], results_dir: Path, partial: bool, logs: Path) -> list[ClaimPage]:
    pages = []
    for name, plan in plans.items():
        exp = plan.experiment
        try:
            found = load_results(plan, results_dir)
        except ResultsError as err:
            if not partial:
                raise
            log_files = sorted(str(p) for p in logs.rglob("*.log") if name in p.relative_to(logs).parts
                               or p.stem == name) if logs.is_dir() else []
            for claim in exp.claims:
                pages.append(ClaimPage(claim=claim, experiment=name, verdict=DID_NOT_RUN, reason=str(err),
                                       source=exp.path.name, source_path=exp.path,
                                       expected=inspect.cleandoc(exp.module.__doc__ or ""), logs=log_files))
            continue
        verdicts = {v["claim"]: v for v in found["verdicts"]}
        past = history(name, exp.changes, found["checks"], found["measurements"], (c.id for c in exp.claims))
        for claim in exp.claims:
            row = verdicts[claim.id]
            mine = [c for c in found["checks"] if c["claim"] == claim.id]
            figs = [f for f in found["figures"] if f["claim"] == claim.id]
            main = next((f for f in figs if f.get("main")), figs[0] if figs else None)
            pages.append(ClaimPage(
                claim=claim, experiment=name, checks=mine, figures=figs,
                measurements=[m for m in found["measurements"] if m["claim"] == claim.id],
                provenance=found["provenance"], tables=found["tables"], source=exp.path.name, source_path=exp.path,
                expected=inspect.cleandoc(exp.module.__doc__ or ""), history=past.get(claim.id, []),
                thumbnail=f"figures/{name}/{main['file']}" if main else None,
                **_verdict_fields(row, mine, claim.beyond_chapter)))
    return pages


def collect_rules(names: list[str], results_dir: Path, partial: bool) -> list[ClaimPage]:
    pages = []
    for name in names:
        try:
            found = load_rule_results(name, results_dir)
        except ResultsError as err:
            if not partial:
                raise
            pages.append(ClaimPage(claim=Claim(id=name.replace("_", "-"), title=name, statement="", section="Z"),
                                   experiment=name, verdict=DID_NOT_RUN, reason=str(err)))
            continue
        prov = found["provenance"]
        source = Path(prov["source"]) if prov.get("source") else None
        verdicts = {v["claim"]: v for v in found["verdicts"]}
        for claim in found["claims"]:
            row = verdicts[claim.id]
            mine = [c for c in found["checks"] if c["claim"] == claim.id]
            figs = [f for f in found["figures"] if f["claim"] == claim.id]
            main = next((f for f in figs if f.get("main")), figs[0] if figs else None)
            pages.append(ClaimPage(
                claim=claim, experiment=name, checks=mine, figures=figs,
                measurements=[m for m in found["measurements"] if m["claim"] == claim.id], provenance=prov,
                tables=found["tables"], source=source.name if source else "", source_path=source,
                expected=inspect.cleandoc(prov.get("expected", "")),
                thumbnail=f"figures/{name}/{main['file']}" if main else None,
                **_verdict_fields(row, mine, claim.beyond_chapter)))
    return pages


def unique_claims(pages: list[ClaimPage]) -> None:
    """A claim id names one page and one row of verdicts.csv: a rule that publishes an
    experiment's claim id (or another rule's) would overwrite its page."""
    owner: dict[str, str] = {}
    for page in pages:
        first = owner.setdefault(page.claim.id, page.experiment)
        if first != page.experiment:
            raise ResultsError(f"claim {page.claim.id!r} is published by both {first} and {page.experiment}; "
                               f"claim ids must be unique across experiments and rules: rename one")


def unclaimed(results_dir: Path, known: set[str]) -> list[str]:
    """Folders of results that no selected experiment and no rule makes: not reported."""
    if not results_dir.is_dir():
        return []
    return sorted(p.name for p in results_dir.iterdir()
                  if p.is_dir() and p.name not in known and (p / "verdicts.csv").is_file())


def write_tables(pages: list[ClaimPage], results_dir: Path) -> None:
    """The cross-experiment tables, and ``provenance.json`` with their checksums, so that an
    edited table is noticed (by the workflow before any job, and by `findings`)."""
    verdicts = [{"claim": p.claim.id, "title": p.claim.title, "section": p.claim.section, "experiment": p.experiment,
                 "verdict": p.verdict, "checks_passed": p.checks_passed, "checks_total": p.checks_total,
                 "checks_failed": sum(c["outcome"] == "fail" for c in p.deciding), "reason": p.reason,
                 "supporting_passed": p.supporting_passed, "supporting_total": p.supporting_total,
                 "beyond_chapter": p.beyond, "regime": p.regime, "plain": p.plain} for p in pages]
    files = {
        "verdicts.csv": results.write_csv(results_dir / "verdicts.csv", results.frame(verdicts, results.VERDICT_COLUMNS)),
        "checks.csv": results.write_csv(results_dir / "checks.csv", results.frame([c for p in pages for c in p.checks],
                                                                                  results.CHECK_COLUMNS)),
        "measurements.csv": results.write_csv(results_dir / "measurements.csv", results.frame(
            [m for p in pages for m in p.measurements], results.MEASUREMENT_COLUMNS)),
    }
    results.write_sealed(results_dir / "provenance.json", {"kind": "report", "files": files,
                                                           "did_not_run": sorted({p.experiment for p in pages
                                                                                  if not p.ran})})


def copy_assets(pages: list[ClaimPage], results_dir: Path, reports_dir: Path, logs: Path) -> None:
    for name in sorted({p.experiment for p in pages}):
        page = next(p for p in pages if p.experiment == name)
        for kind, target in (("figures", "figures"), ("tables", "data")):
            src, dst = results_dir / name / kind, reports_dir / target / name
            if dst.exists():
                shutil.rmtree(dst)
            if page.ran and src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.json"))
        (reports_dir / "source").mkdir(parents=True, exist_ok=True)
        if page.source_path is not None and page.source_path.is_file():
            shutil.copy2(page.source_path, reports_dir / "source" / f"{page.source}.txt")
        if not page.ran:
            dst = reports_dir / "logs" / name
            if dst.exists():
                shutil.rmtree(dst)
            dst.mkdir(parents=True)
            copied = []
            for log in page.logs:
                # Named by its whole path under logs/: the run and summarize logs of one
                # experiment share a file name, and one must not replace the other.
                target = dst / ".".join(Path(log).relative_to(logs).parts)
                shutil.copy2(log, target)
                copied.append(f"logs/{name}/{target.name}")
            for p in pages:
                if p.experiment == name:
                    p.logs = copied


def build_report(plans: Mapping[str, Any], results_dir: str | Path = "results", reports_dir: str | Path = "reports",
                 extra: list[str] | tuple[str, ...] = (), partial: bool = False, logs: str | Path = "logs",
                 tables_dir: str | Path | None = None) -> Path:
    """Write the cross-experiment tables ``verdicts.csv``, ``checks.csv`` and
    ``measurements.csv`` (into ``tables_dir``, by default ``results_dir``) and the HTML
    report; return the index path. Nothing is written unless every experiment's results
    are today's (or, with ``partial``, shown as not run)."""
    import sys

    results_dir, reports_dir = Path(results_dir), Path(reports_dir)
    extra = list(extra)
    pages = collect(plans, results_dir, partial, Path(logs)) + collect_rules(extra, results_dir, partial)
    unique_claims(pages)
    for name in unclaimed(results_dir, set(plans) | set(extra)):
        print(f"nnclaims: warning: {results_dir / name} holds results that no selected experiment and no rule makes; "
              f"they are not in the report (delete the folder, or select the experiment)", file=sys.stderr)
    try:
        write_tables(pages, Path(tables_dir) if tables_dir is not None else results_dir)
        reports_dir.mkdir(parents=True, exist_ok=True)
        copy_assets(pages, results_dir, reports_dir, Path(logs))
        code = next((p.experiment.path.parent for p in plans.values()), Path("."))  # whose commit to compare
        return render(pages, plans, reports_dir, since_previous(results_dir, [*plans, *extra], where=code))
    except OSError as err:  # a read-only folder, a file in the way: the user's to fix, in one sentence
        raise ResultsError(f"cannot write {err.filename or reports_dir}: {err.strerror}; make the folder "
                           f"writable or write the report elsewhere") from None


def render(pages: list[ClaimPage], plans: Mapping[str, Any], reports_dir: Path, since: Any = None) -> Path:
    """The index and one page per claim, under ``reports_dir``; return the index path.
    ``since``: what changed since the previous recorded run (`changes.since_previous`)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("nnclaims.report", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fmt=fmt, interval=interval, cmp=comparator, point=point)
    env.globals.update(VERDICT_STYLE=VERDICT_STYLE, OUTCOME_SYMBOL=OUTCOME_SYMBOL, VERDICTS=[*VERDICTS, DID_NOT_RUN])

    # Rule 11: claims beyond the chapter are listed apart, outside the headline tally.
    chapter = [p for p in pages if not p.beyond]
    beyond = sorted((p for p in pages if p.beyond), key=lambda p: (p.claim.section, p.claim.id))
    tally = Counter(p.verdict for p in chapter)
    sections: dict[str, list[ClaimPage]] = {}
    for page in sorted(chapter, key=lambda p: (p.claim.section, not p.claim.core, p.claim.id)):
        sections.setdefault(SECTIONS.get(page.claim.section, page.claim.section), []).append(page)
    made = _how_made(pages, plans)
    made["overrides_banner"] = overrides_banner_html(plans)
    (reports_dir / "claims").mkdir(exist_ok=True)
    for page in pages:
        html = env.get_template("claim.html").render(page=page, made=made, root="../",
                                                     since_html=since_previous_html(since, claim=page.claim.id))
        results.write_text(reports_dir / page.href, html)
    order = {v: i for i, v in enumerate([DID_NOT_RUN, "not reproduced", "partly reproduced", "inconclusive"])}
    open_questions = sorted((p for p in chapter if p.verdict != "reproduced"),
                            key=lambda p: (order[p.verdict], p.claim.section, p.claim.id))
    index = reports_dir / "index.html"
    results.write_text(index, env.get_template("index.html").render(
        sections=sections, tally=tally, total=len(chapter), beyond=beyond, made=made, root="",
        open_questions=open_questions,
        since_html=since_previous_html(since)))
    return index


def _how_made(pages: list[ClaimPage], plans: Mapping[str, Any]) -> dict[str, Any]:
    provs = {p.experiment: p.provenance for p in pages if p.ran and p.provenance.get("kind") != "rule"}
    first = next(iter(provs.values()), {})
    settings = next(iter(plans.values())).settings if plans else None
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "profiles": [settings.profile] if settings else [],
        "seed_block": settings.seed_block if settings else "",
        "commits": commits_text(provs.values()),
        "machine": first.get("machine", {}),
        "device": first.get("device", {}),
        "versions": first.get("versions", {}),
        "wall_s": sum(p.get("wall_s", 0) for p in provs.values()),
        "experiments": len(plans),
        "did_not_run": sorted({p.experiment for p in pages if not p.ran}),
    }
