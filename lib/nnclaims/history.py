"""What changed since the previous run: a small record of every completed run, and the
comparison of two of them.

Each successful workflow run adds one file to ``results/_history/`` (a folder name no
experiment can have: experiment modules never start with ``_``): its date, the commit and
whether the tree had uncommitted changes, its settings and overrides, every experiment's
run key, and every verdict and check with its number and interval. A few kilobytes each,
written once (atomically) and never rewritten, so all of them can be kept. A run that
changed nothing adds no record: the previous run stays the one before the last change.

`compare` answers which verdicts changed, which checks changed outcome or moved their
interval, and why (code, settings or seeds), and which settings differ. The workflow
prints that at the end of every run (`end_of_run`); `nnclaims compare` prints it for any
two records; `since_previous_html` is the report's "Since the previous run" box.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from .evidence import results
from .evidence.errors import UserError
from .evidence.shards import ResultsError

FOLDER = "_history"
FORMAT = 1
CHECK_FIELDS = ("value", "ci_low", "ci_high", "comparator", "threshold", "outcome", "n_seeds")
SETTING_KEYS = ("profile", "seed_block", "engine", "device", "threads", "mnist_path", "overrides", "experiments")


# -- the record ------------------------------------------------------------------------------
def _number(value: Any) -> Any:
    value = results.plain(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    return value


def _experiment_entry(made: dict) -> dict[str, Any]:
    """What decides why an experiment's numbers moved: its key, its settings, its code."""
    manifest = made.get("manifest") or {}
    code = hashlib.sha256(json.dumps({"parts": manifest.get("parts"), "versions": manifest.get("versions")},
                                     sort_keys=True).encode()).hexdigest()[:16]
    settings = dict(made.get("settings") or {})
    return {"key": made.get("key"), "explore_key": made.get("explore_key"), "run_code": code,
            "check_code": made.get("summary_code") or made.get("manifest_digest"), "seeds": len(made.get("seeds") or []),
            "settings": {k: v for k, v in settings.items() if k not in ("experiment", "seeds", "explore_key")},
            "commit": (made.get("code") or {}).get("commit"), "dirty": (made.get("code") or {}).get("dirty")}


def snapshot(results_dir: str | Path = "results", names: Iterable[str] | None = None,
             settings: Mapping[str, Any] | None = None, where: str | Path = ".") -> dict[str, Any]:
    """The record of the results now under ``results_dir`` (``names``: the experiments and
    rules shown; default: those in ``results/verdicts.csv``); ``settings``: the run's config."""
    results_dir = Path(results_dir)
    if names is None:
        names = sorted({r["experiment"] for r in results.read_csv(results_dir / "verdicts.csv").to_dict("records")})
    record: dict[str, Any] = {"format": FORMAT, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              **results.git_info(where), "settings": {}, "experiments": {}, "verdicts": {}, "checks": {}}
    if settings is not None:
        record["settings"] = {k: settings.get(k) for k in SETTING_KEYS if k in settings}
    for name in names:
        base = results_dir / name
        record["experiments"][name] = _experiment_entry(results.read_json(base / "provenance.json"))
        for v in results.read_csv(base / "verdicts.csv").to_dict("records"):
            record["verdicts"][v["claim"]] = {"experiment": name, "verdict": v["verdict"],
                                              "passed": _number(v["checks_passed"]), "total": _number(v["checks_total"])}
        for c in results.read_csv(base / "checks.csv").to_dict("records"):
            record["checks"][f"{c['claim']}/{c['check']}"] = {k: _number(c.get(k)) for k in CHECK_FIELDS}
    return record


def _content(record: Mapping[str, Any]) -> dict:
    """A record without its date and commit: what the run found, to tell a rerun that changed
    nothing from one that did."""
    return {k: v for k, v in record.items() if k not in ("date", "commit", "dirty")}


