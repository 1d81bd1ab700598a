"""ONNX export: the encoding, parity with scikit-learn, quantisation."""

from __future__ import annotations

import numpy as np
import pytest

from mlops_course import datasets, onnx_export, serving


@pytest.fixture(scope="module")
def reference():
    return datasets.reference_period()


@pytest.fixture(scope="module")
def model(reference):
    return onnx_export.train(reference, fast=True, max_iter=30)


def test_records_and_frames_encode_the_same_way(reference):
    rows = reference.head(300)
    records = serving.example_hours(rows)
    np.testing.assert_array_equal(onnx_export.encode(rows), onnx_export.encode(records))
    coded = onnx_export.encode(rows)
    assert coded.dtype == np.float32 and coded.shape == (300, len(onnx_export.CODED))
    assert np.isnan(coded[:, -1]).sum() == rows["weathersit"].isna().sum()


def test_the_export_agrees_with_scikit_learn_on_every_hour(model):
    everything = datasets.load_bike_sharing()
    report = onnx_export.parity(model, onnx_export.to_onnx(model), onnx_export.encode(everything))
    assert report.ok, report.line()
    assert report.rows == len(everything)


def test_a_parity_failure_is_reported_not_hidden(model, reference):
    X = onnx_export.encode(reference.head(100))
    shuffled = X[:, ::-1].copy()  # columns in the wrong order: a classic serving bug
    report = onnx_export.compare(model.predict(X), model.predict(shuffled))
    assert not report.ok and "FAILED" in report.line()
    with pytest.raises(onnx_export.ExportError, match="100 and 99"):
        onnx_export.compare(np.zeros(100), np.zeros(99))


@pytest.mark.slow
def test_quantisation_shrinks_a_network_and_keeps_it_close(reference, tmp_path):
    X = onnx_export.encode(reference)
    net = onnx_export.train_network(reference, fast=True)
    fp32 = onnx_export.to_onnx(net)
    assert onnx_export.parity(net, fp32, X).ok
    int8 = onnx_export.quantize(fp32, tmp_path)
    assert len(int8) < 0.5 * len(fp32)
    full = onnx_export.run(onnx_export.session(fp32), X)
    drift = onnx_export.compare(full, onnx_export.run(onnx_export.session(int8), X), np.inf)
    assert drift.mean_abs_diff < 10  # bikes per hour, on a model whose MAE is several times that
