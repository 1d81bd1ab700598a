"""Sets the alias `Champion` instead of `champion`.

Aliases are case-sensitive names; a service that loads `@champion` finds nothing.
"""

EDITS = {
    "q4_answer": [
        (
            'client.set_registered_model_alias(model_name, "champion", version.version)',
            'client.set_registered_model_alias(model_name, "Champion", version.version)',
        ),
    ],
}
LOSES = ['q4_test']
