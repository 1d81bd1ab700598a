"""ONNX for the running use case: an exportable model, its export, a parity check, quantisation.

    X = encode(reference)                              # numbers only: the model's one input
    model = exportable_model().fit(X, reference["cnt"])
    onnx_bytes = to_onnx(model)
    report = parity(model, onnx_bytes, X)              # max |sklearn - onnx| on real rows
    assert report.ok, report

Why a separate model: the sprint 01 champion splits on weekday and weather as *native
categories*, which the converter does not translate (its parity check fails by hundreds of
bikes). Here the categories are coded as numbers once, in `encode`, which training and serving
both call: the trees see the same inputs, and the ONNX graph has a single float input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

NUMERIC = ("hr", "workingday", "holiday", "temp", "hum", "windspeed")
CODED = (*NUMERIC, "weekday", "weathersit")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEATHER = ("Clear", "Mist", "Light Rain", "Heavy Rain")
WEEKDAY_CODES = {day: float(i) for i, day in enumerate(WEEKDAYS)}
WEATHER_CODES = {weather: float(i) for i, weather in enumerate(WEATHER, 1)}
INPUT = "features"
TOLERANCE = 0.01  # bikes per hour: far below what matters, far above float32 rounding
OPSET = 18


class ExportError(RuntimeError):
    """An export failed, or disagrees with the model it came from."""


def encode(rows: Any) -> np.ndarray:
    """Rows (a DataFrame or a list of dicts) as a float32 matrix with the columns of `CODED`.

    Weekdays become 0 (Mon) to 6 (Sun), weather 1 (Clear) to 4 (Heavy Rain); a missing weather
    stays missing (NaN), which the trees route like in training.
    """
    if hasattr(rows, "columns"):
        out = np.empty((len(rows), len(CODED)), dtype=np.float32)
        for j, column in enumerate(NUMERIC):
            out[:, j] = rows[column].to_numpy(dtype="float64")
        out[:, -2] = rows["weekday"].astype(object).map(WEEKDAY_CODES).to_numpy(dtype="float64")
        weather = rows["weathersit"].astype(object).map(WEATHER_CODES)
        out[:, -1] = weather.to_numpy(dtype="float64", na_value=np.nan)
        return out
    return _encode_records(rows)


def _encode_records(records: Sequence[Mapping[str, Any]]) -> np.ndarray:
    out = np.empty((len(records), len(CODED)), dtype=np.float32)
    for i, record in enumerate(records):
        for j, column in enumerate(NUMERIC):
            out[i, j] = record[column]
        out[i, -2] = WEEKDAY_CODES[record["weekday"]]
        out[i, -1] = WEATHER_CODES.get(record.get("weathersit"), np.nan)
    return out


def exportable_model(
    *, max_iter: int = 150, learning_rate: float = 0.1, max_leaf_nodes: int = 31, seed: int = 0
) -> Any:
    """Gradient-boosted trees on `encode`'s numbers: the model sprint 04 exports and serves."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(
        max_iter=max_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes,
        random_state=seed,
    )


def train(frame: Any, *, fast: bool = False, seed: int = 0, **params: Any) -> Any:
    """`exportable_model` fitted on `frame` (one thread: quicker on a small shared machine)."""
    from threadpoolctl import threadpool_limits

    params.setdefault("max_iter", 60 if fast else 150)
    with threadpool_limits(limits=1):
        return exportable_model(seed=seed, **params).fit(encode(frame), frame["cnt"])


def to_onnx(model: Any, *, n_features: int = len(CODED)) -> bytes:
    """The fitted model as ONNX bytes, with one float32 input `features` of shape [n, 8]."""
    import warnings

    from skl2onnx import to_onnx as convert
    from skl2onnx.common.data_types import FloatTensorType

    with warnings.catch_warnings():  # the converter uses an onnx call due for an update
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = convert(
            model, initial_types=[(INPUT, FloatTensorType([None, n_features]))],
            target_opset=OPSET,
        )
    return graph.SerializeToString()


