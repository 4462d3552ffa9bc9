"""Checks, measurements and verdicts.

A `Check` is a measured value, a comparator and a threshold written before the result
is known. An exact check (a count, an identity, a certificate) passes or fails on its
value. A check on a random quantity carries a 95% interval over seeds and passes only
when the whole interval lies on the passing side, fails when the whole interval lies on
the failing side, and is inconclusive otherwise.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
}
OUTCOMES = ("pass", "fail", "inconclusive")
VERDICTS = ("reproduced", "not reproduced", "inconclusive")


@dataclass
class Check:
    """One pre-registered test of a claim.

    ``value`` is compared with ``threshold`` by ``comparator``. ``ci_low``/``ci_high``
    (both or neither) make it a check on a random quantity. ``theory`` is the value a
    theory predicts, shown beside the measurement; ``reference`` a published number.
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

    def __post_init__(self) -> None:
        if self.comparator not in COMPARATORS:
            raise ValueError(f"unknown comparator {self.comparator!r}; valid: {', '.join(COMPARATORS)}")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError(f"check {self.check!r}: give both ends of the interval or neither")
        self.value = float(self.value)
        self.threshold = float(self.threshold)

    @property
    def random(self) -> bool:
        return self.ci_low is not None

    @property
    def outcome(self) -> str:
        ok = COMPARATORS[self.comparator]
        if self.random:
            ends = [ok(v, self.threshold) for v in (self.ci_low, self.ci_high) if not math.isnan(v)]
            if len(ends) < 2:
                return "inconclusive"
            return "pass" if all(ends) else "fail" if not any(ends) else "inconclusive"
        if math.isnan(self.value):
            return "inconclusive"
        return "pass" if ok(self.value, self.threshold) else "fail"

    @property
    def passed(self) -> bool | None:
        return {"pass": True, "fail": False}.get(self.outcome)

    def row(self) -> dict:
        return {**asdict(self), "passed": self.passed, "outcome": self.outcome}


@dataclass
class Measurement:
    """A number worth reporting beside the checks that does not decide the verdict
    (a per-layer factor, an accuracy, a probability at one grid point)."""

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

    def row(self) -> dict:
        return asdict(self)


def verdict(outcomes: Sequence[str]) -> str:
    """Reproduced if every check passes, not reproduced if any fails, else inconclusive."""
    if not outcomes:
        return "inconclusive"
    if any(o == "fail" for o in outcomes):
        return "not reproduced"
    if all(o == "pass" for o in outcomes):
        return "reproduced"
    return "inconclusive"
