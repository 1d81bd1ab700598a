"""Runs DataDriftPreset with its defaults, ignoring the method and threshold asked for.

On a few hundred rows Evidently then picks the Kolmogorov-Smirnov test, whose p-value calls
January 2012 drifted already: a different answer to a different question.
"""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        (
            '''preset = DataDriftPreset(columns=columns, method=method, threshold=threshold)
        snapshot = Report([preset]).run(''',
            "snapshot = Report([DataDriftPreset(columns=columns)]).run(",
        ),
    ],
}
LOSES = ["q3_test", "q3_test_synthetic"]
