"""Imports skl2onnx and onnxruntime at the top of the cell, converts with `convert_sklearn`
(no target opset) and builds each input with `reshape(-1, 1)` and `astype(str)`."""

EDITS = {
    "q3_answer": [
        (
            "def export(model):",
            '''import onnxruntime
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType


def export(model):''',
        ),
        (
            '''    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    inputs = [(c, StringTensorType([None, 1])) for c in cfg.CATEGORICAL_FEATURES]
    inputs += [(c, FloatTensorType([None, 1])) for c in cfg.NUMERIC_FEATURES]
    return to_onnx(model, initial_types=inputs, target_opset=18).SerializeToString()''',
            '''    types = {c: StringTensorType([None, 1]) for c in cfg.CATEGORICAL_FEATURES}
    types |= {c: FloatTensorType([None, 1]) for c in cfg.NUMERIC_FEATURES}
    onnx_model = convert_sklearn(model, initial_types=list(types.items()))
    return onnx_model.SerializeToString()''',
        ),
        (
            '''    import onnxruntime as ort

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    feeds = {c: features[[c]].to_numpy(dtype=object) for c in cfg.CATEGORICAL_FEATURES}
    feeds.update({c: features[[c]].to_numpy(dtype=np.float32) for c in cfg.NUMERIC_FEATURES})
    (output,) = session.run(None, feeds)
    return np.asarray(output, dtype=np.float64).ravel()''',
            '''    cpu = ["CPUExecutionProvider"]
    session = onnxruntime.InferenceSession(onnx_bytes, providers=cpu)
    feeds = {}
    for column in features.columns:
        values = features[column].to_numpy().reshape(-1, 1)
        numeric = column in cfg.NUMERIC_FEATURES
        feeds[column] = values.astype(np.float32) if numeric else values.astype(str)
    predictions = session.run(None, feeds)[0]
    return predictions.reshape(-1).astype(np.float64)''',
        ),
    ],
}
