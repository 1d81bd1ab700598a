"""Finds the right window but never saves its report: the decision comes without its evidence."""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        ("        drifted = False\n", ""),
        (
            '''drifted = metric["value"]["share"] >= metric["config"]["drift_share"]
        if drifted:
            if html_path is not None:
                snapshot.save_html(str(html_path))
            return window.name''',
            '''if metric["value"]["share"] >= metric["config"]["drift_share"]:
                    return window.name''',
        ),
    ],
}
LOSES = ["q3_test"]
