"""The decision as one boolean expression, the relative gain written as a ratio, and a plain
tuple returned (KFP maps it onto the NamedTuple's fields in order)."""

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
            '''    beats_baseline = candidate_mae < baseline_mae
    no_champion = champion_mae < 0
    beats_champion = no_champion or candidate_mae / champion_mae < 1 - min_gain
    promote = beats_baseline and beats_champion
    reason = (
        "better than the baseline and the champion" if promote
        else "not better than the baseline" if not beats_baseline
        else "not enough better than the champion"
    )
    return (promote, reason)''',
        ),
    ],
}
