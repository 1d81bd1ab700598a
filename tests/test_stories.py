"""User stories as data (`mlops_course.stories`): any shape reads the same, and the checks catch
each weakness lab 01 grades (vague criterion, no role, no benefit, duplicates, DoD without tests).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from types import SimpleNamespace

import pydantic
import pytest

from mlops_course import cards, settings, stories

CARD = cards.load_card(settings.SPRINTS_DIR / "01-tracking" / "project_card.yaml")
DOD = ["unit tests pass in CI", "reviewed by one other engineer"]


def story(**changes):
    base = {
        "role": "operations planner",
        "want": "a forecast of tomorrow's hourly rentals by 18:00",
        "so_that": "I can schedule the vans before the morning peak",
        "acceptance_criteria": ["MAE at most 40 bikes per hour on the Oct-Dec 2011 holdout"],
        "definition_of_done": DOD,
    }
    return base | changes


def backlog():
    return [
        story(),
        story(role="dispatch team", want="the forecast on the dashboard",
              so_that="I see a low day coming",
              acceptance_criteria=["the dashboard shows the forecast of every hour of today"]),
        story(role="ML engineer", want="the API to refuse bad input",
              so_that="no 500 reaches users",
              acceptance_criteria=["POST /v1/predict returns 422 when hum is above 100"]),
    ]


@dataclass
class StoryClass:
    role: str
    want: str
    so_that: str
    acceptance_criteria: list
    definition_of_done: list


class StoryModel(pydantic.BaseModel):
    role: str
    want: str
    so_that: str
    acceptance_criteria: list[str]
    definition_of_done: list[str]


Story = namedtuple("Story", stories.FIELDS)


@pytest.mark.parametrize("shape", [dict, lambda **k: StoryClass(**k), lambda **k: StoryModel(**k),
                                   lambda **k: Story(**k), lambda **k: SimpleNamespace(**k)],
                         ids=["dict", "dataclass", "pydantic", "namedtuple", "namespace"])
def test_every_shape_of_a_story_reads_the_same(shape):
    assert stories.as_story(shape(**story())) == stories.as_story(story())


def test_fields_spelled_as_the_sentence_reads_are_accepted():
    spoken = {"As a": "operations planner", "I want": "a forecast", "So that": "I plan vans",
              "Acceptance criteria": [{"given": "the holdout", "when": "scored",
                                       "then": "the MAE is below 40"}], "DoD": DOD}
    read = stories.as_story(spoken)
    assert read.role == "operations planner" and read.so_that == "I plan vans"
    assert read.acceptance_criteria == ("given the holdout when scored then the MAE is below 40",)


def test_a_sound_backlog_has_no_problems_in_any_order():
    assert stories.backlog_problems(backlog(), CARD) == []
    assert stories.backlog_problems(list(reversed(backlog())), CARD) == []


@pytest.mark.parametrize("criterion", ["it works well", "The API is fast", "the model is accurate",
                                       "predictions are good enough", "The model is better",
                                       "in 2012 the model works", "fast for 95 % of requests"])
def test_vague_criteria_are_refused(criterion):
    assert stories.criterion_problems(criterion)


@pytest.mark.parametrize("criterion", [
    "MAE below 40 bikes per hour on the holdout", "p95 latency under 200 ms at 20 requests/s",
    "returns 422 for a negative windspeed", "the run logs the data file's SHA-256",
    "the MAE is lower than the hourly baseline's on the same window",
    "the forecast holds 24 values, one per hour of the next day",
])
def test_measurable_or_observable_criteria_pass(criterion):
    assert stories.criterion_problems(criterion) == []


@pytest.mark.parametrize("change, expected", [
    ({"role": ""}, "role is empty"),
    ({"so_that": ""}, "so_that is empty"),
    ({"so_that": "a forecast of tomorrow's hourly rentals by 18:00"}, "so_that repeats want"),
    ({"acceptance_criteria": []}, "no acceptance criteria"),
    ({"definition_of_done": ["reviewed by one other engineer"]}, "nothing about tests"),
])
def test_each_weakness_of_a_story_is_named(change, expected):
    problems = stories.story_problems(story(**change))
    assert any(expected in p for p in problems), problems


def test_a_story_without_a_field_names_it():
    incomplete = {k: v for k, v in story().items() if k != "so_that"}
    assert "so_that" in stories.story_problems(incomplete)[0]


def test_duplicates_too_few_and_no_card_link_are_backlog_problems():
    assert "same thing" in " ".join(stories.backlog_problems(backlog() + [story()], CARD))
    assert "at least 3" in stories.backlog_problems(backlog()[:2], CARD)[0]
    others = [s | {"role": "developer"} for s in backlog()]
    assert "user on the project card" in " ".join(stories.backlog_problems(others, CARD))


def test_the_card_target_must_be_met_not_loosened():
    looser = backlog()
    looser[0] = story(acceptance_criteria=["MAE at most 50 bikes per hour on the holdout"])
    assert "good_enough" in " ".join(stories.backlog_problems(looser, CARD))
    assert stories.states_the_card_target(stories.as_story(story()), CARD)
    for loose in ["MAE at most 45 over 3 months of 2011", "MAE of 2011 below 41"]:
        assert not stories.states_the_card_target(
            stories.as_story(story(acceptance_criteria=[loose])), CARD), loose


@pytest.mark.parametrize(("criterion", "meets"), [
    ("MAE above 30 bikes per hour", False),              # bounded from below
    ("MAE within 5 % of the baseline", False),           # no bound on the MAE itself
    ("MAE above 30, and p95 latency under 35 ms", False),  # the bound is the latency's
    ("MAE over 3 months at most 40", True),              # "over" names the window
    ("mean absolute error below 39.5 on the holdout", True),
    ("MAE < 40", True),
    ("MAE no higher than 38 bikes per hour", True),
])
def test_the_target_must_bound_the_metric_from_the_right_side(criterion, meets):
    target_story = stories.as_story(story(acceptance_criteria=[criterion]))
    assert stories.states_the_card_target(target_story, CARD) is meets


def test_a_story_renders_as_an_issue_with_checklists():
    text = stories.as_story(story()).as_issue()
    assert text.startswith("As an operations planner, I want")
    assert "- [ ] MAE at most 40" in text and "- [ ] unit tests pass in CI" in text
