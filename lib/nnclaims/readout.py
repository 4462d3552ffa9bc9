"""Results read in a terminal: `nnclaims show CLAIM` and `nnclaims verdicts`.

Both read what the workflow wrote under ``results/`` and say, in one sentence, when there
is nothing to read (no results yet, an unknown claim) or when the results on disk were
made by other code than today's: a verdict of yesterday's code must never pass for
today's. "Today's code" is judged under the settings the results recorded (profile, seeds,
device...), so that a quick run is not called stale because the default profile is full.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Mapping

from .evidence import results
from .evidence.errors import UserError
from .evidence.experiment import Experiment, available, load
from .evidence.settings import RunSettings
from .evidence.shards import run_key, run_versions
from .report.format import comparator, fmt, interval

NO_RESULTS = "no results yet in {dir}: run the workflow first (snakemake --cores 2, or make quick)"


def verdict_rows(results_dir: str | Path = "results") -> list[dict[str, Any]]:
    """The rows of the report's ``verdicts.csv`` (one per claim), or a `UserError` saying
    there are none yet."""
    path = Path(results_dir) / "verdicts.csv"
    if not path.is_file():
        raise UserError(NO_RESULTS.format(dir=results_dir))
    return [{k: results.plain(v) for k, v in row.items()} for row in results.read_csv(path).to_dict("records")]


def provenance(results_dir: str | Path, name: str) -> dict:
    path = Path(results_dir) / name / "provenance.json"
    if not path.is_file():
        raise UserError(f"{path} is missing: the results of {name} are incomplete; run the workflow again")
    return results.read_json(path)


def stale_reasons(exp: Experiment, made: dict) -> list[str]:
    """Why the results that ``made`` (an experiment's provenance) describes are not what
    today's code makes under the same settings; empty when they are."""
    try:
        settings = RunSettings.from_dict(made["settings"])
    except (KeyError, TypeError):
        return ["they were made by an older version of nnclaims"]
    versions = run_versions()
    out = []
    manifest = exp.run_manifest(versions)
    if run_key(manifest, settings) != made.get("key"):
        out += manifest.changes(made.get("manifest") or {}, "run") or ["its run code or library versions changed"]
    explored = made.get("exploration")
    if exp.explores and explored:
        xmanifest = exp.explore_manifest(versions)
        if run_key(xmanifest, RunSettings.from_dict(explored["settings"])) != made.get("explore_key"):
            out += xmanifest.changes(made.get("explore_manifest") or {}, "exploration") or ["its exploration code changed"]
    if made.get("summary_code") != exp.summary_manifest().digest:
        out.append(f"the checks of {exp.path.name} changed")
    return out


def _rule_stale(made: dict) -> list[str]:
    """A rule of one's own: its script and the library code it reaches, as recorded."""
    from .publish import rule_manifest

    source = Path(made.get("source") or "")
    if not made.get("source") or not source.is_file():
        return []
    today = rule_manifest(source)
    if today.digest == made.get("manifest_digest"):
        return []
    return today.changes(made.get("manifest") or {}, "script") or ["its code changed"]


def staleness(name: str, results_dir: str | Path, experiments_dir: str | Path) -> list[str]:
    """Why ``results/<name>`` is older than today's code (empty: it is current)."""
    made = provenance(results_dir, name)
    if made.get("kind") == "rule":
        return _rule_stale(made)
    if name not in available(experiments_dir):
        return [f"experiment {name} no longer exists in {experiments_dir}"]
    return stale_reasons(load(Path(experiments_dir) / f"{name}.py"), made)


def stale_sentence(name: str, reasons: list[str]) -> str:
    return (f"the results of {name} are older than the code ({'; '.join(reasons)}); "
            f"run the workflow again (snakemake --cores 2) to bring them up to date")


def checks_tally(row: Mapping) -> str:
    """"2/3 chapter checks pass, and 1 of 2 supporting": the checks that decide first
    (rule 11), then the others; results older than the split have no supporting counts."""
    out = f"{row['checks_passed']}/{row['checks_total']} chapter checks pass"
    supporting = row.get("supporting_total")
    if supporting not in (None, "") and int(supporting) > 0:
        out += f", and {int(row.get('supporting_passed') or 0)} of {int(supporting)} supporting"
    return out


def verdicts_text(results_dir: str | Path = "results", experiments_dir: str | Path = "experiments") -> str:
    """One line per claim: its verdict and how many checks passed; results older than the
    code are marked, with one sentence at the end saying which and what to do."""
    rows = verdict_rows(results_dir)
    stale = {}
    for name in sorted({r["experiment"] for r in rows}):
        reasons = staleness(name, results_dir, experiments_dir)
        if reasons:
            stale[name] = reasons
    width = max(len(r["claim"]) for r in rows)
    lines = []
    for r in sorted(rows, key=lambda r: (str(r["section"]), r["claim"])):
        checks = checks_tally(r) if r.get("checks_total") is not None else ""
        mark = "  (older than the code)" if r["experiment"] in stale else ""
        lines.append(f"{r['claim']:{width}s}  {r['verdict']:18s} {checks}{mark}")
    tally: dict[str, int] = {}
    for r in rows:
        tally[r["verdict"]] = tally.get(r["verdict"], 0) + 1
    lines.append(f"{len(rows)} claims: " + ", ".join(f"{n} {v}" for v, n in tally.items()))
    lines += [stale_sentence(name, reasons) for name, reasons in stale.items()]
    return "\n".join(lines)


def _find_claim(claim: str, rows: list[dict], results_dir: str | Path, experiments_dir: str | Path) -> dict:
    for row in rows:
        if row["claim"] == claim:
            return row
    for name in available(experiments_dir):
        try:
            exp = load(Path(experiments_dir) / f"{name}.py")
        except UserError:
            continue  # a broken module cannot hold the claim asked for; its own command says why
        if any(c.id == claim for c in exp.claims):
            raise UserError(f"claim {claim!r} (experiment {name}) has no results yet in {results_dir}; "
                            f"run the workflow first (snakemake --cores 2 --config experiments=[{name}])")
    near = difflib.get_close_matches(claim, [r["claim"] for r in rows], n=3)
    hint = f"did you mean {', '.join(near)}?" if near else "`nnclaims verdicts` lists them"
    raise UserError(f"unknown claim {claim!r}: no experiment or rule declares it; {hint}")


def show_text(claim: str, results_dir: str | Path = "results", experiments_dir: str | Path = "experiments",
              reports_dir: str | Path = "reports") -> str:
    """A claim's sentence, verdict, every check with its number, interval, threshold and
    controls, its measurements and the paths of its figures and report page."""
    row = _find_claim(claim, verdict_rows(results_dir), results_dir, experiments_dir)
    name = row["experiment"]
    reasons = staleness(name, results_dir, experiments_dir)
    if reasons:
        raise UserError(stale_sentence(name, reasons))
    base = Path(results_dir) / name
    lines = [f"{claim}: {row['title']}", f"  statement: {_statement(claim, name, results_dir, experiments_dir)}",
             f"  verdict:   {row['verdict']} ({checks_tally(row)})"]
    if row.get("reason"):
        lines.append(f"  why:       {row['reason']}")
    lines += ["  checks:"] + [f"    {line}" for line in _check_lines(claim, base)]
    lines += [f"    {line}" for line in _measurement_lines(claim, base)]
    lines += ["  figures:"] + [f"    {line}" for line in _figure_lines(claim, base)]
    page = Path(reports_dir) / "claims" / f"{claim}.html"
    if page.is_file():
        lines.append(f"  report page: {page}")
    return "\n".join(lines)


def _statement(claim: str, name: str, results_dir: str | Path, experiments_dir: str | Path) -> str:
    made = provenance(results_dir, name)
    if made.get("kind") == "rule":
        return next((c.get("statement", "") for c in made.get("claims", []) if c.get("id") == claim), "")
    exp = load(Path(experiments_dir) / f"{name}.py")
    return next((c.statement for c in exp.claims if c.id == claim), "")


def _check_lines(claim: str, base: Path) -> list[str]:
    rows = [r for r in results.read_csv(base / "checks.csv").to_dict("records") if r["claim"] == claim]
    out = []
    for r in (({k: results.plain(v) for k, v in r.items()}) for r in rows):
        seeds = f", {int(r['n_seeds'])} seeds" if r.get("n_seeds") is not None else ""
        controls = ", ".join(f"{kind} control {r[f'{kind}_control']}" for kind in ("positive", "negative")
                             if r.get(f"{kind}_control"))
        out.append(f"{r['check']}: {r.get('description') or ''}: {fmt(r['value'])} {interval(r)} "
                   f"needed {comparator(r['comparator'])} {fmt(r['threshold'])}{seeds} -> {r.get('outcome') or ''}"
                   f"{'; ' + controls if controls else ''}")
    return out or ["(none)"]


def _measurement_lines(claim: str, base: Path) -> list[str]:
    path = base / "measurements.csv"
    if not path.is_file():
        return []
    rows = [{k: results.plain(v) for k, v in r.items()} for r in results.read_csv(path).to_dict("records")
            if r["claim"] == claim]
    return [f"measurement {r['name']}: {r.get('description') or ''}: {fmt(r['value'])} {interval(r)}".rstrip()
            for r in rows]


def _figure_lines(claim: str, base: Path) -> list[str]:
    listing = base / "figures" / "figures.json"
    if not listing.is_file():
        return ["(none drawn yet)"]
    figures = json.loads(listing.read_text()).get("figures", [])
    return [f"{base / 'figures' / f['file']}  {f.get('caption', '')}" for f in figures if f.get("claim") == claim] \
        or ["(none)"]
