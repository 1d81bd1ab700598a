"""Loads the model when app.py is imported, inside try/except, instead of when the app starts.

The service starts without a model, so the usual checks pass; but the model it serves is the
one that was there at import time, not at start-up (a model mounted or replaced before the
start is missed, and every start of the same imported app keeps the first load).
"""

EDITS = {
    "q2_answer": [
        (
            '''from contextlib import asynccontextmanager

from''',
            "from",
        ),
        (
            '''

@asynccontextmanager
async def lifespan(app):
    try:
        state["model"] = load_bundle(MODEL_DIR)
    except Exception as err:  # the service starts anyway: /ready tells what went wrong
        state["error"] = f"{type(err).__name__}: {err}"
    yield


app = FastAPI(title="Bike demand (lab)", lifespan=lifespan)''',
            '''
try:
    state["model"] = load_bundle(MODEL_DIR)
except Exception as err:  # the service starts anyway: /ready tells what went wrong
    state["error"] = f"{type(err).__name__}: {err}"

app = FastAPI(title="Bike demand (lab)")''',
        ),
    ],
}
LOSES = ["q2a_test"]
