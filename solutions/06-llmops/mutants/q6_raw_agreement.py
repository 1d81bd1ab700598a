"""Returns the raw agreement, the share of items labelled alike, without the chance correction.

A judge that always says the majority label then looks good: on 06b's labels it agrees 56 % of
the time while knowing nothing.
"""

EDITS = {"q6_answer": [("    return (observed - chance) / (1 - chance)", "    return observed")]}
LOSES = ["q6_test"]
