"""The statistics behind the checks.

Three kinds of test: agreement with independent references (scipy, published tables,
hand computations), coverage by simulation (2,000 simulated data sets per method, fixed
seeds, so a 95% interval must cover the truth in 93-97% of them), and the behaviour the
pre-registration prescribes (equivalence outcomes, seed planning, training outcomes).
"""

import math
import warnings

import numpy as np
import pytest
from scipy import optimize, special
from scipy import stats as sps

from nnclaims.evidence.stats import (
    Equivalence, Interval, bca_ci, equivalence, equivalence_proportions, group_ci,
    grouped_linear_fit, linear_fit, logistic_fit, mean_ci, newcombe, paired_ci, required_seeds,
    training_outcome,
    wilson,
)

N_SIM = 2000
BAND = (0.93, 0.97)


def in_band(coverage: float) -> bool:
    return BAND[0] <= coverage <= BAND[1]


def test_group_ci_drops_non_finite_values():
    import pandas as pd

    df = pd.DataFrame({"g": [1, 1, 1, 2, 2], "v": [1.0, 2.0, np.inf, 3.0, 5.0]})
    out = group_ci(df, "g", "v").set_index("g")
    assert out.loc[1, "n"] == 2 and out.loc[1, "n_dropped"] == 1
    assert out.loc[2, "mean"] == 4.0


def test_group_ci_uses_the_t_interval():
    import pandas as pd

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"g": np.repeat([1, 2, 3], 6), "h": np.tile([0, 1], 9), "v": rng.exponential(size=18)})
    df.loc[0, "v"] = np.nan
    out = group_ci(df, ["g", "h"], "v")
    assert list(out.columns) == ["g", "h", "mean", "low", "high", "n", "n_dropped"]
    for row in out.itertuples():
        v = df[(df.g == row.g) & (df.h == row.h)].v.dropna().to_numpy()
        ref = sps.ttest_1samp(v, 0).confidence_interval(0.95)
        assert (row.mean, row.low, row.high) == pytest.approx((v.mean(), ref.low, ref.high), rel=1e-12)
    single = group_ci(pd.DataFrame({"g": [1], "v": [2.0]}), "g", "v")
    assert single.loc[0, "mean"] == 2.0 and np.isnan(single.loc[0, "low"]) and np.isnan(single.loc[0, "high"])


# ---------------------------------------------------------------------------------------
# Means: references


@pytest.mark.parametrize("n", [2, 3, 8, 30])
def test_t_interval_matches_scipy(n):
    x = np.random.default_rng(n).normal(loc=1.0, scale=2.0, size=n)
    iv = mean_ci(x, method="t")
    ref = sps.ttest_1samp(x, 0).confidence_interval(0.95)
    assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high), rel=1e-12)
    half = sps.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)
    assert iv.half_width == pytest.approx(half, rel=1e-12)
    assert (iv.estimate, iv.method, iv.n, iv.level) == (pytest.approx(x.mean()), "t", n, 0.95)


def test_t_quantile_with_one_degree_of_freedom():
    # Two seeds: the 97.5% t quantile on one degree of freedom is 12.706, not 1.96.
    iv = mean_ci([1.0, 2.0], method="t")
    assert iv.half_width == pytest.approx(12.7062 * math.sqrt(0.5) / math.sqrt(2), rel=1e-5)
    assert mean_ci([1.0, 2.0], level=0.9, method="t").half_width == pytest.approx(6.3138 * 0.5, rel=1e-4)


def test_auto_method_switches_to_bca_only_for_clearly_non_normal_values():
    rng = np.random.default_rng(4)
    assert mean_ci(rng.normal(size=20)).method == "t"
    skewed = rng.lognormal(sigma=1.5, size=30)
    assert sps.shapiro(skewed).pvalue < 0.01
    assert mean_ci(skewed).method == "bca"
    assert mean_ci(skewed) == bca_ci(skewed)
    # Below eight seeds a normality test has no power: t, whatever the values.
    assert mean_ci(skewed[:7]).method == "t"


