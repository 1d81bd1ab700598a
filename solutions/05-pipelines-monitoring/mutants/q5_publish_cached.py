"""Leaves publish cached like every other step, although its effect lives outside the pipeline.

The second run reuses publish's (empty) outputs and skips it, so a dashboard file deleted in
between is never written again.
"""

REPLACEMENTS = {
    "q5_answer": '''@dsl.component(base_image="python:3.11", install_kfp_package=False)
def monthly_means(source: str, data_sha256: str, table: Output[Dataset]):
    """Mean of `cnt` per month of the CSV at `source`, as CSV (`data_sha256` keys the cache)."""
    import csv

    totals, counts = {}, {}
    with open(source, newline="") as handle:
        for row in csv.DictReader(handle):
            month = row["timestamp"][:7]
            totals[month] = totals.get(month, 0.0) + float(row["cnt"])
            counts[month] = counts.get(month, 0) + 1
    with open(table.path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "mean_cnt"])
        for month in sorted(totals):
            writer.writerow([month, totals[month] / counts[month]])


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def publish(table: Input[Dataset], target: str):
    """Copy the table to `<target>/monthly_means.csv` (a folder outside the pipeline)."""
    import os
    import shutil

    os.makedirs(target, exist_ok=True)
    shutil.copyfile(table.path, os.path.join(target, "monthly_means.csv"))


@dsl.pipeline
def reporting_pipeline(source: str, data_sha256: str, target: str) -> Dataset:
    """monthly_means, then publish its table; returns the table."""
    means = monthly_means(source=source, data_sha256=data_sha256)
    publish(table=means.outputs["table"], target=target)
    return means.outputs["table"]''',
}
LOSES = ["q5_test"]
