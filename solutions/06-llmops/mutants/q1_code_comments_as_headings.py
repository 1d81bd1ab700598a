"""Splits at every line that starts with `#`, including comments inside code blocks, and
drops those lines as if they were headings."""

REPLACEMENTS = {
    "q1_answer": '''def chunk_markdown(text, max_chars=600):
    """Heading-aware chunks of at most `max_chars` characters."""
    chunks, heading, body = [], "", []

    def flush():
        joined = " ".join(" ".join(body).split())
        for piece in rag.fixed_size_chunks(joined, max_chars - len(heading) - 1) if joined else []:
            chunks.append(heading + "\\n" + piece)

    for line in text.splitlines():
        if line.startswith("#"):
            flush()
            heading, body = line.lstrip("#").strip(), []
        else:
            body.append(line)
    flush()
    return chunks''',
}
LOSES = ["q1_test"]
