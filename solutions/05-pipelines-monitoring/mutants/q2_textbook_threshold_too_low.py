"""Takes 0.1, the textbook "moderate shift" value, without measuring what it costs.

On rentals per hour, 0.1 fires in four months of 2011 where nothing changed: four false alarms a
year, four times the budget.
"""

REPLACEMENTS = {
    "q2_answer": '''PSI_THRESHOLD = 0.1


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
        decisions[window.name] = bool(psi(before[column], window.data[column]) > threshold)
    return decisions''',
}
LOSES = ["q2_test"]
