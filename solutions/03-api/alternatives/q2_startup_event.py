"""Loads the model in an `@app.on_event("startup")` handler, the older FastAPI spelling of
"when the app starts", and answers a missing model with a 503 JSONResponse from each route."""

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
app = FastAPI(title="Bike demand (lab)")


@app.on_event("startup")
def load_model():
    state["model"] = None
    try:
        state["model"] = load_bundle(MODEL_DIR)
    except Exception as err:
        state["error"] = str(err)''',
        ),
    ],
}
