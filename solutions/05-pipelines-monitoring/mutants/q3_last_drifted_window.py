"""Loops over every window and keeps the last drifted one instead of stopping at the first.

It answers "which window drifted most recently?", and runs a report for every window.
"""

REPLACEMENTS = {
    "q3_answer": '''
def first_drifted_window(reference, windows, columns, method="wasserstein", threshold=0.2,
                         html_path=None):
    """Name of the first window Evidently finds drifted against `reference`, or None."""
    found = None
    for window in windows:
        preset = DataDriftPreset(columns=columns, method=method, threshold=threshold)
        snapshot = Report([preset]).run(
            current_data=window.data[columns], reference_data=reference[columns]
        )
        for metric in snapshot.dict()["metrics"]:
            if metric["config"]["type"].endswith("DriftedColumnsCount"):
                if metric["value"]["share"] >= metric["config"]["drift_share"]:
                    found = window.name
                    if html_path is not None:
                        snapshot.save_html(str(html_path))
    return found''',
}
LOSES = ["q3_test", "q3_test_synthetic"]
