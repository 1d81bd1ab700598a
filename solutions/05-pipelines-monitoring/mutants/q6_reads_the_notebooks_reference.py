"""Names its first parameter `ref` but compares with the notebook's `reference` (2011) inside.

Every visible test passes, since their references are 2011 too; on windows of another year the
policy sees that year's growth in every window, changed or not.
"""

EDITS = {
    "q6_answer": [
        ("def monitoring_policy(reference, window):", "def monitoring_policy(ref, window):"),
    ],
}
LOSES = ["q6_test"]
