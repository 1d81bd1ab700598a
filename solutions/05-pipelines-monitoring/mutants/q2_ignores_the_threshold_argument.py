"""Compares with the global PSI_THRESHOLD inside the function, ignoring its `threshold` argument.

Right for cnt at the default, wrong as soon as a caller asks for another threshold.
"""

REPLACEMENTS = {
    "q2_answer": '''PSI_THRESHOLD = 0.2


def half_month_psi(frame, column):
    """PSI of `column` between the first half (days 1-15) and the rest of each calendar month."""
    values = {}
    for month, rows in frame.groupby(frame["timestamp"].dt.month):
        first = rows[rows["timestamp"].dt.day <= 15]
        second = rows[rows["timestamp"].dt.day > 15]
        values[int(month)] = psi(first[column], second[column])
    return pd.Series(values, name=column)


def drift_decisions(frame, windows, column, threshold=PSI_THRESHOLD):
    """{window name: True when `column` drifted against the same month one year earlier}."""
    decisions = {}
    for window in windows:
        before = monitoring.same_month_reference(frame, window)
        decisions[window.name] = bool(psi(before[column], window.data[column]) > PSI_THRESHOLD)
    return decisions''',
}
LOSES = ["q2_test"]
