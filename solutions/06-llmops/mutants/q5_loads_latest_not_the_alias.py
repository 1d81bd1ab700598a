"""Loads `prompts:/<name>@latest` instead of the `production` alias.

Right as long as every new version is promoted at once; wrong as soon as a version is
registered for review, or production is rolled back: the service then runs a prompt nobody
promoted.
"""

EDITS = {"q5_answer": [('f"prompts:/{name}@production"', 'f"prompts:/{name}@latest"')]}
LOSES = ["q5_test"]
