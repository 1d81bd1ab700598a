"""The ONNX export: parity with scikit-learn, its refusal to keep a bad export, quantisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlproject import data, export, train
from mlproject import settings as cfg


@pytest.fixture(scope="module")
def small_model(frame: pd.DataFrame):
    """A small pipeline (20 trees): the export's behaviour does not depend on its size."""
    train_rows, _ = data.training_split(frame)
    return train.fit(train_rows, max_iter=20)


def test_the_graph_takes_one_input_per_feature_column(small_model):
    session = export.OnnxModel(export.to_onnx(small_model)).session
    inputs = {i.name: i.type for i in session.get_inputs()}
    assert list(inputs) == cfg.CATEGORICAL_FEATURES + cfg.NUMERIC_FEATURES
    assert {inputs[c] for c in cfg.CATEGORICAL_FEATURES} == {"tensor(string)"}
    assert {inputs[c] for c in cfg.NUMERIC_FEATURES} == {"tensor(float)"}


def test_the_export_agrees_on_every_hour_including_missing_weather(small_model, frame):
    assert frame["weathersit"].isna().any(), "the test needs hours without recorded weather"
    result = export.parity(small_model, export.OnnxModel(export.to_onnx(small_model)), frame)
    assert result.ok and result.rows == len(frame), result.line()
    assert 0 <= result.mean_abs_diff <= result.max_abs_diff


def test_one_row_and_a_session_with_two_threads_give_the_same_answer(small_model, frame):
    onnx_bytes = export.to_onnx(small_model)
    row = frame.head(1)
    one = export.OnnxModel(onnx_bytes).predict_raw(row)
    two = export.OnnxModel(onnx_bytes, threads=2).run(export.onnx_inputs(row))
    assert one.shape == (1,) and one.dtype == np.float64
    features = data.prepare_features(row)
    np.testing.assert_allclose(export.OnnxModel(onnx_bytes).predict(features), one)
    np.testing.assert_allclose(one, two)


def test_an_export_that_fails_parity_is_not_written(
    small_model, frame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "model.onnx"
    assert export.export(small_model, path, check_rows=frame.head(200)).ok
    assert path.read_bytes() == export.to_onnx(small_model)
    # A converter that translates the model wrongly: here, it exports a different model.
    other = export.to_onnx(train.fit(data.training_split(frame)[0], max_iter=5))
    monkeypatch.setattr(export, "to_onnx", lambda model: other)
    wrong = tmp_path / "wrong.onnx"
    with pytest.raises(ValueError, match="disagrees"):
        export.export(small_model, wrong, check_rows=frame.head(200))
    assert not wrong.exists()


def test_quantising_a_tree_model_returns_a_working_graph_with_the_same_answers(small_model, frame):
    onnx_bytes = export.to_onnx(small_model)
    quantised = export.OnnxModel(export.quantize(onnx_bytes))
    # Trees have thresholds, not weight matrices: there is nothing to quantise.
    result = export.parity(small_model, quantised, frame.head(500))
    assert result.ok, result.line()
