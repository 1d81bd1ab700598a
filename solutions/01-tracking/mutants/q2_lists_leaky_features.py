"""Lists `casual` and `registered` among the features.

They add up to the target and are unknown when the forecast is made; the card checker
refuses them.
"""

EDITS = {
    "q2_answer": [
        (
            '"features": list(cfg.FEATURES),',
            '"features": list(cfg.FEATURES) + ["casual", "registered"],',
        ),
    ],
}
LOSES = ['q2_test']
