"""Makes `weathersit` required (no default): an hour whose weather was not recorded is refused."""

EDITS = {"q1_answer": [("default=None, description", "description"), ('hours.")', 'hours.")\n')]}
LOSES = ['q1_test', 'q2b_test']
