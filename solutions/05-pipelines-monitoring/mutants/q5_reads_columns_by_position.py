"""Reads the timestamp and cnt as the first and second fields of each line: the file's layout of
the visible test, not its header, so another column order breaks it."""

EDITS = {
    "q5_answer": [
        (
            '''        for row in csv.DictReader(handle):
            month = row["timestamp"][:7]
            totals[month] = totals.get(month, 0.0) + float(row["cnt"])''',
            '''        rows = csv.reader(handle)
        next(rows)
        for row in rows:
            month = row[0][:7]
            totals[month] = totals.get(month, 0.0) + float(row[1])''',
        ),
    ],
}
LOSES = ["q5_test"]
