"""Promotes on a tie (`<=`): swapping models that score the same changes nothing but the risk."""

EDITS = {
    "q4_answer": [
        (
            '''return outputs(False, f"MAE {candidate_mae:.1f} does not beat the baseline's "
                              f"{baseline_mae:.1f}")
    if champion_mae < 0:
        return outputs(True, f"no champion yet; MAE {candidate_mae:.1f} beats the baseline")
    needed = champion_mae * (1 - min_gain)
    if candidate_mae < needed:
        return outputs(True, f"MAE {candidate_mae:.1f} is below {needed:.1f}")
    return outputs(False, f"MAE {candidate_mae:.1f} is not below {needed:.1f}: champion stays")''',
            '''return outputs(False, "does not beat the baseline")
    if champion_mae < 0 or candidate_mae <= champion_mae * (1 - min_gain):
        return outputs(True, "at least as good as the champion")
    return outputs(False, "worse than the champion")''',
        ),
    ],
}
LOSES = ["q4_test"]
