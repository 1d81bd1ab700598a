"""Removes `data_sha256` from monthly_means because the function body never reads it.

A linter would call it an unused argument; for the cache it was the only sign that the data
changed. Without it the step's inputs stay the same when the file's content changes, and the
stale table keeps coming from the cache.
"""

EDITS = {
    "q5_answer": [
        ("data_sha256: str, table", "table"),
        ("CSV (`data_sha256` keys the cache)", "CSV"),
        ("source, data_sha256=data_sha256", "source"),
        ("(enable_caching=False)  # its effect is outside the pipeline", "(enable_caching=False)"),
    ],
}
LOSES = ["q5_test"]
