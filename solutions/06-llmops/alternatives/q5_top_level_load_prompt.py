"""Loads the prompt with the older top-level `mlflow.load_prompt`, which still works but
emits a FutureWarning (moved to `mlflow.genai`). A warning on stderr is not an error: the
answer is right and must score full marks (issue 14)."""

EDITS = {"q5_answer": [(
    'return mlflow.genai.load_prompt(f"prompts:/{name}@production")',
    'return mlflow.load_prompt(f"prompts:/{name}@production")',
)]}
