"""Creates the target folder with `os.mkdir`, one level only: fine while its parent exists, a
failed step when the dashboard's folder sits deeper."""

EDITS = {
    "q5_answer": [
        (
            "os.makedirs(target, exist_ok=True)",
            '''if not os.path.isdir(target):
        os.mkdir(target)''',
        ),
    ],
}
LOSES = ["q5_test"]
