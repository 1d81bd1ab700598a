"""Compares with champion_mae even when it is negative (no champion yet).

Nothing is below -1, so the very first model can never be promoted and the registry stays empty.
"""

REPLACEMENTS = {
    "q4_answer": '''@dsl.component(base_image="python:3.11", install_kfp_package=False)
def quality_gate(
    candidate_mae: float, champion_mae: float, baseline_mae: float, min_gain: float
) -> NamedTuple("GateOutputs", promote=bool, reason=str):
    """Promote a candidate that beats the baseline and, by `min_gain`, the champion."""
    from collections import namedtuple

    outputs = namedtuple("GateOutputs", ["promote", "reason"])
    if candidate_mae < baseline_mae and candidate_mae < champion_mae * (1 - min_gain):
        return outputs(True, "better than the baseline and the champion")
    return outputs(False, "not better than both")''',
}
LOSES = ["q4_test"]
