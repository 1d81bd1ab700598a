"""Sprint 06 evaluation tables: scorer means side by side, and answers joined to references."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from mlops_course import assistant, llm_eval, rag, tracking
from mlops_course.llm import EchoBackend

DOC = rag.Document("doc.md", "# Data\n\nThe dataset has 17,379 rows.\n\n## Licence\n\nCC BY 4.0.\n")


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


@dataclass
class Result:
    metrics: dict
    tables: dict


def test_answers_are_joined_to_their_reference_whatever_the_order_and_worst_come_first():
    table = pd.DataFrame({
        "request": [{"question": "b?"}, "a?", {"question": "c?"}],
        "response": ["B", "A", "C"],
        "match/value": [0.5, 1.0, 0.0],
        "short/value": [True, False, True],
    })
    questions = [Question("c?", "ref c"), Question("a?", "ref a"), Question("b?", "ref b")]
    rows = llm_eval.answers_table(Result({}, {"eval_results": table}), questions)
    assert rows.columns.tolist() == ["question", "reference", "response", "match", "short"]
    assert rows.question.tolist() == ["c?", "b?", "a?"]
    assert rows.reference.tolist() == ["ref c", "ref b", "ref a"]
    by_short = llm_eval.answers_table(Result({}, {"eval_results": table}), questions,
                                      scorers=["short"], worst_first_by="short")
    # ties keep the order of the labelled questions
    assert by_short.question.tolist() == ["a?", "c?", "b?"]


def test_a_question_without_a_label_or_a_missing_scorer_is_named():
    table = pd.DataFrame({"request": ["x?"], "response": ["X"], "match/value": [1.0]})
    result = Result({}, {"eval_results": table})
    with pytest.raises(llm_eval.EvaluationError, match="x\\?"):
        llm_eval.answers_table(result, [Question("y?", "Y")])
    with pytest.raises(llm_eval.EvaluationError, match="grounded"):
        llm_eval.answers_table(result, [Question("x?", "X")], scorers=["grounded"])


def test_metrics_table_puts_runs_side_by_side():
    table = llm_eval.metrics_table({"v1": Result({"m/mean": 0.12345}, {}),
                                    "v2": Result({"m/mean": 0.5, "n/mean": 1}, {})})
    assert table.columns.tolist() == ["v1", "v2"]
    assert table.loc["m/mean", "v1"] == 0.123 and pd.isna(table.loc["n/mean", "v1"])


def test_a_real_evaluation_gives_one_row_per_question_and_no_expectation_as_a_score(tmp_path):
    import mlflow
    from mlflow.genai.scorers import scorer

    tracking.quiet_store_setup()
    tracking.use_experiment("test-llm-eval", tracking.local_store(tmp_path / "mlflow"))
    index = rag.VectorIndex.build(rag.chunk_documents([DOC], rag.markdown_chunks),
                                  rag.HashingEmbedder())
    app = assistant.Assistant(index, EchoBackend(), k=1)

    @scorer
    def answer_match(outputs, expectations) -> float:
        return assistant.answer_recall(outputs, expectations["answer"])

    questions = [Question("How many rows?", "17,379 rows"),
                 Question("Which licence?", "MIT")]
    data = [{"inputs": {"question": q.question}, "expectations": {"answer": q.answer}}
            for q in questions]
    with mlflow.start_run():
        result = mlflow.genai.evaluate(data=data, predict_fn=app, scorers=[answer_match])
    rows = llm_eval.answers_table(result, questions)
    assert rows.columns.tolist() == ["question", "reference", "response", "answer_match"]
    assert rows.question.tolist() == ["Which licence?", "How many rows?"]  # MIT is not there
    assert rows.answer_match.tolist() == [0.0, 1.0]
    assert llm_eval.metrics_table({"echo": result}).loc["answer_match/mean", "echo"] == 0.5
