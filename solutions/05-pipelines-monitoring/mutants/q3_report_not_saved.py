"""Finds the right window but never saves its report: the decision comes without its evidence."""

REPLACEMENTS = {
    "q3_answer": '''
def first_drifted_window(reference, windows, columns, method="wasserstein", threshold=0.2,
                         html_path=None):
    """Name of the first window Evidently finds drifted against `reference`, or None."""
    for window in windows:
        preset = DataDriftPreset(columns=columns, method=method, threshold=threshold)
        snapshot = Report([preset]).run(
            current_data=window.data[columns], reference_data=reference[columns]
        )
        for metric in snapshot.dict()["metrics"]:
            if metric["config"]["type"].endswith("DriftedColumnsCount"):
                if metric["value"]["share"] >= metric["config"]["drift_share"]:
                    return window.name
    return None''',
}
LOSES = ["q3_test"]
