"""Flags a column when its mean moved by more than half a standard deviation.

Shifts and unit changes move the mean; a sensor stuck near its usual value and a feed that
drops half its values do not, so those changes go unseen.
"""

REPLACEMENTS = {
    "q6_answer": '''def monitoring_policy(reference, window):
    """(drifted, up to 3 changed columns, most changed first) for `window` against `reference`."""
    moved = {}
    for column in drift.MONITORED:
        if column in reference and column in window:
            before, after = reference[column], window[column]
            if pd.api.types.is_numeric_dtype(before) and after.notna().any():
                gap = abs(after.mean() - before.mean()) / before.std()
                if gap > 0.5:
                    moved[column] = gap
    flagged = sorted(moved, key=moved.get, reverse=True)[:3]
    return bool(flagged), flagged''',
}
LOSES = ["q6_test"]
