"""Uses `MlflowClient` for the three calls: `register_prompt`, `set_prompt_alias` and
`get_prompt_version_by_alias` (the same registry, reached through the client)."""

EDITS = {
    "q5_answer": [
        (
            '''    version = mlflow.genai.register_prompt(name=name, template=template)
    mlflow.genai.set_prompt_alias(name, alias="production", version=version.version)
    return int(version.version)''',
            '''    client = mlflow.MlflowClient()
    registered = client.register_prompt(name, template)
    client.set_prompt_alias(name, "production", registered.version)
    return int(registered.version)''',
        ),
        (
            'return mlflow.genai.load_prompt(f"prompts:/{name}@production")',
            'return mlflow.MlflowClient().get_prompt_version_by_alias(name, "production")',
        ),
    ],
}
