"""Intervals and tests over seeds, chosen by the kind of statistic.

The rules are pre-registered, so that the choice of interval cannot follow the result:

* A mean over seeds gets a Student-t interval, or a BCa bootstrap when the values are far
  from normal; a difference between two arms is paired by seed. A percentile bootstrap
  of a maximum, a minimum or an absolute value is never used: those statistics are not
  smooth and their bootstrap distributions are biased in a way the percentiles hide.
* "Agrees with theory within tol" is an equivalence test (TOST at 5%, i.e. a two-sided
  90% interval of the *signed* gap inside ``[-tol, tol]``), corrected over all cells of
  the check so that the agreement claimed for the whole grid holds at that level.
* Proportions get Wilson intervals, a difference of two independent proportions
  Newcombe's hybrid score interval.
* Trends are the slope of a fit (logistic for 0/1 outcomes) with its interval.
* The number of confirmatory seeds follows from an exploration block (`required_seeds`).
* "Trains" and "stalls" are judged against chance (`training_outcome`).

Every interval is returned as an `Interval` that records its method and the number of
independent units behind it, so a report can say how each number was obtained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Callable, Sequence

import numpy as np

from .normality import shapiro_wilk

N_BOOT = 10_000
LEVEL = 0.95

ArrayLike = Sequence[float] | np.ndarray

#: Below this many seeds a normality test has no power, so "auto" keeps the t interval.
_AUTO_MIN_N = 8
#: Shapiro-Wilk p-value under which values count as "far from normal" for "auto".
_AUTO_SHAPIRO_P = 0.01
#: Resampled elements per chunk in the bootstraps: small enough to stay in cache (and
#: below OpenBLAS's threading threshold), fixed so that results stay seeded.
_CHUNK = 1 << 15
#: Slack on the chance thresholds of `training_outcome`, so that a value computed to lie
#: exactly on a boundary is not pushed off it by rounding.
_BOUNDARY_EPS = 1e-12


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Interval:
    """An estimate with a two-sided interval, the method that produced it and the number
    of independent units (seeds, networks, trials) it rests on, so a report can show all
    three without knowing which function made it."""

    estimate: float
    low: float
    high: float
    method: str
    n: int
    level: float = LEVEL
    se: float | None = None  # the standard error, where the method has one (for planning seeds)

    @property
    def half_width(self) -> float:
        """Half the width: the precision that `required_seeds` plans for."""
        return (self.high - self.low) / 2


@dataclass(frozen=True, eq=False)
class Equivalence:
    """Outcome of an equivalence check over cells, with each cell's simultaneous interval.

    ``level`` is the per-test level before correction (0.90 for TOST at 5%); the intervals
    hold simultaneously over all cells at that level. ``worst`` is the cell that decides
    (or best illustrates) the outcome: the cell farthest wholly outside ``[-tol, tol]`` if
    any is, else the cell whose interval reaches furthest from zero.
    (``eq=False``: the fields are arrays, which have no single truth value.)
    """

    estimates: np.ndarray
    lows: np.ndarray
    highs: np.ndarray
    tol: float
    level: float
    method: str
    n: int
    outcome: str
    worst: int

    def interval(self) -> Interval:
        """The worst cell as an `Interval`, for a one-line report of the check.

        Its ``level`` is the simultaneous level of the whole check.
        """
        i = self.worst
        return Interval(float(self.estimates[i]), float(self.lows[i]), float(self.highs[i]),
                        self.method, self.n, self.level)


@dataclass(frozen=True)
class Fit:
    """Intercept and slope of a fitted trend, each with its interval."""

    intercept: Interval
    slope: Interval


@dataclass(frozen=True)
class SeedPlan:
    """How many confirmatory seeds to run, and why, in numbers a reader can recheck."""

    n: int
    needed: int
    capped: bool
    estimate: float
    sd: float | None
    threshold: float
    distance: float
    target_half_width: float
    explanation: str


# ---------------------------------------------------------------------------------------
# Helpers


def _z(level: float) -> float:
    """Two-sided normal critical value."""
    return NormalDist().inv_cdf((1 + level) / 2)


def _t(level: float, df: float) -> float:
    """Two-sided Student-t critical value; exact for few degrees of freedom (12.71 at one),
    where a normal approximation would make intervals far too narrow."""
    from scipy import special  # here, not at the top: every pipeline job imports this module, few need scipy

    return float(special.stdtrit(df, (1 + level) / 2))


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")


def _finite_1d(values: ArrayLike, what: str = "values", min_n: int = 2) -> np.ndarray:
    """1-D float array with every value finite; a diverged seed must be dealt with by the
    caller (dropped and reported, or counted as a stall), never silently averaged."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {x.shape}")
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        raise ValueError(f"{bad} of {len(x)} {what} are not finite (NaN or inf); "
                         "drop or count them explicitly before computing an interval")
    if len(x) < min_n:
        raise ValueError(f"an interval needs at least {min_n} {what}, got {len(x)}")
    return x


