"""Loads the model when the module is imported: without a model the service does not start."""

EDITS = {
    "q2_answer": [
        (
            '''from contextlib import asynccontextmanager

from''',
            "from",
        ),
        (
            '''state = {"model": None, "error": None}


@asynccontextmanager
async def lifespan(app):
    try:
        state["model"] = load_bundle(MODEL_DIR)
    except Exception as err:  # the service starts anyway: /ready tells what went wrong
        state["error"] = f"{type(err).__name__}: {err}"
    yield


app = FastAPI(title="Bike demand (lab)", lifespan=lifespan)''',
            '''state = {"model": load_bundle(MODEL_DIR), "error": None}
app = FastAPI(title="Bike demand (lab)")''',
        ),
        ('), "model_version": model.version}', '), "model_version": model.version}\n'),
    ],
}
LOSES = ['q2a_test']
