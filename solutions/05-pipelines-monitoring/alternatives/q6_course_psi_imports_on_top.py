"""The course's `drift.psi` and `drift.psi_categorical` instead of the answer to question 1,
imported at the top of the cell under other names, and the alarms kept as (score, column) pairs
ranked with `heapq.nlargest`."""

EDITS = {
    "q6_answer": [
        (
            "def monitoring_policy(",
            '''import heapq

from mlops_course.drift import MONITORED as WATCHED
from mlops_course.drift import psi as numeric_psi
from mlops_course.drift import psi_categorical as categorical_psi
from pandas.api.types import is_numeric_dtype


def monitoring_policy(''',
        ),
        (
            '''    scores = {}
    for column in drift.MONITORED:
        if column not in reference or column not in window:
            continue
        before, after = reference[column], window[column]
        rise = after.isna().mean() - before.isna().mean()
        if pd.api.types.is_numeric_dtype(before) and pd.api.types.is_numeric_dtype(after):
            score = psi(before, after) if after.notna().any() else float("inf")
        else:
            score = drift.psi_categorical(before.astype(object), after.astype(object))
        if rise > 0.05:  # a feed that drops out: a data-quality alarm on its own
            score = max(score, 10 * rise)
        if score > 0.2:
            scores[column] = score
    ranked = sorted(scores, key=scores.get, reverse=True)[:3]
    return bool(ranked), ranked''',
            '''    alarms = []
    for name in (c for c in WATCHED if c in reference.columns and c in window.columns):
        old, new = reference[name], window[name]
        if is_numeric_dtype(old) and is_numeric_dtype(new):
            moved = numeric_psi(old, new) if new.notna().any() else float("inf")
        else:
            moved = categorical_psi(old.astype(object), new.astype(object))
        gone = new.isna().mean() - old.isna().mean()
        if gone > 0.05:
            moved = max(moved, 10 * gone)
        if moved > 0.2:
            alarms.append((moved, name))
    top = [name for _, name in heapq.nlargest(3, alarms)]
    return len(top) > 0, top''',
        ),
    ],
}
