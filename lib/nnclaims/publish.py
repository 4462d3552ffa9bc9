"""Results from a rule of one's own, written exactly as a summarized experiment's.

A rule in ``rules/<anything>.smk`` can run any script; the script hands its tables and its
claims' checks, controls and measurements (the same functions an experiment module
defines) to `publish`, which runs the checks and their controls, decides the verdicts and
writes ``results/<name>/`` with its provenance. The report then shows the claim like any
other. See the README, "Adding a rule".
"""

from __future__ import annotations

import hashlib
import inspect
import json
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterable

from .evidence import results
from .evidence.experiment import Claim, Experiment, ExperimentError, Figure
from .evidence.fingerprint import Manifest, script_manifest
from .stages import write_summary

RULE_KIND = "rule"
# What a rule's results depend on besides its script: the machinery that turns tables into
# checks and verdicts, as for an experiment's summary. The script's own imports are
# followed; nnclaims.publish itself is not (it reaches the whole library).
RULE_LIBRARY = ("nnclaims.evidence.summary", "nnclaims.evidence.results")


def rule_manifest(source: str | Path) -> Manifest:
    """What a rule's results depend on: its script and the library code the script imports.
    Snakemake reruns a rule when its script changes; the workflow compares this manifest
    with the one its results recorded, so that a change in the library reruns it too."""
    return script_manifest(source, RULE_LIBRARY, skip=("nnclaims.publish",))


def publish(name: str, claims: Iterable[Claim], tables: dict[str, Any], checks: Callable, controls: Callable, *,
            measurements: Callable | None = None, figures: Callable | None = None, expected: str = "",
            source: str | Path | None = None, results_dir: str | Path = "results") -> list[dict]:
    """Check ``tables`` and write ``results_dir/name/`` (tables, checks, measurements,
    verdicts, figures, provenance); return the verdict rows.

    ``checks(tables)``, ``controls(tables)``, ``measurements(tables)`` and
    ``figures(tables, outdir)`` are what an experiment module defines under those names;
    ``expected`` is what you expected before running (shown on the claim's page);
    ``source`` the script, linked from the report.
    """
    import pandas as pd

    from .evidence.summary import evaluate

    claims = list(claims)
    if not claims or not all(isinstance(c, Claim) for c in claims):
        raise ExperimentError(f"{name}: claims must be a non-empty list of nnclaims.evidence.Claim")
    if not expected.strip():
        raise ExperimentError(f"{name}: say what you expected, before running (expected=...)")
    frames = {k: v if isinstance(v, pd.DataFrame) else pd.DataFrame(v) for k, v in tables.items()}
    module = SimpleNamespace(CLAIMS=claims, checks=checks, controls=controls, __doc__=expected,
                             measurements=measurements or (lambda t: []), figures=figures)
    exp = Experiment(name, Path(source) if source else Path(name), module, claims)
    summary = evaluate(exp, frames)
    outdir = Path(results_dir) / name
    files = write_summary(summary, frames, outdir)
    drawn: list[Figure] = []
    if figures is not None:
        from .report import plotting

        (outdir / "figures").mkdir(parents=True, exist_ok=True)
        with plotting.style():
            drawn = list(figures(frames, outdir / "figures"))
    results.write_sealed(outdir / "figures" / "figures.json", {
        "figures": [vars(f) for f in drawn],
        "files": {f.file: results.file_record(outdir / "figures" / f.file) for f in drawn}})
    key = hashlib.sha256(json.dumps({k: v for k, v in files.items()}, sort_keys=True).encode()).hexdigest()[:16]
    code = rule_manifest(source) if source and Path(source).is_file() else None
    results.write_sealed(outdir / "provenance.json", {
        "manifest": code.as_dict() if code else None, "manifest_digest": code.digest if code else None,
        "kind": RULE_KIND, "experiment": name, "key": key, "claims": [vars(c) for c in claims], "expected": expected,
        "source": str(source or ""), "code": results.git_info(Path(source).parent if source else Path.cwd()),
        "versions": results.versions(), "machine": results.machine(), "device": {"device": "cpu"},
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "wall_s": 0.0, "files": files,
        "settings": None, "seeds": [],
    })
    return summary.verdicts


def caller_source() -> str:
    """The file of the script that calls this (for ``source=``)."""
    return inspect.stack()[1].filename
