"""Makes `weathersit` required (no default): an hour whose weather was not recorded is refused."""

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
    weathersit: Weather | None = Field(description="Weather; null if unknown.")
    temp: float = Field(ge=-8, le=39, allow_inf_nan=False, description="Temperature in °C.")
    hum: float = Field(ge=0, le=100, allow_inf_nan=False, description="Relative humidity in %.")
    windspeed: float = Field(ge=0, le=67, allow_inf_nan=False, description="Source's 0-67 scale.")

    @model_validator(mode="after")
    def working_days_are_weekdays(self):
        if self.workingday == 1 and (self.weekday in ("Sat", "Sun") or self.holiday == 1):
            raise ValueError("workingday must be 0 on a Saturday, a Sunday or a holiday")
        return self


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[Hour] = Field(min_length=1, max_length=100, description="1 to 100 hours.")
''',
}
LOSES = ['q1_test', 'q2b_test']
