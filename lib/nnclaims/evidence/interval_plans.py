"""Rule 6 for a statistic whose interval comes from counts, not from a mean over seeds.

`required_seeds` plans from a pilot's mean and spread; a logistic slope or a difference of
two proportions has no such spread, but its interval's half-width falls as 1/sqrt(n) in the
number of independent units (random networks, say). `plan_from_interval` asks for enough
units that the half-width is at most a third of the distance from the estimate to 0.
"""

from __future__ import annotations

import math

from .stats import SeedPlan


def plan_from_interval(name: str, estimate: float, half: float, n_pilot: int, unit: str,
                       minimum: int, maximum: int) -> SeedPlan:
    """Units needed so that the interval's half-width (``half`` over ``n_pilot`` units in
    the pilot) is at most a third of ``|estimate|``, clipped to ``minimum..maximum``; a
    zero estimate or an infinite half-width needs more than ``maximum``."""
    distance = abs(estimate)
    target = distance / 3
    needed = maximum + 1 if distance == 0 or not math.isfinite(half) else max(
        1, math.ceil(n_pilot * (half / target) ** 2))
    n = min(max(needed, minimum), maximum)
    return SeedPlan(n, needed, needed > maximum, estimate, None, 0.0, distance, target,
                    f"{name}: the pilot's estimate {estimate:.4g} has an interval half-width {half:.3g} over "
                    f"{n_pilot} {unit}; a half-width of at most {target:.3g} (a third of the distance to 0) needs "
                    f"{needed} {unit}.")
