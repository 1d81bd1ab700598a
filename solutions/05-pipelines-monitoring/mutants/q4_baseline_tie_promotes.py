"""Lets a candidate that only ties the heuristic baseline through (`<=`): a model no better than
the rule of thumb it must beat."""

EDITS = {
    "q4_answer": [("if not candidate_mae < baseline_mae:", "if candidate_mae > baseline_mae:")],
}
LOSES = ["q4_test"]
