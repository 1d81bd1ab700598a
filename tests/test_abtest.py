"""A/B analysis: tests agree with scipy and statsmodels, sample sizes behave."""

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
