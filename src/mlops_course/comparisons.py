"""Models that exist only to be compared with the project's, in sprint 01's walkthrough and lab.

The system's model, features and baseline are `mlproject`'s (`train.build_model`,
`settings.FEATURES`, `evaluate.HourlyBaseline`). A linear model is not part of the system: it is
here to show, on the same features, why the project uses trees.
"""

from __future__ import annotations

from mlproject import settings as cfg
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def linear_model(alpha: float = 1.0) -> Pipeline:
    """Ridge regression on mlproject's features: one-hot hours and categories, scaled numbers.

    Takes the frame `mlproject.data.prepare_features` returns. Hours are one-hot encoded because
    demand is not linear in the hour of the day (it has two peaks).
    """
    scaled = [column for column in cfg.NUMERIC_FEATURES if column != "hr"]
    encode = ColumnTransformer(
        [
            ("one_hot", OneHotEncoder(handle_unknown="ignore"), ["hr", *cfg.CATEGORICAL_FEATURES]),
            ("scaled", StandardScaler(), scaled),
        ]
    )
    return make_pipeline(encode, Ridge(alpha=alpha))
