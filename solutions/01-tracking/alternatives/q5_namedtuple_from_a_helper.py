"""Named tuples built by a small helper that takes
the criteria as extra arguments; the definition of done is a tuple shared by every story.
"""

REPLACEMENTS = {
    "q5_answer": """\
from collections import namedtuple

Story = namedtuple("Story", "role want so_that acceptance_criteria definition_of_done")
DONE = ("all tests pass", "code review done", "MLflow run linked in the pull request")


def story(role, want, so_that, *criteria):
    return Story(role, want, so_that, list(criteria), DONE)


STORIES = [
    story("operations planners", "a forecast for each hour of the next day",
          "fewer stations run empty at the morning peak",
          "holdout MAE below 40 bikes per hour", "the forecast covers all 24 hours"),
    story("dispatch team", "a daily report of yesterday's forecast error",
          "we trust the forecast, or know when not to",
          "the report lists the MAE of each hour of yesterday"),
    story("ML engineer", "a rollback of the champion alias in one command",
          "a bad model is out of production in minutes",
          "after the rollback command the champion alias points at the previous version"),
]
""",
}
