"""A `typing.NamedTuple` class defined inside the body, and the required gain written as a
difference: the champion's MAE minus the candidate's must exceed min_gain times the champion's."""

EDITS = {
    "q4_answer": [
        (
            '''    from collections import namedtuple

    outputs = namedtuple("GateOutputs", ["promote", "reason"])
    if not candidate_mae < baseline_mae:
        return outputs(False, f"MAE {candidate_mae:.1f} does not beat the baseline's "
                              f"{baseline_mae:.1f}")
    if champion_mae < 0:
        return outputs(True, f"no champion yet; MAE {candidate_mae:.1f} beats the baseline")
    needed = champion_mae * (1 - min_gain)
    if candidate_mae < needed:
        return outputs(True, f"MAE {candidate_mae:.1f} is below {needed:.1f}")
    return outputs(False, f"MAE {candidate_mae:.1f} is not below {needed:.1f}: champion stays")''',
            '''    from typing import NamedTuple as Record

    class Verdict(Record):
        promote: bool
        reason: str

    if candidate_mae >= baseline_mae:
        return Verdict(False, "no better than the baseline")
    if champion_mae >= 0 and champion_mae - candidate_mae <= min_gain * champion_mae:
        return Verdict(False, "the gain over the champion is too small")
    return Verdict(True, "beats the baseline and, by enough, the champion (if any)")''',
        ),
    ],
}