def test_constant_values_give_a_point_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("t", "bca", "auto"):
            assert mean_ci([2.5] * 10, method=method) == Interval(2.5, 2.5, 2.5, "t", 10)
        assert paired_ci([1.0, 2.0, 3.0], [0.0, 1.0, 2.0]).half_width == 0
        iv = bca_ci([1.0, 1.0, 1.0])
        assert (iv.low, iv.high) == (1.0, 1.0)


def test_mean_ci_rejects_non_finite_and_too_few_values():
    with pytest.raises(ValueError, match="2 of 5 values are not finite"):
        mean_ci([1.0, np.nan, 2.0, np.inf, 3.0])
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci([1.0])
    with pytest.raises(ValueError, match="1-D"):
        mean_ci(np.ones((3, 2)))
    with pytest.raises(ValueError, match="1 of 3 pairs"):
        paired_ci([1.0, 2.0, 3.0], [1.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="same length"):
        paired_ci([1.0, 2.0, 3.0], [1.0, 2.0])


def test_paired_interval_is_the_interval_of_the_differences():
    rng = np.random.default_rng(5)
    shared = rng.normal(size=12)
    a, b = shared + 0.3 + 0.1 * rng.normal(size=12), shared + 0.1 * rng.normal(size=12)
    iv = paired_ci(a, b)
    ref = sps.ttest_rel(a, b).confidence_interval(0.95)
    assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high), rel=1e-12)
    # Pairing removes the shared seed effect: far narrower than an unpaired interval.
    unpaired = sps.ttest_ind(a, b).confidence_interval(0.95)
    assert iv.half_width < (unpaired.high - unpaired.low) / 2 / 5


def test_bca_matches_scipy_for_the_mean_and_for_a_standard_deviation():
    x = np.random.default_rng(6).exponential(size=25)
    for stat, ref_stat in ((None, np.mean), (lambda r: r.std(axis=1, ddof=1), lambda s, axis: s.std(axis=axis, ddof=1))):
        iv = bca_ci(x, stat=stat, n_boot=100_000, seed=1)
        ref = sps.bootstrap((x,), ref_stat, method="BCa", n_resamples=100_000, random_state=2).confidence_interval
        # Independent Monte Carlo noise in both (largest at the far, skewed end of the
        # standard deviation's interval, about 1% of the width): agree to 3% of the width.
        assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high), abs=0.03 * (ref.high - ref.low))
        assert iv.method == "bca" and iv.n == 25
    # The BCa interval of a right-skewed mean reaches further right than the t interval.
    t = mean_ci(x, method="t")
    bca = bca_ci(x)
    assert bca.high - bca.estimate > t.high - t.estimate


def test_bca_is_deterministic_and_refuses_an_infinite_bias_correction():
    x = np.random.default_rng(7).normal(size=15)
    assert bca_ci(x, seed=3) == bca_ci(x, seed=3)
    assert bca_ci(x, seed=3) != bca_ci(x, seed=4)

    def shifted(r):  # every resample above the estimate: the bias correction is infinite
        return r.mean(axis=1) + (r.shape[0] > 1 and r.shape[1] == len(x))

    with pytest.raises(ValueError, match="above the estimate"):
        bca_ci(x, stat=shifted)


# ---------------------------------------------------------------------------------------
# Proportions: references


def test_wilson_textbook_values():
    iv = wilson(5, 10)
    assert (iv.low, iv.high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert (iv.estimate, iv.method, iv.n) == (0.5, "wilson", 10)
    iv = wilson(20, 20)
    assert iv.high == 1.0 and iv.low == pytest.approx(0.8389, abs=1e-4)
    assert wilson(0, 20).low == 0.0
    # Closed form at k = 0: n / (n + z^2) is the upper end's complement.
    z = sps.norm.ppf(0.975)
    assert wilson(0, 20).high == pytest.approx(z * z / (20 + z * z), rel=1e-12)
    with pytest.raises(ValueError):
        wilson(11, 10)


@pytest.mark.parametrize("counts,expected", [
    # Newcombe (1998), Table II, method 10 (hybrid score), examples (a), (b), (d)-(h).
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
])
def test_newcombe_published_examples(counts, expected):
    iv = newcombe(*counts)
    assert (iv.low, iv.high) == pytest.approx(expected, abs=5e-5)
    assert iv.method == "newcombe" and iv.n == counts[1] + counts[3]
    assert iv.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])


