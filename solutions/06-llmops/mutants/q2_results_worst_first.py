"""Returns the k chunks in reverse order (least similar first, ranks renumbered), as happens
after sorting by distance when the index returns similarities."""

REPLACEMENTS = {
    "q2_answer": '''def build_retriever(documents, embedder):
    """A search(question, k) function over `documents`, returning a list of rag.Hit."""
    chunks = rag.chunk_documents(documents, lambda text: chunk_markdown(text, max_chars=600))
    index = rag.VectorIndex.build(chunks, embedder)

    def search(question, k=3):
        hits = index.search(question, k=k)[::-1]
        return [rag.Hit(h.chunk, h.score, rank) for rank, h in enumerate(hits, start=1)]

    return search''',
}
LOSES = ["q2_test"]