def records(results_dir: str | Path = "results") -> list[Path]:
    """The stored records, oldest first."""
    folder = Path(results_dir) / FOLDER
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def read(path: str | Path) -> dict:
    record = results.read_json(path)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ResultsError(f"{path} is not a run record of this version of nnclaims; move it out of the way")
    return record


def append(record: dict, results_dir: str | Path = "results") -> Path | None:
    """Store ``record`` as a new file, unless it finds what the latest one found (then None)."""
    stored = records(results_dir)
    if stored and _content(read(stored[-1])) == _content(record):
        return None
    stamp = record["date"].replace(":", "").replace("-", "").replace("+0000", "Z")
    path = Path(results_dir) / FOLDER / f"{stamp}-{hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:6]}.json"
    results.write_json(path, record)
    return path


def pick(which: str | None, results_dir: str | Path = "results", default: int = -1) -> tuple[str, dict]:
    """A record by name (or the start of one), by position (-1 the latest, -2 the one
    before, 1 the first), or ``default``; its name and content."""
    stored = records(results_dir)
    if not stored:
        raise UserError(f"no run recorded yet in {Path(results_dir) / FOLDER}: each successful snakemake run "
                        f"records one; run the workflow first")
    if which is None or _is_int(which):
        index = default if which is None else int(which)
        position = index - 1 if index > 0 else index
        if not -len(stored) <= position < len(stored) or index == 0:
            raise UserError(f"run {index} does not exist: {len(stored)} run(s) recorded "
                            f"(nnclaims compare --list shows them)")
        return stored[position].stem, read(stored[position])
    matches = [p for p in stored if p.stem.startswith(which)]
    if len(matches) != 1:
        raise UserError(f"{'no' if not matches else 'more than one'} recorded run matches {which!r}; "
                        f"nnclaims compare --list shows them")
    return matches[0].stem, read(matches[0])


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


# -- the comparison ----------------------------------------------------------------------------
@dataclass
class Changes:
    verdicts: list[tuple[str, str, str, str]] = field(default_factory=list)   # claim, before, after, why
    checks: list[tuple[str, str, str, str]] = field(default_factory=list)     # claim/check, before, after, why
    settings: list[tuple[str, str, str]] = field(default_factory=list)        # key, before, after
    unchanged: int = 0                                                         # verdicts that stayed
    only_before: list[str] = field(default_factory=list)                       # claims not shown in the later run
    only_after: list[str] = field(default_factory=list)                        # claims new in the later run

    @property
    def any_verdict(self) -> bool:
        return bool(self.verdicts)


