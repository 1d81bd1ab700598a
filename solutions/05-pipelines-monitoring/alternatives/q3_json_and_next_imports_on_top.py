"""Imports at the top of the cell, reads the snapshot through `json.loads(snapshot.json())` and
finds the count metric with `next(...)`."""

EDITS = {
    "q3_answer": [
        (
            "def first_drifted_window",
            '''import json

from evidently import Report as EvidentlyReport
from evidently.presets import DataDriftPreset as DriftPreset


def first_drifted_window''',
        ),
        (
            '''    for window in windows:
        preset = DataDriftPreset(columns=columns, method=method, threshold=threshold)
        snapshot = Report([preset]).run(
            current_data=window.data[columns], reference_data=reference[columns]
        )
        drifted = False
        for metric in snapshot.dict()["metrics"]:
            if metric["config"]["type"].endswith("DriftedColumnsCount"):
                drifted = metric["value"]["share"] >= metric["config"]["drift_share"]
        if drifted:''',
            '''    for window in windows:
        report = EvidentlyReport([DriftPreset(columns=columns, method=method, threshold=threshold)])
        snapshot = report.run(reference_data=reference[columns], current_data=window.data[columns])
        metrics = json.loads(snapshot.json())["metrics"]
        count = next(m for m in metrics if m["config"]["type"].endswith("DriftedColumnsCount"))
        if count["value"]["share"] >= count["config"]["drift_share"]:''',
        ),
    ],
}
