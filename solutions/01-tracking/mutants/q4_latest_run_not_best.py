"""Returns the most recent run instead of the best one (no ordering by `mae`).

MLflow lists the newest runs first; on this lab's store that is not the lowest MAE.
"""

EDITS = {
    "q4_answer": [
        (
            """experiment_names=[experiment_name], filter_string="metrics.mae >= 0",
        order_by=["metrics.mae ASC"], max_results=1,""",
            "experiment_names=[experiment_name], max_results=1,",
        ),
    ],
}
LOSES = ['q4_test']
