"""Fixed 2,000-character windows without headings: the plausible first try, too coarse to
place the answer near the top."""

REPLACEMENTS = {
    "q2_answer": '''def build_retriever(documents, embedder):
    """A search(question, k) function over `documents`, returning a list of rag.Hit."""
    chunks = rag.chunk_documents(documents, lambda text: rag.fixed_size_chunks(text, 2000))
    index = rag.VectorIndex.build(chunks, embedder)

    def search(question, k=3):
        return index.search(question, k=k)

    return search''',
}
LOSES = ["q2_test"]
