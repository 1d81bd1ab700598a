"""The LLM judge of 06b: its labelled answers (data), its parsers and agreement code (code),
and its recorded replies (model behaviour: they replay every request and are what SmolLM2
says). Only the last test loads the real model (marker `llm`)."""

from __future__ import annotations

import json
import math
import random
import warnings
from collections import Counter

import pytest
from sklearn.metrics import cohen_kappa_score

from mlops_course import judge, llm, rag

CASES = judge.load_labels()


# --- data -------------------------------------------------------------------------------------


def test_about_sixty_labelled_answers_with_both_labels_and_a_reason_each():
    assert 55 <= len(CASES) <= 70
    labels = Counter(c.label for c in CASES)
    assert min(labels.values()) >= 0.35 * len(CASES), labels
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(len(c.justification.split()) >= 3 and c.answer.strip() for c in CASES)


def test_every_kind_of_tricky_answer_is_there_under_its_expected_label():
    kinds = Counter((c.kind, c.label) for c in CASES)
    for kind in ("fluent_wrong", "wrong_unit", "partial", "refusal"):
        assert kinds[(kind, judge.INCORRECT)] >= 3, (kind, kinds)
    assert kinds[("verbose", judge.CORRECT)] >= 3, kinds
    assert kinds[("verbose", judge.INCORRECT)] >= 1, kinds
    assert kinds[("paraphrase", judge.CORRECT)] + kinds[("partial", judge.CORRECT)] >= 2, kinds


def test_every_answer_refers_to_a_labelled_question_and_its_reference():
    questions = {q.id: q for q in rag.load_questions()}
    for case in CASES:
        question = questions[case.question_id]
        assert (case.question, case.reference) == (question.question, question.answer), case.id


def test_a_label_outside_the_rubric_is_refused_with_its_line(tmp_path):
    row = json.loads(judge.LABELS_FILE.read_text().splitlines()[0])
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "label": "partly"}) + "\n")
    with pytest.raises(judge.JudgeDataError, match=r"labels.jsonl:2.*partly"):
        judge.load_labels(path)


# --- code -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "verdict"), [
    ("CORRECT", "correct"), ("Incorrect.", "incorrect"), ("The answer is correct.", "correct"),
    ("CORRECT\nThe answer is CORRECT.", "correct"), ("This is not correct.", "incorrect"),
    ("CORRECT or INCORRECT", None), ("I cannot grade this.", None), ("", None),
    ("incorrectly formatted", None),
])
def test_a_reply_becomes_a_verdict_only_when_it_names_one_label(reply, verdict):
    assert judge.parse_verdict(reply) == verdict


@pytest.mark.parametrize(("reply", "choice"), [
    ("A", "A"), ("B.", "B"), ("Answer B is better", "B"), ("A or B", None), ("Neither", None),
])
def test_a_pairwise_reply_becomes_a_choice_only_when_it_names_one_answer(reply, choice):
    assert judge.parse_choice(reply) == choice


def _sklearn_kappa(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns on a single label; the value is tested
        return cohen_kappa_score(a, b)


def test_kappa_matches_sklearn_on_generated_label_lists():
    rng = random.Random(6)
    for trial in range(300):
        labels = rng.choice([["correct", "incorrect"], [0, 1, 2], ["x", "y", "z", "w"], [7]])
        n = rng.randint(1, 40)
        weights = [rng.random() for _ in labels]  # unequal marginals
        a = rng.choices(labels, weights, k=n)
        b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
        expected, got = _sklearn_kappa(a, b), judge.cohen_kappa(a, b)
        assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(expected), (
            trial, a, b)


def test_kappa_is_nan_when_both_raters_give_one_label_and_zero_for_chance_level():
    assert math.isnan(judge.cohen_kappa(["a"] * 5, ["a"] * 5))
    assert judge.cohen_kappa([1, 1, 0], [1, 1, 1]) == 0.0
    assert judge.cohen_kappa(["a", "b"], ["b", "a"]) == -1.0
    with pytest.raises(ValueError, match="equal"):
        judge.cohen_kappa(["a"], ["a", "b"])


def test_unparseable_replies_count_as_disagreement_and_have_their_own_column():
    reference = ["correct", "incorrect", "correct", "incorrect"]
    verdicts = ["correct", None, "correct", "correct"]
    report = judge.agreement(reference, verdicts)
    assert report["unparseable"] == 1 and report["raw_agreement"] == 0.5
    judged = judge.verdict_labels(verdicts)
    assert report["kappa"] == pytest.approx(_sklearn_kappa(reference, judged))
    table = judge.confusion(reference, verdicts)
    assert table.loc["incorrect", "unparseable"] == 1 and table.loc["correct", "incorrect"] == 0
    assert int(table.to_numpy().sum()) == 4


def test_pairs_take_one_correct_and_one_incorrect_answer_of_the_same_question():
    pairs = judge.answer_pairs(CASES)
    by_answer = {c.answer: c for c in CASES}
    assert len(pairs) >= 20
    for pair in pairs:
        right, wrong = by_answer[pair.correct], by_answer[pair.incorrect]
        assert (right.label, wrong.label) == ("correct", "incorrect")
        assert right.question_id == wrong.question_id


def test_position_bias_and_length_bias_read_what_a_scripted_judge_does():
    class AlwaysFirst:
        name, model = "scripted", "always-first"

        def complete(self, messages, *, max_tokens=96, temperature=0.0):
            text = messages[-1]["content"]
            verdict = "CORRECT" if judge.FILLER in text else "INCORRECT"
            reply = "A" if "Answer A:" in text else verdict
            return llm.Completion(reply, self.model, self.name, 0, 1, 0.0)

    pairs = judge.answer_pairs(CASES)[:3]
    table = judge.position_bias(AlwaysFirst(), pairs)
    assert not table["consistent"].any() and not table["picked correct both times"].any()
    padded = judge.length_bias(AlwaysFirst(), CASES[:4])
    assert padded["moved"].all() and set(padded["padded"]) == {"correct"}


# --- model behaviour: the recordings ----------------------------------------------------------


def _replayed():
    backend = llm.RecordedBackend(judge.RECORDINGS_FILE)
    graded = judge.grade_all(backend, CASES)
    return backend, graded


def test_the_recordings_replay_every_request_of_the_judge_harness():
    backend, graded = _replayed()
    pairs = judge.position_bias(backend, judge.answer_pairs(CASES))
    padded = judge.length_bias(backend, CASES)
    assert len(graded) == len(CASES) and len(pairs) == len(judge.answer_pairs(CASES))
    assert len(padded) == len(CASES)
    assert {r["model"] for r in backend.recordings.values()} == {llm.LOCAL_MODEL}


@pytest.mark.llm
def test_the_recorded_verdicts_are_what_smollm2_says_now():
    if not llm.local_models_installed():
        pytest.skip("the local model is not installed (Binder)")
    _, graded = _replayed()
    live = llm.LlamaCppBackend()
    for case, reply in list(zip(CASES, graded["reply"], strict=True))[:6]:
        assert judge.grade(live, case.question, case.reference, case.answer)[0] == reply, case.id
