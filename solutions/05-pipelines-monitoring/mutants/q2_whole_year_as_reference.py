"""Compares every window with the whole of 2011 instead of the same month one year earlier.

Seasonality then counts as drift: every cold or hot month of 2012 "drifts" in temperature
against a year that averages all seasons.
"""

EDITS = {
    "q2_answer": [
        (
            '''\
# Your threshold for cnt, justified by its false alarms and its detections (see the tests):
PSI_THRESHOLD''',
            "PSI_THRESHOLD",
        ),
        ("decisions = {}", "before = data.reference(frame)"),
        ("for window in windows:", "return {"),
        (
            "before = monitor.reference_for(frame, window).data",
            "window.name: bool(psi(before[column], window.data[column]) > threshold)",
        ),
        (
            "decisions[window.name] = bool(psi(before[column], window.data[column]) > threshold)",
            "for window in windows",
        ),
        ("return decisions", "}"),
    ],
}
LOSES = ["q2_test"]
