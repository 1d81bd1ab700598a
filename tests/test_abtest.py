"""A/B analysis and paired model comparisons: tests agree with scipy and statsmodels, sample
sizes behave, and on simulated hours with a known mean and known autocorrelation the day-blocked
intervals cover the truth where the naive one does not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlops_course import abtest


def test_welch_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(60, 40, 300), rng.normal(55, 30, 250)
    ours = abtest.welch(a, b)
    theirs = stats.ttest_ind(b, a, equal_var=False)
    assert ours.statistic == pytest.approx(theirs.statistic)
    assert ours.p_value == pytest.approx(theirs.pvalue)
    assert ours.ci_low < ours.difference < ours.ci_high


def test_two_proportions_matches_statsmodels():
    from statsmodels.stats.proportion import proportions_ztest

    ours = abtest.two_proportions(412, 5000, 371, 5000)
    z, p = proportions_ztest([371, 412], [5000, 5000])
    assert ours.statistic == pytest.approx(z) and ours.p_value == pytest.approx(p)


def test_sample_size_for_means_matches_statsmodels_normal_power():
    from statsmodels.stats.power import NormalIndPower

    n = abtest.sample_size_means(sd=90, mde=5)
    expected = NormalIndPower().solve_power(effect_size=5 / 90, alpha=0.05, power=0.8)
    assert n == int(np.ceil(expected))
    assert abtest.sample_size_means(sd=90, mde=2.5) == pytest.approx(4 * n, rel=0.01)


def test_sample_size_for_proportions_is_plausible():
    n = abtest.sample_size_proportions(0.10, 0.12)
    assert 3500 < n < 4000  # the textbook figure for 10% vs 12% is about 3,840 per group
    assert abtest.sample_size_proportions(0.10, 0.15) < n


def test_a_difference_found_with_the_planned_sample_is_usually_significant():
    rng = np.random.default_rng(7)
    n = abtest.sample_size_means(sd=10, mde=2)
    hits = sum(
        abtest.welch(rng.normal(0, 10, n), rng.normal(2, 10, n)).significant for _ in range(200)
    )
    assert 0.7 < hits / 200 < 0.9  # power 0.8, by construction


@pytest.mark.parametrize(
    "call",
    [lambda: abtest.welch([1.0], [1.0, 2.0]), lambda: abtest.sample_size_means(sd=0, mde=1),
     lambda: abtest.sample_size_proportions(0.1, 0.1), lambda: abtest.two_proportions(5, 4, 1, 4)],
)
def test_impossible_inputs_are_refused(call):
    with pytest.raises(abtest.ABTestError):
        call()


# --- paired comparisons on autocorrelated hours --------------------------------------------

PHI = 0.6  # hour-to-hour autocorrelation of the simulated noise
DAYS, HOURS = 60, 24


def simulated_hours(rng: np.random.Generator, mean: float, sims: int) -> np.ndarray:
    """`sims` series of DAYS * HOURS loss differentials with a known mean and known dependence.

    Each value is mean + a day effect (shared by the day's 24 hours) + AR(1) noise with
    coefficient PHI: neighbouring hours move together, as a day's weather makes them.
    """
    n = DAYS * HOURS
    shocks = rng.normal(0, 1, (sims, n))
    noise = np.empty_like(shocks)
    noise[:, 0] = shocks[:, 0] / np.sqrt(1 - PHI**2)  # start in the stationary distribution
    for t in range(1, n):
        noise[:, t] = PHI * noise[:, t - 1] + shocks[:, t]
    day_effect = np.repeat(rng.normal(0, 1, (sims, DAYS)), HOURS, axis=1)
    return mean + day_effect + noise


DAY_OF_HOUR = np.repeat(np.arange(DAYS), HOURS)


def coverage(results: list[abtest.TestResult], truth: float) -> float:
    return float(np.mean([r.ci_low <= truth <= r.ci_high for r in results]))


def test_the_naive_interval_misses_a_known_mean_that_day_blocked_intervals_cover():
    series = simulated_hours(np.random.default_rng(11), mean=-2.0, sims=300)
    naive = [abtest.paired_naive(s) for s in series]
    blocked = [abtest.block_bootstrap(s, DAY_OF_HOUR, resamples=400, seed=i)
               for i, s in enumerate(series)]
    hac = [abtest.diebold_mariano(s, lags=HOURS) for s in series]
    assert coverage(naive, -2.0) < 0.6  # the day effect makes 24 hours worth about one
    assert 0.85 <= coverage(blocked, -2.0) <= 0.99
    assert 0.85 <= coverage(hac, -2.0) <= 0.99
    widths = [np.mean([r.ci_high - r.ci_low for r in rs]) for rs in (naive, blocked, hac)]
    assert widths[1] > 2 * widths[0] and widths[2] > 2 * widths[0]


def test_day_blocked_tests_keep_false_alarms_near_alpha_where_the_naive_one_does_not():
    series = simulated_hours(np.random.default_rng(12), mean=0.0, sims=300)
    naive = np.mean([abtest.paired_naive(s).significant for s in series])
    hac = np.mean([abtest.diebold_mariano(s, lags=HOURS).significant for s in series])
    blocked = np.mean([abtest.block_bootstrap(s, DAY_OF_HOUR, resamples=400, seed=i).significant
                       for i, s in enumerate(series)])
    assert naive > 0.3, f"expected the naive test to cry wolf often, it did {naive:.0%} of times"
    assert hac < 0.15 and blocked < 0.15, (hac, blocked)


def test_a_real_difference_is_found_by_the_day_blocked_tests():
    (series,) = simulated_hours(np.random.default_rng(13), mean=-1.5, sims=1)
    assert abtest.diebold_mariano(series, lags=HOURS).significant
    assert abtest.block_bootstrap(series, DAY_OF_HOUR).ci_high < 0


def test_autocorrelation_recovers_a_known_ar1_coefficient():
    from scipy.signal import lfilter

    shocks = np.random.default_rng(3).normal(size=50_000)
    x = lfilter([1.0], [1.0, -0.5], shocks)  # x_t = 0.5 x_{t-1} + e_t
    rho = abtest.autocorrelation(x, 3)
    assert rho[0] == 1.0
    np.testing.assert_allclose(rho[1:], [0.5, 0.25, 0.125], atol=0.02)
    # The long-run variance of AR(1) with unit shocks is 1 / (1 - phi)^2 = 4.
    assert abtest.long_run_variance(x, 60) == pytest.approx(4.0, rel=0.1)
    assert abtest.long_run_variance(x, 0) == pytest.approx(1 / (1 - 0.25), rel=0.05)


def test_the_long_run_variance_is_what_statsmodels_hac_gives_the_mean():
    import statsmodels.api as sm

    (series,) = simulated_hours(np.random.default_rng(5), mean=1.0, sims=1)
    for lags in (0, 5, 24, 100):
        fit = sm.OLS(series, np.ones_like(series)).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
        assert abtest.long_run_variance(series, lags) / series.size == pytest.approx(
            fit.bse[0] ** 2, rel=1e-9)
        assert abtest.diebold_mariano(series, lags=lags).statistic == pytest.approx(
            fit.tvalues[0], rel=1e-9)


def test_without_dependence_the_three_intervals_agree():
    rng = np.random.default_rng(8)
    series = rng.normal(0.3, 2.0, DAYS * HOURS)
    naive, hac = abtest.paired_naive(series), abtest.diebold_mariano(series, lags=0)
    blocked = abtest.block_bootstrap(series, DAY_OF_HOUR, resamples=4000)
    naive_width = naive.ci_high - naive.ci_low
    assert hac.ci_high - hac.ci_low == pytest.approx(naive_width, rel=0.01)
    assert blocked.ci_high - blocked.ci_low == pytest.approx(naive_width, rel=0.15)


@pytest.mark.parametrize(
    "call",
    [lambda: abtest.paired_naive([1.0]), lambda: abtest.paired_naive([1.0, np.nan, 2.0]),
     lambda: abtest.long_run_variance([1.0, 2.0, 3.0], -1),
     lambda: abtest.diebold_mariano([1.0, 2.0, 3.0], lags=5),
     lambda: abtest.autocorrelation([2.0, 2.0, 2.0], 1),
     lambda: abtest.block_bootstrap([1.0, 2.0, 3.0], ["a", "b"]),
     lambda: abtest.block_bootstrap([1.0, 2.0, 3.0], ["a", "a", "a"])],
)
def test_impossible_paired_inputs_are_refused(call):
    with pytest.raises(abtest.ABTestError):
        call()
