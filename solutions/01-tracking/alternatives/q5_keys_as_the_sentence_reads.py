"""Dicts whose keys are spelled as the sentence
reads ("As a", "I want", "So that", "Acceptance criteria", "DoD"), stories appended one at a
time, and the target stated as "no more than 40.0" in words.
"""

REPLACEMENTS = {
    "q5_answer": """\
STORIES = []
STORIES.append({
    "As a": "planner",
    "I want": "the hourly demand of tomorrow",
    "So that": "I can plan the rebalancing",
    "Acceptance criteria": [
        "the mean absolute error is no more than 40.0 bikes per hour on the holdout"],
    "DoD": ["tested (pytest) and reviewed"],
})
STORIES.append({
    "As a": "DevOps engineer",
    "I want": "the service to restart safely",
    "So that": "a deployment causes no downtime",
    "Acceptance criteria": ["during a rolling update no request gets a 5xx status"],
    "DoD": ["tested (pytest) and reviewed"],
})
STORIES.append({
    "As a": "data engineer",
    "I want": "the 2012 windows replayed monthly",
    "So that": "monitoring sees real drift",
    "Acceptance criteria": ["the replay writes one report for each month of 2012"],
    "DoD": ["tested (pytest) and reviewed"],
})
""",
}
