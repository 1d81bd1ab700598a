"""Saves every window's report at `html_path` before deciding: when nothing drifted, the file
holds an undrifted window's report, evidence of a drift that never happened."""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        (
            '''        drifted = False
''',
            '''        if html_path is not None:
            snapshot.save_html(str(html_path))
        drifted = False
''',
        ),
        (
            '''        if drifted:
            if html_path is not None:
                snapshot.save_html(str(html_path))
            return window.name''',
            '''        if drifted:
            return window.name''',
        ),
    ],
}
LOSES = ["q3_test_synthetic"]
