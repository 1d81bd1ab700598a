"""Hard-codes the Wasserstein distance (the signature's default) instead of passing the `method`
it is given: a caller who asks for the Kolmogorov-Smirnov test gets another test."""

EDITS = {
    "q3_answer": [
        ("def first_drifted_window", "\ndef first_drifted_window"),
        (
            "DataDriftPreset(columns=columns, method=method, threshold=threshold)",
            'DataDriftPreset(columns=columns, method="wasserstein", threshold=threshold)',
        ),
    ],
}
LOSES = ["q3_test_synthetic"]
