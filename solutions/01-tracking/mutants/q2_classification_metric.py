"""Picks accuracy, a classification metric, for a regression problem.

The schema ties the metric to the task, so the card no longer validates.
"""

REPLACEMENTS = {
    "q2_answer": '''baseline_mae = round(evaluate(modelling.baseline(), reference)["mae"], 1)
PROJECT_CARD = {
    "name": "bike-demand",
    "problem": {
        "statement": "Forecast the number of bikes rented in each hour of the next day.",
        "task": "regression",
        "decision": "how many bikes the rebalancing vans move before each peak",
        "users": ["operations planners", "dispatch team"],
        "cost_of_errors": {
            "under_prediction": "empty stations at peak time and lost rentals",
            "over_prediction": "van trips moving bikes that nobody rents",
        },
    },
    "metric": {
        "name": "accuracy",
        "why": "both errors cost in proportion to the number of bikes missed",
        "unit": "bikes per hour",
        "higher_is_better": False,
        "good_enough": round(0.9 * baseline_mae, 1),
    },
    "baseline": {"description": "mean of the same hour on the same kind of day",
                 "score": baseline_mae},
    "data": {
        "source": "datasets/bike_sharing/hour.csv",
        "target": "cnt",
        "features": list(modelling.FEATURES),
        "time_column": "timestamp",
        "split": "2011 in time order: the last 20 % of hours are the holdout",
        "licence": "CC BY 4.0",
    },
    "risks": [
        {"risk": "demand grows as the system expands", "mitigation": "monitor and retrain"},
        {"risk": "the weather record is missing in 7 % of hours",
         "mitigation": "keep missing as its own value and watch its share"},
    ],
    "when_not_to_use_ml": "If the hourly profile meets the target, a table is cheaper to run.",
}
card_file = cards.write_card(PROJECT_CARD, LAB_DIR / "project_card.yaml")''',
}
LOSES = ['q2_test']
