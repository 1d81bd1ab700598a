"""Comparing two variants: paired model errors on the same hours, and A/B tests of users.

Two models that both predict every hour are compared on the *same* hours, not on hours split
between them: the question is the mean of the loss differential d_t = |e_B,t| - |e_A,t|.
Hours are not independent (a day's weather and demand carry from one hour to the next), so
its uncertainty comes from blocks of hours or from a long-run variance:

    d = np.abs(errors_b) - np.abs(errors_a)            # one value per hour, B - A
    paired_naive(d)                                    # treats hours as independent: too narrow
    autocorrelation(d, 48)                             # why: neighbouring hours move together
    block_bootstrap(d, days, seed=0)                   # resample whole days
    diebold_mariano(d, lags=24)                        # HAC (Newey-West) variance of the mean

An A/B test is for outcomes that only one arm can produce (how a user behaves after seeing
version B): randomise independent units (users), then

    result = welch(minutes_a, minutes_b)               # a metric per unit
    result.p_value, result.ci                          # is B different, and by how much
    two_proportions(412, 5000, 371, 5000)              # a yes/no metric per user
    sample_size_proportions(0.08, 0.07)                # users per arm, decided in advance
    sample_size_means(sd=90, mde=5)

Decide the metric, the smallest effect worth detecting and the sample size *before* the test,
then analyse once at the end: looking at the p-value every day and stopping when it dips below
0.05 inflates false positives (sequential tests or bandits are the tools for looking early).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class ABTestError(ValueError):
    """An A/B analysis was given too little data or impossible parameters."""


@dataclass(frozen=True)
class TestResult:
    """A two-sided test of B against A: the difference (B - A), its confidence interval, p."""

    difference: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    @property
    def ci(self) -> tuple[float, float]:
        return self.ci_low, self.ci_high

    def line(self, unit: str = "") -> str:
        verdict = "significant" if self.significant else "not significant"
        level = f"{1 - self.alpha:.0%}"
        return (
            f"B - A = {self.difference:+.3f}{unit} ({level} CI {self.ci_low:+.3f} to "
            f"{self.ci_high:+.3f}), p = {self.p_value:.4f}: {verdict} at alpha {self.alpha}"
        )


def welch(a: Sequence[float], b: Sequence[float], *, alpha: float = 0.05) -> TestResult:
    """Welch's t-test for a difference in means (no equal-variance assumption)."""
    from scipy import stats

    x, y = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if x.size < 2 or y.size < 2:
        raise ABTestError(f"Each group needs at least 2 values, got {x.size} and {y.size}.")
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1)) if se > 0 else math.inf
    diff = float(y.mean() - x.mean())
    t = diff / se if se > 0 else math.copysign(math.inf, diff) if diff else 0.0
    p = float(2 * stats.t.sf(abs(t), dof))
    half = float(stats.t.ppf(1 - alpha / 2, dof) * se)
    return TestResult(diff, diff - half, diff + half, float(t), p, alpha)


def two_proportions(
    successes_a: int, n_a: int, successes_b: int, n_b: int, *, alpha: float = 0.05
) -> TestResult:
    """Two-proportion z-test (pooled standard error for p, unpooled for the interval)."""
    from scipy import stats

    if min(n_a, n_b) < 1 or not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ABTestError("Need 0 <= successes <= n and n >= 1 in both groups.")
    pa, pb = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (pb - pa) / se_pooled if se_pooled > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    se = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    half = float(stats.norm.ppf(1 - alpha / 2) * se)
    return TestResult(pb - pa, pb - pa - half, pb - pa + half, float(z), p, alpha)


def _z(alpha: float, power: float) -> tuple[float, float]:
    from scipy import stats

    if not (0 < alpha < 1 and 0 < power < 1):
        raise ABTestError(f"alpha and power are probabilities in (0, 1), got {alpha}, {power}.")
    return float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))


def sample_size_means(sd: float, mde: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Units per group to detect a difference in means of `mde` (two-sided, normal approximation).

    n = 2 (z_{1-alpha/2} + z_{power})^2 sd^2 / mde^2: halving the effect quadruples the sample.
    """
    if sd <= 0 or mde == 0:
        raise ABTestError("sd must be positive and the minimum detectable effect non-zero.")
    za, zb = _z(alpha, power)
    return math.ceil(2 * (za + zb) ** 2 * sd**2 / mde**2)


def sample_size_proportions(
    p_a: float, p_b: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Units per group to tell a rate `p_a` from `p_b` (two-sided, pooled under H0)."""
    if not (0 < p_a < 1 and 0 < p_b < 1) or p_a == p_b:
        raise ABTestError("Rates must lie strictly between 0 and 1 and differ.")
    za, zb = _z(alpha, power)
    mean = (p_a + p_b) / 2
    top = za * math.sqrt(2 * mean * (1 - mean)) + zb * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    return math.ceil(top**2 / (p_a - p_b) ** 2)


# --- paired comparisons of two models on the same hours ------------------------------------


def _series(values: Sequence[float], minimum: int = 2) -> np.ndarray:
    x = np.asarray(values, dtype="float64")
    if x.ndim != 1 or x.size < minimum:
        raise ABTestError(f"Need a flat series of at least {minimum} values, got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ABTestError("The series holds NaN or infinite values: drop or fill them first.")
    return x


def _normal_result(diff: float, se: float, alpha: float) -> TestResult:
    """A two-sided z-test of `diff` against 0 with standard error `se`, and its interval."""
    from scipy import stats

    z = diff / se if se > 0 else math.copysign(math.inf, diff) if diff else 0.0
    half = float(stats.norm.ppf(1 - alpha / 2) * se)
    return TestResult(diff, diff - half, diff + half, float(z), float(2 * stats.norm.sf(abs(z))),
                      alpha)


def paired_naive(differences: Sequence[float], *, alpha: float = 0.05) -> TestResult:
    """Mean of the paired differences with se = sd / sqrt(n): right only for independent units.

    On hourly errors this interval is too narrow, because it counts n hours as n independent
    pieces of evidence when neighbouring hours repeat much of the same information.
    """
    d = _series(differences)
    return _normal_result(float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size)), alpha)


