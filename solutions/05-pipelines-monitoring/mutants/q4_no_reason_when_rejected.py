"""Gives a reason only when it promotes: a rejected candidate comes back with an empty reason,
and nobody learns why the champion stayed."""

EDITS = {
    "q4_answer": [
        (
            'f"MAE {candidate_mae:.1f} is not below {needed:.1f}: champion stays")',
            '"")',
        ),
    ],
}
LOSES = ["q4_test"]
