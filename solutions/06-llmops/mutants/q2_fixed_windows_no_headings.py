"""Fixed 600-character windows without headings: the walkthrough's baseline, which cuts
sections apart and loses the heading that says what a passage is about."""

REPLACEMENTS = {
    "q2_answer": '''def build_retriever(documents, embedder):
    """A search(question, k) function over `documents`, returning a list of rag.Hit."""
    chunks = rag.chunk_documents(documents, lambda text: rag.fixed_size_chunks(text, 600))
    index = rag.VectorIndex.build(chunks, embedder)

    def search(question, k=3):
        return index.search(question, k=k)

    return search''',
}
LOSES = ["q2_test"]
