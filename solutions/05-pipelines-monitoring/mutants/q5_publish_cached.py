"""Leaves publish cached like every other step, although its effect lives outside the pipeline.

The second run reuses publish's (empty) outputs and skips it, so a dashboard file deleted in
between is never written again.
"""

EDITS = {
    "q5_answer": [
        (
            '''shown = publish(table=means.outputs["table"], target=target)
    shown.set_caching_options(enable_caching=False)  # its effect is outside the pipeline''',
            'publish(table=means.outputs["table"], target=target)',
        ),
    ],
}
LOSES = ["q5_test"]
