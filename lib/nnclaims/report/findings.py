"""The README's findings table, made from a run's results rather than written by hand.

`nnclaims findings --write README.md` replaces the block between the markers below with
one row per claim: its verdict and the reason sentence of the run (what held, what
failed, with the numbers), plus a line saying which run it came from.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..evidence import results
from ..evidence.shards import ResultsError
from .format import commits_text

START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def findings_table(results_dir: str | Path = "results") -> str:
    """The findings block, in Markdown, from ``results/verdicts.csv`` and the provenance."""
    results_dir = Path(results_dir)
    verdicts = results.read_csv(results_dir / "verdicts.csv")
    experiments = sorted(set(verdicts["experiment"]))
    provenance = {e: results.read_json(results_dir / e / "provenance.json") for e in experiments
                  if (results_dir / e / "provenance.json").is_file()}
    if not provenance:
        raise ResultsError(f"{results_dir} holds no experiment's results; run the workflow first")
    first = next(iter(provenance.values()))
    profiles = sorted({p["settings"]["profile"] for p in provenance.values()})
    blocks = sorted({p["settings"]["seed_block"] for p in provenance.values()})
    commits = commits_text(provenance.values())
    started = min(p["started"] for p in provenance.values())[:10]
    tally = verdicts["verdict"].value_counts()
    order = ["reproduced", "partly reproduced", "not reproduced", "inconclusive", "did not run"]
    counts = ", ".join(f"{int(tally[v])} {v}" for v in order if v in tally)
    lines = [START,
             f"The {'/'.join(profiles)} profile's run of {started} (code {commits}; {'/'.join(blocks)} seeds; "
             f"{first['machine'].get('cpu_count', '?')} CPU cores, {first['device'].get('device', '?')}): {counts}. "
             "Made by `nnclaims findings --write README.md` from `results/`; the report gives every number with its "
             "interval, its controls and the protocol-1 result beside it.",
             "",
             "| section | claim | verdict | what held and what failed |",
             "|---|---|---|---|"]
    for row in verdicts.sort_values(["section", "claim"]).to_dict("records"):
        reason = str(row.get("reason") or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {row['section']} | `{row['claim']}` | {row['verdict']} | {reason} |")
    lines.append(END)
    return "\n".join(lines)


def write_findings(readme: str | Path, results_dir: str | Path = "results") -> None:
    readme = Path(readme)
    text = readme.read_text()
    if START not in text or END not in text:
        raise ResultsError(f"{readme} has no findings block ({START} ... {END}) to replace")
    block = findings_table(results_dir)
    results.write_text(readme, re.sub(re.escape(START) + r".*?" + re.escape(END), lambda m: block, text,
                                      flags=re.S))

