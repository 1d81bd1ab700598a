"""Always points `production` at version 1: right the first time, wrong after the prompt
changes (the alias never moves)."""

REPLACEMENTS = {
    "q5_answer": '''def publish_prompt(name, template):
    """Register `template` as a new version of `name`, alias it `production`; its version."""
    version = mlflow.genai.register_prompt(name=name, template=template)
    mlflow.genai.set_prompt_alias(name, alias="production", version=1)
    return int(version.version)


def load_production(name):
    """The prompt version that the `production` alias of `name` points at."""
    return mlflow.genai.load_prompt(f"prompts:/{name}@production")


MY_TEMPLATE = [
    {"role": "system", "content": "Answer from the context in one short sentence."},
    {"role": "user", "content": "Context:\\n{{context}}\\n\\nQuestion: {{question}}"},
]
my_version = publish_prompt("lab06-answer", MY_TEMPLATE)''',
}
LOSES = ["q5_test"]
