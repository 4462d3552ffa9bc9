"""Intervals and tests over seeds, chosen by the kind of statistic."""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

N_BOOT = 10_000
LEVEL = 0.95


def bootstrap_ci(values: Sequence[float] | np.ndarray, stat: Callable[[np.ndarray], np.ndarray] | None = None,
                 level: float = LEVEL, n_boot: int = N_BOOT, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic over independent units (seeds).

    ``values`` has the seeds on axis 0 (further axes, e.g. layers or grid points, are
    resampled together with their seed). ``stat`` maps the resampled array, shape
    ``(n_boot, n_seeds, ...)``, to ``(n_boot,)``; the default is the mean of 1-D values.
    Seeded, so the same values always give the same interval.
    """
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        raise ValueError(f"a bootstrap interval needs at least two seeds, got {x.shape}")
    if stat is None:
        if x.ndim != 1:
            raise ValueError("give a statistic for multi-dimensional values")
        stat = lambda r: r.mean(axis=1)  # noqa: E731
    rng = np.random.default_rng(seed)
    resampled = stat(x[rng.integers(0, len(x), size=(n_boot, len(x)))])
    lo, hi = np.quantile(resampled, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def proportion_ci(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for a success rate.

    Used for 0/1 outcomes instead of the bootstrap, whose interval collapses to a point
    when every seed succeeds (or none does), overstating certainty.
    """
    if n < 1:
        raise ValueError("a proportion needs at least one trial")
    z = _normal_quantile((1 + level) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_ci(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> tuple[float, float]:
    """Interval for p1 - p2 from two independent success counts (Newcombe's hybrid Wilson)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = proportion_ci(k1, n1, level)
    l2, u2 = proportion_ci(k2, n2, level)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _normal_quantile(q: float) -> float:
    from statistics import NormalDist
    return NormalDist().inv_cdf(q)


def group_ci(frame, by: str | list[str], value: str, seed: int = 0, n_boot: int = 2000):
    """Mean and 95% bootstrap interval of ``value`` over the rows (seeds) of each group,
    for drawing bands (2,000 resamples: figures have many groups; checks use 10,000).

    Non-finite values (diverged runs) are left out and counted in ``n_dropped``; a group
    with fewer than two finite values gets a NaN interval.
    """
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        v = group[value].to_numpy(dtype=float)
        finite = v[np.isfinite(v)]
        lo, hi = bootstrap_ci(finite, seed=seed, n_boot=n_boot) if len(finite) > 1 else (np.nan, np.nan)
        rows.append({**dict(zip(keys, key)), "mean": finite.mean() if len(finite) else np.nan,
                     "low": lo, "high": hi, "n": len(finite), "n_dropped": len(v) - len(finite)})
    return pd.DataFrame(rows)
