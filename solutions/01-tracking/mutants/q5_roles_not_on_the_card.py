"""Every story is written for the team ("developer",
"ML engineer"), none for a user named on the project card."""

EDITS = {
    "q5_answer": [
        (
            '"role": "operations planner",',
            '"role": "developer",',
        ),
        (
            '"role": "dispatch team",',
            '"role": "backend developer",',
        ),
    ],
}
LOSES = ["q5_test"]