def _wilson_bounds(k, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized Wilson score bounds, exactly 0 at k = 0 and exactly 1 at k = n."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p), 0) / n + z2 / (4 * n * n)) / denom
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def _check_counts(successes, n) -> None:
    if np.any(np.asarray(n) < 1):
        raise ValueError("a proportion needs at least one trial")
    if np.any(np.asarray(successes) < 0) or np.any(np.asarray(successes) > np.asarray(n)):
        raise ValueError(f"successes must lie in [0, trials], got {successes} of {n}")


# ---------------------------------------------------------------------------------------
# Means over seeds


def mean_ci(values: ArrayLike, level: float = LEVEL, method: str = "auto", n_boot: int = N_BOOT,
            seed: int = 0) -> Interval:
    """Interval for the mean over independent seeds.

    The t interval is exact for normal values and robust for mildly non-normal ones; the
    BCa bootstrap corrects the skew a t interval ignores. ``"auto"`` switches to BCa only
    when the values are clearly not normal (n >= 8 and Shapiro-Wilk p < 0.01), so the
    choice is fixed in advance rather than made by looking at which interval passes.
    Identical values give the degenerate interval [v, v] (method "t").
    """
    _check_level(level)
    if method not in ("auto", "t", "bca"):
        raise ValueError(f"unknown method {method!r}; valid: 'auto', 't', 'bca'")
    x = _finite_1d(values)
    n = len(x)
    m = float(x.mean())
    if np.ptp(x) == 0:
        return Interval(float(x[0]), float(x[0]), float(x[0]), "t", n, level)
    if method == "auto":
        method = "bca" if n >= _AUTO_MIN_N and _shapiro_p(x) < _AUTO_SHAPIRO_P else "t"
    if method == "bca":
        return bca_ci(x, level=level, n_boot=n_boot, seed=seed)
    half = _t(level, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(m, m - half, m + half, "t", n, level)


def _shapiro_p(x: np.ndarray) -> float:
    # Our own W test: scipy.stats would cost each job that calls this ~0.5-0.8 s of import.
    return shapiro_wilk(x)[1]


def paired_ci(a: ArrayLike, b: ArrayLike, level: float = LEVEL, method: str = "auto") -> Interval:
    """Interval for the mean of ``a - b`` with seeds aligned by position.

    Pairing removes what the two arms share through the seed (the same initialization,
    the same data order), which is usually most of the variance of a difference.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"paired values need two 1-D arrays of the same length, got {a.shape} and {b.shape}")
    bad = int(np.count_nonzero(~(np.isfinite(a) & np.isfinite(b))))
    if bad:
        raise ValueError(f"{bad} of {len(a)} pairs have a non-finite value; "
                         "drop or count them explicitly before computing an interval")
    return mean_ci(a - b, level=level, method=method)


def bca_ci(values: ArrayLike, stat: Callable[[np.ndarray], np.ndarray] | None = None, level: float = LEVEL,
           n_boot: int = N_BOOT, seed: int = 0) -> Interval:
    """Bias-corrected and accelerated bootstrap interval of a smooth statistic.

    BCa corrects the median bias and the skew of the bootstrap distribution that make a
    percentile interval miss on one side; it is second-order accurate for smooth
    statistics only (means, variances, ratios of means, not maxima or minima).

    ``stat`` maps a stack of samples, shape ``(m, n)``, to ``(m,)``: it is called on the
    resamples ``(n_boot, n)``, on the data ``(1, n)`` and on the jackknife samples
    ``(n, n - 1)``. The default is the mean. Seeded, so the same values give the same
    interval. The bias correction counts resamples equal to the estimate as half below.
    If every resample lies strictly on one side of the estimate the bias correction is
    infinite and BCa is undefined (the statistic is not smooth, or its bootstrap is badly
    biased): that raises ValueError rather than returning an interval collapsed onto the
    most extreme resample, which would overstate certainty.
    """
    _check_level(level)
    x = _finite_1d(values)
    n = len(x)
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    if stat is None:
        stat = lambda r: r.mean(axis=1)  # noqa: E731
    theta = float(np.asarray(stat(x[None, :]), dtype=float).reshape(-1)[0])
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK // n)
    boot = np.concatenate([
        np.asarray(stat(x[rng.integers(0, n, size=(min(per_chunk, n_boot - start), n))]), dtype=float).reshape(-1)
        for start in range(0, n_boot, per_chunk)])
    if not np.all(np.isfinite(boot)) or not math.isfinite(theta):
        raise ValueError("the statistic is not finite on the data or on some resamples")
    if np.all(boot == theta):
        return Interval(theta, theta, theta, "bca", n, level)

    # Bias correction: the normal quantile of the share of resamples below the estimate.
    share = (np.count_nonzero(boot < theta) + 0.5 * np.count_nonzero(boot == theta)) / n_boot
    if share in (0.0, 1.0):
        raise ValueError(f"all {n_boot} bootstrap values lie {'above' if share == 0 else 'below'} the estimate "
                         f"{theta:.6g}: the bias correction is infinite, so BCa is undefined for this statistic")
    z0 = NormalDist().inv_cdf(share)

    # Acceleration from the jackknife (leave-one-seed-out) values of the statistic.
    loo = np.broadcast_to(x, (n, n))[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    jack = np.asarray(stat(loo), dtype=float).reshape(-1)
    d = jack.mean() - jack
    ss = float(np.sum(d * d))
    accel = float(np.sum(d ** 3)) / (6 * ss ** 1.5) if ss > 0 else 0.0

    quantiles = []
    for alpha, extreme in (((1 - level) / 2, 0.0), ((1 + level) / 2, 1.0)):
        zz = z0 + NormalDist().inv_cdf(alpha)
        denom = 1 - accel * zz
        # Past the pole of the BCa map the adjusted level runs to the end of the
        # bootstrap distribution.
        quantiles.append(NormalDist().cdf(z0 + zz / denom) if denom > 0 else extreme)
    low, high = np.quantile(boot, quantiles)
    return Interval(theta, float(low), float(high), "bca", n, level)


# ---------------------------------------------------------------------------------------
# Proportions


def wilson(successes: int, n: int, level: float = LEVEL) -> Interval:
    """Wilson score interval for a success rate.

    Unlike the Wald interval it does not collapse to a point when every seed succeeds
    (or none does), and its coverage stays near nominal for small n.
    """
    _check_level(level)
    _check_counts(successes, n)
    low, high = _wilson_bounds(successes, n, _z(level))
    return Interval(float(successes / n), float(low), float(high), "wilson", int(n), level)


def newcombe(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> Interval:
    """Newcombe's hybrid score interval for ``p1 - p2`` from two independent samples
    (his method 10): it combines the two Wilson intervals and keeps good coverage where
    the Wald difference interval fails (rates near 0 or 1, small samples)."""
    _check_level(level)
    _check_counts(k1, n1)
    _check_counts(k2, n2)
    z = _z(level)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (float(v) for v in _wilson_bounds(k1, n1, z))
    l2, u2 = (float(v) for v in _wilson_bounds(k2, n2, z))
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(float(d), float(low), float(high), "newcombe", int(n1 + n2), level)


# ---------------------------------------------------------------------------------------
# Agreement with theory: equivalence


def _outcome(lows: np.ndarray, highs: np.ndarray, tol: float) -> tuple[str, int]:
    """Pass if every interval lies inside [-tol, tol]; fail if some interval lies wholly
    outside; inconclusive otherwise. Also the index of the representative cell."""
    beyond = np.maximum(lows - tol, -tol - highs)  # > 0: wholly outside, by this much
    if np.any(beyond > 0):
        return "fail", int(np.argmax(beyond))
    worst = int(np.argmax(np.maximum(np.abs(lows), np.abs(highs))))
    if np.all((lows >= -tol) & (highs <= tol)):
        return "pass", worst
    return "inconclusive", worst


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def _check_tol(tol: float) -> float:
    tol = float(tol)
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be finite and non-negative, got {tol}")
    return tol


def equivalence(gaps: ArrayLike, tol: float, level: float = 0.90, correction: str = "bonferroni",
                n_boot: int = N_BOOT, seed: int = 0) -> Equivalence:
    """Does a measurement agree with theory within ``tol`` in every cell of a check?

    ``gaps`` holds the signed gap (measured minus predicted), seeds on rows and cells on
    columns (1-D: one cell). Each cell gets an interval of its mean gap that holds
    simultaneously over all cells at ``level``; the check passes when every interval lies
    inside ``[-tol, tol]`` (TOST at (1 - level) / 2 per side), fails when some interval lies
    wholly outside, and is inconclusive otherwise. The gap is signed because an absolute
    gap is biased away from zero and would make agreement harder to show the noisier it is.

    ``"bonferroni"``: each cell's t interval at ``1 - (1 - level) / n_cells``; valid for any
    dependence between cells, conservative when they are correlated.
    ``"max-t"``: studentized bootstrap over seeds (rows resampled together, so the
    dependence between cells is kept); the critical value is the ``level`` quantile of
    ``max_j |t*_j|``. Exact-level rather than conservative, but it needs enough seeds
    (about 30) for the bootstrap of the maximum to be accurate.
    """
    _check_level(level)
    tol = _check_tol(tol)
    g = np.asarray(gaps, dtype=float)
    if g.ndim == 1:
        g = g[:, None]
    if g.ndim != 2:
        raise ValueError(f"gaps must be (n_seeds, n_cells), got shape {g.shape}")
    bad = int(np.count_nonzero(~np.isfinite(g)))
    if bad:
        raise ValueError(f"{bad} of {g.size} gaps are not finite (NaN or inf); "
                         "drop or count them explicitly before the equivalence test")
    n, cells = g.shape
    if n < 2 or cells < 1:
        raise ValueError(f"an equivalence test needs at least two seeds and one cell, got shape {g.shape}")
    means = g.mean(axis=0)
    se = g.std(axis=0, ddof=1) / math.sqrt(n)
    if correction == "bonferroni":
        crit = _t(1 - (1 - level) / cells, n - 1)
        method = "bonferroni-t"
    elif correction == "max-t":
        crit = _max_t_critical(g, level, n_boot, seed)
        method = "max-t"
    else:
        raise ValueError(f"unknown correction {correction!r}; valid: 'bonferroni', 'max-t'")
    # A constant cell has se = 0: its interval is the point, even if the critical value is
    # infinite (max-t with very few seeds), where crit * se would be NaN.
    with np.errstate(invalid="ignore"):
        half = np.where(se == 0, 0.0, crit * se)
    lows, highs = means - half, means + half
    outcome, worst = _outcome(lows, highs, tol)
    return Equivalence(_readonly(means), _readonly(lows), _readonly(highs), tol, level, method, n, outcome, worst)


def _max_t_critical(g: np.ndarray, level: float, n_boot: int, seed: int) -> float:
    """``level`` quantile of max over cells of |studentized bootstrap mean|.

    Resamples are drawn as counts per seed (multinomial weights), so the cost is a matrix
    product rather than a copy of the data per resample. Data are centred per cell first,
    which keeps the one-pass variance free of cancellation.
    """
    if n_boot < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    n, cells = g.shape
    c = g - g.mean(axis=0)
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK // n)
    maxima = []
    for start in range(0, n_boot, per_chunk):
        m = min(per_chunk, n_boot - start)
        idx = rng.integers(0, n, size=(m, n))
        idx += np.arange(0, m * n, n)[:, None]  # row r counts into slots r*n .. r*n + n - 1
        counts = np.bincount(idx.ravel(), minlength=m * n).reshape(m, n).astype(float)
        mean = counts @ c / n
        var = np.maximum(counts @ (c * c) / n - mean * mean, 0.0) * (n / (n - 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(mean) / np.sqrt(var / n)
        # 0/0 (a constant cell, or a resample of one repeated value at the mean) is no
        # deviation; x/0 with x > 0 is an unbounded one, kept as inf.
        t = np.where(np.isnan(t), 0.0, t)
        maxima.append(t.max(axis=1))
    # inverted_cdf: an order statistic, so an inf among the maxima cannot produce NaN.
    return float(np.quantile(np.concatenate(maxima), level, method="inverted_cdf"))


def equivalence_proportions(successes: ArrayLike, trials: ArrayLike, p_model: ArrayLike, tol: float,
                            level: float = 0.90) -> Equivalence:
    """Equivalence of observed success rates with a model's rates, cell by cell.

    Each cell gets a Wilson interval for its rate at the Bonferroni-corrected level
    ``1 - (1 - level) / n_cells``, shifted by ``p_model``; the gap ``p_hat - p_model`` is
    judged against the absolute tolerance ``tol`` by the same rule as `equivalence`.
    ``n`` is the smallest number of trials in a cell.
    """
    _check_level(level)
    tol = _check_tol(tol)
    k, t, p = np.broadcast_arrays(np.atleast_1d(np.asarray(successes, dtype=float)),
                                  np.atleast_1d(np.asarray(trials, dtype=float)),
                                  np.atleast_1d(np.asarray(p_model, dtype=float)))
    if k.ndim != 1:
        raise ValueError(f"give one success count, trial count and model rate per cell, got shape {k.shape}")
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(t)) and np.all(np.isfinite(p))):
        raise ValueError("successes, trials and model rates must be finite")
    _check_counts(k, t)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("model rates must lie in [0, 1]")
    cells = len(k)
    low, high = _wilson_bounds(k, t, _z(1 - (1 - level) / cells))
    lows, highs = low - p, high - p
    outcome, worst = _outcome(lows, highs, tol)
    return Equivalence(_readonly(k / t - p), _readonly(lows), _readonly(highs), tol, level,
                       "bonferroni-wilson", int(t.min()), outcome, worst)


# ---------------------------------------------------------------------------------------
# Trends


def linear_fit(x: ArrayLike, y: ArrayLike, level: float = LEVEL) -> Fit:
    """Ordinary least squares line with t intervals on n - 2 degrees of freedom.

    The slope is the trend a claim speaks of ("grows with depth"); its interval, not a
    correlation, says whether the data show it.
    """
    _check_level(level)
    x = _finite_1d(x, "x values", min_n=3)
    y = _finite_1d(y, "y values", min_n=3)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    n = len(x)
    xm, ym = x.mean(), y.mean()
    dx = x - xm
    sxx = float(dx @ dx)
    if sxx == 0:
        raise ValueError("x is constant: no slope can be fitted")
    slope = float(dx @ (y - ym)) / sxx
    intercept = float(ym - slope * xm)
    resid = y - intercept - slope * x
    s = math.sqrt(float(resid @ resid) / (n - 2))
    se_slope = s / math.sqrt(sxx)
    se_intercept = s * math.sqrt(1 / n + xm * xm / sxx)
    t = _t(level, n - 2)
    return Fit(Interval(intercept, intercept - t * se_intercept, intercept + t * se_intercept, "ols-t", n, level),
               Interval(slope, slope - t * se_slope, slope + t * se_slope, "ols-t", n, level))


def grouped_linear_fit(x: ArrayLike, y: ArrayLike, level: float = LEVEL) -> Fit:
    """A line through replicated measurements whose noise differs between x values.

    ``x`` takes a few values, each with several independent replicates (seeds). The line
    is fitted to the group means, each weighted by its inverse squared standard error
    (n_g / s_g^2, estimated from its replicates): ordinary least squares would let the
    noisiest group dominate the fit and would misstate its standard errors. Each estimate
    is a linear combination sum_g c_g mean_g; its variance sum_g c_g^2 s_g^2 / n_g and its
    t quantile on Welch-Satterthwaite degrees of freedom, because the variances are
    estimated from few replicates.
    """
    _check_level(level)
    x = _finite_1d(x, "x values", min_n=3)
    y = _finite_1d(y, "y values", min_n=3)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    groups = np.unique(x)
    if len(groups) < 2:
        raise ValueError("x is constant: no slope can be fitted")
    means, var_of_mean, counts = [], [], []
    for g in groups:
        v = y[x == g]
        if len(v) < 2:
            raise ValueError(f"every x value needs at least two replicates, x = {g:g} has {len(v)}")
        var = float(v.var(ddof=1))
        if var <= 0:
            raise ValueError(f"the replicates at x = {g:g} do not vary: their standard error is zero")
        means.append(v.mean())
        var_of_mean.append(var / len(v))
        counts.append(len(v))
    # Weighted least squares written as sums of products of positive weights, so that a
    # group with a tiny variance (a huge weight) cannot cancel the others out in rounding:
    # D = sum_{g<h} w_g w_h (x_g - x_h)^2 and each estimate is coef @ means.
    w, xg = 1 / np.asarray(var_of_mean), groups
    diff = xg[:, None] - xg[None, :]
    D = float(np.sum(np.triu(np.outer(w, w) * diff**2, 1)))
    coef = np.vstack([w * ((w * xg)[None, :] * (-diff)).sum(axis=1) / D,  # intercept: w_g sum_h w_h x_h (x_h - x_g)
                      w * (w[None, :] * diff).sum(axis=1) / D])            # slope: w_g sum_h w_h (x_g - x_h)
    out = []
    for c in coef:
        parts = c**2 * np.asarray(var_of_mean)
        se = math.sqrt(parts.sum())
        df = parts.sum() ** 2 / float(np.sum(parts**2 / (np.asarray(counts) - 1)))
        est = float(c @ np.asarray(means))
        t = _t(level, df)
        out.append(Interval(est, est - t * se, est + t * se, "wls-t", len(x), level, se))
    return Fit(*out)


def logistic_fit(x: ArrayLike, successes: ArrayLike, trials: ArrayLike, level: float = LEVEL) -> Fit:
    """Binomial logistic regression ``logit p = a + b x`` with Firth's bias reduction.

    Firth's penalty (Jeffreys prior, ``log L + 0.5 log det I``) keeps the estimates finite
    under complete separation (e.g. every small net stalls and every large one trains),
    where the plain maximum likelihood slope is infinite, and removes the O(1/n) bias.
    Wald intervals use the inverse Fisher information at the penalized estimate.
    ``n`` is the total number of trials.
    """
    _check_level(level)
    x = _finite_1d(x, "x values", min_n=2)
    k = _finite_1d(successes, "success counts", min_n=2)
    m = _finite_1d(trials, "trial counts", min_n=2)
    if not (x.shape == k.shape == m.shape):
        raise ValueError("x, successes and trials must have the same length")
    if np.any(m < 0) or np.any(k < 0) or np.any(k > m):
        raise ValueError("need 0 <= successes <= trials")
    keep = m > 0
    x, k, m = x[keep], k[keep], m[keep]
    if len(x) == 0 or np.ptp(x) == 0:
        raise ValueError("need trials at two or more distinct x values to fit a slope")
    # Fit on standardized x for conditioning; Firth's estimate is equivariant under this
    # reparametrization (the Jeffreys prior is invariant), so we transform back exactly.
    centre, scale = float(x.mean()), float(x.std())
    design = np.column_stack([np.ones_like(x), (x - centre) / scale])
    beta, cov = _firth(design, k, m)
    jac = np.array([[1.0, -centre / scale], [0.0, 1.0 / scale]])
    beta = jac @ beta
    cov = jac @ cov @ jac.T
    z = _z(level)
    total = int(round(m.sum()))
    out = []
    for j in range(2):
        se = math.sqrt(cov[j, j])
        out.append(Interval(float(beta[j]), float(beta[j] - z * se), float(beta[j] + z * se),
                            "logistic-firth-wald", total, level))
    return Fit(out[0], out[1])


def _firth_objective(design, k, m, beta):
    """Penalized log-likelihood and the pieces Newton's step needs."""
    eta = design @ beta
    from scipy import special

    p = special.expit(eta)
    w = m * p * (1 - p)
    info = design.T @ (design * w[:, None])
    sign, logdet = np.linalg.slogdet(info)
    # log p = -log(1 + e^-eta), log(1 - p) = -log(1 + e^eta): no overflow, no log(0).
    loglik = -float(np.sum(k * np.logaddexp(0, -eta) + (m - k) * np.logaddexp(0, eta)))
    value = loglik + 0.5 * logdet if sign > 0 else -math.inf
    return value, p, w, info


def _firth(design: np.ndarray, k: np.ndarray, m: np.ndarray, max_iter: int = 200,
           tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Firth-penalized Newton iterations (Fisher scoring on the modified score, with step
    halving so the penalized log-likelihood never decreases, and steps capped at 5 on the
    logit scale as in logistf). Returns the estimate and the inverse Fisher information."""
    beta = np.zeros(design.shape[1])
    value, p, w, info = _firth_objective(design, k, m, beta)
    for _ in range(max_iter):
        inv = np.linalg.inv(info)
        h = w * np.einsum("ij,jk,ik->i", design, inv, design)  # hat-matrix diagonal
        score = design.T @ (k - m * p + h * (0.5 - p))
        step = inv @ score
        biggest = float(np.max(np.abs(step)))
        if biggest > 5:
            step *= 5 / biggest
        for _halving in range(60):
            new = _firth_objective(design, k, m, beta + step)
            if new[0] >= value - 1e-12 * abs(value):
                break
            step /= 2
        else:
            break  # no ascent direction left: at the maximum to machine precision
        beta = beta + step
        value, p, w, info = new
        if float(np.max(np.abs(step))) < tol:
            break
    else:
        raise RuntimeError("Firth logistic regression did not converge")
    if not np.all(np.isfinite(beta)):
        raise RuntimeError("Firth logistic regression diverged")
    return beta, np.linalg.inv(info)


# ---------------------------------------------------------------------------------------
# Planning: seeds by power


def _plan_inputs(estimate: float, threshold: float, sd: float | None, kind: str, minimum: int, maximum: int,
                 level: float) -> tuple[float, float, float | None]:
    """`required_seeds`' arguments, checked: (estimate, threshold, sd or None for a proportion)."""
    _check_level(level)
    if not 1 <= minimum <= maximum:
        raise ValueError(f"need 1 <= minimum <= maximum, got {minimum} and {maximum}")
    if kind not in ("mean", "proportion"):
        raise ValueError(f"unknown kind {kind!r}; valid: 'mean', 'proportion'")
    estimate, threshold = float(estimate), float(threshold)
    if kind == "proportion":
        if not 0 <= estimate <= 1:
            raise ValueError(f"a proportion estimate must lie in [0, 1], got {estimate}")
        return estimate, threshold, None
    if sd is None:
        raise ValueError("a plan for a mean needs the exploration standard deviation sd")
    if float(sd) < 0:
        raise ValueError(f"sd must be non-negative, got {sd}")
    return estimate, threshold, float(sd)


def required_seeds(estimate: float, threshold: float, sd: float | None = None, n_pilot: int | None = None,
                   kind: str = "mean", minimum: int = 8, maximum: int = 64, level: float = LEVEL) -> SeedPlan:
    """Number of confirmatory seeds, from an exploration block.

    Enough seeds that the expected 95% half-width is at most a third of the distance from
    the exploration estimate to the threshold: then, if the effect is as explored, the
    confirmatory interval clears the threshold with room to spare. Clamped to
    ``[minimum, maximum]`` (pass ``maximum=16`` for deep nets); when the cap is not
    enough the cap is run and the plan says so.

    ``kind="mean"``: smallest n with ``t_{(1+level)/2, n-1} * sd / sqrt(n) <= distance / 3``
    (``sd`` is the exploration standard deviation). ``kind="proportion"``: smallest n whose
    Wilson interval at k = round(estimate * n) has half-width <= distance / 3.
    ``n_pilot`` (the size of the exploration block) only enters the explanation.
    """
    estimate, threshold, sd = _plan_inputs(estimate, threshold, sd, kind, minimum, maximum, level)
    distance = abs(estimate - threshold)
    target = distance / 3
    pct = f"{100 * level:g}%"
    pilot = f" over {n_pilot} exploration {'seeds' if kind == 'mean' else 'trials'}" if n_pilot else ""
    what = f"estimate {estimate:.4g}" + (f" (sd {sd:.4g}{pilot})" if kind == "mean" else pilot)
    head = f"The exploration {what} is {distance:.4g} from the threshold {threshold:.4g}"

    if not math.isfinite(distance) or distance == 0 or (sd is not None and not math.isfinite(sd)):
        needed = maximum + 1
        why = ("the estimate equals the threshold, so no number of seeds separates them"
               if distance == 0 else "the exploration values are not finite, so no sample size can be planned")
        explanation = f"{head}; {why}, and the cap of {maximum} seeds is run."
        return SeedPlan(maximum, needed, True, estimate, sd, threshold, distance, target, explanation)

    if kind == "mean":
        needed = _smallest_n(lambda n: _t(level, n - 1) * sd / math.sqrt(n) <= target, start=2)
        interval = f"a {pct} t interval"
    else:
        needed = _proportion_n(estimate, target, _z(level))
        interval = f"a {pct} Wilson interval"
    n = min(max(needed, minimum), maximum)
    capped = needed > maximum
    explanation = (f"{head}; {interval} of half-width at most {target:.4g} (a third of that distance) "
                   f"needs {needed} seeds, ")
    if capped:
        explanation += f"more than the cap of {maximum}, so the cap of {maximum} is run."
    elif n > needed:
        explanation += f"fewer than the minimum, so the minimum of {minimum} is run."
    else:
        explanation += f"so {n} are run."
    return SeedPlan(n, needed, capped, estimate, sd, threshold, distance, target, explanation)


def _smallest_n(ok: Callable[[int], bool], start: int) -> int:
    """Smallest integer n >= start with ok(n), for ok monotone (false, then true)."""
    if ok(start):
        return start
    lo, hi = start, start * 2
    while not ok(hi):
        lo, hi = hi, hi * 2
    while hi - lo > 1:  # ok(hi), not ok(lo)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _proportion_n(p: float, target: float, z: float) -> int:
    """Smallest n whose Wilson half-width at k = round(p n) is at most ``target``.

    Rounding k makes the half-width not quite monotone in n, so n is scanned in order;
    beyond a million trials rounding no longer matters and the unrounded width is bisected.
    """
    def half_width(n, k):
        low, high = _wilson_bounds(k, n, z)
        return (high - low) / 2

    start = 1
    while start <= 1 << 20:
        ns = np.arange(start, 2 * start + 1)
        hit = np.nonzero(half_width(ns, np.round(p * ns)) <= target)[0]
        if len(hit):
            return int(ns[hit[0]])
        start *= 2
    return _smallest_n(lambda n: float(half_width(n, p * n)) <= target, start=start)


# ---------------------------------------------------------------------------------------
# Training outcomes judged against chance


def training_outcome(final_loss: ArrayLike, accuracy: ArrayLike, n_classes: int) -> np.ndarray:
    """Classify runs as "trains", "stalls" or "neither", against chance with K classes.

    Chance is a cross-entropy of ln K and an accuracy of 1/K, so the thresholds mean the
    same for any number of classes: trains = loss <= 0.5 ln K and accuracy >= 1/K + 0.4;
    stalls = loss >= 0.95 ln K, or accuracy <= 1/K + 0.05, or a non-finite loss (a
    diverged run has not learned). Values on a boundary count as on its side. A NaN
    accuracy satisfies neither accuracy rule.
    """
    if int(n_classes) != n_classes or n_classes < 2:
        raise ValueError(f"n_classes must be an integer of at least 2, got {n_classes}")
    loss, acc = np.broadcast_arrays(np.asarray(final_loss, dtype=float), np.asarray(accuracy, dtype=float))
    chance_loss, chance_acc = math.log(n_classes), 1 / n_classes
    eps = _BOUNDARY_EPS
    with np.errstate(invalid="ignore"):
        trains = (loss <= 0.5 * chance_loss + eps) & (acc >= chance_acc + 0.4 - eps)
        stalls = ~np.isfinite(loss) | (loss >= 0.95 * chance_loss - eps) | (acc <= chance_acc + 0.05 + eps)
    return np.where(trains, "trains", np.where(stalls, "stalls", "neither"))


def group_ci(frame, by: str | list[str], value: str):
    """Mean and 95% Student-t interval of ``value`` over the rows (seeds) of each group,
    for drawing mean-and-interval bands.

    The t interval (not a bootstrap) so that a band shows the same interval a check on
    that mean would use. Non-finite values (diverged runs) are left out and counted in
    ``n_dropped``; a group with fewer than two finite values gets a NaN interval.
    """
    import pandas as pd

    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        v = group[value].to_numpy(dtype=float)
        finite = v[np.isfinite(v)]
        if len(finite) > 1:
            iv = mean_ci(finite, method="t")
            lo, hi = iv.low, iv.high
        else:
            lo, hi = np.nan, np.nan
        rows.append({**dict(zip(keys, key)), "mean": finite.mean() if len(finite) else np.nan,
                     "low": lo, "high": hi, "n": len(finite), "n_dropped": len(v) - len(finite)})
    return pd.DataFrame(rows)


def combine_plans(plans: dict[str, "SeedPlan"], minimum: int = 8, maximum: int = 64) -> "SeedPlan":
    """One seed count for an experiment whose run serves several checks: the largest any
    check needs (rule 6), clamped; the explanation lists every check's computation."""
    if not plans:
        raise ValueError("no seed plans to combine")
    name, worst = max(plans.items(), key=lambda kv: kv[1].needed)
    n = max(minimum, min(maximum, worst.needed))
    explanation = (f"{n} seeds{' (the cap)' if worst.needed > maximum else ''}: the most any check needs "
                   f"({name}, {worst.needed}). " +
                   " ".join(f"{k}: {p.explanation.split(', so ')[0].rstrip('.')}." for k, p in plans.items()))
    return SeedPlan(n=n, needed=worst.needed, capped=worst.needed > maximum, estimate=worst.estimate, sd=worst.sd,
                    threshold=worst.threshold, distance=worst.distance, target_half_width=worst.target_half_width,
                    explanation=explanation)
