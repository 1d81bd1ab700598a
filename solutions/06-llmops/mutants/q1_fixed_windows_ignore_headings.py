"""Fixed-size windows over the whole document: sizes are right, but chunks cross sections and
do not start with their heading."""

REPLACEMENTS = {
    "q1_answer": '''def chunk_markdown(text, max_chars=600):
    """Heading-aware chunks of at most `max_chars` characters."""
    return rag.fixed_size_chunks(text, size=max_chars)''',
}
LOSES = ["q1_test"]