def why(name: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    """Why an experiment's numbers may differ between two records, in a few words."""
    old, new = a["experiments"].get(name), b["experiments"].get(name)
    if old is None or new is None:
        return "new" if old is None else "removed"
    out = []
    if old["run_code"] != new["run_code"]:
        out.append("code changed")
    if old["seeds"] != new["seeds"]:
        out.append(f"seeds {old['seeds'] or 'by power'} → {new['seeds'] or 'by power'}")
    moved = sorted(k for k in set(old["settings"]) | set(new["settings"]) if old["settings"].get(k) != new["settings"].get(k))
    if moved:
        out.append("settings changed: " + ", ".join(f"{k} {old['settings'].get(k)} → {new['settings'].get(k)}"
                                                    for k in moved))
    if old["key"] != new["key"] and not out:
        out.append("exploration or library versions changed")
    if old["check_code"] != new["check_code"]:
        out.append("check code changed")
    return "; ".join(out) or "same code and settings"


def _check_text(c: Mapping[str, Any] | None) -> str:
    from .report.format import comparator, fmt, interval

    if c is None:
        return "(none)"
    return f"{c.get('outcome') or ''} {fmt(c.get('value'))} {interval(dict(c))} (needs {comparator(str(c.get('comparator')))} " \
           f"{fmt(c.get('threshold'))})".strip()


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> Changes:
    """What changed from record ``a`` to record ``b``."""
    # A claim in one run only (another selection of experiments, a new one) is listed as
    # such, not as a verdict that changed.
    out = Changes(only_before=sorted(set(a["verdicts"]) - set(b["verdicts"])),
                  only_after=sorted(set(b["verdicts"]) - set(a["verdicts"])))
    both = sorted(set(a["verdicts"]) & set(b["verdicts"]))
    for claim in both:
        old, new = a["verdicts"][claim], b["verdicts"][claim]
        if old["verdict"] == new["verdict"]:
            out.unchanged += 1
        else:
            out.verdicts.append((claim, old["verdict"], new["verdict"], why(new["experiment"], a, b)))
    for check in sorted(c for c in set(a["checks"]) | set(b["checks"]) if c.split("/")[0] in both):
        old, new = a["checks"].get(check), b["checks"].get(check)
        if old != new:
            out.checks.append((check, _check_text(old), _check_text(new),
                               why(b["verdicts"][check.split("/")[0]]["experiment"], a, b)))
    keys = ("commit", "dirty") + (SETTING_KEYS if a["settings"] and b["settings"] else ())  # the report knows none
    for key in keys:
        where_a, where_b = (a, b) if key in ("commit", "dirty") else (a["settings"], b["settings"])
        old, new = where_a.get(key), where_b.get(key)
        if old != new:
            out.settings.append((key, json.dumps(old), json.dumps(new)))
    return out


# -- in words ------------------------------------------------------------------------------------
def _title(a_name: str, b_name: str) -> str:
    return f"from run {a_name} to run {b_name}"


def plain_text(changes: Changes, a_name: str, b_name: str) -> str:
    """The comparison as plain lines (a pipe, a file, a log)."""
    lines = [f"Changes {_title(a_name, b_name)}:"]
    if not changes.verdicts:
        lines.append(f"  no verdict changed ({changes.unchanged} claims)")
    for claim, old, new, reason in changes.verdicts:
        lines.append(f"  verdict {claim}: {old} → {new} ({reason})")
    for check, old, new, reason in changes.checks:
        lines.append(f"  check {check}: {old} → {new}" + (f" ({reason})" if reason else ""))
    for key, old, new in changes.settings:
        lines.append(f"  setting {key}: {old} → {new}")
    for claims, where in ((changes.only_before, "only in the earlier run"), (changes.only_after, "new in the later run")):
        if claims:
            lines.append(f"  {len(claims)} claim{'s' if len(claims) > 1 else ''} {where}: {', '.join(claims)}")
    return "\n".join(lines)


def print_rich(changes: Changes, a_name: str, b_name: str) -> None:
    """The comparison as tables, on a terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Changes {_title(a_name, b_name)}[/bold]")
    if not changes.verdicts:
        console.print(f"No verdict changed ({changes.unchanged} claims).")
    for title, columns, rows in (("Verdicts", ("claim", "before", "after", "why"), changes.verdicts),
                                 ("Checks", ("check", "before", "after", "why"), changes.checks),
                                 ("Settings", ("setting", "before", "after"), changes.settings)):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for claims, where in ((changes.only_before, "Only in the earlier run"), (changes.only_after, "New in the later run")):
        if claims:
            console.print(f"{where}: {', '.join(claims)}")


def _tally(record: Mapping[str, Any]) -> str:
    counts: dict[str, int] = {}
    for v in record["verdicts"].values():
        counts[v["verdict"]] = counts.get(v["verdict"], 0) + 1
    order = ["reproduced", "partly reproduced", "not reproduced", "inconclusive", "did not run"]
    return ", ".join(f"{counts[v]} {v}" for v in sorted(counts, key=lambda v: order.index(v) if v in order else 9))


def end_of_run(results_dir: str | Path, names: Iterable[str], settings: Mapping[str, Any],
               report: str | Path = "reports/index.html", current: bool = True, where: str | Path = ".") -> str:
    """What the workflow prints when a run succeeds: the verdict tally, what changed since
    the previous run, and where the report is; the run is recorded on the way. ``current``:
    whether every shown result is today's (a run of some targets only is not recorded)."""
    record = snapshot(results_dir, names, settings, where)
    stored = records(results_dir)
    lines = [f"nnclaims: {len(record['verdicts'])} claims: {_tally(record)}"]
    if stored:
        previous_name = stored[-1].stem
        lines += ["nnclaims: " + line for line in
                  plain_text(compare(read(stored[-1]), record), previous_name, "now").splitlines()]
    else:
        lines.append("nnclaims: the first recorded run here: nothing to compare with yet")
    if current:
        path = append(record, results_dir)
        lines.append(f"nnclaims: run recorded in {path}" if path else "nnclaims: nothing changed: no new run record")
    lines.append(f"nnclaims: report: {Path(report).resolve()}")
    return "\n".join(lines)


def failed_jobs(snakemake_log: str | Path) -> list[dict[str, str]]:
    """The jobs a Snakemake log says failed: their rule, output and log files (in order)."""
    import re

    try:
        text = Path(snakemake_log).read_text(errors="replace")
    except OSError:
        return []
    jobs = []
    for block in re.findall(r"^Error in rule (\w+):\n((?:    .*\n?)*)", text, flags=re.M):
        fields = dict(re.findall(r"^    (\w+): (.*)$", block[1], flags=re.M))
        logs = re.sub(r"\s*\(check log file\(s\) for error details\)", "", fields.get("log", "")).strip()
        jobs.append({"rule": block[0], "output": fields.get("output", "").split(", ")[0],
                     "logs": logs, "wildcards": fields.get("wildcards", "")})
    return jobs


def _last_line(paths: str) -> str:
    for path in paths.split(", "):
        try:
            lines = [line.strip() for line in Path(path).read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            continue
        if lines:
            return lines[-1]
    return ""


def failure_block(snakemake_log: str | Path | list) -> str:
    """What the workflow prints when a run fails: every failed job, the last line of its
    log (usually the one-sentence error) and the log's path, in one block. ``snakemake_log``:
    what Snakemake hands its onerror handler (a list of log files in Snakemake 9)."""
    if isinstance(snakemake_log, (list, tuple)):
        snakemake_log = snakemake_log[-1] if snakemake_log else ""
    jobs = failed_jobs(snakemake_log) if snakemake_log else []
    if not jobs:
        return f"nnclaims: the run failed before or between jobs; Snakemake's log: {snakemake_log}"
    lines = [f"nnclaims: {len(jobs)} job{'s' if len(jobs) > 1 else ''} failed:"]
    for job in jobs:
        what = job["output"] or job["wildcards"]
        lines.append(f"  {job['rule']} {what}")
        if job["logs"]:
            last = _last_line(job["logs"])
            lines += ([f"    {last}"] if last else []) + [f"    log: {job['logs']}"]
    lines.append(f"nnclaims: Snakemake's own log: {snakemake_log}")
    return "\n".join(lines)


def after_success(plans: Mapping[str, Any], settings: Any, rules: Iterable[str] = (), results_dir: str | Path = "results",
                  report: str | Path = "reports/index.html") -> str:
    """The end of a successful workflow run, in words (empty when it made no report): the
    run is recorded when every result shown is today's."""
    results_dir = Path(results_dir)
    names = [*plans, *rules]
    if not (results_dir / "verdicts.csv").is_file() or not Path(report).is_file():
        return ""
    try:
        current = all(results.read_json(results_dir / n / "provenance.json").get("key") == p.key
                      for n, p in plans.items())
        code = next((p.experiment.path.parent for p in plans.values()), Path("."))  # whose commit to record
        return end_of_run(results_dir, names, settings.as_dict(), report, current=current, where=code)
    except (UserError, OSError, KeyError) as err:  # the run succeeded: its summary must not fail it
        return f"nnclaims: this run could not be recorded or compared ({err}); report: {Path(report).resolve()}"