# ---------------------------------------------------------------------------------------
# Trends: references


def test_linear_fit_matches_linregress():
    rng = np.random.default_rng(8)
    x = np.linspace(1, 20, 15)
    y = 3.0 - 0.4 * x + rng.normal(scale=1.5, size=15)
    fit = linear_fit(x, y)
    ref = sps.linregress(x, y)
    t = sps.t.ppf(0.975, 13)
    assert fit.slope.estimate == pytest.approx(ref.slope, rel=1e-12)
    assert fit.intercept.estimate == pytest.approx(ref.intercept, rel=1e-12)
    assert fit.slope.half_width == pytest.approx(t * ref.stderr, rel=1e-10)
    assert fit.intercept.half_width == pytest.approx(t * ref.intercept_stderr, rel=1e-10)
    assert fit.slope.method == "ols-t" and fit.slope.n == 15
    with pytest.raises(ValueError, match="constant"):
        linear_fit([1, 1, 1], [1, 2, 3])


def _firth_reference(x, k, m):
    """Independent Firth estimate: maximize log L + 0.5 log det I with a generic optimizer."""
    X = np.column_stack([np.ones_like(x), x])

    def negative(beta):
        eta = X @ beta
        p = special.expit(eta)
        info = X.T @ (X * (m * p * (1 - p))[:, None])
        return -(np.sum(k * eta - m * np.logaddexp(0, eta)) + 0.5 * np.linalg.slogdet(info)[1])

    return optimize.minimize(negative, np.zeros(2), method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000}).x


def _mle_reference(x, k, m):
    X = np.column_stack([np.ones_like(x), x])
    return optimize.minimize(lambda b: -np.sum(k * (X @ b) - m * np.logaddexp(0, X @ b)), np.zeros(2),
                             method="BFGS", options={"gtol": 1e-10}).x


def test_logistic_fit_maximizes_the_firth_penalized_likelihood():
    x = np.array([0.5, 1.0, 2.0, 3.0, 4.5])
    m = np.array([6, 9, 7, 10, 8])
    k = np.array([1, 2, 4, 6, 7])
    fit = logistic_fit(x, k, m)
    a, b = _firth_reference(x.astype(float), k, m)
    assert (fit.intercept.estimate, fit.slope.estimate) == pytest.approx((a, b), abs=1e-6)
    # Wald interval from the inverse Fisher information at the penalized estimate.
    p = special.expit(a + b * x)
    X = np.column_stack([np.ones_like(x), x])
    cov = np.linalg.inv(X.T @ (X * (m * p * (1 - p))[:, None]))
    z = sps.norm.ppf(0.975)
    assert fit.slope.half_width == pytest.approx(z * math.sqrt(cov[1, 1]), rel=1e-5)
    assert fit.intercept.half_width == pytest.approx(z * math.sqrt(cov[0, 0]), rel=1e-5)
    assert fit.slope.method == "logistic-firth-wald" and fit.slope.n == m.sum()
    # Firth shrinks the slope towards zero relative to the maximum likelihood estimate.
    assert abs(fit.slope.estimate) < abs(_mle_reference(x.astype(float), k, m)[1])


def test_firth_slope_approaches_maximum_likelihood_for_large_n():
    x = np.linspace(-2, 2, 9)
    m = np.full(9, 2000)
    k = np.random.default_rng(9).binomial(m, special.expit(0.4 + 0.8 * x))
    fit = logistic_fit(x, k, m)
    mle = _mle_reference(x, k, m)
    assert fit.slope.estimate == pytest.approx(mle[1], abs=0.01 * fit.slope.half_width)
    assert fit.intercept.estimate == pytest.approx(mle[0], abs=0.01 * fit.intercept.half_width)


