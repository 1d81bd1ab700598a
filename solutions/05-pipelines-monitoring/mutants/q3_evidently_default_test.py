"""Runs DataDriftPreset with its defaults, ignoring the method and threshold asked for.

On a few hundred rows Evidently then picks the Kolmogorov-Smirnov test, whose p-value calls
January 2012 drifted already: a different answer to a different question.
"""

REPLACEMENTS = {
    "q3_answer": '''
def first_drifted_window(reference, windows, columns, method="wasserstein", threshold=0.2,
                         html_path=None):
    """Name of the first window Evidently finds drifted against `reference`, or None."""
    for window in windows:
        snapshot = Report([DataDriftPreset(columns=columns)]).run(
            current_data=window.data[columns], reference_data=reference[columns]
        )
        drifted = False
        for metric in snapshot.dict()["metrics"]:
            if metric["config"]["type"].endswith("DriftedColumnsCount"):
                drifted = metric["value"]["share"] >= metric["config"]["drift_share"]
        if drifted:
            if html_path is not None:
                snapshot.save_html(str(html_path))
            return window.name
    return None''',
}
LOSES = ["q3_test", "q3_test_synthetic"]
