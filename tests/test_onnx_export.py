"""Sprint 04's teaching-only ONNX models, exported through mlproject.export."""

from __future__ import annotations

import numpy as np
import pytest
from mlproject import data, export

from mlops_course import datasets, onnx_export


@pytest.fixture(scope="module")
def frame():
    return datasets.load_bike_sharing()


@pytest.fixture(scope="module")
def train_rows(frame):
    return data.training_split(frame)[0]


def test_native_category_trees_convert_without_error_and_fail_parity(train_rows, frame):
    model = onnx_export.native_category_trees(train_rows, max_iter=30)
    report = export.parity(model, export.OnnxModel(export.to_onnx(model)), frame)
    assert not report.ok and "FAILED" in report.line()
    assert report.max_abs_diff > 10, "the counter-example must be wrong by bikes, not decimals"


@pytest.mark.slow
def test_quantisation_shrinks_the_network_and_keeps_it_close(train_rows, frame):
    net = onnx_export.train_network(train_rows, fast=True)
    fp32 = export.to_onnx(net)
    assert export.parity(net, export.OnnxModel(fp32), frame).ok
    int8 = export.quantize(fp32)
    assert len(int8) < 0.5 * len(fp32)
    drift = export.parity(net, export.OnnxModel(int8), frame, tolerance=np.inf)
    assert drift.mean_abs_diff < 10  # bikes per hour, on a model whose MAE is several times that
