"""Searches the runs of every experiment instead of the experiment it is given.

While the store holds one experiment with runs, the answer is the same; once there are others,
the best run of another experiment (another dataset, another metric scale) can be promoted.
"""

EDITS = {
    "q4_answer": [
        ("experiment_names=[experiment_name],", "search_all_experiments=True,"),
    ],
}
LOSES = ["q4_test"]
