"""Names the parameter `fitted` but converts the notebook's global `model`.

The export passes every test that hands it that same model; given another one, it converts the
wrong model.
"""

EDITS = {"q3_answer": [("def export(model):", "def export(fitted):")]}
LOSES = ["q3_test"]
