"""Writes its own section splitter, fences handled, but takes only `#` and `##` lines for
headings: a `###` heading stays in its parent's text, so its chunks start with the parent's
heading and mix two sections."""

EDITS = {
    "q1_answer": [
        (
            "    chunks = []\n    for titles, body in rag.split_sections(text):",
            '''    sections, titles, lines, fenced = [], [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        level = len(line) - len(line.lstrip("#"))
        if not fenced and level in (1, 2) and line[level:level + 1] == " ":
            if "".join(lines).strip():
                sections.append((titles, "\\n".join(lines).strip()))
            titles, lines = titles[: level - 1] + [line[level:].strip()], []
        else:
            lines.append(line)
    if "".join(lines).strip():
        sections.append((titles, "\\n".join(lines).strip()))
    chunks = []
    for titles, body in sections:''',
        ),
    ],
}
LOSES = ["q1_test"]
