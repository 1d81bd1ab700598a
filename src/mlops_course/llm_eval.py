"""Reading the results of `mlflow.genai.evaluate` as tables a person can act on.

    results = {"v1": mlflow.genai.evaluate(...), "v2": mlflow.genai.evaluate(...)}
    metrics_table(results)                      # one column per run, one row per scorer mean
    answers_table(results["v2"], questions)     # one row per question, worst answer first

`mlflow.genai.evaluate` returns an `EvaluationResult`: `metrics` (the mean of every scorer) and
`tables["eval_results"]`, one row per evaluated trace, with the request as a dict, the response,
and one `<scorer>/value` column per scorer. Joining that table back to the labelled questions
(the reference answer lives there) is plumbing; looking at the worst rows is the lesson.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

VALUE_SUFFIX = "/value"


class EvaluationError(ValueError):
    """An evaluation result does not have the shape these tables need."""


class _Result(Protocol):
    metrics: Mapping[str, float]
    tables: Mapping[str, pd.DataFrame]


class _Question(Protocol):
    question: str
    answer: str


def metrics_table(results: Mapping[str, _Result], digits: int = 3) -> pd.DataFrame:
    """Scorer means side by side: one column per evaluation (e.g. per prompt version)."""
    table = pd.DataFrame({name: dict(result.metrics) for name, result in results.items()})
    return table.sort_index().astype(float).round(digits)


def _question_text(request: Any) -> str:
    """The question of one evaluated request: `{"question": ...}` or the text itself."""
    if isinstance(request, Mapping):
        if "question" not in request:
            raise EvaluationError(f"expected a request with a 'question' field, got {request!r}")
        return str(request["question"])
    return str(request)


def _expectation_names(table: pd.DataFrame) -> set[str]:
    """Names of the expectations (reference values) recorded with the traces."""
    names: set[str] = set()
    for assessments in table.get("assessments", pd.Series(dtype=object)):
        for assessment in assessments if isinstance(assessments, list) else []:
            if isinstance(assessment, Mapping) and "expectation" in assessment:
                names.add(str(assessment.get("assessment_name")))
    return names


def scorer_columns(table: pd.DataFrame) -> list[str]:
    """The scorer names in an `eval_results` table (its `<name>/value` columns).

    Expectations (the reference values) appear as `<name>/value` too; they are not scores, so
    they are left out (the reference answer comes from the labelled questions instead).
    """
    expectations = _expectation_names(table)
    return [name for c in table.columns if c.endswith(VALUE_SUFFIX)
            if (name := c.removesuffix(VALUE_SUFFIX)) not in expectations]


def answers_table(result: _Result, questions: Sequence[_Question], *,
              scorers: Sequence[str] | None = None,
                  worst_first_by: str | None = None) -> pd.DataFrame:
    """One row per question: question, reference, response and each scorer's value.

    `scorers` picks and orders the score columns (default: every scorer of the run, by name;
    the expectations are not scores). Rows are sorted by `worst_first_by` (default: the first
    score column), lowest first, so the answers to read come first; ties keep the questions'
    order.
    """
    table = result.tables["eval_results"]
    references = {q.question: q.answer for q in questions}
    names = list(scorers) if scorers is not None else sorted(scorer_columns(table))
    missing = [s for s in names if s + VALUE_SUFFIX not in table.columns]
    if missing:
        raise EvaluationError(f"no scores for {missing}; the run has {scorer_columns(table)}")
    rows = pd.DataFrame({
        "question": [_question_text(r) for r in table["request"]],
        "response": table["response"].astype(str).to_numpy(),
        **{s: table[s + VALUE_SUFFIX].to_numpy() for s in names},
    })
    unknown = sorted(set(rows["question"]) - set(references))
    if unknown:
        raise EvaluationError(f"questions evaluated but not labelled: {unknown[:3]}")
    rows.insert(1, "reference", rows["question"].map(references))
    order = {q.question: i for i, q in enumerate(questions)}
    rows = rows.sort_values("question", key=lambda s: s.map(order), kind="stable")
    key = worst_first_by or (names[0] if names else None)
    if key is not None:
        rows = rows.sort_values(key, kind="stable")
    return rows.reset_index(drop=True)
