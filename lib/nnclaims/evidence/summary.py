"""From tables to checks, controls and verdicts.

Every check is run on its controls too: on the positive control it must pass, on the
negative control (the claim false by construction) it must fail. A check whose negative
control passes or is inconclusive, or whose positive control fails or is inconclusive,
has not shown that it can tell a true claim from a false one and becomes a measurement,
with the reason (rules 7 and 15).
Each claim then gets its verdict (rule 8) from its `chapter` checks (rule 11; a claim
beyond the chapter from all its checks) and a sentence that names what held and what
failed, with the numbers; `supporting` checks are reported in it as our expectations.
The verdict row's tally counts the checks that decide; two optional hooks of an
experiment fill the rest of the row: ``regimes(tables)`` (claim id -> where its sentence
holds, rule 18) and ``plain_reasons(tables)`` (claim id -> the reason in plain words).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .checks import Check, Measurement, verdict
from .experiment import Claim, Control, Experiment, ExperimentError

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
    kept, demoted = _apply_controls(checks, outcomes)
    measured += [Measurement.from_check(c, note) for c, note in demoted]
    regimes, plain = _phrases(exp, tables, "regimes", ids), _phrases(exp, tables, "plain_reasons", ids)
    rows = []
    for claim in exp.claims:
        mine = [c for c in kept if c.claim == claim.id]
        if not mine and not any(c.claim == claim.id for c in checks):
            raise ExperimentError(f"{exp.name}: claim {claim.id!r} has no checks")
        rows.append(verdict_row(exp.name, claim, mine, [c for c, _ in demoted if c.claim == claim.id],
                                regime=regimes.get(claim.id, ""), plain=plain.get(claim.id, "")))
    summary = {c: {kind: got for kind, _, got in outcomes[c]["runs"]} for c in outcomes}
    return Summary(kept, measured, rows, summary)


def verdict_row(experiment: str, claim: Claim, mine: list[Check], misbehaved: list[Check] = (), regime: str = "",
                plain: str = "") -> dict:
    """One row of verdicts.csv. The tally (``checks_passed`` of ``checks_total``, and
    ``checks_failed``) counts the checks that decide, the claim's `chapter` checks (rule
    11; all of them for a claim beyond the chapter); ``supporting_*`` counts the others,
    shown beside it. ``regime`` is where the sentence holds (rule 18, from the
    experiment's ``regimes`` hook), ``plain`` the reason in plain words (from its
    ``plain_reasons`` hook, or a count of what held and failed)."""
    deciding = decisive(claim, mine)
    chosen = {id(c) for c in deciding}
    support = [c for c in mine if id(c) not in chosen]
    v = verdict([c.outcome for c in deciding])
    return {"claim": claim.id, "title": claim.title, "section": claim.section, "experiment": experiment,
            "verdict": v, "checks_passed": sum(c.outcome == "pass" for c in deciding),
            "checks_total": len(deciding), "checks_failed": sum(c.outcome == "fail" for c in deciding),
            "reason": reason(v, mine, beyond=claim.beyond_chapter, misbehaved=list(misbehaved)),
            "supporting_passed": sum(c.outcome == "pass" for c in support), "supporting_total": len(support),
            "beyond_chapter": bool(claim.beyond_chapter), "regime": regime,
            "plain": plain or plain_reason(deciding, support, beyond=claim.beyond_chapter)}


def _phrases(exp: Experiment, tables: dict, hook: str, ids: set[str]) -> dict[str, str]:
    """An experiment's optional per-claim phrases (``regimes``: where each sentence holds,
    computed from the sweep by `nnclaims.evidence.regimes`; ``plain_reasons``: the reason a
    student reads first), checked to name claims of the experiment."""
    fn = getattr(exp.module, hook, None)
    if fn is None:
        return {}
    got = fn(tables)
    if not isinstance(got, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in got.items()):
        raise ExperimentError(f"{exp.name}: {hook}() must return a dict of claim id -> sentence")
    unknown = sorted(set(got) - ids)
    if unknown:
        raise ExperimentError(f"{exp.name}: {hook}() names claim {unknown[0]!r}, which is not in CLAIMS "
                              f"({', '.join(sorted(ids))})")
    return {k: v.strip() for k, v in got.items()}


def plain_reason(deciding: list[Check], support: list[Check] = (), beyond: bool = False) -> str:
    """The verdict in plain words, without intervals or the checks' own descriptions (the
    detail beside it shows them): how many of the checks that decide held, how many
    failed and how many could not be decided, or that there are supporting checks when
    none decides (their count is shown beside the verdict). ``beyond``: a claim beyond
    the chapter, whose checks are not the chapter's words."""
    if not deciding:
        return ("No check tests the chapter's own words" if support else "No check could decide") + "."
    held = sum(c.outcome == "pass" for c in deciding)
    n, of = len(deciding), "" if beyond else " of the chapter's words"
    text = (f"The check{of} held" if n == held == 1 else f"All {n} checks{of} held" if n == held else
            f"{held} of {n} check{'s' if n > 1 else ''}{of} held")
    # rule 12's reason without its detail: "no arm learned", not the per-arm seed counts
    why = sorted({c.undecided.split(" (")[0] for c in deciding if c.undecided})
    counts = [(sum(c.outcome == "fail" for c in deciding), "failed"),
              (sum(bool(c.undecided) for c in deciding), "not decided" + (f" ({'; '.join(why)})" if why else "")),
              (sum(c.outcome == "inconclusive" and not c.undecided for c in deciding), "not settled")]
    parts = [f"{k} {word}" for k, word in counts if k]
    return text + (f": {', '.join(parts)}" if parts else "") + "."


