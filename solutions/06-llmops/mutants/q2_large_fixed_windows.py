"""Fixed 2,000-character windows without headings: the plausible first try, too coarse to
place the answer near the top."""

EDITS = {
    "q2_answer": [
        (": chunk_markdown(text, max_chars=600)", ": rag.fixed_size_chunks(text, 2000)"),
    ],
}
LOSES = ["q2_test"]
