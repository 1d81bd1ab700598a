"""Promotes on a tie (`<=`): swapping models that score the same changes nothing but the risk."""

REPLACEMENTS = {
    "q4_answer": '''@dsl.component(base_image="python:3.11", install_kfp_package=False)
def quality_gate(
    candidate_mae: float, champion_mae: float, baseline_mae: float, min_gain: float
) -> NamedTuple("GateOutputs", promote=bool, reason=str):
    """Promote a candidate that beats the baseline and, by `min_gain`, the champion."""
    from collections import namedtuple

    outputs = namedtuple("GateOutputs", ["promote", "reason"])
    if not candidate_mae < baseline_mae:
        return outputs(False, "does not beat the baseline")
    if champion_mae < 0 or candidate_mae <= champion_mae * (1 - min_gain):
        return outputs(True, "at least as good as the champion")
    return outputs(False, "worse than the champion")''',
}
LOSES = ["q4_test"]
