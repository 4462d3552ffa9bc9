"""The HTML report: an index of every claim and one page per claim.

Reads each experiment's summarized results, writes the cross-experiment tables
``results/verdicts.csv`` and ``results/checks.csv``, and renders self-contained pages:
figures, data and source are copied next to them, styles are inline, and nothing is
fetched at view time, so the folder opens from the file system anywhere. All text from
experiments, configs and data is HTML-escaped by the template engine.
"""

from __future__ import annotations

import inspect
import math
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..evidence import results
from ..evidence.experiment import SECTIONS, Claim, discover

VERDICT_STYLE = {  # symbol + word, so the verdict never rests on colour alone
    "reproduced": ("✓", "ok"),
    "not reproduced": ("✗", "bad"),
    "inconclusive": ("?", "unsure"),
}
OUTCOME_SYMBOL = {"pass": "✓ pass", "fail": "✗ fail", "inconclusive": "? inconclusive"}


@dataclass
class ClaimPage:
    claim: Claim
    experiment: str
    verdict: str
    checks: list[dict]
    figures: list[dict]
    provenance: dict
    tables: list[str]
    source: str
    expected: str = ""
    checks_passed: int = 0
    checks_total: int = 0
    measurements: list[dict] = field(default_factory=list)
    decisive: dict | None = None
    reason: str = ""
    thumbnail: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def href(self) -> str:
        return f"claims/{self.claim.id}.html"


def fmt(x: Any, digits: int = 4) -> str:
    """A number for people: integers as integers, otherwise ``digits`` significant digits."""
    if x is None or x == "":
        return ""
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        mantissa, exp = f"{x:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        power = f"10{str(int(exp)).translate(SUPERSCRIPT)}"
        return power if mantissa == "1" else f"{mantissa}×{power}"
    return f"{x:.{digits}g}"


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


COMPARATOR_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}


def comparator(symbol: str) -> str:
    return COMPARATOR_SYMBOL.get(symbol, symbol)


def point(p: dict) -> str:
    """A grid point as ``key=value`` pairs."""
    return ", ".join(f"{k}={v}" for k, v in p.items())


def interval(check: dict) -> str:
    if check.get("ci_low") is None or _nan(check.get("ci_low")):
        return ""
    return f"[{fmt(check['ci_low'])}, {fmt(check['ci_high'])}]"


def _nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def decisive_check(checks: list[dict]) -> dict | None:
    """The check that decided the verdict: the first failing one, else the first
    inconclusive one, else the first (headline) check."""
    for outcome in ("fail", "inconclusive"):
        for check in checks:
            if check["outcome"] == outcome:
                return check
    return checks[0] if checks else None


def reason(verdict: str, passed: int, total: int, decisive: dict | None) -> str:
    """The verdict in one sentence, with the number that decided it."""
    if verdict == "reproduced":
        return f"All {total} pre-registered check{'s' if total != 1 else ''} passed."
    if decisive is None:
        return "No check could be evaluated."
    measured = f"{fmt(decisive['value'])}{' ' + decisive['unit'] if decisive.get('unit') else ''}"
    if interval(decisive):
        measured += f" (95% interval {interval(decisive)})"
    needed = f"{comparator(decisive['comparator'])} {fmt(decisive['threshold'])}"
    if verdict == "not reproduced":
        return f"The data contradict the claim. {decisive['description']}: {measured}, where the check needed {needed}."
    return (f"{passed} of {total} checks passed; one is not settled either way. {decisive['description']}: "
            f"{measured}, and the check needs {needed} for the whole interval.")


def collect(results_dir: Path, experiments_dir: Path, only: list[str] | None) -> list[ClaimPage]:
    import pandas as pd

    found = discover(experiments_dir)
    names = [n for n in found if (only is None or n in only) and (results_dir / n / "verdicts.csv").is_file()]
    pages = []
    for name in names:
        exp, base = found[name], results_dir / name
        verdicts = pd.read_csv(base / "verdicts.csv").set_index("claim")
        checks = pd.read_csv(base / "checks.csv", keep_default_na=True)
        checks = checks.astype(object).where(checks.notna(), None)
        measured = pd.read_csv(base / "measurements.csv") if (base / "measurements.csv").is_file() else None
        measured = [] if measured is None else measured.astype(object).where(measured.notna(), None).to_dict("records")
        figures = results.read_json(base / "figures" / "figures.json") if (base / "figures" / "figures.json").is_file() else []
        provenance = results.read_json(base / "provenance.json")
        tables = sorted(p.name for p in (base / "tables").glob("*.csv"))
        for claim in exp.claims:
            if claim.id not in verdicts.index:
                continue
            row = verdicts.loc[claim.id]
            mine = [c for c in checks.to_dict("records") if c["claim"] == claim.id]
            decisive = decisive_check(mine)
            figs = [f for f in figures if f["claim"] == claim.id]
            main = next((f for f in figs if f.get("main")), figs[0] if figs else None)
            pages.append(ClaimPage(
                claim=claim, experiment=name, verdict=row["verdict"], checks=mine, figures=figs,
                measurements=[m for m in measured if m["claim"] == claim.id],
                provenance=provenance, tables=tables, source=exp.path.name,
                expected=inspect.cleandoc(exp.module.__doc__ or ""),
                checks_passed=int(row["checks_passed"]), checks_total=int(row["checks_total"]),
                decisive=decisive, reason=reason(row["verdict"], int(row["checks_passed"]),
                                                 int(row["checks_total"]), decisive),
                thumbnail=f"figures/{name}/{main['file']}" if main else None))
    return pages