def session(onnx: bytes | str | Path, *, threads: int = 1) -> Any:
    """An onnxruntime session on the CPU, single-threaded by default (fair and deterministic)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # warnings about optional optimisations are noise here
    source = onnx if isinstance(onnx, bytes) else str(onnx)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


def run(sess: Any, X: np.ndarray) -> np.ndarray:
    """Predictions of an ONNX session for a float matrix, as a flat float64 array."""
    name = sess.get_inputs()[0].name
    (output,) = sess.run(None, {name: np.asarray(X, dtype=np.float32)})[:1]
    return np.asarray(output, dtype="float64").ravel()


@dataclass(frozen=True)
class Parity:
    """How far ONNX predictions are from scikit-learn's on the same rows."""

    rows: int
    max_abs_diff: float
    mean_abs_diff: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.tolerance

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return (
            f"parity {verdict}: max |sklearn - onnx| = {self.max_abs_diff:.6f} bikes/hour over "
            f"{self.rows:,} rows (mean {self.mean_abs_diff:.6f}, tolerance {self.tolerance})"
        )


def compare(expected: Any, actual: Any, tolerance: float = TOLERANCE) -> Parity:
    """Parity between two prediction vectors of the same rows."""
    expected = np.asarray(expected, dtype="float64").ravel()
    actual = np.asarray(actual, dtype="float64").ravel()
    if expected.shape != actual.shape:
        raise ExportError(
            f"The two models returned {expected.size} and {actual.size} predictions for the same "
            "rows: check the input shape (one row per hour) and the output you read."
        )
    diff = np.abs(expected - actual)
    return Parity(int(expected.size), float(diff.max()), float(diff.mean()), tolerance)


def parity(model: Any, onnx_bytes: bytes, X: np.ndarray, tolerance: float = TOLERANCE) -> Parity:
    """Compare a fitted model and its ONNX export on the rows of `X` (from `encode`)."""
    return compare(model.predict(X), run(session(onnx_bytes), X), tolerance)


def quantize(onnx_bytes: bytes, folder: str | Path) -> bytes:
    """Dynamic int8 quantisation of the weights of matrix products (dense layers).

    Tree ensembles have no such weights, so this applies to linear models and neural networks;
    the caller measures size, speed and accuracy before trusting the result.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    source, target = folder / "fp32.onnx", folder / "int8.onnx"
    source.write_bytes(onnx_bytes)
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser suggests a pre-processing step
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    return target.read_bytes()


def small_network(*, fast: bool = False, seed: int = 0) -> Any:
    """A small neural network on `encode`'s numbers (one-hot hours and days, scaled numbers).

    It exists to show quantisation, which needs dense weights: it is not the served model.
    """
    from sklearn.compose import make_column_transformer
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    one_hot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    weather = [CODED.index("weathersit")]
    prepare = make_column_transformer(
        (one_hot, [CODED.index("hr"), CODED.index("weekday")]),
        (make_pipeline(_weather_filler(), OneHotEncoder(handle_unknown="ignore",
                                                        sparse_output=False)), weather),
        remainder=StandardScaler(),
    )
    width = 64 if fast else 128
    net = MLPRegressor(
        hidden_layer_sizes=(width, width), max_iter=8 if fast else 40, batch_size=256,
        learning_rate_init=0.01, random_state=seed,
    )
    return make_pipeline(prepare, net)


def train_network(frame: Any, *, fast: bool = False, seed: int = 0) -> Any:
    """`small_network` fitted on `frame`, one thread, without convergence warnings."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return small_network(fast=fast, seed=seed).fit(encode(frame), frame["cnt"])


def _weather_filler() -> Any:
    from sklearn.impute import SimpleImputer

    return SimpleImputer(strategy="constant", fill_value=0.0)
