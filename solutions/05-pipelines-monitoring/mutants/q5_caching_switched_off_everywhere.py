"""Switches caching off for monthly_means too, "to be safe".

Correct results, but every run recomputes what it already had: the cache never serves the step
that the specification says must come from it on unchanged data.
"""

EDITS = {
    "q5_answer": [
        (
            '''shown = publish(table=means.outputs["table"], target=target)
    shown.set_caching_options(enable_caching=False)  # its effect is outside the pipeline''',
            '''means.set_caching_options(enable_caching=False)
    shown = publish(table=means.outputs["table"], target=target)
    shown.set_caching_options(enable_caching=False)''',
        ),
    ],
}
LOSES = ["q5_test"]
