"""`task.output` (the component's only output) instead of `outputs["table"]`, caching switched
off with a positional argument, `collections.defaultdict` and `statistics.fmean` for the means,
`shutil.copy` to publish."""

EDITS = {
    "q5_answer": [
        (
            '''    import csv

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
            writer.writerow([month, totals[month] / counts[month]])''',
            '''    import csv
    import statistics
    from collections import defaultdict

    by_month = defaultdict(list)
    with open(source, newline="") as handle:
        for row in csv.DictReader(handle):
            by_month[row["timestamp"][:7]].append(float(row["cnt"]))
    with open(table.path, "w", newline="") as handle:
        handle.write("month,mean_cnt\\n")
        for month, counts in sorted(by_month.items()):
            handle.write(f"{month},{statistics.fmean(counts)!r}\\n")''',
        ),
        (
            "shutil.copyfile(table.path, os.path.join(target",
            "shutil.copy(table.path, os.path.join(target",
        ),
        (
            '''    means = monthly_means(source=source, data_sha256=data_sha256)
    shown = publish(table=means.outputs["table"], target=target)
    shown.set_caching_options(enable_caching=False)  # its effect is outside the pipeline
    return means.outputs["table"]''',
            '''    table = monthly_means(source=source, data_sha256=data_sha256).output
    publish(table=table, target=target).set_caching_options(False)
    return table''',
        ),
    ],
}
