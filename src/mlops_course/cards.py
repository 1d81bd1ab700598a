"""Project cards and model cards: machine-readable, checked against the schemas the course ships.

A *project card* frames an ML project before any model exists (problem, users, decision, cost
of errors, metric and why, baseline, data, risks, when not to use ML). A *model card* documents
one registered model after the fact (intended use, data, evaluation, behaviour tests, ethics).
Both are YAML or JSON files that a program can check, not prose that drifts out of date.

    problems = check_project_card("project_card.yaml")   # [] when the card is sound
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# jsonschema imports the optional rfc3987-syntax package, when installed, for its `iri` format
# check; that package builds a grammar when imported: about 3 s of CPU on the course's machines,
# paid by every notebook that checks a card. The course's schemas use no `iri` format, so that
# import is skipped (unless something in this process imported it already).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import jsonschema  # noqa: E402  (after the line above, on purpose)

PROJECT_CARD_SCHEMA = "project_card.json"
MODEL_CARD_SCHEMA = "model_card.json"
# Columns that leak the bike-sharing target: they add up to `cnt`.
LEAKY_COLUMNS = {"casual", "registered"}


class CardError(ValueError):
    """A card file cannot be read, or does not follow its schema."""


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON schema shipped with the course package (`mlops_course/schemas/<name>`)."""
    path = resources.files("mlops_course").joinpath("schemas", name)
    if not path.is_file():
        raise CardError(f"The course ships no schema called {name!r}.")
    return json.loads(path.read_text(encoding="utf-8"))


def load_card(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """A card as a dict, from a YAML or JSON file (or a dict, returned as is)."""
    if isinstance(source, dict):
        return source
    path = Path(source)
    if not path.is_file():
        raise CardError(f"{path} does not exist. Write the card first, then check it.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except yaml.YAMLError as err:
        raise CardError(f"{path} is not valid YAML or JSON: {err}") from err
    if not isinstance(data, dict):
        raise CardError(f"{path} must hold a mapping (key: value pairs) at the top level.")
    return data


def _path(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def schema_problems(card: dict[str, Any], schema_name: str) -> list[str]:
    """Every way `card` breaks the schema, one plain sentence each (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(card), key=lambda e: list(e.absolute_path))
    return [f"{_path(e)}: {e.message}" for e in errors]


def check_project_card(source: str | Path | dict[str, Any]) -> list[str]:
    """Schema problems plus the checks a schema cannot express; `[]` means the card is sound.

    Beyond the schema: the target is not among the features, no feature leaks the target, and
    "good enough" is better than the baseline in the metric's direction.
    """
    card = load_card(source)
    problems = schema_problems(card, PROJECT_CARD_SCHEMA)
    if problems:
        return problems
    data, metric, baseline = card["data"], card["metric"], card["baseline"]
    features = set(data["features"])
    if data["target"] in features:
        problems.append(f"data/features: the target {data['target']!r} cannot also be a feature.")
    leaky = sorted(features & LEAKY_COLUMNS) if data["target"] == "cnt" else []
    if leaky:
        problems.append(
            f"data/features: {leaky} add up to the target `cnt` and are not known at prediction "
            "time; drop them (see the data card's leakage trap)."
        )
    better = (
        metric["good_enough"] > baseline["score"]
        if metric["higher_is_better"]
        else metric["good_enough"] < baseline["score"]
    )
    if not better:
        problems.append(
            "metric/good_enough: the target score must beat the baseline's score "
            f"({baseline['score']}) in the metric's direction, otherwise the baseline is already "
            "good enough and no model is needed."
        )
    return problems


def check_model_card(source: str | Path | dict[str, Any]) -> list[str]:
    """Schema problems of a model card; `[]` means it is complete."""
    return schema_problems(load_card(source), MODEL_CARD_SCHEMA)


def write_card(card: dict[str, Any], path: str | Path) -> Path:
    """Write a card as YAML (keys in the order given) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(card, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def render_model_card(source: str | Path | dict[str, Any]) -> str:
    """A model card as Markdown, for people: the YAML stays the source of truth."""
    card = load_card(source)
    problems = check_model_card(card)
    if problems:
        raise CardError("The model card is incomplete: " + "; ".join(problems))
    model = card["model"]
    lines = [
        f"# Model card: {model['name']} v{model['version']} (@{model['alias']})",
        "",
        f"- **Estimator:** {model['estimator']}",
        f"- **MLflow run:** `{model['run_id']}`, created {model['created']}",
    ]
    if model.get("params"):
        params = ", ".join(f"{k}={v}" for k, v in model["params"].items())
        lines.append(f"- **Parameters:** {params}")
    data = card["training_data"]
    lines += ["", "## Intended use", "", card["intended_use"], "", "## Out of scope", ""]
    lines += [f"- {item}" for item in card["out_of_scope"]]
    lines += ["", "## Training data", "", data["description"], "", f"- SHA-256: `{data['sha256']}`"]
    if data.get("dvc_md5"):
        lines.append(f"- DVC md5: `{data['dvc_md5']}`")
    if data.get("rows"):
        lines.append(f"- Rows: {data['rows']:,}")
    lines += ["", "## Evaluation", "", "| data | " + " | ".join(_metric_names(card)) + " |"]
    lines.append("|---" * (1 + len(_metric_names(card))) + "|")
    for row in card["evaluation"]:
        cells = [f"{row['metrics'].get(m, float('nan')):.1f}" for m in _metric_names(card)]
        lines.append(f"| {row['data']} | " + " | ".join(cells) + " |")
    lines += ["", "## Behaviour tests", ""]
    for test in card["behaviour_tests"]:
        mark = "pass" if test["passed"] else "FAIL"
        detail = f": {test['detail']}" if test.get("detail") else ""
        lines.append(f"- [{mark}] {test['kind']}: {test['name']}{detail}")
    lines += ["", "## Ethical considerations", ""]
    lines += [f"- {item}" for item in card["ethical_considerations"]]
    lines += ["", "## Caveats and recommendations", ""]
    lines += [f"- {item}" for item in card["caveats"]]
    return "\n".join(lines) + "\n"


def _metric_names(card: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for row in card["evaluation"]:
        names += [m for m in row["metrics"] if m not in names]
    return names
