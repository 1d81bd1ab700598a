"""Export: the scikit-learn pipeline as ONNX, and a parity check between the two.

ONNX Runtime runs the same trees without Python objects in the loop, which makes one-row
predictions much faster (benchmarks/latency.py measures by how much). An export is only
trusted after a parity check: both models must agree on real rows within a tolerance
(float32 inside ONNX vs float64 in scikit-learn explains tiny differences, not big ones).
"""

from __future__ import annotations

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

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.tolerance


def to_onnx(model: Any) -> bytes:
    """Convert the fitted pipeline; one ONNX input per feature column (strings or floats)."""
    from skl2onnx import to_onnx as convert
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    inputs = [(c, StringTensorType([None, 1])) for c in cfg.CATEGORICAL_FEATURES]
    inputs += [(c, FloatTensorType([None, 1])) for c in cfg.NUMERIC_FEATURES]
    return convert(model, initial_types=inputs, target_opset=OPSET).SerializeToString()


def onnx_inputs(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Feed dict for onnxruntime, built from raw rows through the same feature preparation."""
    features = data.prepare_features(frame)
    feeds = {c: features[c].to_numpy(dtype=object).reshape(-1, 1) for c in cfg.CATEGORICAL_FEATURES}
    feeds.update(
        {c: features[c].to_numpy(dtype=np.float32).reshape(-1, 1) for c in cfg.NUMERIC_FEATURES}
    )
    return feeds


class OnnxModel:
    """An ONNX export behind the same `predict(features)` call as the scikit-learn model."""

    def __init__(self, onnx_bytes: bytes) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread, like the scikit-learn side: a fair comparison, and deterministic.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            onnx_bytes, sess_options=options, providers=["CPUExecutionProvider"]
        )

    def predict_raw(self, frame: pd.DataFrame) -> np.ndarray:
        """Unclipped predictions, comparable with the scikit-learn pipeline's `predict`."""
        (output,) = self.session.run(None, onnx_inputs(frame))
        return np.asarray(output, dtype="float64").ravel()


def parity(
    model: Any, onnx_model: OnnxModel, frame: pd.DataFrame, tolerance: float = TOLERANCE
) -> Parity:
    """Compare raw predictions of both models on the same rows."""
    expected = np.asarray(model.predict(data.prepare_features(frame)), dtype="float64")
    actual = onnx_model.predict_raw(frame)
    return Parity(len(frame), float(np.max(np.abs(expected - actual))), tolerance)


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
