"""Removes `data_sha256` from monthly_means because the function body never reads it.

A linter would call it an unused argument; for the cache it was the only sign that the data
changed. Without it the step's inputs stay the same when the file's content changes, and the
stale table keeps coming from the cache.
"""

REPLACEMENTS = {
    "q5_answer": '''@dsl.component(base_image="python:3.11", install_kfp_package=False)
def monthly_means(source: str, table: Output[Dataset]):
    """Mean of `cnt` per month of the CSV at `source`, as CSV."""
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
    means = monthly_means(source=source)
    shown = publish(table=means.outputs["table"], target=target)
    shown.set_caching_options(enable_caching=False)
    return means.outputs["table"]''',
}
LOSES = ["q5_test"]
