"""Another design: a generator yields each window with its snapshot, the loop stops at the first
drifted one; frames selected with `.loc[:, columns]`, the limit compared as `share - limit >= 0`."""

EDITS = {
    "q3_answer": [
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
            '''    def reports():
        for window in windows:
            report = Report(
                metrics=[DataDriftPreset(columns=columns, method=method, threshold=threshold)]
            )
            yield window, report.run(window.data.loc[:, columns], reference.loc[:, columns])

    def dataset_drifted(snapshot):
        for metric in snapshot.dict()["metrics"]:
            if metric["config"]["type"].endswith("DriftedColumnsCount"):
                return metric["value"]["share"] - metric["config"]["drift_share"] >= 0
        raise ValueError("the report has no DriftedColumnsCount metric")

    for window, snapshot in reports():
        if dataset_drifted(snapshot):''',
        ),
    ],
}
