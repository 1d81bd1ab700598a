"""Training/serving skew: do the features a model sees in production look like those it learnt on?

    report = compare(data.prepare_features(train), pd.DataFrame(logged_requests))
    report[report.skewed]

Skew is a difference made by the *pipeline*, not by the world: a client that sends humidity as a
fraction instead of a percentage, hours in UTC instead of local time, a default that fills a
missing value differently online and offline. Compared on the same period, features should
match; a large distance on one column points at the code that builds it. (Drift, sprint 05, is
the world changing; the tests are the same, the question differs.) A feature store removes the
commonest cause: one definition of each feature, computed once and served to both training and
the online API.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

KS_THRESHOLD = 0.1  # largest gap between the two cumulative distributions that we accept
SHARE_THRESHOLD = 0.1  # largest total-variation distance between category shares


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def compare(
    training: pd.DataFrame,
    serving: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    ks_threshold: float = KS_THRESHOLD,
    share_threshold: float = SHARE_THRESHOLD,
) -> pd.DataFrame:
    """One row per feature: training and serving means or modes, a distance, and a verdict.

    Numbers are compared with the Kolmogorov-Smirnov statistic (the largest gap between the
    two empirical distributions, 0 = same, 1 = disjoint); categories with the total-variation
    distance between their shares (missing counts as a category).
    """
    from scipy import stats

    columns = list(columns or [c for c in training.columns if c in serving.columns])
    absent = [c for c in columns if c not in serving.columns]
    if absent:
        raise KeyError(f"The serving data has no column(s) {absent}: did a client rename them?")
    rows = []
    for column in columns:
        train, live = training[column], serving[column]
        if _numeric(train) and _numeric(live):
            a, b = train.dropna().to_numpy(float), live.dropna().to_numpy(float)
            distance = float(stats.ks_2samp(a, b).statistic) if a.size and b.size else np.nan
            rows.append({
                "feature": column, "test": "KS", "training": float(np.mean(a)),
                "serving": float(np.mean(b)) if b.size else np.nan, "distance": distance,
                "skewed": bool(distance > ks_threshold),
            })
        else:
            share_a = train.astype(object).fillna("<missing>").value_counts(normalize=True)
            share_b = live.astype(object).fillna("<missing>").value_counts(normalize=True)
            both = share_a.index.union(share_b.index)
            tvd = 0.5 * float(
                (share_a.reindex(both, fill_value=0) - share_b.reindex(both, fill_value=0))
                .abs().sum()
            )
            rows.append({
                "feature": column, "test": "TVD", "training": share_a.idxmax(),
                "serving": share_b.idxmax() if len(share_b) else None, "distance": tvd,
                "skewed": bool(tvd > share_threshold),
            })
    return pd.DataFrame(rows).set_index("feature")
