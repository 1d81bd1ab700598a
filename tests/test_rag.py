"""Sprint 06 retrieval: chunkers, the corpus snapshot, the index and the retrieval metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlops_course import rag

DOC = """# Sprint 99

Intro paragraph about the sprint.

## Caching

A semantic cache answers similar questions again. It compares embeddings.

```python
# not a heading inside code
x = 1
```

## Rate limits

A token bucket refills at a fixed rate.

### Burst

Bursts up to the capacity pass.
"""


def test_fixed_size_chunks_respect_the_size_and_keep_every_word():
    text = " ".join(f"word{i}" for i in range(200))
    chunks = rag.fixed_size_chunks(text, size=50)
    assert all(len(c) <= 50 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_fixed_size_overlap_repeats_the_end_of_the_previous_chunk():
    text = " ".join(f"w{i:03d}" for i in range(100))
    chunks = rag.fixed_size_chunks(text, size=40, overlap=10)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.split()[0] in before.split()
    with pytest.raises(ValueError, match="overlap"):
        rag.fixed_size_chunks(text, size=40, overlap=40)


def test_sections_follow_headings_but_not_comments_in_code():
    sections = rag.split_sections(DOC)
    titles = [" > ".join(t) for t, _ in sections]
    assert titles == ["Sprint 99", "Sprint 99 > Caching", "Sprint 99 > Rate limits",
                      "Sprint 99 > Rate limits > Burst"]
    assert "# not a heading inside code" in sections[1][1]


def test_markdown_chunks_carry_their_heading_and_never_span_two_sections():
    chunks = rag.markdown_chunks(DOC, max_chars=200)
    assert chunks[1].startswith("Sprint 99 > Caching: ")
    assert not any("Caching" in c and "token bucket" in c for c in chunks)
    long = "# T\n\n" + "\n\n".join("para " + "x" * 60 for _ in range(20))
    assert all(len(c) <= 300 for c in rag.markdown_chunks(long, max_chars=300))


def test_corpus_snapshot_round_trips_and_refuses_an_edited_file(tmp_path):
    docs = [rag.Document("a/README.md", "# A\n\nalpha"), rag.Document("b.md", "beta")]
    rag.snapshot_corpus(docs, tmp_path)
    assert rag.course_corpus(tmp_path) == sorted(docs, key=lambda d: d.source)
    (tmp_path / "b.md").write_text("gamma")
    with pytest.raises(rag.RagError, match="git checkout"):
        rag.course_corpus(tmp_path)


def test_corpus_drift_lists_added_removed_and_edited_documents():
    old = [rag.Document("a", "1"), rag.Document("b", "2")]
    new = [rag.Document("b", "2!"), rag.Document("c", "3")]
    assert rag.corpus_drift(old, new) == {"added": ["c"], "removed": ["a"], "edited": ["b"]}


def test_the_shipped_corpus_verifies_and_every_labelled_evidence_is_in_its_document():
    docs = {d.source: d.text for d in rag.course_corpus()}
    questions = rag.load_questions()
    assert len(questions) >= 30 and len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.source in docs, f"{q.id}: {q.source} is not in the corpus"
        assert rag.normalise(q.evidence) in rag.normalise(docs[q.source]), (
            f"{q.id}: evidence {q.evidence!r} not found in {q.source}")


def test_metrics_hit_rate_and_mrr():
    assert rag.hit_rate([1, None, 3, None]) == 0.5
    assert rag.mean_reciprocal_rank([1, None, 2, None]) == pytest.approx((1 + 0.5) / 4)
    assert rag.hit_rate([]) == 0.0


def test_relevance_needs_the_right_source_and_the_evidence():
    q = rag.LabelledQuestion("q", "?", "a.md", "Token  Bucket")
    assert rag.is_relevant(rag.Chunk("a.md", "a `token` bucket\nrefills", 0), q)
    assert not rag.is_relevant(rag.Chunk("b.md", "a token bucket", 0), q)
    assert not rag.is_relevant(rag.Chunk("a.md", "a bucket", 0), q)


def test_index_search_ranks_the_matching_chunk_first_with_the_hashing_embedder():
    chunks = rag.chunk_documents([rag.Document("doc.md", DOC)],
                                 lambda t: rag.markdown_chunks(t, 200))
    index = rag.VectorIndex.build(chunks, rag.HashingEmbedder())
    hits = index.search("token bucket refills rate", k=2)
    assert hits[0].rank == 1 and "token bucket" in hits[0].chunk.text
    assert hits[0].score >= hits[1].score


def test_retrieval_report_computes_ranks_and_metrics():
    chunks = rag.chunk_documents([rag.Document("doc.md", DOC)],
                                 lambda t: rag.markdown_chunks(t, 200))
    index = rag.VectorIndex.build(chunks, rag.HashingEmbedder())
    questions = [
        rag.LabelledQuestion("1", "How does the token bucket refill?", "doc.md", "fixed rate"),
        rag.LabelledQuestion("2", "zebra giraffe", "other.md", "nothing"),
    ]
    report = rag.retrieval_report(index.search, questions, k=2)
    assert list(report.rows["rank"].isna()) == [False, True]
    assert report.hit_rate == 0.5 and report.k == 2
    assert report.mrr == 0.5 * (1 / report.rows["rank"].iloc[0])
    assert list(report.misses()["id"]) == ["2"]


def test_context_block_keeps_the_best_chunks_first_and_stops_at_the_limit():
    hits = [rag.Hit(rag.Chunk("a.md", f"{i}" * 100, i), 0.5, i + 1) for i in range(5)]
    block = rag.context_block(hits, max_chars=250)
    assert block.startswith("0" * 100) and len(block) <= 260 and "3" not in block


def test_hashing_embedder_is_normalised_and_deterministic():
    emb = rag.HashingEmbedder()
    a, b = emb.encode(["semantic cache", "semantic cache"]), emb.encode(["semantic cache"])
    assert np.allclose(a[0], b[0]) and np.isclose(np.linalg.norm(a[0]), 1.0)


def test_questions_file_is_one_json_object_per_line():
    for line in rag.QUESTIONS_FILE.read_text().splitlines():
        row = json.loads(line)
        assert set(row) == {"id", "question", "source", "evidence", "answer"}