def autocovariances(values: Sequence[float], max_lag: int) -> np.ndarray:
    """gamma_0 ... gamma_max_lag, each sum((x_t - mean)(x_{t-k} - mean)) / n.

    The divisor is n at every lag (as R's `acf` and Newey-West use), which keeps the
    Bartlett-weighted sum non-negative.
    """
    x = _series(values)
    if not 0 <= max_lag < x.size:
        raise ABTestError(f"max_lag must lie in [0, {x.size - 1}], got {max_lag}.")
    centred = x - x.mean()
    return np.array([centred[k:] @ centred[: x.size - k] / x.size for k in range(max_lag + 1)])


def autocorrelation(values: Sequence[float], max_lag: int) -> np.ndarray:
    """rho_0 = 1, rho_1, ... rho_max_lag: how much a value resembles the one k steps earlier."""
    gamma = autocovariances(values, max_lag)
    if gamma[0] == 0:
        raise ABTestError("A constant series has no autocorrelation.")
    return gamma / gamma[0]


def long_run_variance(values: Sequence[float], lags: int) -> float:
    """Newey-West estimate of the long-run variance: gamma_0 + 2 sum_k (1 - k/(L+1)) gamma_k.

    The variance of the mean of n autocorrelated values is about this divided by n (with
    `lags=0` it is the plain variance, divisor n). The Bartlett weights 1 - k/(L+1) keep it
    non-negative (Newey and West, 1987); `lags` must cover the span over which values stay
    correlated (a day of hours, or more).
    """
    if lags < 0:
        raise ABTestError(f"lags must be 0 or more, got {lags}.")
    gamma = autocovariances(values, lags)
    weights = 1 - np.arange(1, lags + 1) / (lags + 1)
    return float(gamma[0] + 2 * weights @ gamma[1:])


def diebold_mariano(
    differences: Sequence[float], *, lags: int, alpha: float = 0.05
) -> TestResult:
    """Diebold-Mariano test of equal accuracy, with a HAC (Newey-West) variance.

    `differences` is the loss differential d_t = loss_B,t - loss_A,t on the same hours, in
    time order with no gaps in between that matter. DM = mean(d) / sqrt(LRV / n), compared
    with the standard normal (Diebold and Mariano, 1995; their own variance uses uniform
    weights up to lag h-1 for h-step forecasts, Bartlett weights keep it positive).
    """
    d = _series(differences, minimum=max(2, lags + 1))
    lrv = long_run_variance(d, lags)
    return _normal_result(float(d.mean()), math.sqrt(max(lrv, 0.0) / d.size), alpha)


def block_bootstrap(
    differences: Sequence[float],
    blocks: Sequence[object],
    *,
    resamples: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> TestResult:
    """Mean of `differences` with a bootstrap that resamples whole blocks (days) with replacement.

    Hours of one block stay together, so the correlation inside a block is kept; blocks are
    assumed independent of each other (check the autocorrelation of block means). The interval
    is the bootstrap percentile interval; the p-value comes from the bootstrap distribution
    centred on zero (how often a resample's distance from the mean reaches |mean|).
    """
    d = _series(differences)
    labels = np.asarray(blocks)
    if labels.shape != d.shape:
        raise ABTestError(
            f"Need one block label per value: {labels.shape} labels, {d.size} values."
        )
    if resamples < 100:
        raise ABTestError(f"Use at least 100 resamples, got {resamples}.")
    _, which = np.unique(labels, return_inverse=True)
    sums, counts = np.bincount(which, weights=d), np.bincount(which)
    if sums.size < 2:
        raise ABTestError("Need at least two blocks to resample.")
    picks = np.random.default_rng(seed).integers(0, sums.size, size=(resamples, sums.size))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    diff = float(d.mean())
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    se = float(means.std(ddof=1))
    extreme = int(np.sum(np.abs(means - diff) >= abs(diff)))
    statistic = diff / se if se > 0 else math.copysign(math.inf, diff) if diff else 0.0
    return TestResult(diff, float(low), float(high), statistic, (1 + extreme) / (1 + resamples),
                      alpha)
