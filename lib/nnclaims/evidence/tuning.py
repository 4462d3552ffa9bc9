"""Protocol 3, rule 13 (with amendment P3-4): a tuned value on its grid's edge extends the grid.

Rule 5 picks the learning rate with the lowest median final loss over the exploration
seeds. A rate picked at the grid's edge says only that the best rate may lie beyond it,
and a grid on which no rate trains says nothing at all (its "best" rate is noise). So:
- the chosen rate at the top (bottom) edge adds two more half-decade steps above (below),
  e.g. 1 -> 3, 10 and 0.001 -> 0.0003, 0.0001 (the 1-3-10 spacing of every grid here);
- when no rate of the grid trains (in at least half its exploration seeds, rule 12's
  criterion), the grid is extended upwards the same way (P3-4);
- at most twice; a rate still on the edge then is flagged on the page.

The loop asks the caller to train: ``evaluate(rates)`` returns the per-seed finals for
those rates only, so the rates already run are never run again. A dropout probability
has a fixed grid and never comes here (P3-4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .analysis import best_rate, last_step
from .learning import arm_learned

EXTRA_STEPS = 2       # rule 13: "by two more steps"
MAX_EXTENSIONS = 2    # rule 13: "at most twice"


def half_decade_steps(value: float, n: int, up: bool) -> list[float]:
    """The next ``n`` values of the 1-3-10 sequence beyond ``value`` (above when ``up``):
    3 and 10 above 1; 0.0003 and 0.0001 below 0.001. A value off the sequence moves to
    the first sequence value beyond it."""
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"a learning rate must be positive and finite, got {value!r}")
    ladder = []
    k = math.floor(math.log10(value)) - n - 1
    while len(ladder) < 4 * n + 8:
        ladder += [10.0 ** k, 3 * 10.0 ** k]
        k += 1
    # Round to 12 significant digits so that 3 * 10**-4 compares equal to 0.0003.
    ladder = sorted({float(f"{v:.12g}") for v in ladder})
    rel = 1e-9 * value  # a grid value equal to a ladder value up to its decimal rounding
    beyond = [v for v in ladder if v > value + rel] if up else [v for v in reversed(ladder) if v < value - rel]
    return beyond[:n]


@dataclass
class Tuning:
    """A tuned rate, the grid it was finally chosen on, and how it got there."""

    chosen: float
    grid: list[float]
    extensions: list[list[float]] = field(default_factory=list)
    on_edge: bool = False           # still at the final grid's edge: flagged on the page
    none_trained: bool = False      # no rate of the final grid trained (P3-4)

    def note(self, arm: str) -> str:
        """One sentence for the claim page: the final grid, the choice and any extension."""
        grid = ", ".join(f"{r:g}" for r in self.grid)
        text = f"{arm}: rate {self.chosen:g} chosen on the grid {{{grid}}}"
        if self.extensions:
            added = "; then ".join(", ".join(f"{r:g}" for r in ext) for ext in self.extensions)
            text += f" (extended by rule 13: {added})"
        if self.on_edge:
            text += "; still on the grid's edge after two extensions"
        if self.none_trained:
            text += "; no rate trained"
        return text


def _extension(grid: Sequence[float], chosen: float, some_rate_learns: bool) -> list[float]:
    """The rates rules 13 and P3-4 add: beyond the edge the choice sits on, and above the
    grid when no rate learns (both, when both hold); none when neither holds."""
    lo, hi = min(grid), max(grid)
    extra = []
    if chosen <= lo:
        extra += half_decade_steps(lo, EXTRA_STEPS, up=False)
    if chosen >= hi or not some_rate_learns:
        extra += half_decade_steps(hi, EXTRA_STEPS, up=True)
    return sorted(extra)


def rates_that_learn(frame: pd.DataFrame, learned: Callable[[pd.DataFrame], Sequence[bool]],
                     rate: str = "lr") -> list[float]:
    """The rates at which the arm learned in at least half the exploration seeds (rule 12's
    criterion, so that one lucky seed does not count as a rate that trains)."""
    finals = last_step(frame, within=[rate]) if "step" in frame else frame
    flags = np.asarray(learned(finals), dtype=bool)
    return sorted(float(r) for r, f in pd.Series(flags, index=finals.index).groupby(finals[rate]) if arm_learned(f))


def tune(evaluate: Callable[[list[float]], pd.DataFrame], grid: Sequence[float],
         learned: Callable[[pd.DataFrame], Sequence[bool]], value: str = "loss", rate: str = "lr") -> Tuning:
    """Rule 5 with rule 13's extensions.

    ``evaluate(rates)`` trains on the exploration seeds at those rates and returns one row
    per (seed, rate), or per record with a ``step`` column, with ``rate`` and ``value``
    columns; ``learned(rows)`` gives, per final row, whether that run learned (rule 4's
    *trains*, or rule 12's regression criterion).
    """
    rates = sorted({float(r) for r in grid})
    if len(rates) < 2:
        raise ValueError(f"a tuning grid needs at least two rates, got {list(grid)}")
    frame = evaluate(rates)
    extensions: list[list[float]] = []
    while True:
        chosen = best_rate(frame, value=value, rate=rate)
        extra = _extension(rates, chosen, bool(rates_that_learn(frame, learned, rate)))
        if not extra or len(extensions) == MAX_EXTENSIONS:
            break
        extensions.append(extra)
        frame = pd.concat([frame, evaluate(extra)], ignore_index=True)
        rates = sorted(rates + extra)
    none = not rates_that_learn(frame, learned, rate)
    return Tuning(chosen, rates, extensions, on_edge=chosen in (rates[0], rates[-1]), none_trained=none)