def test_firth_is_finite_under_complete_separation():
    # With a binary covariate the model is saturated and Firth's estimate adds 1/2 to
    # every cell (hat values are 1): logit((k + 1/2) / (n + 1)) per group, exactly.
    fit = logistic_fit([0, 1], [0, 10], [10, 10])
    assert fit.intercept.estimate == pytest.approx(math.log(0.5 / 10.5), abs=1e-9)
    assert fit.slope.estimate == pytest.approx(2 * math.log(21), abs=1e-9)
    assert fit.slope.low > 0
    # Separation over several x values, far from zero on a shifted x scale.
    fit = logistic_fit([100, 101, 102, 103], [0, 0, 10, 10], [10, 10, 10, 10])
    assert all(np.isfinite([fit.slope.low, fit.slope.high, fit.intercept.low, fit.intercept.high]))
    assert fit.slope.estimate > 0 and fit.slope.low > 0
    with pytest.raises(ValueError, match="distinct"):
        logistic_fit([1, 1], [0, 1], [2, 2])


# ---------------------------------------------------------------------------------------
# Coverage by simulation (2,000 data sets each, fixed seeds)


def test_coverage_t_interval_normal_n8():
    rng = np.random.default_rng(10)
    data = rng.normal(loc=2.0, scale=3.0, size=(N_SIM, 8))
    hits = [(iv.low <= 2.0 <= iv.high) for iv in (mean_ci(x, method="t") for x in data)]
    assert in_band(np.mean(hits))


def test_coverage_paired_correlated_n10():
    rng = np.random.default_rng(11)
    z1, z2 = rng.normal(size=(2, N_SIM, 10))
    a = 1.0 + 2.0 * z1
    b = 0.7 + 2.0 * (0.9 * z1 + math.sqrt(1 - 0.81) * z2)
    hits = [(iv.low <= 0.3 <= iv.high) for iv in (paired_ci(x, y) for x, y in zip(a, b))]
    assert in_band(np.mean(hits))


def test_coverage_bca_skewed_mean_and_balance_against_t():
    # Exponential data, n = 150: BCa is near nominal and balances its misses; the t
    # interval ignores the skew and misses mostly on one side (its upper end too low).
    n, truth = 150, 1.0
    data = np.random.default_rng(12).exponential(scale=truth, size=(N_SIM, n))
    bca = [bca_ci(x, n_boot=1000, seed=i) for i, x in enumerate(data)]
    t = [mean_ci(x, method="t") for x in data]
    b_below = np.mean([iv.high < truth for iv in bca])
    b_above = np.mean([iv.low > truth for iv in bca])
    t_below = np.mean([iv.high < truth for iv in t])
    t_above = np.mean([iv.low > truth for iv in t])
    assert in_band(1 - b_below - b_above)
    assert t_below > 2 * t_above
    assert (t_below - t_above) - abs(b_below - b_above) > 0.01


def test_coverage_wilson_n50_p03():
    p, n = 0.3, 50
    ks = np.random.default_rng(13).binomial(n, p, size=N_SIM)
    hits = [(iv.low <= p <= iv.high) for iv in (wilson(int(k), n) for k in ks)]
    assert in_band(np.mean(hits))


def test_coverage_newcombe():
    p1, n1, p2, n2 = 0.3, 40, 0.45, 60
    rng = np.random.default_rng(14)
    k1, k2 = rng.binomial(n1, p1, size=N_SIM), rng.binomial(n2, p2, size=N_SIM)
    hits = [(iv.low <= p1 - p2 <= iv.high) for iv in (newcombe(int(a), n1, int(b), n2) for a, b in zip(k1, k2))]
    assert in_band(np.mean(hits))


def test_coverage_linear_fit():
    x = np.linspace(0, 4, 10)
    y = 1.0 - 0.5 * x + 0.7 * np.random.default_rng(15).normal(size=(N_SIM, 10))
    fits = [linear_fit(x, row) for row in y]
    assert in_band(np.mean([f.intercept.low <= 1.0 <= f.intercept.high for f in fits]))
    assert in_band(np.mean([f.slope.low <= -0.5 <= f.slope.high for f in fits]))


