"""Declares the bounds with `Annotated` types (`StrictInt` flags) and checks the working-day
rule in a `field_validator` on `holiday`, the last of the three fields it reads (declared
after `weekday` and `workingday`, so both are in `info.data`)."""

EDITS = {
    "q1_answer": [
        (
            '''from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator''',
            '''from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator''',
        ),
        (
            "Weather = Literal[\"Clear\", \"Mist\", \"Light Rain\", \"Heavy Rain\"]",
            '''Weather = Literal["Clear", "Mist", "Light Rain", "Heavy Rain"]
Flag = Annotated[StrictInt, Field(ge=0, le=1)]''',
        ),
        (
            '''    hr: int = Field(ge=0, le=23, description="Hour of the day, local time, 0-23.")
    weekday: Weekday = Field(description="Day of the week.")
    workingday: int = Field(ge=0, le=1, description="1 when neither weekend nor holiday.")
    holiday: int = Field(ge=0, le=1, description="1 on a public holiday.")
    weathersit: Weather | None = Field(default=None, description="Weather; null if unknown.")
    temp: float = Field(ge=-8, le=39, allow_inf_nan=False, description="Temperature in °C.")
    hum: float = Field(ge=0, le=100, allow_inf_nan=False, description="Relative humidity in %.")
    windspeed: float = Field(ge=0, le=67, allow_inf_nan=False, description="Source's 0-67 scale.")

    @model_validator(mode="after")
    def working_days_are_weekdays(self):
        if self.workingday == 1 and (self.weekday in ("Sat", "Sun") or self.holiday == 1):
            raise ValueError("workingday must be 0 on a Saturday, a Sunday or a holiday")
        return self''',
            '''    hr: Annotated[int, Field(ge=0, le=23)]
    weekday: Weekday
    workingday: Flag
    holiday: Flag
    weathersit: Optional[Weather] = None
    temp: Annotated[float, Field(ge=-8, le=39)]
    hum: Annotated[float, Field(ge=0, le=100)]
    windspeed: Annotated[float, Field(ge=0, le=67)]

    @field_validator("holiday")
    @classmethod
    def no_work_on_days_off(cls, holiday: int, info: ValidationInfo) -> int:
        weekend = info.data.get("weekday") in {"Sat", "Sun"}
        if info.data.get("workingday") == 1 and (weekend or holiday == 1):
            raise ValueError(f"workingday=1 on a day off ({info.data.get('weekday')})")
        return holiday''',
        ),
        (
            '''    records: list[Hour] = Field(min_length=1, max_length=1000, '''
            '''description="1 to 1000 hours.")''',
            '''    records: Annotated[list[Hour], Field(min_length=1, max_length=1000)]''',
        ),
    ],
}
