"""Sorts the batch's predictions, which loses the link between a prediction and its hour."""

REPLACEMENTS = {
    "q2_answer": '''%%writefile app.py
"""The lab's prediction service. Run it with: uvicorn app:app --port 8000"""

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from contract import Batch, Hour
from mlops_course.serving import load_predictor

MODEL_DIR = os.environ.get("LAB_MODEL_DIR", "model")
state = {"model": None, "error": None}


@asynccontextmanager
async def lifespan(app):
    try:
        state["model"] = load_predictor(MODEL_DIR)
    except Exception as err:  # the service starts anyway: /ready tells what went wrong
        state["error"] = f"{type(err).__name__}: {err}"
    yield


app = FastAPI(title="Bike demand (lab)", lifespan=lifespan)


@app.exception_handler(RequestValidationError)
async def invalid_request(request: Request, exc: RequestValidationError):
    errors = [
        {"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "message": e["msg"]}
        for e in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": "Invalid request", "errors": errors})


def served_model():
    if state["model"] is None:
        raise HTTPException(503, f"Model not ready: {state['error'] or 'still loading'}")
    return state["model"]


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/ready")
def ready():
    return {"status": "ready", "model_version": served_model().info.version}


@app.post("/v1/predict")
def predict(hour: Hour):
    model = served_model()
    (rentals,) = model.predict([hour.model_dump()])
    return {"rentals": rentals, "model_version": model.info.version}


@app.post("/v1/predict/batch")
def predict_batch(batch: Batch):
    model = served_model()
    rentals = sorted(model.predict([record.model_dump() for record in batch.records]))
    return {"rentals": rentals, "count": len(rentals), "model_version": model.info.version}
''',
}
LOSES = ['q2c_test']