def test_coverage_logistic_slope():
    # 400 independent Bernoulli trials, 80 at each of five x values.
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    m = np.full(5, 80)
    k = np.random.default_rng(16).binomial(m, special.expit(-0.3 + 1.2 * x), size=(N_SIM, 5))
    hits = [(f.slope.low <= 1.2 <= f.slope.high) for f in (logistic_fit(x, row, m) for row in k)]
    assert in_band(np.mean(hits))


def _cells(rng, rho, n):
    """N_SIM data sets of n seeds x 5 cells, equicorrelated at rho, unequal scales."""
    mu = np.array([0.1, -0.2, 0.0, 0.3, 0.05])
    sd = np.array([1.0, 0.5, 2.0, 1.0, 0.3])
    chol = np.linalg.cholesky(rho * np.ones((5, 5)) + (1 - rho) * np.eye(5))
    return mu, mu + (rng.normal(size=(N_SIM, n, 5)) @ chol.T) * sd


@pytest.mark.parametrize("correction,rho,seed", [
    ("bonferroni", 0.0, 17), ("bonferroni", 0.8, 18), ("max-t", 0.0, 19), ("max-t", 0.8, 20)])
def test_equivalence_simultaneous_coverage(correction, rho, seed):
    n = 30 if correction == "max-t" else 12  # max-t needs enough seeds to be accurate
    mu, data = _cells(np.random.default_rng(seed), rho, n)
    hits = []
    for i, g in enumerate(data):
        e = equivalence(g, tol=1.0, level=0.95, correction=correction, n_boot=1000, seed=i)
        hits.append(bool(np.all((e.lows <= mu) & (mu <= e.highs))))
    coverage = np.mean(hits)
    if correction == "bonferroni" and rho > 0:
        assert coverage >= BAND[0]  # conservative under correlation
    else:
        assert in_band(coverage)


# ---------------------------------------------------------------------------------------
# Equivalence: references and behaviour


def test_equivalence_with_one_cell_is_the_90_percent_t_interval():
    g = np.random.default_rng(21).normal(loc=0.1, scale=0.2, size=10)
    e = equivalence(g, tol=0.5)
    ref = sps.ttest_1samp(g, 0).confidence_interval(0.90)
    assert (e.lows[0], e.highs[0]) == pytest.approx((ref.low, ref.high), rel=1e-12)
    assert e.estimates[0] == pytest.approx(g.mean())
    assert (e.method, e.n, e.level, e.outcome, e.worst) == ("bonferroni-t", 10, 0.90, "pass", 0)
    iv = e.interval()
    assert isinstance(iv, Interval) and (iv.low, iv.high) == (e.lows[0], e.highs[0])


def test_bonferroni_critical_value():
    g = np.random.default_rng(22).normal(size=(12, 4))
    e = equivalence(g, tol=1.0)
    se = g.std(axis=0, ddof=1) / math.sqrt(12)
    crit = sps.t.ppf(1 - 0.10 / 4 / 2, 11)
    assert (e.highs - e.estimates) / se == pytest.approx(np.full(4, crit), rel=1e-10)
    assert (e.estimates - e.lows) / se == pytest.approx(np.full(4, crit), rel=1e-10)


def test_max_t_keeps_the_dependence_between_cells():
    g1 = np.random.default_rng(23).normal(size=(30, 1))
    one = equivalence(g1, tol=1.0, correction="max-t", seed=5)
    same = equivalence(np.repeat(g1, 4, axis=1), tol=1.0, correction="max-t", seed=5)
    # Identical cells: the maximum over cells is one cell's |t|, so no correction at all.
    assert same.highs == pytest.approx(np.full(4, one.highs[0]), rel=1e-12)
    bonf = equivalence(np.repeat(g1, 4, axis=1), tol=1.0)
    assert np.all(same.highs - same.estimates < bonf.highs - bonf.estimates)
    assert same.method == "max-t"
    assert equivalence(np.repeat(g1, 4, axis=1), tol=1.0, correction="max-t", seed=5).highs.tolist() \
        == same.highs.tolist()


def _cell(mean, spread, n=10):
    """A cell of n seeds with the given mean and a symmetric spread around it."""
    return mean + spread * np.resize([-1.0, 1.0], n)


