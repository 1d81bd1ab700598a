"""Loads `lab06-answer` whatever name it is given: passes for the one prompt the lab
publishes, fails for any other."""

REPLACEMENTS = {
    "q5_answer": '''def publish_prompt(name, template):
    """Register `template` as a new version of `name`, alias it `production`; its version."""
    version = mlflow.genai.register_prompt(name=name, template=template)
    mlflow.genai.set_prompt_alias(name, alias="production", version=version.version)
    return int(version.version)


def load_production(name):
    """The prompt version that the `production` alias of `name` points at."""
    return mlflow.genai.load_prompt("prompts:/lab06-answer@production")


MY_TEMPLATE = [
    {"role": "system", "content": "Answer from the context in one short sentence."},
    {"role": "user", "content": "Context:\\n{{context}}\\n\\nQuestion: {{question}}"},
]
my_version = publish_prompt("lab06-answer", MY_TEMPLATE)''',
}
LOSES = ["q5_test"]
