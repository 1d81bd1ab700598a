"""Labels each hour's half with `numpy.where` and groups by (month, half); the decisions use the
course's `drift.psi`, which computes the same statistic."""

EDITS = {
    "q2_answer": [
        (
            '''    values = {}
    for month, rows in frame.groupby(frame["timestamp"].dt.month):
        first = rows[rows["timestamp"].dt.day <= 15]
        second = rows[rows["timestamp"].dt.day > 15]
        values[int(month)] = psi(first[column], second[column])
    return pd.Series(values, name=column)''',
            '''    stamp = frame["timestamp"]
    half = np.where(stamp.dt.day <= 15, "early", "late")
    parts = dict(tuple(frame[column].groupby([stamp.dt.month, half])))
    months = sorted({month for month, _ in parts})
    return pd.Series([psi(parts[(m, "early")], parts[(m, "late")]) for m in months],
                     index=months)''',
        ),
        (
            "decisions[window.name] = bool(psi(before[column], window.data[column]) > threshold)",
            '''score = drift.psi(before[column], window.data[column])
        decisions[window.name] = score > threshold''',
        ),
    ],
}
