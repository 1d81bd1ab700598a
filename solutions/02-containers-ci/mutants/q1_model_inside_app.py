"""Copies model/ into app/model/ instead of next to app/.

app/main.py looks for ../model/model.skops relative to the app package, so the service crashes
at start-up with the model in the image, one folder too deep.
"""

EDITS = {"q1_answer": [("COPY model/ ./model/", "COPY model/ ./app/model/")]}
LOSES = ["q1_test"]
