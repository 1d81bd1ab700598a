"""Drift statistics by hand (PSI, Kolmogorov-Smirnov, Wasserstein) and a drift decision.

    table = feature_drift(reference, window)     # one row per monitored column
    verdict = decide(table)                      # drifted or not, which columns, and why

Sprint 05 computes each statistic once by hand in a notebook and then with Evidently; this
module holds the same arithmetic for everything that runs window after window (the replay of
2012, the dashboard's summaries, the lab's checks). It answers one question per column: does
this window's distribution differ from the reference's by more than we are willing to ignore?

Which statistic when:

* PSI (population stability index): binned, symmetric, with rule-of-thumb thresholds (below
  0.1 stable, 0.1-0.2 moderate, above 0.2 a real shift). Unlike a p-value it does not shrink
  towards "significant" as rows are added, but it is biased upwards on small windows: with no
  change at all it averages about (bins - 1) / rows (0.37 for 24 rows and 10 bins), so a
  threshold belongs to a window size (05b shows it by simulation).
* Kolmogorov-Smirnov: the largest gap between the two cumulative distributions, with a p-value.
  The p-value answers "could both be one distribution?", which, on hundreds of hourly rows that
  are not independent (weather lasts for days), is almost always "no". Use the statistic, or a
  p-value only with a correction for the number of columns tested.
* Wasserstein (earth mover's) distance: how far the mass has to move, in the column's units;
  divided by the reference's standard deviation ("normed") it is what Evidently reports for
  large numeric columns.

Missing values are not a distribution shift but a data-quality signal: they are dropped before
the statistics and watched on their own (a sensor feed that drops out shows up there first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from mlproject import settings as project

# What the course monitors: the model's inputs (mlproject's, never a copy) and, when labels
# arrive, its target.
MONITORED_NUMERIC = list(project.NUMERIC_FEATURES)
MONITORED_CATEGORICAL = list(project.CATEGORICAL_FEATURES)
MONITORED_FEATURES = MONITORED_NUMERIC + MONITORED_CATEGORICAL
MONITORED = MONITORED_FEATURES + [project.TARGET]

PSI_BINS = 10
PSI_FLOOR = 1e-4  # an empty bin counts as this share, so the logarithm stays finite
PSI_THRESHOLD = 0.2  # above it a column has shifted; 0.1-0.2 is "keep an eye on it"
MISSING_THRESHOLD = 0.05  # a rise of the missing share by more than 5 points is an alert


class DriftError(ValueError):
    """A drift statistic cannot be computed from what it was given."""


def _values(values: Sequence[float] | pd.Series | np.ndarray, what: str) -> np.ndarray:
    array = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        raise DriftError(
            f"The {what} sample has no numeric value left after dropping missing ones: drift "
            "needs data on both sides. Check the column name and the window's rows."
        )
    return array


def psi_edges(reference: Sequence[float] | np.ndarray, bins: int = PSI_BINS) -> np.ndarray:
    """Inner bin edges: the reference's quantiles at 1/bins, 2/bins, ..., without duplicates.

    Quantile bins hold equal shares of the reference, so every bin matters equally. A column
    with few distinct values (an hour, a 0/1 flag) gives repeated quantiles; keeping each edge
    once merges those bins instead of leaving empty ones.
    """
    ref = _values(reference, "reference")
    return np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))


def shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of `values` in each bin; a value equal to an edge belongs to the bin above it."""
    index = np.searchsorted(edges, values, side="right")
    return np.bincount(index, minlength=len(edges) + 1) / len(values)