def write_tables(pages: list[ClaimPage], results_dir: Path) -> None:
    import pandas as pd

    verdicts = [{"claim": p.claim.id, "title": p.claim.title, "section": p.claim.section,
                 "experiment": p.experiment, "verdict": p.verdict, "checks_passed": p.checks_passed,
                 "checks_total": p.checks_total} for p in pages]
    pd.DataFrame(verdicts, columns=results.VERDICT_COLUMNS).to_csv(results_dir / "verdicts.csv", index=False)
    checks = [c for p in pages for c in p.checks]
    results.checks_frame(checks).to_csv(results_dir / "checks.csv", index=False)
    measured = [m for p in pages for m in p.measurements]
    results.checks_frame(measured, results.MEASUREMENT_COLUMNS).to_csv(results_dir / "measurements.csv", index=False)


def copy_assets(pages: list[ClaimPage], results_dir: Path, reports_dir: Path, experiments_dir: Path) -> None:
    for name in sorted({p.experiment for p in pages}):
        for kind in ("figures", "tables"):
            src, dst = results_dir / name / kind, reports_dir / ("data" if kind == "tables" else kind) / name
            if dst.exists():
                shutil.rmtree(dst)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.json"))
        (reports_dir / "source").mkdir(parents=True, exist_ok=True)
        shutil.copy2(experiments_dir / f"{name}.py", reports_dir / "source" / f"{name}.py.txt")


def build_report(results_dir: str | Path = "results", reports_dir: str | Path = "reports",
                 experiments_dir: str | Path = "experiments", only: list[str] | None = None) -> Path:
    """Write ``results/{verdicts,checks}.csv`` and the HTML report; return the index path."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    results_dir, reports_dir, experiments_dir = Path(results_dir), Path(reports_dir), Path(experiments_dir)
    pages = collect(results_dir, experiments_dir, only)
    write_tables(pages, results_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(pages, results_dir, reports_dir, experiments_dir)

    env = Environment(loader=PackageLoader("nnclaims.report", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fmt=fmt, interval=interval, cmp=comparator, point=point)
    env.globals.update(VERDICT_STYLE=VERDICT_STYLE, OUTCOME_SYMBOL=OUTCOME_SYMBOL)

    tally = Counter(p.verdict for p in pages)
    sections: dict[str, list[ClaimPage]] = {}
    for page in sorted(pages, key=lambda p: (p.claim.section, not p.claim.core, p.claim.id)):
        sections.setdefault(SECTIONS.get(page.claim.section, page.claim.section), []).append(page)
    made = _how_made(pages)
    (reports_dir / "claims").mkdir(exist_ok=True)
    for page in pages:
        html = env.get_template("claim.html").render(page=page, made=made, root="../")
        (reports_dir / page.href).write_text(html)
    index = reports_dir / "index.html"
    open_questions = [p for p in pages if p.verdict != "reproduced"]
    open_questions.sort(key=lambda p: (p.verdict != "not reproduced", p.claim.section, p.claim.id))
    index.write_text(env.get_template("index.html").render(
        sections=sections, tally=tally, total=len(pages), made=made, root="", open_questions=open_questions))
    return index


def _how_made(pages: list[ClaimPage]) -> dict[str, Any]:
    provs = {p.experiment: p.provenance for p in pages}
    first = next(iter(provs.values()), {})
    commits = sorted({(p["code"]["commit"], bool(p["code"].get("dirty"))) for p in provs.values()})
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "profiles": sorted({p["profile"] for p in provs.values()}),
        "commits": [f"{c[:12]}{' (uncommitted changes)' if d else ''}" for c, d in commits],
        "machine": first.get("machine", {}),
        "device": first.get("device", {}),
        "versions": first.get("versions", {}),
        "wall_s": sum(p.get("wall_s", 0) for p in provs.values()),
        "experiments": len(provs),
    }
