"""Adds up the layers of every stage, the build stage included, although only the final stage
ends up in the image: the dependencies are counted twice.
"""

EDITS = {
    "q4_answer": [
        (
            "kinds = mine.by_kind()",
            '''kinds = {}
for layer in mine.layers:
    if layer.kind != "metadata":
        kinds[layer.kind] = kinds.get(layer.kind, 0) + (layer.bytes or 0)''',
        ),
    ],
}
LOSES = ['q4_test']
