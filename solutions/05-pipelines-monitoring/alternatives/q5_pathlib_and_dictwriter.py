"""pathlib inside the components (`mkdir(parents=True, exist_ok=True)`, `read_text` /
`write_text`), `csv.DictWriter` for the table, the two tasks named `summary` and `copy`."""

EDITS = {
    "q5_answer": [
        (
            '''    with open(table.path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "mean_cnt"])
        for month in sorted(totals):
            writer.writerow([month, totals[month] / counts[month]])''',
            '''    with open(table.path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["month", "mean_cnt"])
        writer.writeheader()
        writer.writerows(
            {"month": m, "mean_cnt": totals[m] / counts[m]} for m in sorted(totals)
        )''',
        ),
        (
            '''    import os
    import shutil

    os.makedirs(target, exist_ok=True)
    shutil.copyfile(table.path, os.path.join(target, "monthly_means.csv"))''',
            '''    from pathlib import Path

    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "monthly_means.csv").write_text(Path(table.path).read_text())''',
        ),
        (
            '''    means = monthly_means(source=source, data_sha256=data_sha256)
    shown = publish(table=means.outputs["table"], target=target)
    shown.set_caching_options(enable_caching=False)  # its effect is outside the pipeline
    return means.outputs["table"]''',
            '''    summary = monthly_means(source=source, data_sha256=data_sha256)
    copy = publish(table=summary.outputs["table"], target=target)
    copy.set_caching_options(enable_caching=False)
    return summary.outputs["table"]''',
        ),
    ],
}
