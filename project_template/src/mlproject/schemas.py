"""The API's contract: request and response bodies, with units and allowed ranges.

Every field says what it means, in which unit and within which range; FastAPI turns this into
the OpenAPI schema (see /docs), rejects anything outside it with a 422 naming the field, and
schemathesis generates test requests from it. Ranges follow the data card: a value outside
them is something the model never saw, so refusing it is safer than guessing.

    POST /v1/predict        HourRecord    -> Prediction       {"rentals", "model_version"}
    POST /v1/predict/batch  BatchRequest  -> BatchPrediction  {"rentals", "count", "model_version"}
    GET  /health                          -> Health           liveness
    GET  /ready                           -> Ready            readiness, 503 until loaded
    any invalid body                      -> ValidationErrorResponse (422, one entry per field)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Weather = Literal["Clear", "Mist", "Light Rain", "Heavy Rain"]

API_PREFIX = "/v1"  # the contract's version: a breaking change gets /v2 beside it
MAX_BATCH = 1000  # rows per batch request: bounds memory and latency of one call
API_KEY_HEADER = "X-API-Key"
VERSION_HEADER = "X-Model-Version"  # every prediction says which model made it


def _whole_number(value: Any) -> Any:
    """Accept 8.0 for an integer field, as JSON Schema does; reject 8.5, true and "8"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]

EXAMPLE_RECORD: dict[str, Any] = {
    "hr": 8,
    "weekday": "Wed",
    "workingday": 1,
    "holiday": 0,
    "weathersit": "Clear",
    "temp": 18.5,
    "hum": 60,
    "windspeed": 12.0,
}


class HourRecord(BaseModel):
    """The conditions of one hour, as in the data card (no rental counts: those are the answer)."""

    # strict: JSON types as documented. Lax parsing would read `true` as 1 or "8" as 8,
    # silently predicting for a request the client did not mean to send.
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE_RECORD]}
    )

    hr: WholeNumber = Field(
        ge=0, le=23, description="Hour of the day in local time, 0-23 (8 = 8:00-8:59)."
    )
    weekday: Weekday = Field(description="Day of the week.")
    workingday: WholeNumber = Field(
        ge=0, le=1, description="1 when neither weekend nor holiday, else 0."
    )
    holiday: WholeNumber = Field(ge=0, le=1, description="1 on a public holiday, else 0.")
    weathersit: Weather | None = Field(
        default=None,
        description="Weather situation; null (or omitted) when it was not recorded.",
    )
    temp: float = Field(ge=-8, le=39, allow_inf_nan=False, description="Air temperature in °C.")
    hum: float = Field(ge=0, le=100, allow_inf_nan=False, description="Relative humidity in %.")
    windspeed: float = Field(
        ge=0,
        le=67,
        allow_inf_nan=False,
        description="Wind speed on the source's 0-67 scale (UCI does not name the unit).",
    )


class BatchRequest(BaseModel):
    """Many hours at once: cheaper per row than one request each; bounded, so each call is fast."""

    model_config = ConfigDict(extra="forbid", strict=True)

    records: list[HourRecord] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} hours, in any order."
    )


class Prediction(BaseModel):
    rentals: float = Field(ge=0, description="Predicted rentals in the hour (bikes per hour).")
    model_version: str = Field(description="Registry version of the model that answered.")


class BatchPrediction(BaseModel):
    rentals: list[float] = Field(description="One prediction per record, in request order.")
    count: int = Field(ge=1, description="Number of predictions.")
    model_version: str = Field(description="Registry version of the model that answered.")


class Health(BaseModel):
    status: Literal["ok"] = Field(description="Always 'ok' while the process answers.")


class Ready(BaseModel):
    status: Literal["ready"] = Field(description="'ready' once the model is loaded.")
    model_name: str = Field(description="Registered model name.")
    model_version: str = Field(description="Registered model version.")


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. 'hr' or 'records.3.temp'.")
    message: str = Field(description="What is wrong with it, in words.")
    type: str = Field(description="Machine-readable error type, e.g. 'less_than_equal'.")


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")


class ValidationErrorResponse(BaseModel):
    detail: str = Field(description="Summary of the problem.")
    errors: list[FieldError] = Field(description="One entry per invalid field.")


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic's error list as `{field, message, type}` entries, `body` dropped from the path.

    `records.2.temp` points at the third record's temperature; a body that is not JSON at all
    is reported on the field `body`.
    """
    found = []
    for err in errors:
        kind = str(err.get("type", "value_error"))
        parts = [str(part) for part in err.get("loc", ()) if part != "body"]
        if kind == "json_invalid":  # the location is a character position, not a field
            parts = []
        found.append(
            {"field": ".".join(parts) or "body", "message": str(err.get("msg")), "type": kind}
        )
    return found
