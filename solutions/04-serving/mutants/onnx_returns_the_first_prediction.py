"""Returns the first prediction only, not one per row."""

REPLACEMENTS = {
    "q3_answer": '''def export(model):
    """The fitted model as ONNX bytes, with one float32 input of shape [any, 8]."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    graph = to_onnx(model, initial_types=[("features", FloatTensorType([None, 8]))],
                    target_opset=18)
    return graph.SerializeToString()


def onnx_predict(onnx_bytes, X):
    """Predictions of the ONNX model for the rows of `X`, as a flat float64 array."""
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    (output,) = session.run(None, {name: np.asarray(X, dtype=np.float32)})
    return np.asarray(output[0], dtype=np.float64).ravel()
''',
}
LOSES = ['q3_test']
