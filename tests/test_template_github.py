"""The project template's `.github/`: issue forms, the issue chooser, the pull request template
and CODEOWNERS, checked against GitHub's documented syntax.

The rules come from GitHub's documentation: "Syntax for issue forms" (top-level keys),
"Syntax for GitHub's form schema" (element types, their attributes and validations) and "Common
validation errors when creating issue forms" (unique ids and labels, id characters, at least
one input, no "None" or boolean options, forbidden label words); "Configuring issue templates
for your repository" (config.yml) and "About code owners" (CODEOWNERS). GitHub offers no
offline validator, so `form_problems` restates those rules; the tests at the end break a good
form in each documented way and check that every break is caught.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_course import settings, stories

GITHUB = settings.TEMPLATE_DIR / ".github"
FORMS_DIR = GITHUB / "ISSUE_TEMPLATE"
FORMS = sorted(p for p in FORMS_DIR.glob("*.y*ml") if p.stem != "config")

TOP_LEVEL_REQUIRED = {"name": str, "description": str, "body": list}
TOP_LEVEL_OPTIONAL = {"assignees", "labels", "title", "projects", "type"}
ELEMENT_KEYS = {"type", "id", "attributes", "validations"}
# Per element type: (required attributes, optional attributes).
ATTRIBUTES = {
    "markdown": ({"value"}, set()),
    "textarea": ({"label"}, {"description", "placeholder", "value", "render"}),
    "input": ({"label"}, {"description", "placeholder", "value"}),
    "dropdown": ({"label", "options"}, {"description", "multiple", "default"}),
    "checkboxes": ({"label", "options"}, {"description"}),
}
ID = re.compile(r"^[A-Za-z0-9_-]+$")
# GitHub refuses labels with words attackers use to phish for secrets; "password" is its example.
FORBIDDEN_LABEL_WORDS = re.compile(r"\b(password|passwd|token|secret|api[ _-]?key)\b", re.I)


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _list_or_comma_string(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _top_level_problems(form: Any) -> list[str]:
    if not isinstance(form, dict):
        return ["the form must be a mapping of top-level keys"]
    problems = [f"{k!r} is not a string key (YAML reads yes/no/on/off as booleans)"
                for k in form if not isinstance(k, str)]
    for key, kind in TOP_LEVEL_REQUIRED.items():
        if key not in form:
            problems.append(f"required top-level key {key!r} is missing")
        elif not isinstance(form[key], kind) or not form[key] or (
            kind is str and _blank(form[key])
        ):
            problems.append(f"{key!r} must be a non-empty {kind.__name__}")
    extra = {k for k in form if isinstance(k, str)} - set(TOP_LEVEL_REQUIRED) - TOP_LEVEL_OPTIONAL
    problems += [f"{k!r} is not a permitted top-level key" for k in sorted(extra)]
    for key in ("assignees", "labels", "projects"):
        if key in form and not _list_or_comma_string(form[key]):
            problems.append(f"{key!r} must be a list of strings or a comma-delimited string")
    for key in ("title", "type"):
        if key in form and _blank(form[key]):
            problems.append(f"{key!r} must be a non-empty string")
    return problems


def _options_problems(where: str, kind: str, options: Any) -> list[str]:
    if not isinstance(options, list) or not options:
        return [f"{where}: options must be a non-empty list"]
    if kind == "dropdown":
        if any(isinstance(o, bool) for o in options):
            return [f"{where}: options must not include booleans (quote 'yes', 'no', 'true')"]
        if any(_blank(o) for o in options):
            return [f"{where}: every option must be a non-empty string"]
        names = [o.strip() for o in options]
        problems = [f"{where}: 'None' is reserved" for n in names if n.lower() == "none"]
    else:
        if any(not isinstance(o, dict) or _blank(o.get("label")) or set(o) - {"label", "required"}
               for o in options):
            return [f"{where}: each checkbox is a mapping with a label (and optionally required)"]
        problems = [f"{where}: a checkbox's required must be true or false" for o in options
                    if not isinstance(o.get("required", False), bool)]
        names = [o["label"].strip() for o in options]
    if len(set(names)) < len(names):
        problems.append(f"{where}: options must be unique")
    return problems


def _attribute_problems(where: str, kind: str, attributes: dict[str, Any]) -> list[str]:
    required, optional = ATTRIBUTES[kind]
    problems = [f"{where}: required attribute {k!r} is missing" for k in sorted(required)
                if k not in attributes]
    problems += [f"{where}: {k!r} is not a permitted attribute of {kind}"
                 for k in sorted(set(attributes) - required - optional)]
    for key in ("label", "value", "description", "placeholder", "render"):
        if key in attributes and _blank(attributes[key]) and (key in required or key != "value"):
            problems.append(f"{where}: {key} must be a non-empty string")
    if FORBIDDEN_LABEL_WORDS.search(str(attributes.get("label", ""))):
        problems.append(f"{where}: label contains a forbidden word")
    if "options" in attributes:
        problems += _options_problems(where, kind, attributes["options"])
    if "multiple" in attributes and not isinstance(attributes["multiple"], bool):
        problems.append(f"{where}: multiple must be true or false")
    if "default" in attributes and not (
        type(attributes["default"]) is int
        and 0 <= attributes["default"] < len(attributes.get("options") or [])
    ):
        problems.append(f"{where}: default must be the index of one of the options")
    return problems


def _element_problems(i: int, element: Any) -> list[str]:
    where = f"body[{i}]"
    if not isinstance(element, dict):
        return [f"{where}: each element must be a mapping"]
    extra = sorted(set(element) - ELEMENT_KEYS)
    problems = [f"{where}: {k!r} is not a permitted key" for k in extra]
    kind = element.get("type")
    if kind not in ATTRIBUTES:
        return [*problems, f"{where}: {kind!r} is not a valid input type (or type is missing)"]
    attributes = element.get("attributes")
    if not isinstance(attributes, dict):
        return [*problems, f"{where}: required key 'attributes' is missing or not a mapping"]
    problems += _attribute_problems(where, kind, attributes)
    if "id" in element and (kind == "markdown" or not isinstance(element["id"], str)
                            or not ID.match(element["id"])):
        problems.append(f"{where}: id can only contain numbers, letters, - and _ "
                        "(and markdown elements take none)")
    validations = element.get("validations", {})
    if kind == "markdown" and "validations" in element:
        problems.append(f"{where}: markdown elements take no validations")
    elif not isinstance(validations, dict) or set(validations) - {"required"} or not isinstance(
        validations.get("required", False), bool
    ):
        problems.append(f"{where}: validations may only hold required: true or false")
    return problems


def parameterize(label: str) -> str:
    """A label as GitHub references a field without an id (Rails' `parameterize`)."""
    return re.sub(r"[^a-z0-9_-]+", "-", str(label).lower()).strip("-")


def _label_clashes(inputs: list[dict[str, Any]]) -> list[str]:
    """Labels that would give two fields the same reference: each clash needs an id to part it.

    A checkbox option's label must differ from its peers and from other fields; options take no
    id, but an id on a clashing top-level field resolves the clash.
    """
    seen: dict[str, list[bool]] = {}
    problems = []
    for element in inputs:
        if element.get("type") == "checkboxes":
            options = [parameterize(label) for label in _labels(element)]
            if len(set(options)) < len(options):
                problems.append("checkboxes must have unique labels")
            for option in options:
                seen.setdefault(option, []).append(False)
        else:
            for label in _labels(element):
                seen.setdefault(parameterize(label), []).append("id" in element)
    for label, has_id in seen.items():
        if len(has_id) > 1 and has_id.count(False) > 1:
            problems.append(f"labels are too similar: {label!r} names {len(has_id)} fields; "
                            "change a label or give the fields ids")
    return problems


def _labels(element: dict[str, Any]) -> list[str]:
    attributes = element.get("attributes", {})
    if element.get("type") == "checkboxes":
        options = attributes.get("options") or []
        return [o["label"] for o in options if isinstance(o, dict) and "label" in o]
    return [attributes["label"]] if "label" in attributes else []


def form_problems(form: Any) -> list[str]:
    """Every way an issue form breaks GitHub's documented syntax; `[]` when it is valid."""
    problems = _top_level_problems(form)
    body = form.get("body") if isinstance(form, dict) else None
    if not isinstance(body, list):
        return problems
    for i, element in enumerate(body):
        problems += _element_problems(i, element)
    elements = [e for e in body if isinstance(e, dict)]
    inputs = [e for e in elements if e.get("type") in ATTRIBUTES and e.get("type") != "markdown"]
    if body and not inputs:
        problems.append("body must contain at least one non-markdown field")
    ids = [e["id"] for e in elements if "id" in e]
    if len(set(ids)) < len(ids):
        problems.append(f"body must have unique ids, got {ids}")
    return problems + _label_clashes(inputs)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def by_id(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in form["body"] if "id" in e}


# ---------------------------------------------------------------------------------------------
# The template's files


def test_the_template_has_the_three_forms_the_course_teaches():
    assert {p.stem for p in FORMS} == {"user_story", "bug", "experiment"}, FORMS


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_issue_form_follows_githubs_syntax(path: Path):
    assert form_problems(load(path)) == []


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_field_has_an_id_and_its_own_label(path: Path):
    """Beyond GitHub's rules: ids keep prefill URLs stable, distinct labels keep issues readable."""
    inputs = [e for e in load(path)["body"] if e["type"] != "markdown"]
    assert all("id" in e for e in inputs), f"{path.name}: a field has no id"
    labels = [parameterize(label) for e in inputs for label in _labels(e)]
    assert len(set(labels)) == len(labels), f"{path.name}: repeated labels {labels}"


def test_form_names_are_unique():
    names = [load(p)["name"] for p in FORMS]
    assert len(set(names)) == len(names), names


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_form_labels_its_issues_and_requires_an_answer(path: Path):
    form = load(path)
    assert _list_or_comma_string(form.get("labels")), f"{path.name}: no labels for the board"
    required = [e for e in form["body"] if e.get("validations", {}).get("required")]
    assert required, f"{path.name}: at least one field must be required"


def test_the_user_story_form_asks_for_the_five_fields_of_a_story():
    form = load(FORMS_DIR / "user_story.yml")
    fields = {stories._key(i): e for i, e in by_id(form).items()}
    assert set(stories.FIELDS) <= set(fields), sorted(fields)
    for name in ("role", "want", "so_that", "acceptance_criteria"):
        assert fields[name]["validations"]["required"] is True, f"{name} must be required"
    dod = [o["label"] for o in fields["definition_of_done"]["attributes"]["options"]]
    assert any(stories.TEST_WORD.search(item) for item in dod), "the DoD must name tests"


def test_the_pull_request_template_holds_the_definition_of_done_as_a_checklist():
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    assert re.search(r"^## Definition of done\s*$", text, re.M | re.I), "no DoD heading"
    items = re.findall(r"^- \[ \] (.+)$", text.split("Definition of done", 1)[1], re.M)
    assert len(items) >= 3, items
    for word in ("test", "review", "MLflow"):
        assert any(word.lower() in item.lower() for item in items), f"no DoD item on {word}"
    assert re.search(r"^(Closes|Fixes|Resolves) #", text, re.M), "link the issue it closes"


def test_the_issue_chooser_config_has_only_documented_keys():
    config = load(FORMS_DIR / "config.yml")
    assert set(config) <= {"blank_issues_enabled", "contact_links"}, set(config)
    assert isinstance(config.get("blank_issues_enabled", True), bool)
    for link in config.get("contact_links", []):
        assert set(link) == {"name", "url", "about"}, link
        assert link["url"].startswith("https://") and not _blank(link["name"])


OWNER = re.compile(r"^(@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[a-z]+)$")


def codeowners_rules(text: str) -> list[tuple[str, list[str]]]:
    lines = [line.split(" #", 1)[0].strip() for line in text.splitlines()]
    return [(parts[0], parts[1:]) for line in lines if line and not line.startswith("#")
            for parts in [line.split()]]


def codeowners_problems(text: str, root: Path) -> list[str]:
    """Lines GitHub would ignore or that own nothing; `[]` when every rule is sound."""
    rules = codeowners_rules(text)
    if not rules:
        return ["no rules"]
    problems = [] if rules[0][0] == "*" else ["the catch-all `*` must come first (last match wins)"]
    for pattern, owners in rules:
        if not owners:
            problems.append(f"{pattern}: no owner")
        problems += [f"{pattern}: {o!r} is not @user, @org/team or an e-mail" for o in owners
                     if not OWNER.match(o)]
        if "[" in pattern or pattern.startswith("!"):
            problems.append(f"{pattern}: GitHub's CODEOWNERS supports neither [ ] nor !")
        elif pattern != "*" and not any(root.glob(pattern.strip("/"))):
            problems.append(f"{pattern}: no such path in the template")
    return problems


def test_codeowners_gives_every_path_an_owner_and_names_only_existing_paths():
    path = GITHUB / "CODEOWNERS"
    assert codeowners_problems(path.read_text(encoding="utf-8"), settings.TEMPLATE_DIR) == []


# ---------------------------------------------------------------------------------------------
# The checks fail on broken files: each documented error, made on a copy of a good form.


def _break(form: dict[str, Any], how: str) -> None:  # noqa: C901, PLR0912 (a table of breakages)
    body = form["body"]
    first_input = next(e for e in body if e["type"] != "markdown")
    dropdown = next(e for e in body if e["type"] == "dropdown")
    if how == "no name":
        del form["name"]
    elif how == "blank description":
        form["description"] = "  "
    elif how == "unknown top-level key":
        form["about"] = "a Markdown template's key"
    elif how == "boolean key":
        form[True] = "yes"
    elif how == "unknown type":
        first_input["type"] = "text"
    elif how == "no label":
        del first_input["attributes"]["label"]
    elif how == "duplicate id":
        body[-1]["id"] = first_input["id"]
    elif how == "duplicate label":  # allowed when ids tell the fields apart, so drop them
        second = next(e for e in body[1:] if e["type"] in ("input", "textarea")
                      and e is not first_input)
        second["attributes"]["label"] = first_input["attributes"]["label"] + "?"
        del first_input["id"], second["id"]
    elif how == "checkbox label repeated":
        options = next(e for e in body if e["type"] == "checkboxes")["attributes"]["options"]
        options.append(dict(options[0]))
    elif how == "id with a space":
        first_input["id"] = "as a"
    elif how == "only markdown":
        form["body"] = [{"type": "markdown", "attributes": {"value": "hello"}}]
    elif how == "None option":
        dropdown["attributes"]["options"].append("None")
    elif how == "boolean option":
        dropdown["attributes"]["options"].append(True)
    elif how == "repeated option":
        dropdown["attributes"]["options"].append(dropdown["attributes"]["options"][0])
    elif how == "required as a string":
        first_input["validations"] = {"required": "yes"}
    elif how == "unknown attribute":
        first_input["attributes"]["hint"] = "not a documented attribute"
    elif how == "forbidden label word":
        first_input["attributes"]["label"] = "Your password"
    elif how == "empty body":
        form["body"] = []


BREAKAGES = ["no name", "blank description", "unknown top-level key", "boolean key",
             "unknown type", "no label", "duplicate id", "duplicate label",
             "checkbox label repeated", "id with a space", "only markdown", "None option",
             "boolean option", "repeated option",
             "required as a string", "unknown attribute", "forbidden label word", "empty body"]


@pytest.mark.parametrize("how", BREAKAGES)
def test_a_broken_form_is_caught(how: str):
    form = copy.deepcopy(load(FORMS_DIR / "user_story.yml"))
    _break(form, how)
    assert form_problems(form), f"a form with {how} passed the check"


def test_a_form_written_as_yaml_with_unquoted_yes_options_is_caught():
    text = (FORMS_DIR / "bug.yml").read_text(encoding="utf-8")
    broken = text.replace("        - API\n", "        - yes\n        - API\n")
    assert broken != text and form_problems(yaml.safe_load(broken))


@pytest.mark.parametrize("line, expected", [
    ("/src/ @your-org/ml-engineers", "catch-all"),
    ("* @your-org/ml-engineers\n/data/", "no owner"),
    ("* your-org/ml-engineers", "not @user"),
    ("* @a\n/no/such/folder/ @a", "no such path"),
    ("* @a\n/src/*/no_such_module.py @a", "no such path"),
    ("* @a\n/src/[a-z]*/ @a", "neither [ ] nor !"),
])
def test_a_broken_codeowners_is_caught(line: str, expected: str):
    problems = codeowners_problems(line, settings.TEMPLATE_DIR)
    assert any(expected in p for p in problems), problems
