"""Copies app and model with one `COPY app model ./`.

Docker copies a folder's *contents*, not the folder: main.py and model.skops land directly in
the working directory, there is no `app` package, and `uvicorn app.main:app` fails.
"""

EDITS = {"q1_answer": [("COPY app/ ./app/\nCOPY model/ ./model/", "COPY app model ./")]}
LOSES = ["q1_test"]
