"""A correct similarity cache that forgets the prompt version: answers made with an old
prompt are served after the prompt changed."""

EDITS = {
    "q4_answer": [
        ("[]  # (prompt_version, unit vector, answer)", "[]"),
        (
            '''norm = np.linalg.norm(vector)
        return vector / norm if norm else vector''',
            "return vector / np.linalg.norm(vector)",
        ),
        ("prompt_version, self", "self"),
        (
            '''candidates = [(v, a) for p, v, a in self.entries if p == prompt_version]
        if candidates:
            query = self._unit(question)
            similarity, answer = max(((float(v @ query), a) for v, a in candidates),''',
            '''if self.entries:
            query = self._unit(question)
            similarity, answer = max(((float(v @ query), a) for v, a in self.entries),''',
        ),
    ],
}
LOSES = ["q4_test"]