def test_equivalence_outcomes():
    inside, straddles = _cell(0.0, 0.1), _cell(0.8, 0.5)
    above, far_below = _cell(3.0, 0.1), _cell(-5.0, 0.1)
    e = equivalence(np.column_stack([inside, inside * 2]), tol=1.0)
    assert e.outcome == "pass" and e.worst == 1  # the wider interval reaches further from 0
    e = equivalence(np.column_stack([inside, straddles]), tol=1.0)
    assert e.outcome == "inconclusive" and e.worst == 1
    assert e.lows[1] < 1.0 < e.highs[1]
    # A cell wholly outside fails the check even though another is inconclusive.
    e = equivalence(np.column_stack([inside, straddles, above]), tol=1.0)
    assert e.outcome == "fail" and e.worst == 2 and e.lows[2] > 1.0
    e = equivalence(np.column_stack([above, inside, far_below, straddles]), tol=1.0)
    assert e.outcome == "fail" and e.worst == 2  # the farthest out, on the negative side
    assert e.interval().estimate == pytest.approx(-5.0)
    # A constant cell is a point interval, inside or outside exactly.
    assert equivalence(np.column_stack([np.full(5, 0.5), np.full(5, -0.5)]), tol=0.5).outcome == "pass"
    assert equivalence(np.full(5, 0.6), tol=0.5).outcome == "fail"


def test_equivalence_input_checks():
    with pytest.raises(ValueError, match="1 of 6 gaps are not finite"):
        equivalence([[0.1, np.nan], [0.2, 0.3], [0.0, 0.1]], tol=1.0)
    with pytest.raises(ValueError, match="correction"):
        equivalence(np.zeros((4, 2)), tol=1.0, correction="holm")
    with pytest.raises(ValueError, match="two seeds"):
        equivalence(np.zeros((1, 3)), tol=1.0)
    assert isinstance(equivalence(np.zeros(4), tol=1.0), Equivalence)
    # max-t with two seeds: half the resamples repeat one seed, the critical value is
    # infinite and so are the intervals (except a constant cell's), without warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = equivalence([[0.0, 1.0], [0.0, 2.0]], tol=1.0, correction="max-t")
    assert e.outcome == "inconclusive" and e.lows.tolist() == [0.0, -np.inf] and e.highs.tolist() == [0.0, np.inf]


def test_equivalence_proportions():
    k, n, p_model = np.array([30, 45, 70]), np.array([100, 100, 120]), np.array([0.3, 0.5, 0.6])
    e = equivalence_proportions(k, n, p_model, tol=0.2)
    for j in range(3):
        ref = wilson(int(k[j]), int(n[j]), level=1 - 0.10 / 3)
        assert (e.lows[j], e.highs[j]) == pytest.approx((ref.low - p_model[j], ref.high - p_model[j]), rel=1e-12)
    assert e.estimates == pytest.approx(k / n - p_model)
    assert (e.outcome, e.method, e.n) == ("pass", "bonferroni-wilson", 100)
    assert equivalence_proportions(k, n, p_model, tol=0.02).outcome == "inconclusive"
    e = equivalence_proportions([30, 95], [100, 100], [0.3, 0.5], tol=0.1)
    assert e.outcome == "fail" and e.worst == 1


# ---------------------------------------------------------------------------------------
# Seeds by power


def test_required_seeds_hand_computed():
    # distance 0.3, target half-width 0.1, sd 0.3: need t_{.975, n-1} * 0.3 / sqrt(n) <= 0.1.
    # n = 37: 2.0281 * 0.3 / 6.0828 = 0.10003 (too wide); n = 38: 2.0262 * 0.3 / 6.1644 = 0.09861.
    plan = required_seeds(0.5, 0.2, sd=0.3, n_pilot=8)
    assert (plan.n, plan.needed, plan.capped) == (38, 38, False)
    assert plan.distance == pytest.approx(0.3) and plan.target_half_width == pytest.approx(0.1)
    assert "38" in plan.explanation and "0.3" in plan.explanation and "8 exploration seeds" in plan.explanation


