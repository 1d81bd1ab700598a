"""Export: the scikit-learn pipeline as ONNX, a parity check between the two, quantisation.

ONNX Runtime runs the same trees without Python objects in the loop, which makes one-row
predictions much faster (sprint 04 measures by how much). An export is only trusted after a
parity check: both models must agree on real rows within a tolerance (float32 inside ONNX vs
float64 in scikit-learn explains tiny differences, not big ones).

    onnx_bytes = to_onnx(model)                     # one ONNX input per feature column
    onnx_model = OnnxModel(onnx_bytes)              # an onnxruntime session, one thread
    result = parity(model, onnx_model, holdout)     # max |sklearn - onnx| on real rows
    assert result.ok, result
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlproject import data
from mlproject import settings as cfg

TOLERANCE = 1e-2  # rentals per hour: far below anything that matters, far above float noise
OPSET = 18


@dataclass(frozen=True)
class Parity:
    """How far the ONNX predictions are from scikit-learn's on the same rows."""

    rows: int
    max_abs_diff: float
    tolerance: float
    mean_abs_diff: float = 0.0

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.tolerance

    def line(self) -> str:
        """One human line: the verdict and both differences."""
        verdict = "ok" if self.ok else "FAILED"
        return (
            f"parity {verdict}: max |sklearn - onnx| = {self.max_abs_diff:.6f} rentals/hour over "
            f"{self.rows:,} rows (mean {self.mean_abs_diff:.6f}, tolerance {self.tolerance})"
        )


# ----------------------------------------------------------------------------- conversion


def to_onnx(model: Any) -> bytes:
    """Convert the fitted pipeline; one ONNX input per feature column (strings or floats).

    The graph takes the columns of `data.prepare_features` by name, each of shape [rows, 1]:
    the pipeline's own one-hot encoding is inside the graph, so the features are encoded in
    one place only.
    """
    import warnings

    from skl2onnx import to_onnx as convert
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    inputs = [(c, StringTensorType([None, 1])) for c in cfg.CATEGORICAL_FEATURES]
    inputs += [(c, FloatTensorType([None, 1])) for c in cfg.NUMERIC_FEATURES]
    with warnings.catch_warnings():  # the converter calls an onnx helper due for an update
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = convert(model, initial_types=inputs, target_opset=OPSET)
    return graph.SerializeToString()


def onnx_inputs(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Feed dict for onnxruntime, built from raw rows through the same feature preparation."""
    features = data.prepare_features(frame)
    feeds = {c: features[c].to_numpy(dtype=object).reshape(-1, 1) for c in cfg.CATEGORICAL_FEATURES}
    feeds.update(
        {c: features[c].to_numpy(dtype=np.float32).reshape(-1, 1) for c in cfg.NUMERIC_FEATURES}
    )
    return feeds


# ----------------------------------------------------------------------------- running


class OnnxModel:
    """An ONNX export behind a `predict_raw(frame)` call like the scikit-learn pipeline's."""

    def __init__(self, onnx_bytes: bytes, *, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread by default, like the scikit-learn side: a fair comparison, deterministic,
        # and on a small shared machine a one-row call gains nothing from a thread pool.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # notes about optional graph optimisations are noise
        self.session = ort.InferenceSession(
            onnx_bytes, sess_options=options, providers=["CPUExecutionProvider"]
        )

    def run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """Predictions for prepared feeds (see `onnx_inputs`), as a flat float64 array."""
        output = self.session.run(None, feeds)[0]
        return np.asarray(output, dtype="float64").ravel()

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        """Unclipped predictions, comparable with the scikit-learn pipeline's `predict`."""
        return self.run(onnx_inputs(frame))

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """scikit-learn's call, so the API (evaluate.predict) serves an export like the model."""
        return self.predict_raw(features)


def parity(
    model: Any, onnx_model: OnnxModel, frame: pd.DataFrame, tolerance: float = TOLERANCE
) -> Parity:
    """Compare raw predictions of both models on the same rows."""
    expected = np.asarray(model.predict(data.prepare_features(frame)), dtype="float64")
    diff = np.abs(expected - onnx_model.predict_raw(frame))
    return Parity(len(frame), float(diff.max()), tolerance, float(diff.mean()))


def export(model: Any, path: Path, check_rows: pd.DataFrame | None = None) -> Parity | None:
    """Write the ONNX file; with `check_rows`, refuse to keep an export that fails parity."""
    onnx_bytes = to_onnx(model)
    result = None
    if check_rows is not None:
        result = parity(model, OnnxModel(onnx_bytes), check_rows)
        if not result.ok:
            raise ValueError(
                f"ONNX export disagrees with scikit-learn by up to {result.max_abs_diff:.4f} "
                f"rentals/hour (tolerance {result.tolerance}); not writing {path}. A converter "
                "may not support a step of the pipeline the same way: compare them step by step."
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(onnx_bytes)
    return result


# ----------------------------------------------------------------------------- quantisation


def quantize(onnx_bytes: bytes) -> bytes:
    """Dynamic int8 quantisation of the weights of matrix products (dense layers).

    Tree ensembles have no such weights (their graph comes back unchanged in effect), so this
    pays off for linear models and neural networks. Measure size, speed and error before
    trusting the result: it is a lossy change of the model, checked like an export.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantizer_log = logging.getLogger()
    level = quantizer_log.level
    quantizer_log.setLevel(logging.ERROR)  # it suggests an optional pre-processing step
    try:
        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
            source.write_bytes(onnx_bytes)
            quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
            return target.read_bytes()
    finally:
        quantizer_log.setLevel(level)
