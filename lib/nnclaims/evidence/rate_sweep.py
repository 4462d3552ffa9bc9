"""Rule 5's sweep in one computation: every rate of the grid on every exploration seed.

Each (rate, seed) pair is one network of a single batched training run, so a grid of
seven rates on four seeds costs one run of 28 networks rather than 28 runs. The caller
trains (it knows the network and the schedule); this module lays out the pairs, names
each network's rate in the records and picks the rate.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .analysis import best_rate


def sweep_rates(fit: Callable[[list[int], list[float]], Any], seeds: Sequence[int], rates: Sequence[float],
                **constant: object) -> tuple[list[dict], float]:
    """Train every rate on every seed as one run, ``fit(seeds, rates)`` with one entry per
    network (rate-major: all seeds at the first rate, then the next); return its tidy
    loss records, with each network's rate as ``lr`` and the ``constant`` columns, and the
    rate with the lowest median final loss (`nnclaims.evidence.analysis.best_rate`)."""
    import pandas as pd

    per_seed = [s for _ in rates for s in seeds]
    per_rate = [r for r in rates for _ in seeds]
    records = fit(per_seed, per_rate).tidy(["loss"], per_network={"lr": per_rate}, **constant)
    return records, best_rate(pd.DataFrame(records))
