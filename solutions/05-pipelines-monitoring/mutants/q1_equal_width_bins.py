"""Cuts the reference's range into equal-width bins instead of quantile bins.

On evenly spread values both give the same edges (the visible toy case passes); on skewed data
such as rentals per hour most values crowd into the first bins and the PSI differs.
"""

EDITS = {
    "q1_answer": [
        (
            "unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))",
            "linspace(ref.min(), ref.max(), bins + 1)[1:-1]",
        ),
    ],
}
LOSES = ["q1_test"]
