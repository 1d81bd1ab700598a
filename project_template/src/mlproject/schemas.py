"""The API's contract: request and response bodies, with units and allowed ranges.

Every field says what it means, in which unit and within which range; FastAPI turns this into
the OpenAPI schema (see /docs), rejects anything outside it with a 422 naming the field, and
schemathesis generates test requests from it. Ranges follow the data card: a value outside
them is something the model never saw, so refusing it is safer than guessing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Season = Literal["spring", "summer", "fall", "winter"]
Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Weather = Literal["Clear", "Mist", "Light Rain", "Heavy Rain"]


def _whole_number(value: Any) -> Any:
    """Accept 8.0 for an integer field, as JSON Schema does; reject 8.5, true and "8"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]

MAX_BATCH = 1000  # rows per batch request: bounds memory and latency of one call

EXAMPLE_RECORD = {
    "season": "summer",
    "mnth": 6,
    "hr": 8,
    "holiday": 0,
    "weekday": "Wed",
    "workingday": 1,
    "weathersit": "Clear",
    "temp": 24.5,
    "atemp": 27.0,
    "hum": 60,
    "windspeed": 11.0,
}


class HourRecord(BaseModel):
    """The conditions of one hour, as in the data card (no rental counts: those are the answer)."""

    # strict: JSON types as documented. Lax parsing would read `false` as 0.0 or "8" as 8,
    # silently predicting for a request the client did not mean to send.
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [EXAMPLE_RECORD]}
    )

    season: Season = Field(
        description="Season label as in the data. UCI's labels are shifted: 'spring' is about "
        "21 Dec-20 Mar, 'summer' 21 Mar-20 Jun, 'fall' 21 Jun-20 Sep, 'winter' 21 Sep-20 Dec."
    )
    mnth: WholeNumber = Field(ge=1, le=12, description="Month of the year, 1-12.")
    hr: WholeNumber = Field(
        ge=0, le=23, description="Hour of the day in local time, 0-23 (8 = 8-9 am)."
    )
    holiday: WholeNumber = Field(ge=0, le=1, description="1 on a public holiday, else 0.")
    weekday: Weekday = Field(description="Day of the week.")
    workingday: WholeNumber = Field(
        ge=0, le=1, description="1 when neither weekend nor holiday, else 0."
    )
    weathersit: Weather | None = Field(
        default=None,
        description="Weather situation; null (or omitted) when it was not recorded.",
    )
    temp: float = Field(ge=-8, le=39, allow_inf_nan=False, description="Temperature in °C.")
    atemp: float = Field(
        ge=-16, le=50, allow_inf_nan=False, description="Feels-like temperature in °C."
    )
    hum: float = Field(ge=0, le=100, allow_inf_nan=False, description="Relative humidity in %.")
    windspeed: float = Field(
        ge=0,
        le=67,
        allow_inf_nan=False,
        description="Wind speed on the source's 0-67 scale (UCI does not name the unit).",
    )


class BatchRequest(BaseModel):
    """Many hours at once: cheaper per row than one request each."""

    model_config = ConfigDict(extra="forbid", strict=True)

    records: list[HourRecord] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} hours to predict."
    )


class ModelInfo(BaseModel):
    """Which model answered: the registry coordinates, for tracing and rollback."""

    name: str = Field(description="Registered model name.")
    version: str = Field(description="Registered model version.")
    alias: str = Field(description="Registry alias the service loaded, e.g. 'champion'.")


class PredictResponse(BaseModel):
    prediction: float = Field(ge=0, description="Predicted rentals in the hour (bikes per hour).")
    model: ModelInfo


class BatchResponse(BaseModel):
    predictions: list[float] = Field(
        description="Predicted rentals per hour, one per record, in request order."
    )
    count: int = Field(ge=1, description="Number of predictions.")
    model: ModelInfo


class Health(BaseModel):
    status: Literal["ok"] = Field(description="Always 'ok' while the process answers.")


class Ready(BaseModel):
    status: Literal["ready"] = Field(description="'ready' once the model is loaded.")
    model: ModelInfo


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is, e.g. 'records.3.hr'.")
    message: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable error type, e.g. 'less_than_equal'.")


class ValidationErrorResponse(BaseModel):
    detail: str = Field(description="Summary of the problem.")
    errors: list[FieldError] = Field(description="One entry per invalid field.")
