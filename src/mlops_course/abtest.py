"""A/B tests: is the difference between two variants real, and how much traffic does it need?

    result = welch(errors_a, errors_b)                 # a metric per unit (hour, user, session)
    result.p_value, result.ci                          # is B different, and by how much
    sample_size_means(sd=90, mde=5)                    # units per group to detect 5 bikes/hour
    two_proportions(412, 5000, 371, 5000)              # a yes/no metric (e.g. stock-outs)
    sample_size_proportions(0.08, 0.07)

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
