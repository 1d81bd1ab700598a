"""Picks the tree size from three values with `suggest_categorical` and the learning rate on a
linear scale: a narrower search, but every value lies in the ranges asked for."""

EDITS = {
    "q6_answer": [
        (
            '"learning_rate": trial.suggest_float("learning_rate", 0.03, 0.3, log=True),',
            '"learning_rate": trial.suggest_float("learning_rate", 0.03, 0.3),',
        ),
        (
            '"max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 7, 31),',
            '"max_leaf_nodes": trial.suggest_categorical("max_leaf_nodes", [7, 15, 31]),',
        ),
    ],
}