def psi_from_shares(
    reference_shares: np.ndarray, current_shares: np.ndarray, floor: float = PSI_FLOOR
) -> float:
    """PSI = sum over bins of (current - reference) * ln(current / reference), shares floored."""
    ref = np.clip(np.asarray(reference_shares, float), floor, None)
    cur = np.clip(np.asarray(current_shares, float), floor, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi(
    reference: Sequence[float] | np.ndarray,
    current: Sequence[float] | np.ndarray,
    bins: int = PSI_BINS,
    floor: float = PSI_FLOOR,
) -> float:
    """Population stability index of a numeric column, with the reference's quantile bins.

    0 when the shares match; it grows with every share that moves, in either direction.
    Missing values are dropped first (watch them with `missing_share`).
    """
    ref = _values(reference, "reference")
    cur = _values(current, "current")
    edges = psi_edges(ref, bins)
    return psi_from_shares(shares(ref, edges), shares(cur, edges), floor)


def psi_categorical(
    reference: Sequence[object] | pd.Series, current: Sequence[object] | pd.Series,
    floor: float = PSI_FLOOR,
) -> float:
    """PSI of a categorical column: one bin per category seen on either side."""
    ref = pd.Series(reference, dtype=object).dropna()
    cur = pd.Series(current, dtype=object).dropna()
    if ref.empty or cur.empty:
        raise DriftError("A categorical sample is empty after dropping missing values.")
    categories = sorted(set(ref) | set(cur), key=str)
    ref_shares = ref.value_counts(normalize=True).reindex(categories, fill_value=0.0)
    cur_shares = cur.value_counts(normalize=True).reindex(categories, fill_value=0.0)
    return psi_from_shares(ref_shares.to_numpy(), cur_shares.to_numpy(), floor)


@dataclass(frozen=True)
class KsResult:
    """The two-sample Kolmogorov-Smirnov test: the largest CDF gap and its p-value."""

    statistic: float
    pvalue: float


def ks(reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray) -> KsResult:
    """Two-sample KS test (scipy), on the non-missing values."""
    from scipy import stats

    result = stats.ks_2samp(_values(reference, "reference"), _values(current, "current"))
    return KsResult(float(result.statistic), float(result.pvalue))


def wasserstein(
    reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray,
    *, normed: bool = True,
) -> float:
    """Wasserstein distance; `normed` divides it by the reference's standard deviation.

    Normed, it is comparable across columns and matches Evidently's "Wasserstein distance
    (normed)" (whose default drift threshold is 0.1).
    """
    from scipy import stats

    ref = _values(reference, "reference")
    cur = _values(current, "current")
    distance = float(stats.wasserstein_distance(ref, cur))
    return distance / max(float(np.std(ref)), 1e-3) if normed else distance


def missing_share(values: pd.Series | Sequence[object]) -> float:
    """Share of missing values (0 to 1)."""
    series = pd.Series(values)
    return float(series.isna().mean()) if len(series) else 0.0


def feature_drift(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per column: PSI, KS statistic and p-value, normed Wasserstein, missing shares.

    Numeric columns get all three statistics; categorical columns get PSI only (KS and
    Wasserstein need an order). Columns default to `MONITORED` (those present in both frames).
    """
    columns = list(columns or [c for c in MONITORED if c in reference and c in current])
    absent = [c for c in columns if c not in reference or c not in current]
    if absent:
        raise DriftError(f"Column(s) {absent} are missing from the reference or the window.")
    rows = []
    for column in columns:
        ref, cur = reference[column], current[column]
        row: dict[str, object] = {
            "column": column,
            "missing_reference": missing_share(ref),
            "missing_current": missing_share(cur),
        }
        if _is_numeric(ref):
            test = ks(ref, cur)
            row |= {
                "kind": "numeric", "psi": psi(ref, cur), "ks": test.statistic,
                "ks_pvalue": test.pvalue, "wasserstein": wasserstein(ref, cur),
            }
        else:
            row |= {
                "kind": "categorical", "psi": psi_categorical(ref, cur), "ks": np.nan,
                "ks_pvalue": np.nan, "wasserstein": np.nan,
            }
        rows.append(row)
    order = ["kind", "psi", "ks", "ks_pvalue", "wasserstein", "missing_reference",
             "missing_current"]
    return pd.DataFrame(rows).set_index("column")[order]


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


@dataclass(frozen=True)
class Thresholds:
    """When a column counts as drifted: a PSI above `psi`, or missing share up by `missing`."""

    psi: float = PSI_THRESHOLD
    missing: float = MISSING_THRESHOLD


@dataclass(frozen=True)
class Verdict:
    """A window's drift decision: drifted or not, the columns responsible, and why."""

    drifted: bool
    columns: list[str]
    reasons: list[str] = field(default_factory=list)
    share: float = 0.0  # share of the checked columns that drifted


def decide(table: pd.DataFrame, thresholds: Thresholds | None = None) -> Verdict:
    """Apply the thresholds to `feature_drift`'s table: which columns drifted, in plain words."""
    thresholds = thresholds or Thresholds()
    columns, reasons = [], []
    for column, row in table.iterrows():
        why = []
        if row["psi"] > thresholds.psi:
            why.append(f"PSI {row['psi']:.2f} > {thresholds.psi}")
        rise = row["missing_current"] - row["missing_reference"]
        if rise > thresholds.missing:
            why.append(
                f"missing {row['missing_current']:.0%} vs {row['missing_reference']:.0%} "
                "in the reference"
            )
        if why:
            columns.append(str(column))
            reasons.append(f"{column}: " + "; ".join(why))
    return Verdict(
        bool(columns), columns, reasons or ["no column beyond its threshold"],
        share=len(columns) / max(len(table), 1),
    )


def false_alarm_rate(
    reference: pd.Series | np.ndarray,
    *,
    size: int,
    threshold: float,
    statistic: str = "psi",
    draws: int = 200,
    seed: int = 0,
) -> float:
    """How often a threshold fires when nothing changed: windows drawn from the reference itself.

    Each draw splits a random sample of the reference into a "reference" part and a window of
    `size` rows, and applies the statistic ("psi", "ks_pvalue" with the threshold as alpha, or
    "wasserstein"). The share of draws that fire is the false-alarm rate of that threshold for
    independent rows; real hourly rows are correlated, so expect more alarms on real windows.
    """
    values = _values(reference, "reference")
    if size >= len(values):
        raise DriftError(f"size {size} must be smaller than the reference ({len(values)} rows).")
    rng = np.random.default_rng(seed)
    fired = 0
    for _ in range(draws):
        shuffled = rng.permutation(values)
        window, rest = shuffled[:size], shuffled[size:]
        if statistic == "psi":
            fired += psi(rest, window) > threshold
        elif statistic == "ks_pvalue":
            fired += ks(rest, window).pvalue < threshold
        elif statistic == "wasserstein":
            fired += wasserstein(rest, window) > threshold
        else:
            raise DriftError(f"Unknown statistic {statistic!r}: use psi, ks_pvalue or wasserstein.")
    return fired / draws
