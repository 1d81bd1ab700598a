"""Feeds float64 numbers to a graph whose numeric inputs are float32."""

EDITS = {"q3_answer": [(".float32", ".float64"), (".ravel()", ".ravel()\n")]}
LOSES = ['q3_test']
