"""Leaves the sampler unseeded: two searches on the same rows try different settings."""

EDITS = {
    "q6_answer": [
        ("sampler=optuna.samplers.TPESampler(seed=0)", "sampler=optuna.samplers.TPESampler()"),
    ],
}
LOSES = ["q6_test"]
