"""The prediction API: FastAPI app that serves the registry's champion.

Endpoints:
    GET  /health         the process answers (liveness): 200 as soon as it is up
    GET  /ready          the model is loaded (readiness): 503 until then, or if loading failed
    POST /predict        one hour -> predicted rentals, with the model's name and version
    POST /predict/batch  up to 1000 hours at once
    GET  /metrics        Prometheus metrics (request counts, latency histogram, predictions)

The model loads in a background thread at start-up, so /health answers at once and an
orchestrator (Kubernetes, Cloud Run, Docker's HEALTHCHECK) can tell "starting" from "dead".
Set MLPROJECT_API_KEY to require an `X-API-Key` header on the prediction endpoints.
Run it with `python -m mlproject serve` (see serve.py), not by importing this module.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations, and
# those refer to dependencies defined inside create_app(), which strings could not resolve.

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlproject import __version__, evaluate, registry, schemas
from mlproject import settings as cfg
from mlproject.observability import ApiMetrics

log = logging.getLogger("mlproject.api")

Loader = Callable[[cfg.Settings], registry.LoadedModel]

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Required only when the service was started with MLPROJECT_API_KEY set.",
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.ErrorResponse, "description": "Missing or wrong X-API-Key."},
    422: {"model": schemas.ValidationErrorResponse, "description": "Invalid request body."},
    503: {"model": schemas.ErrorResponse, "description": "The model is not loaded (yet)."},
}


class ModelState:
    """The served model, filled in by a background thread; readers see it once set."""

    def __init__(self) -> None:
        self.loaded: registry.LoadedModel | None = None
        self.error: str | None = None
        self.done = threading.Event()

    def load(self, loader: Loader, settings: cfg.Settings) -> None:
        started = time.perf_counter()
        try:
            self.loaded = loader(settings)
        except Exception as err:  # any failure must surface in /ready, not kill the thread
            self.error = f"{type(err).__name__}: {err}"
            log.error("model loading failed", extra={"error": self.error})
        else:
            log.info(
                "model loaded",
                extra={
                    "model_name": self.loaded.name,
                    "model_version": self.loaded.version,
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
        finally:
            self.done.set()

    def info(self) -> schemas.ModelInfo:
        assert self.loaded is not None
        return schemas.ModelInfo(
            name=self.loaded.name, version=self.loaded.version, alias=self.loaded.alias
        )


class PredictionLog:
    """Appends every prediction (inputs, output, model version) to a JSON-lines file.

    The monitoring dashboard reads it; in production this would go to a queue or a table.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, records: list[dict[str, Any]], predictions: list[float], version: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        lines = [
            json.dumps({"time": stamp, "model_version": version, **rec, "prediction": pred})
            for rec, pred in zip(records, predictions, strict=True)
        ]
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write("\n".join(lines) + "\n")
        except OSError as err:  # a full disk must not fail the prediction itself
            log.warning("could not log predictions", extra={"error": str(err)})


def create_app(settings: cfg.Settings | None = None, loader: Loader | None = None) -> FastAPI:
    """Build the app. `loader` fetches the model (default: the registry's champion)."""
    settings = settings or cfg.get_settings()
    loader = loader or (lambda s: registry.load(s))
    state = ModelState()
    metrics = ApiMetrics()
    prediction_log = PredictionLog(settings.predictions_log)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=settings.threads)  # one-row predictions: threads only cost
        threading.Thread(target=state.load, args=(loader, settings), daemon=True).start()
        yield

    app = FastAPI(
        title="mlproject: hourly bike rentals",
        version=__version__,
        description="Predicts how many bikes are rented in an hour from the calendar and the "
        "weather. Model: the registry's champion, loaded at start-up.",
        lifespan=lifespan,
    )
    app.state.model = state
    app.state.metrics = metrics

    def require_key(key: Annotated[str | None, Depends(api_key_header)]) -> None:
        if settings.api_key is None:
            return
        if key is None or not secrets.compare_digest(key.encode(), settings.api_key.encode()):
            raise HTTPException(401, "Missing or wrong X-API-Key header.")

    def require_model() -> registry.LoadedModel:
        if state.loaded is None:
            reason = state.error or "the model is still loading; retry in a few seconds"
            raise HTTPException(503, f"Model not ready: {reason}")
        return state.loaded

    Served = Annotated[registry.LoadedModel, Depends(require_model)]

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[..., Any]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        seconds = time.perf_counter() - started
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.observe(request.method, route, response.status_code, seconds)
        response.headers["X-Request-ID"] = request_id
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 3),
                "request_id": request_id,
            },
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in err["loc"] if part != "body") or "body",
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors()
        ]
        fields = ", ".join(e["field"] for e in errors[:5])
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        detail = f"Invalid request: check {fields}{more} (see /docs for units and ranges)."
        return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})

    @app.exception_handler(StarletteHTTPException)  # also FastAPI's subclass, raised by us
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and request.method == "POST":
            # FastAPI answers 400 when the body is not even JSON (bad bytes, bad encoding);
            # report it like every other invalid body: 422 with the field at fault.
            error = {
                "field": "body",
                "message": "The body is not valid JSON.",
                "type": "json_invalid",
            }
            content = {"detail": "Invalid request: the body must be JSON.", "errors": [error]}
            return JSONResponse(status_code=422, content=content)
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
        )

    @app.get("/health", response_model=schemas.Health, tags=["operations"])
    def health() -> schemas.Health:
        """Liveness: the process is up and answering."""
        return schemas.Health(status="ok")

    @app.get(
        "/ready",
        response_model=schemas.Ready,
        responses={503: ERRORS[503]},
        tags=["operations"],
    )
    def ready() -> schemas.Ready:
        """Readiness: the model is loaded and predictions will succeed."""
        require_model()
        return schemas.Ready(status="ready", model=state.info())

    def _predict(records: list[schemas.HourRecord], served: registry.LoadedModel) -> list[float]:
        rows = [record.model_dump() for record in records]
        predictions = evaluate.predict(served.model, pd.DataFrame(rows)).round(2).tolist()
        metrics.predictions.inc(len(rows))
        prediction_log.write(rows, predictions, served.version)
        return predictions

    @app.post(
        "/predict",
        response_model=schemas.PredictResponse,
        responses={k: ERRORS[k] for k in (401, 422, 503)},
        dependencies=[Depends(require_key)],
        tags=["predictions"],
    )
    def predict(record: schemas.HourRecord, served: Served) -> schemas.PredictResponse:
        """Predicted rentals for one hour."""
        (prediction,) = _predict([record], served)
        return schemas.PredictResponse(prediction=prediction, model=state.info())

    @app.post(
        "/predict/batch",
        response_model=schemas.BatchResponse,
        responses={k: ERRORS[k] for k in (401, 422, 503)},
        dependencies=[Depends(require_key)],
        tags=["predictions"],
    )
    def predict_batch(batch: schemas.BatchRequest, served: Served) -> schemas.BatchResponse:
        """Predicted rentals for many hours, in request order."""
        predictions = _predict(batch.records, served)
        return schemas.BatchResponse(
            predictions=predictions, count=len(predictions), model=state.info()
        )

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        """Prometheus scrape endpoint (text exposition format)."""
        if state.loaded is not None:
            metrics.model_info.labels(state.loaded.name, state.loaded.version).set(1)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
