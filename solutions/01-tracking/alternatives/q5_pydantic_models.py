"""Stories as pydantic models with a shared definition of
done, criteria phrased with symbols and another unit spelling ("MAE < 40 bikes/h", "p95 <= 250
ms"), and the want written as a full sentence.
"""

REPLACEMENTS = {
    "q5_answer": """\
from pydantic import BaseModel

DOD = ["unit tests and data tests pass", "reviewed", "documented in the README"]


class Story(BaseModel):
    role: str
    want: str
    so_that: str
    acceptance_criteria: list[str]
    definition_of_done: list[str] = DOD


STORIES = [
    Story(role="planner in the operations team", want="I want tomorrow's demand per hour.",
          so_that="Vans are booked for the right stations.",
          acceptance_criteria=["MAE < 40 bikes/h on the 2011 holdout (Oct-Dec)"]),
    Story(role="the dispatch team", want="forecasts served over HTTP",
          so_that="our tools can read them without a data scientist",
          acceptance_criteria=["p95 <= 250 ms for single predictions at 10 requests/s",
                               "GET /ready answers 200 once a model is loaded"]),
    Story(role="data scientist", want="every training run tracked",
          so_that="any model can be retrained from the same data",
          acceptance_criteria=["each run records the SHA-256 of its training data"]),
]
""",
}
