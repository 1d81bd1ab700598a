"""Fixed 600-character windows without headings: the walkthrough's baseline, which cuts
sections apart and loses the heading that says what a passage is about."""

EDITS = {
    "q2_answer": [
        (": chunk_markdown(text, max_chars=600)", ": rag.fixed_size_chunks(text, 600)"),
    ],
}
LOSES = ["q2_test"]
