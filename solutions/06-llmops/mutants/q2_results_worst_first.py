"""Returns the k chunks in reverse order (least similar first, ranks renumbered), as happens
after sorting by distance when the index returns similarities."""

EDITS = {
    "q2_answer": [
        (
            "return index.search(question, k=k)",
            '''hits = index.search(question, k=k)[::-1]
        return [rag.Hit(h.chunk, h.score, rank) for rank, h in enumerate(hits, start=1)]''',
        ),
    ],
}
LOSES = ["q2_test"]
