"""Checks, measurements and verdicts.

A `Check` is a measured value, a comparator and a threshold written before the result
is known. An exact check (a count, an identity, a certificate) passes or fails on its
value. A check on a random quantity carries an interval over seeds and passes only when
the whole interval lies on the passing side, fails when the whole interval lies on the
failing side, and is inconclusive otherwise. The comparator ``within`` is the
equivalence test of "agrees with theory within tol": the interval of the signed gap must
lie inside [-tol, tol] to pass, and fails when it lies wholly outside.

Verdicts (Protocol 2, rule 8): reproduced when every check passes, not reproduced when
none passes and one fails, partly reproduced when at least one passes and one fails,
inconclusive otherwise.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from .stats import Interval

COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
    "within": lambda v, tol: abs(v) <= tol,
}
OUTCOMES = ("pass", "fail", "inconclusive")
VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "inconclusive")
DID_NOT_RUN = "did not run"
BASES = ("chapter", "supporting")


@dataclass
class Check:
    """One pre-registered test of a claim.

    ``value`` is compared with ``threshold`` by ``comparator``. ``ci_low``/``ci_high``
    (both or neither) make it a check on a random quantity; ``method`` names how the
    interval was computed. ``theory`` is the value a theory predicts, shown beside the
    measurement; ``reference`` a published number.
    """

    claim: str
    check: str
    description: str
    value: float
    comparator: str
    threshold: float
    ci_low: float | None = None
    ci_high: float | None = None
    n_seeds: int | None = None
    unit: str = ""
    theory: float | None = None
    reference: str = ""
    method: str = ""
    # Rule 12: why the check cannot decide whatever its interval says (e.g. "no arm
    # learned"); empty for a check that decides.
    undecided: str = ""
    # Rule 11: "chapter" tests one of the claim's sentences as written and decides the
    # verdict; "supporting" (agreement with theory, a mechanism, an add-on of ours) is
    # shown beside it and never decides.
    basis: str = "chapter"

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"unknown comparator {self.comparator!r}; valid: {', '.join(COMPARATORS)}")
        if self.basis not in BASES:
            raise ValueError(f"check {self.check!r}: basis {self.basis!r} is not one of {', '.join(BASES)}")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError(f"check {self.check!r}: give both ends of the interval or neither")
        self.value = float(self.value)
        self.threshold = float(self.threshold)
        if self.ci_low is not None:
            self.ci_low, self.ci_high = float(self.ci_low), float(self.ci_high)
        if not self.method:
            self.method = "exact" if self.ci_low is None else ""

    @classmethod
    def of(cls, claim: str, check: str, description: str, interval: "Interval", comparator: str,
           threshold: float, **kw) -> "Check":
        """A check on a random quantity, from an `nnclaims.evidence.stats.Interval`."""
        return cls(claim, check, description, value=interval.estimate, comparator=comparator, threshold=threshold,
                   ci_low=interval.low, ci_high=interval.high, n_seeds=interval.n,
                   method=f"{interval.method}, {interval.level:.0%}", **kw)

    @property
    def random(self) -> bool:
        return self.ci_low is not None

    @property
    def outcome(self) -> str:
        if self.undecided:
            return "inconclusive"
        if self.random:
            lo, hi = self.ci_low, self.ci_high
            if math.isnan(lo) or math.isnan(hi):
                return "inconclusive"
            if self.comparator == "within":
                tol = self.threshold
                return "pass" if -tol <= lo and hi <= tol else "fail" if lo > tol or hi < -tol else "inconclusive"
            ok = COMPARATORS[self.comparator]
            ends = [ok(lo, self.threshold), ok(hi, self.threshold)]
            return "pass" if all(ends) else "fail" if not any(ends) else "inconclusive"
        if math.isnan(self.value):
            return "inconclusive"
        return "pass" if COMPARATORS[self.comparator](self.value, self.threshold) else "fail"

    @property
    def passed(self) -> bool | None:
        return {"pass": True, "fail": False}.get(self.outcome)

    @property
    def fragile(self) -> bool:
        """Whether a threshold lies within one half-width of the interval's nearer end: a
        modest change of the data could move the outcome."""
        if not self.random or math.isnan(self.ci_low) or math.isnan(self.ci_high):
            return False
        half = (self.ci_high - self.ci_low) / 2
        edges = [-self.threshold, self.threshold] if self.comparator == "within" else [self.threshold]
        return any(min(abs(self.ci_low - t), abs(self.ci_high - t)) < half for t in edges)

    def row(self) -> dict:
        return {**asdict(self), "passed": self.passed, "outcome": self.outcome, "fragile": self.fragile}


@dataclass
class Measurement:
    """A number worth reporting beside the checks that does not decide the verdict
    (a per-layer factor, an accuracy, a probability at one grid point), or a check
    demoted because its controls showed it cannot decide (``note`` says why)."""

    claim: str
    name: str
    description: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    n_seeds: int | None = None
    unit: str = ""
    theory: float | None = None
    reference: str = ""
    method: str = ""
    note: str = ""
    # Rule 11: a check demoted by its controls keeps its tag ("chapter" or "supporting"),
    # so the page can still say which sentence it was meant to test; empty for a number
    # that never was a check.
    basis: str = ""

    def __post_init__(self) -> None:
        if self.basis and self.basis not in BASES:
            raise ValueError(f"measurement {self.name!r}: basis {self.basis!r} is not one of {', '.join(BASES)}")

    @classmethod
    def of(cls, claim: str, name: str, description: str, interval: "Interval", **kw) -> "Measurement":
        return cls(claim, name, description, value=interval.estimate, ci_low=interval.low, ci_high=interval.high,
                   n_seeds=interval.n, method=f"{interval.method}, {interval.level:.0%}", **kw)

    @classmethod
    def from_check(cls, check: Check, note: str) -> "Measurement":
        return cls(check.claim, check.check, check.description, check.value, check.ci_low, check.ci_high,
                   check.n_seeds, check.unit, check.theory, check.reference, check.method, note, basis=check.basis)

    def row(self) -> dict:
        return asdict(self)


def verdict(outcomes: Sequence[str]) -> str:
    """Rule 8: all pass -> reproduced; some pass and some fail -> partly reproduced; none
    passes and some fail -> not reproduced; otherwise (or no checks) inconclusive."""
    passed = sum(o == "pass" for o in outcomes)
    failed = sum(o == "fail" for o in outcomes)
    if outcomes and passed == len(outcomes):
        return "reproduced"
    if passed and failed:
        return "partly reproduced"
    if failed:
        return "not reproduced"
    return "inconclusive"
