"""Sets the alias `Champion` instead of `champion`.

Aliases are case-sensitive names; a service that loads `@champion` finds nothing.
"""

EDITS = {"q4_answer": [('model_name, "champion"', 'model_name, "Champion"')]}
LOSES = ['q4_test']
