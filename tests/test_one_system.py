"""One system: what the walkthroughs teach is the template's `mlproject`, not a second copy.

The bike-demand system is implemented once, in `project_template/src/mlproject`. These tests
fail when the course drifts from it again: when the course package defines its own feature
list, contract or thresholds; when a walkthrough or lab of sprints 01-05 calls an endpoint the
template's app does not serve or reads a response field its contract does not have; or when the
course teaches a policy for drift that the template's code does not follow.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import nbformat
import pytest
from fastapi.testclient import TestClient
from mlproject import api, monitor, schemas
from mlproject import settings as mlsettings

from mlops_course import settings

SPRINTS = ["01-tracking", "02-containers-ci", "03-api", "04-serving", "05-pipelines-monitoring"]
COURSE_PACKAGE = settings.REPO_ROOT / "src" / "mlops_course"
FEATURES = set(mlsettings.FEATURES)
# Names that hold the system's own decisions; the course imports them from mlproject.
DECISIONS = {"FEATURES", "NUMERIC", "CATEGORICAL", "NUMERIC_FEATURES", "CATEGORICAL_FEATURES",
             "MAE_RATIO_THRESHOLD", "DRIFT_SHARE_THRESHOLD", "MAX_BATCH", "API_PREFIX"}
# Paths walkthroughs call on purpose to show what a wrong path gets (a 404 counted as a failure).
DELIBERATE_404 = {"/v1/predcit", "/v1/forecast"}
PATH = re.compile(r"""["'](/v\d+/[a-z/_]+|/predict[a-z/_]*|/ready|/health)["']""")
# What a notebook may read from /openapi.json, which FastAPI writes, not the contract.
OPENAPI_FIELDS = {"openapi", "info", "paths", "components"}
FIELD = re.compile(r"""\.json\(\)\[["'](\w+)["']\]""")


def notebooks() -> list[Path]:
    found = []
    for sprint in SPRINTS:
        found += sorted((settings.SPRINTS_DIR / sprint).glob("*.ipynb"))
        found += sorted((settings.SOLUTIONS_DIR / sprint).glob("*.ipynb"))
    return found


def code_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def course_modules() -> list[Path]:
    return sorted(p for p in COURSE_PACKAGE.rglob("*.py") if "grading" not in p.parts)


def string_sequences(tree: ast.AST) -> list[tuple[int, set[str]]]:
    """Every list, tuple or set literal of strings in a module, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple | ast.Set) and node.elts:
            values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
                found.append((node.lineno, set(values)))
    return found


def never_loads(_settings: object) -> None:
    raise RuntimeError("the routes are probed without loading a model")


@functools.cache
def served(path: str) -> bool:
    """Whether mlproject's app has a route at `path` (any answer but 404 means it has)."""
    client = TestClient(api.create_app(loader=never_loads), raise_server_exceptions=False)
    return any(client.request(method, path).status_code != 404 for method in ("GET", "POST"))


def response_fields() -> set[str]:
    fields: set[str] = set()
    for model in vars(schemas).values():
        if isinstance(model, type) and hasattr(model, "model_fields"):
            fields |= set(model.model_fields)
    return fields


@pytest.mark.parametrize("path", course_modules(), ids=lambda p: p.name)
def test_the_course_package_defines_no_feature_list_of_its_own(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    copies = [line for line, values in string_sequences(tree) if len(values & FEATURES) >= 4]
    assert not copies, (
        f"{path.name} lines {copies} spell out the model's features again; import them from "
        "mlproject.settings (NUMERIC_FEATURES, CATEGORICAL_FEATURES, FEATURES) instead."
    )


@pytest.mark.parametrize("path", course_modules(), ids=lambda p: p.name)
def test_the_course_package_does_not_redefine_the_systems_decisions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assigned = {
        target.id
        for node in ast.walk(tree) if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
        if not isinstance(node.value, ast.Attribute | ast.Name)  # `X = mlproject.X` re-exports
    }
    again = sorted(assigned & DECISIONS)
    assert not again, f"{path.name} sets {again}: the system's values live in mlproject."


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_walkthroughs_and_labs_call_only_endpoints_the_template_serves(path):
    used = set(PATH.findall(code_of(path))) - DELIBERATE_404
    unknown = sorted(p for p in used if not served(p))
    assert not unknown, f"{path.name} calls {unknown}, which mlproject's app does not serve."


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.stem)
def test_walkthroughs_and_labs_read_only_fields_of_the_templates_contract(path):
    known = response_fields() | {"detail", "errors"} | OPENAPI_FIELDS
    read = set(FIELD.findall(code_of(path)))
    unknown = sorted(read - known)
    assert not unknown, f"{path.name} reads {unknown} from a response; mlproject's contract " \
        f"has no such field."


def test_the_walkthroughs_of_sprints_01_to_05_import_mlproject():
    missing = [
        sprint for sprint in ["01-tracking", "03-api", "04-serving", "05-pipelines-monitoring"]
        if not any("mlproject" in code_of(p)
                   for p in (settings.SPRINTS_DIR / sprint).glob("*.ipynb"))
    ]
    assert not missing, f"no walkthrough of {missing} imports mlproject"


def test_drift_alone_raises_an_alert_and_never_a_retraining():
    drifted = monitor.decide(drift_share=1.0, mae=None, expected_mae=30.0)
    assert drifted.alert and not drifted.retrain
    worse = monitor.decide(drift_share=0.0, mae=30.0 * monitor.MAE_RATIO_THRESHOLD * 1.1,
                           expected_mae=30.0)
    assert worse.retrain


def test_no_text_tells_students_to_retrain_on_drift():
    texts = [settings.REPO_ROOT / "README.md", settings.TEMPLATE_DIR / "README.md"]
    texts += sorted(settings.SPRINTS_DIR.glob("*/README.md")) + notebooks()
    texts += list((settings.TEMPLATE_DIR / "src").rglob("*.py"))
    offenders = [str(p.relative_to(settings.REPO_ROOT)) for p in texts
                 if "retrain-on-drift" in p.read_text(encoding="utf-8")]
    assert not offenders, f"these still teach retraining on drift alone: {offenders}"
