"""No case for p_e = 1: when both raters give one label to everything, it raises
ZeroDivisionError instead of returning nan."""

EDITS = {"q6_answer": [('''    if chance == 1:
        return float("nan")
''', "")]}
LOSES = ["q6_test"]
