"""Never raises an alarm: no false alarms, and no detections either."""

REPLACEMENTS = {
    "q6_answer": '''def monitoring_policy(reference, window):
    """(drifted, up to 3 changed columns, most changed first) for `window` against `reference`."""
    return False, []''',
}
LOSES = ["q6_test"]
