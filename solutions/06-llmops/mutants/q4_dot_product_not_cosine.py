"""Compares raw dot products instead of cosine similarities: right for unit vectors, wrong as
soon as the embedder does not normalise (everything looks similar)."""

EDITS = {
    "q4_answer": [
        (
            '''self.entries = []  # (prompt_version, unit vector, answer)
        self.hits = self.misses = 0

    def _unit(self, text):
        vector = np.asarray(self.embed([text]), dtype=float)[0]
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector''',
            '''self.entries = []
        self.hits = self.misses = 0''',
        ),
        (", self._unit(question),", ", np.asarray(self.embed([question]))[0],"),
        (
            '''candidates = [(v, a) for p, v, a in self.entries if p == prompt_version]
        if candidates:
            query = self._unit(question)
            similarity, answer = max(((float(v @ query), a) for v, a in candidates),
                                     key=lambda pair: pair[0])''',
            '''query = np.asarray(self.embed([question]))[0]
        scored = [(float(v @ query), a) for p, v, a in self.entries if p == prompt_version]
        if scored:
            similarity, answer = max(scored, key=lambda pair: pair[0])''',
        ),
    ],
}
LOSES = ["q4_test"]
