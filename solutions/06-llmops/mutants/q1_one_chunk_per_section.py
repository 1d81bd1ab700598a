"""Cuts at headings but never splits a long section, so chunks grow past `max_chars`.

The heading policy is right; the size limit is forgotten, which is what makes chunks too
large to embed well and too long for a small model's prompt.
"""

REPLACEMENTS = {
    "q1_answer": '''def chunk_markdown(text, max_chars=600):
    """Heading-aware chunks of at most `max_chars` characters."""
    return [" > ".join(titles) + "\\n" + body for titles, body in rag.split_sections(text)]''',
}
LOSES = ["q1_test"]
