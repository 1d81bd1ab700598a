"""Project and model cards: the schemas the course ships, and the checks beyond them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from mlops_course import cards

PROJECT = {
    "name": "bike-demand",
    "problem": {
        "statement": "Predict the number of bikes rented in each hour of the next day.",
        "task": "regression",
        "decision": "how many bikes the rebalancing vans move before each peak",
        "users": ["operations planners"],
        "cost_of_errors": {
            "under_prediction": "empty stations at peak time: lost rentals and angry members",
            "over_prediction": "vans and drivers moving bikes nobody rents",
        },
    },
    "metric": {
        "name": "mae",
        "why": "errors cost roughly in proportion to the number of bikes missed",
        "unit": "bikes per hour",
        "higher_is_better": False,
        "good_enough": 40.0,
    },
    "baseline": {"description": "mean of the same hour on the same kind of day", "score": 44.6},
    "data": {
        "source": "datasets/bike_sharing/hour.csv",
        "target": "cnt",
        "features": ["hr", "workingday", "temp"],
        "time_column": "timestamp",
        "split": "train before 2011-10-01, validate on October to December 2011",
        "licence": "CC BY 4.0",
    },
    "risks": [
        {"risk": "demand grows as the system expands", "mitigation": "monitor and retrain"},
        {"risk": "weather records go missing", "mitigation": "model missing weather explicitly"},
    ],
    "when_not_to_use_ml": "When the hourly profile already meets the target, keep the table.",
}


def test_a_sound_project_card_has_no_problem(tmp_path: Path):
    assert cards.check_project_card(PROJECT) == []
    path = cards.write_card(PROJECT, tmp_path / "project_card.yaml")
    assert cards.load_card(path) == PROJECT
    assert cards.check_project_card(path) == []


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        (("metric", "name"), "accuracy", "metric/name"),  # a classification metric for regression
        (("risks",), PROJECT["risks"][:1], "risks"),
        (("problem", "users"), [], "problem/users"),
        (("data", "features"), ["hr", "registered"], "leak"),
        (("data", "features"), ["hr", "cnt"], "target 'cnt' cannot also be a feature"),
        (("metric", "good_enough"), 50.0, "beat the baseline"),
    ],
)
def test_each_flaw_of_a_project_card_is_named(where: tuple[str, ...], value, expected: str):
    card = copy.deepcopy(PROJECT)
    target = card
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    problems = cards.check_project_card(card)
    assert any(expected in p for p in problems), problems


def test_a_missing_card_file_says_what_to_do(tmp_path: Path):
    with pytest.raises(cards.CardError, match="Write the card first"):
        cards.check_project_card(tmp_path / "nope.yaml")


def test_a_model_card_renders_to_markdown_with_every_section():
    card = {
        "model": {"name": "bike-demand", "version": "3", "alias": "champion", "run_id": "abc",
                  "estimator": "HistGradientBoostingRegressor", "created": "2026-01-01",
                  "params": {"learning_rate": 0.1}},
        "intended_use": "Plan tomorrow's rebalancing from hourly demand forecasts.",
        "out_of_scope": ["pricing decisions"],
        "training_data": {"description": "2011, April to September", "sha256": "0" * 64},
        "evaluation": [{"data": "validation", "metrics": {"mae": 37.5, "rmse": 55.0}}],
        "behaviour_tests": [{"name": "rush hour beats night", "kind": "directional",
                             "passed": True}],
        "ethical_considerations": ["forecasts steer bikes away from quieter neighbourhoods"],
        "caveats": ["under-predicts 2012, when the system grew"],
    }
    assert cards.check_model_card(card) == []
    text = cards.render_model_card(card)
    for heading in ["# Model card: bike-demand v3 (@champion)", "## Intended use",
                    "## Evaluation", "| validation | 37.5 | 55.0 |", "## Ethical considerations"]:
        assert heading in text
    del card["caveats"]
    with pytest.raises(cards.CardError, match="caveats"):
        cards.render_model_card(card)
