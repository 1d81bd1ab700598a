"""Keeps only the last answer put for each prompt version (a dict keyed by version), so an
earlier question that is the closer match is forgotten."""

EDITS = {
    "q4_answer": [
        (
            "self.entries = []  # (prompt_version, unit vector, answer)",
            "self.entries = {}  # prompt_version -> (unit vector, answer)",
        ),
        (
            "self.entries.append((prompt_version, self._unit(question), answer))",
            "self.entries[prompt_version] = (self._unit(question), answer)",
        ),
        (
            "candidates = [(v, a) for p, v, a in self.entries if p == prompt_version]",
            "candidates = [self.entries[prompt_version]] if prompt_version in self.entries else []",
        ),
    ],
}
LOSES = ["q4_test"]