def test_required_seeds_clamps_to_minimum_and_maximum():
    plan = required_seeds(5.0, 0.0, sd=0.1)
    assert (plan.n, plan.needed, plan.capped) == (8, 2, False)
    assert "minimum" in plan.explanation
    plan = required_seeds(0.5, 0.45, sd=0.3)
    assert plan.n == 64 and plan.capped and plan.needed > 64
    assert str(plan.needed) in plan.explanation and "cap" in plan.explanation
    deep = required_seeds(0.5, 0.45, sd=0.3, maximum=16)
    assert deep.n == 16 and deep.capped and deep.needed == plan.needed


def test_required_seeds_distance_zero_or_no_sd():
    for plan in (required_seeds(0.4, 0.4, sd=0.2), required_seeds(0.4, 0.1, sd=float("nan")),
                 required_seeds(0.4, 0.4, kind="proportion", maximum=16)):
        assert plan.capped and plan.n == plan.needed - 1
    assert required_seeds(0.4, 0.4, sd=0.2).n == 64


def test_required_seeds_for_a_proportion():
    plan = required_seeds(0.8, 0.5, kind="proportion")
    n = plan.needed
    assert wilson(round(0.8 * n), n).half_width <= 0.1 < wilson(round(0.8 * (n - 1)), n - 1).half_width
    assert all(wilson(round(0.8 * m), m).half_width > 0.1 for m in range(1, n))
    assert plan.n == n and plan.sd is None and not plan.capped


# ---------------------------------------------------------------------------------------
# Training outcomes against chance


def test_training_outcome_boundaries():
    ln10 = math.log(10)
    cases = [
        (0.5 * ln10, 0.5, "trains"),           # both trains boundaries, exactly
        (0.5 * ln10 + 1e-6, 0.9, "neither"),    # loss just above the trains boundary
        (0.1, 0.5 - 1e-6, "neither"),          # accuracy just below it
        (np.nan, 0.9, "stalls"),               # a diverged run
        (np.inf, 0.9, "stalls"),
        (0.95 * ln10, 0.3, "stalls"),          # loss at the stall boundary
        (0.95 * ln10 - 1e-6, 0.3, "neither"),
        (0.2, 0.15, "stalls"),                 # accuracy at the stall boundary (chance + 0.05)
        (1.5, 0.15 + 1e-6, "neither"),
    ]
    out = training_outcome([c[0] for c in cases], [c[1] for c in cases], 10)
    assert out.tolist() == [c[2] for c in cases]
    assert training_outcome(0.5 * math.log(2), 0.9, 2).tolist() == "trains"
    assert training_outcome(np.full((2, 3), 3.0), 0.1, 10).shape == (2, 3)


def test_grouped_linear_fit_matches_weighted_least_squares_and_covers():
    rng = np.random.default_rng(11)
    xs = np.array([1 / 256, 1 / 512, 1 / 1024, 1 / 2048])
    sd = np.array([0.18, 0.08, 0.04, 0.02])  # noise shrinking with width, as in the width sweep
    n = 16
    hits_i = hits_s = 0
    for _ in range(N_SIM):
        y = np.concatenate([-0.01 + 5.0 * x + rng.normal(0, s, n) for x, s in zip(xs, sd)])
        x = np.repeat(xs, n)
        fit = grouped_linear_fit(x, y)
        hits_i += fit.intercept.low <= -0.01 <= fit.intercept.high
        hits_s += fit.slope.low <= 5.0 <= fit.slope.high
    assert in_band(hits_i / N_SIM) and in_band(hits_s / N_SIM), (hits_i / N_SIM, hits_s / N_SIM)
    # Against a direct weighted least squares on the group means.
    y = np.concatenate([0.3 + 2.0 * x + rng.normal(0, s, n) for x, s in zip(xs, sd)])
    x = np.repeat(xs, n)
    means = np.array([y[x == g].mean() for g in xs])
    w = np.array([n / y[x == g].var(ddof=1) for g in xs])
    X = np.column_stack([np.ones(4), xs])
    beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * means))
    fit = grouped_linear_fit(x, y)
    assert (fit.intercept.estimate, fit.slope.estimate) == pytest.approx(tuple(beta), rel=1e-12)
    with pytest.raises(ValueError, match="at least two replicates"):
        grouped_linear_fit([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
