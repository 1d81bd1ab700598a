"""A frozen dataclass per story, criteria written
as Given/When/Then mappings, tuples instead of lists, four stories and other wording
("mean absolute error <= 38.5").

The tests must read the fields whatever the container, and a criterion whatever its form.
"""

REPLACEMENTS = {
    "q5_answer": """\
from dataclasses import dataclass


@dataclass(frozen=True)
class UserStory:
    role: str
    want: str
    so_that: str
    acceptance_criteria: tuple
    definition_of_done: tuple


DONE = ("pytest suite green in CI, including a test per criterion",
        "peer review approved", "model card updated if the model changed")
STORIES = [
    UserStory(
        "Operations planners", "a next-day forecast for every hour",
        "the vans leave with the right number of bikes",
        ({"given": "the Oct-Dec 2011 holdout", "when": "the model is scored",
          "then": "its mean absolute error is <= 38.5 bikes per hour"},),
        DONE),
    UserStory(
        "dispatcher", "an alert when the rentals run far above the forecast",
        "I can send a van before stations empty",
        ({"given": "an hour whose rentals exceed the forecast by more than 100",
          "when": "the hour closes", "then": "an alert is sent to the dispatch channel"},),
        DONE),
    UserStory(
        "data engineer", "every weather file checked before use",
        "bad data is stopped at the door",
        ("a file with a temperature above 45 is rejected and the reason is logged",),
        DONE),
    UserStory(
        "product owner", "the model version on every forecast",
        "we can trace a bad forecast to the model that made it",
        ("every response of /v1/predict includes the model_version field",),
        DONE),
]
""",
}
