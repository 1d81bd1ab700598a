"""Logs the class of the whole pipeline (`Pipeline`) as `model_class`.

Two very different models then look alike in every query; the question asks for the last
step's class.
"""

EDITS = {
    "q3_answer": [
        (
            'last = model.steps[-1][1] if hasattr(model, "steps") else model',
            'last = model',
        ),
    ],
}
LOSES = ['q3_test']
