"""Moves the comparison into a helper function defined in the notebook and calls it.

Called as a plain function the component works, because the notebook knows the helper. As a
pipeline step only the component's own source travels to the step, and it fails with a
NameError: the classic first mistake with lightweight components.
"""

REPLACEMENTS = {
    "q4_answer": '''def beats(candidate, champion, gain):
    return champion < 0 or candidate < champion * (1 - gain)


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def quality_gate(
    candidate_mae: float, champion_mae: float, baseline_mae: float, min_gain: float
) -> NamedTuple("GateOutputs", promote=bool, reason=str):
    """Promote a candidate that beats the baseline and, by `min_gain`, the champion."""
    from collections import namedtuple

    outputs = namedtuple("GateOutputs", ["promote", "reason"])
    if candidate_mae < baseline_mae and beats(candidate_mae, champion_mae, min_gain):
        return outputs(True, "better than the baseline and the champion")
    return outputs(False, "not better than both")''',
}
LOSES = ["q4_test"]
