"""Leaves out the rule across fields: a working Sunday is accepted."""

REPLACEMENTS = {
    "q1_answer": '''%%writefile contract.py
"""The lab's API contract: one hour to predict, and a batch of hours."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Weather = Literal["Clear", "Mist", "Light Rain", "Heavy Rain"]


class Hour(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hr: int = Field(ge=0, le=23, description="Hour of the day, local time, 0-23.")
    weekday: Weekday = Field(description="Day of the week.")
    workingday: int = Field(ge=0, le=1, description="1 when neither weekend nor holiday.")
    holiday: int = Field(ge=0, le=1, description="1 on a public holiday.")
    weathersit: Weather | None = Field(default=None, description="Weather; null if unknown.")
    temp: float = Field(ge=-8, le=39, allow_inf_nan=False, description="Temperature in °C.")
    hum: float = Field(ge=0, le=100, allow_inf_nan=False, description="Relative humidity in %.")
    windspeed: float = Field(ge=0, le=67, allow_inf_nan=False, description="Source's 0-67 scale.")

    @model_validator(mode="after")
    def working_days_are_weekdays(self):
        return self


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[Hour] = Field(min_length=1, max_length=100, description="1 to 100 hours.")
''',
}
LOSES = ['q1_test', 'q2d_test']
