"""From tables to checks, controls and verdicts.

Every check is run on its controls too: on the positive control it must pass, on the
negative control (the claim false by construction) it must fail. A check that passes its
negative control, or fails its positive one, cannot decide anything and becomes a
measurement, with the reason (rule 7).
Each claim then gets its verdict (rule 8) and a sentence that names what held and what
failed, with the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .checks import Check, Measurement, verdict
from .experiment import Control, Experiment, ExperimentError

COMPARATOR_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "within": "within ±"}


@dataclass
class Summary:
    checks: list[Check]
    measurements: list[Measurement]
    verdicts: list[dict]
    controls: dict[str, dict[str, str]] = field(default_factory=dict)  # check -> {"positive": outcome, ...}


def evaluate(exp: Experiment, tables: dict[str, Any]) -> Summary:
    """Run the checks, their controls and the measurements; decide one verdict per claim."""
    checks = _checks(exp, tables, "the results")
    controls = list(exp.controls(tables))
    ids = {c.id for c in exp.claims}
    measured = list(exp.measurements(tables))
    for m in measured:
        if not isinstance(m, Measurement) or m.claim not in ids:
            raise ExperimentError(f"{exp.name}: measurements must be nnclaims.evidence.Measurement objects "
                                  f"naming a claim in CLAIMS; got {m!r}")
    outcomes = _control_outcomes(exp, tables, checks, controls)
    kept = []
    for check in checks:
        runs = outcomes[check.check]["runs"]
        # Rule 7: a check that passes a negative control (the claim false by construction)
        # cannot tell a true claim from a false one; one that fails a positive control
        # (the claim true by construction) has a bug. Either becomes a measurement. A
        # control that is merely inconclusive says the check is imprecise, not wrong: the
        # check stays, and the report shows the control's outcome beside it.
        bad = [f"{kind} control ({why}) gave {got}" for kind, why, got in runs
               if (kind == "negative" and got == "pass") or (kind == "positive" and got == "fail")]
        if bad:
            measured.append(Measurement.from_check(check, "not a check: its " + "; its ".join(bad) +
                                                   ", so it cannot tell a true claim from a false one"))
        else:
            kept.append(check)
    rows = []
    for claim in exp.claims:
        mine = [c for c in kept if c.claim == claim.id]
        if not mine and not any(c.claim == claim.id for c in checks):
            raise ExperimentError(f"{exp.name}: claim {claim.id!r} has no checks")
        v = verdict([c.outcome for c in mine])
        rows.append({"claim": claim.id, "title": claim.title, "section": claim.section, "experiment": exp.name,
                     "verdict": v, "checks_passed": sum(c.outcome == "pass" for c in mine),
                     "checks_total": len(mine), "checks_failed": sum(c.outcome == "fail" for c in mine),
                     "reason": reason(v, mine)})
    summary = {c: {kind: got for kind, _, got in outcomes[c]["runs"]} for c in outcomes}
    return Summary(kept, measured, rows, summary)


def _checks(exp: Experiment, tables: dict, what: str) -> list[Check]:
    checks = list(exp.checks(tables))
    ids = {c.id for c in exp.claims}
    seen = set()
    for check in checks:
        if not isinstance(check, Check):
            raise ExperimentError(f"{exp.name}: checks must return nnclaims.evidence.Check objects")
        if check.claim not in ids:
            raise ExperimentError(f"{exp.name}: check {check.check!r} names claim {check.claim!r}, "
                                  f"which is not in CLAIMS ({', '.join(sorted(ids))})")
        if check.check in seen:
            raise ExperimentError(f"{exp.name}: check {check.check!r} appears twice")
        seen.add(check.check)
    return checks


def _control_outcomes(exp: Experiment, tables: dict, checks: list[Check], controls: list[Control]) -> dict:
    names = {c.check for c in checks}
    for control in controls:
        if not isinstance(control, Control):
            raise ExperimentError(f"{exp.name}: controls() must return nnclaims.evidence.Control objects")
        if control.check not in names:
            raise ExperimentError(f"{exp.name}: a {control.kind} control names check {control.check!r}, "
                                  f"which checks() does not return")
    out: dict[str, dict] = {}
    for check in checks:
        mine = [c for c in controls if c.check == check.check]
        for kind in ("positive", "negative"):
            if not any(c.kind == kind for c in mine):
                raise ExperimentError(f"{exp.name}: check {check.check!r} has no {kind} control "
                                      f"(see README, 'Adding an experiment')")
        runs = []
        for control in mine:
            if control.kind == "positive" and not control.tables:
                raise ExperimentError(f"{exp.name}: the positive control of {check.check!r} changes no table: a "
                                      f"check judged on its own data cannot fail its control; build tables on which "
                                      f"the claim holds by construction")
            try:
                result = {c.check: c for c in _checks(exp, {**tables, **control.tables}, control.why)}
            except ExperimentError:
                raise
            except Exception as err:
                raise ExperimentError(f"{exp.name}: checks() failed on the {control.kind} control of "
                                      f"{check.check!r} ({control.why}): {type(err).__name__}: {err}") from err
            if check.check not in result:
                raise ExperimentError(f"{exp.name}: on its {control.kind} control, checks() did not return "
                                      f"{check.check!r}")
            runs.append((control.kind, control.why, result[check.check].outcome))
        out[check.check] = {"runs": runs}
    return out


def _number(check: Check) -> str:
    value = _fmt(check.value) + (f" {check.unit}" if check.unit else "")
    if check.random:
        value += f" [{_fmt(check.ci_low)}, {_fmt(check.ci_high)}]"
    needed = f"{COMPARATOR_WORDS[check.comparator]}{'' if check.comparator == 'within' else ' '}{_fmt(check.threshold)}"
    return f"{value}, needed {needed}"


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
        return f"{x:.3g}"
    return f"{x:.4g}"


def reason(v: str, checks: list[Check]) -> str:
    """The verdict in one sentence: what held and what failed, with the numbers."""
    if not checks:
        return "No check could decide: every check's controls showed it cannot tell a true claim from a false one."
    held = [c for c in checks if c.outcome == "pass"]
    failed = [c for c in checks if c.outcome == "fail"]
    open_ = [c for c in checks if c.outcome == "inconclusive"]
    part = lambda cs: "; ".join(f"{c.description}: {_number(c)}" for c in cs)  # noqa: E731
    if v == "reproduced":
        return f"All {len(checks)} check{'s' if len(checks) > 1 else ''} passed. Headline: {part(checks[:1])}."
    pieces = []
    if failed:
        pieces.append(f"The data contradict {'the claim' if not held else 'part of the claim'}: {part(failed)}.")
    if held:
        pieces.append(f"Held: {part(held)}.")
    if open_:
        pieces.append(f"Not settled (the interval straddles the threshold): {part(open_)}.")
    return " ".join(pieces)
