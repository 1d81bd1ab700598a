"""Divides by 10**6, computes the saving from the naive image's layers, and explains the sizes
without using the word "dependencies".

A megabyte is a megabyte however it is written, and "the installed Python packages" names the
biggest part as well as "dependencies" does.
"""

EDITS = {
    "q4_answer": [
        ("(kinds.get(kind, 0) / 1e6, 1)", "(kinds.get(kind, 0) / 10**6, 1)"),
        (
            "SAVED_MB = round((naive.total_bytes - mine.total_bytes) / 1e6, 1)",
            "naive_bytes = sum(layer.bytes or 0 for layer in naive.final_layers)\n"
            "SAVED_MB = round((naive_bytes - mine.total_bytes) / 10**6, 1)",
        ),
        (
            "Almost all of the image is the Python dependencies "
            "(scikit-learn, numpy, scipy, pandas) "
            "and the\nbase image; the app and its model weigh a fraction of a megabyte.",
            "Most of the bytes are the installed Python packages: scikit-learn, numpy, scipy and "
            "pandas\nweigh far more than the slim base, and the app and its model are a fraction "
            "of a megabyte.",
        ),
    ],
}
