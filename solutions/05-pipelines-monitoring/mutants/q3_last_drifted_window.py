"""Loops over every window and keeps the last drifted one instead of stopping at the first.

It answers "which window drifted most recently?", and runs a report for every window.
"""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        (
            '"""Name of the first window Evidently finds drifted against `reference`, or None."""',
            '''"""Name of the first window Evidently finds drifted against `reference`, or None."""
    found = None''',
        ),
        ("        drifted = False\n", ""),
        (
            '''drifted = metric["value"]["share"] >= metric["config"]["drift_share"]
        if drifted:
            if html_path is not None:
                snapshot.save_html(str(html_path))
            return window.name
    return None''',
            '''if metric["value"]["share"] >= metric["config"]["drift_share"]:
                    found = window.name
                    if html_path is not None:
                        snapshot.save_html(str(html_path))
    return found''',
        ),
    ],
}
LOSES = ["q3_test", "q3_test_synthetic"]
