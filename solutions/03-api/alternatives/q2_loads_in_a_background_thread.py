"""Starts the load in a background thread from the lifespan, so the service answers /health at
once and /ready turns 200 when the model is in (a slow model never holds up the start)."""

EDITS = {
    "q2_answer": [
        ("import os\n", "import os\nimport threading\n"),
        (
            '''async def lifespan(app):
    try:
        state["model"] = load_bundle(MODEL_DIR)
    except Exception as err:  # the service starts anyway: /ready tells what went wrong
        state["error"] = f"{type(err).__name__}: {err}"
    yield''',
            '''async def lifespan(app):
    state["model"], state["error"] = None, None
    directory = os.environ.get("LAB_MODEL_DIR", "model")

    def load():
        try:
            state["model"] = load_bundle(directory)
        except Exception as err:
            state["error"] = repr(err)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    yield
    loader.join(timeout=5)''',
        ),
    ],
}
