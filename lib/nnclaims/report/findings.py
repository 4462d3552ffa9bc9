"""The README's findings table, made from a run's results rather than written by hand.

`nnclaims findings --write README.md` replaces the block between the markers below with
one row per claim: its verdict with the regime where its sentence holds (rule 18), the
reason in plain words and then the reason sentence of the run (what held, what failed,
with the numbers), plus a line saying which run it came from. The tally counts the
chapter's claims; claims beyond the chapter (rule 11) follow in a table of their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..evidence import results
from ..evidence.settings import is_confirmatory
from ..evidence.shards import ResultsError
from .format import commits_text

START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def findings_table(results_dir: str | Path = "results") -> str:
    """The findings block, in Markdown, from ``results/verdicts.csv`` and the provenance."""
    results_dir = Path(results_dir)
    record = results_dir / "provenance.json"  # what the report wrote (earlier versions wrote none)
    if record.is_file():
        results.verify(results_dir, {k: v for k, v in results.read_sealed(record)["files"].items()
                                     if k == "verdicts.csv"})
    verdicts = results.read_csv(results_dir / "verdicts.csv")
    experiments = sorted(set(verdicts["experiment"]))
    provenance = {e: results.read_json(results_dir / e / "provenance.json") for e in experiments
                  if (results_dir / e / "provenance.json").is_file()}
    if not provenance:
        raise ResultsError(f"{results_dir} holds no experiment's results; run the workflow first")
    # A rule of one's own records no run settings (settings None): only experiments have them.
    runs = {e: p for e, p in provenance.items() if p.get("settings")} or provenance
    first = next(iter(runs.values()))
    profiles = sorted({p["settings"]["profile"] for p in runs.values() if p.get("settings")})
    blocks = sorted({p["settings"]["seed_block"] for p in runs.values() if p.get("settings")})
    commits = commits_text(provenance.values())
    started = min(p["started"] for p in runs.values())[:10]
    # results written before rule 11 have no beyond_chapter column: every claim is the chapter's
    flags = verdicts["beyond_chapter"] if "beyond_chapter" in verdicts else verdicts["claim"].map(lambda _: False)
    beyond = flags.map(_flag)
    tally = verdicts.loc[~beyond, "verdict"].value_counts()
    order = ["reproduced", "partly reproduced", "not reproduced", "inconclusive", "did not run"]
    counts = ", ".join(f"{int(tally[v])} {v}" for v in order if v in tally)
    lines = [START,
             f"The {'/'.join(profiles)} profile's run of {started} (code {commits}; {'/'.join(blocks)} seeds; "
             f"{first['machine'].get('cpu_count', '?')} CPU cores, {first['device'].get('device', '?')}): {counts}. "
             "Made by `nnclaims findings --write README.md` from `results/`; the report gives every number with its "
             "interval, its controls and, where a design changed, the earlier protocols' results beside it.",
             ""]
    lines += _table(verdicts[~beyond])
    if beyond.any():
        lines += ["", "Beyond the chapter (claims of ours, not the chapter's sentences; not in the tally above):", ""]
        lines += _table(verdicts[beyond])
    lines.append(END)
    return "\n".join(lines)


def _table(verdicts) -> list[str]:
    lines = ["| section | claim | verdict | what held and what failed |", "|---|---|---|---|"]
    for row in verdicts.sort_values(["section", "claim"]).to_dict("records"):
        regime = _cell(row.get("regime"))
        verdict = f"{row['verdict']} ({regime})" if regime else row["verdict"]
        plain, reason = _cell(row.get("plain")), _cell(row.get("reason"))
        lines.append(f"| {row['section']} | `{row['claim']}` | {verdict} | "
                     f"{f'{plain} Detail: {reason}' if plain else reason} |")
    return lines


def _cell(value) -> str:
    """A table cell's text: blank for a missing value; a pipe or a line break must not
    break the table."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ").strip()


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() == "true"


def not_preregistered(results_dir: str | Path = "results", experiments_dir: str | Path = "experiments") -> list[str]:
    """Why the results under ``results_dir`` are not the pre-registered run (full profile,
    confirmatory seeds, each experiment's own number of seeds, committed code), in words;
    empty when they are. Such a run is legitimate for exploring, never the findings."""
    from ..evidence.experiment import available, load

    results_dir = Path(results_dir)
    verdicts = results.read_csv(results_dir / "verdicts.csv")
    out = []
    for name in sorted(set(verdicts["experiment"])):
        path = results_dir / name / "provenance.json"
        made = results.read_json(path) if path.is_file() else {}
        if (made.get("code") or {}).get("dirty"):
            out.append(f"{name} ran with uncommitted changes")
        settings = made.get("settings")
        if not settings:
            continue  # a rule of one's own: no run settings
        if settings["profile"] != "full" or not is_confirmatory(settings["seed_block"]):
            out.append(f"{name} ran in the {settings['profile']} profile on {settings['seed_block']} seeds")
        elif name in available(experiments_dir):
            exp = load(Path(experiments_dir) / f"{name}.py")
            seeds, planned = len(settings["seeds"]), exp.preregistered_seeds("full")
            if seeds != (planned or 0):
                out.append(f"{name} ran with {seeds} seeds (an override; pre-registered: "
                           f"{'chosen by power' if planned is None else planned})")
    return out


def check_preregistered(results_dir: str | Path = "results", experiments_dir: str | Path = "experiments") -> None:
    """Refuse, in one sentence, results that are not the pre-registered run."""
    why = not_preregistered(results_dir, experiments_dir)
    if why:
        more = f" and {len(why) - 2} more" if len(why) > 2 else ""
        raise ResultsError(f"these results are not the pre-registered run ({'; '.join(why[:2])}{more}), so they must "
                           f"not stand as the findings; rerun without overrides from committed code, or pass "
                           f"--not-preregistered to write them anyway")


def write_findings(readme: str | Path, results_dir: str | Path = "results") -> None:
    readme = Path(readme)
    text = readme.read_text()
    if START not in text or END not in text:
        raise ResultsError(f"{readme} has no findings block ({START} ... {END}) to replace")
    block = findings_table(results_dir)
    results.write_text(readme, re.sub(re.escape(START) + r".*?" + re.escape(END), lambda m: block, text,
                                      flags=re.S))

