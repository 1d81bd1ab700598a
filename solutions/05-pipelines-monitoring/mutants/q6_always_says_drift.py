"""Raises the alarm on every window and names every column.

It catches every change and every unchanged window too: all alarm, no signal. Its detection
rate minus its false-alarm rate is zero.
"""

REPLACEMENTS = {
    "q6_answer": '''def monitoring_policy(reference, window):
    """(drifted, up to 3 changed columns, most changed first) for `window` against `reference`."""
    return True, [c for c in drift.MONITORED if c in window][:3]''',
}
LOSES = ["q6_test"]
