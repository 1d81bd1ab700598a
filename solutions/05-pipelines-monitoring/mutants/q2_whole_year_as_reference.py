"""Compares every window with the whole of 2011 instead of the same month one year earlier.

Seasonality then counts as drift: every cold or hot month of 2012 "drifts" in temperature
against a year that averages all seasons.
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
    before = datasets.reference_period(frame)
    return {
        window.name: bool(psi(before[column], window.data[column]) > threshold)
        for window in windows
    }''',
}
LOSES = ["q2_test"]