def _apply_controls(checks: list[Check], outcomes: dict) -> tuple[list[Check], list[tuple[Check, str]]]:
    """The checks that stay checks, and those that become measurements with the reason.

    Rules 7 and 15: a check that passes a negative control (the claim false by
    construction) cannot tell a true claim from a false one; one that fails a positive
    control (the claim true by construction) has a bug; and one whose control is
    inconclusive has not shown either way that it can. Each becomes a measurement. A
    check that rule 12 has already closed ("no arm learned") stays an inconclusive check
    whatever its controls give: their outcome reads the same untrained networks, and the
    page must say that nothing learned."""
    kept, demoted = [], []
    for check in checks:
        bad = [f"{kind} control ({why}) gave {got}" for kind, why, got in outcomes[check.check]["runs"]
               if got != ("pass" if kind == "positive" else "fail")]
        if bad and not check.undecided:
            demoted.append((check, "not a check: its " + "; its ".join(bad) +
                            ", so it cannot tell a true claim from a false one"))
        else:
            kept.append(check)
    return kept, demoted


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


def decisive(claim: Claim, checks: list[Check]) -> list[Check]:
    """Rule 11: the checks that decide a claim's verdict, its `chapter` checks; a claim
    that is not the chapter's (``beyond_chapter``) is decided by all of its checks."""
    if claim.beyond_chapter:
        return list(checks)
    return [c for c in checks if c.basis == "chapter"]


def _part(checks: list[Check]) -> str:
    return "; ".join(f"{c.description}: {_number(c)}" for c in checks)


def reason(v: str, checks: list[Check], beyond: bool = False, misbehaved: list[Check] = ()) -> str:
    """The verdict in one sentence: what held and what failed, with the numbers.

    Only a failed `chapter` check "contradicts" the claim (every check that reaches here
    has controls that behaved: rule 15 made the others measurements, and a failed one of
    those reads "failed, but its controls did not behave"); a failed `supporting` check
    is our expectation that did not hold (rule 11)."""
    failed_demoted = [c for c in misbehaved if c.outcome == "fail" and (beyond or c.basis == "chapter")]
    tail = (f" Failed, but its controls did not behave (a measurement now): {_part(failed_demoted)}."
            if failed_demoted else "")
    if not checks:
        return ("No check could decide: every check's controls showed it cannot tell a true claim from a "
                "false one." + tail)
    chapter = checks if beyond else [c for c in checks if c.basis == "chapter"]
    support = [c for c in checks if all(c is not d for d in chapter)]
    if not chapter:
        return "No check tests the chapter's own words, so nothing decides the verdict. " + _supporting(support) + tail
    pieces = [_deciding(v, chapter)]
    if support:
        pieces.append(_supporting(support))
    return " ".join(p for p in pieces if p) + tail


def _deciding(v: str, checks: list[Check]) -> str:
    held = [c for c in checks if c.outcome == "pass"]
    failed = [c for c in checks if c.outcome == "fail"]
    undecided = [c for c in checks if c.undecided]
    open_ = [c for c in checks if c.outcome == "inconclusive" and not c.undecided]
    if v == "reproduced":
        return f"All {len(checks)} check{'s' if len(checks) > 1 else ''} passed. Headline: {_part(checks[:1])}."
    pieces = []
    if failed:
        pieces.append(f"The data contradict {'the claim' if not held else 'part of the claim'}: {_part(failed)}.")
    if held:
        pieces.append(f"Held: {_part(held)}.")
    if undecided:
        pieces.append("Not decided: " + "; ".join(f"{c.description}: {c.undecided}" for c in undecided) + ".")
    if open_:
        pieces.append(f"Not settled (the interval straddles the threshold): {_part(open_)}.")
    return " ".join(pieces)


def _supporting(checks: list[Check]) -> str:
    """Supporting checks, which never decide: what held, and our expectations that did not."""
    held = [c for c in checks if c.outcome == "pass"]
    failed = [c for c in checks if c.outcome == "fail"]
    pieces = []
    if held:
        pieces.append(f"Supporting, held: {_part(held)}.")
    if failed:
        pieces.append(f"Supporting: our expectation {_part(failed)} did not hold.")
    return " ".join(pieces)
