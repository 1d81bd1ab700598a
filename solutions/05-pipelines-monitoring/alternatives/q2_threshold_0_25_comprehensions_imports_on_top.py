"""A higher threshold that still meets both budgets (0.25: one false alarm in 2011, 8 months of
2012 flagged), `reference_for` imported at the top of the cell, masks per month and a dict
comprehension."""

EDITS = {
    "q2_answer": [
        (
            "PSI_THRESHOLD = 0.2",
            '''from mlproject.monitor import reference_for

PSI_THRESHOLD = 0.25''',
        ),
        (
            '''    values = {}
    for month, rows in frame.groupby(frame["timestamp"].dt.month):
        first = rows[rows["timestamp"].dt.day <= 15]
        second = rows[rows["timestamp"].dt.day > 15]
        values[int(month)] = psi(first[column], second[column])
    return pd.Series(values, name=column)''',
            '''    months, days = frame["timestamp"].dt.month, frame["timestamp"].dt.day
    result = pd.Series(dtype=float)
    for month in sorted(months.unique()):
        early = (months == month) & (days < 16)
        late = (months == month) & (days >= 16)
        result.loc[int(month)] = psi(frame.loc[early, column], frame.loc[late, column])
    return result''',
        ),
        (
            '''    decisions = {}
    for window in windows:
        before = monitor.reference_for(frame, window).data
        decisions[window.name] = bool(psi(before[column], window.data[column]) > threshold)
    return decisions''',
            '''    return {
        w.name: psi(reference_for(frame, w).data[column], w.data[column]) > threshold
        for w in windows
    }''',
        ),
    ],
}
