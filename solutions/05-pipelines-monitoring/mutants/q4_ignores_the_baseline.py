"""Only compares with the champion: a candidate worse than the heuristic baseline can ship.

If the champion itself has decayed below the baseline, "better than the champion" is not good
enough.
"""

REPLACEMENTS = {
    "q4_answer": '''@dsl.component(base_image="python:3.11", install_kfp_package=False)
def quality_gate(
    candidate_mae: float, champion_mae: float, baseline_mae: float, min_gain: float
) -> NamedTuple("GateOutputs", promote=bool, reason=str):
    """Promote a candidate that beats the baseline and, by `min_gain`, the champion."""
    from collections import namedtuple

    outputs = namedtuple("GateOutputs", ["promote", "reason"])
    if champion_mae < 0 or candidate_mae < champion_mae * (1 - min_gain):
        return outputs(True, "better than the champion")
    return outputs(False, "not better than the champion")''',
}
LOSES = ["q4_test"]
