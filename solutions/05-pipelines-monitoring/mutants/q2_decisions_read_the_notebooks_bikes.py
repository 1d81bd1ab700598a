"""Takes each window's reference from the notebook's `bikes` instead of the `frame` argument."""

EDITS = {
    "q2_answer": [
        (
            "before = monitor.reference_for(frame, window).data",
            "before = monitor.reference_for(bikes, window).data",
        ),
    ],
}
LOSES = ["q2_test"]
