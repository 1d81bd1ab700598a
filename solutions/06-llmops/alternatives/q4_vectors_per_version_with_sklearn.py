"""Keeps one list of (vector, answer) per prompt version in a dict, stores the raw vectors and
computes the cosines at lookup with scikit-learn's `cosine_similarity` (imported at the top)."""

EDITS = {
    "q4_answer": [
        (
            "class AnswerCache:",
            '''from collections import defaultdict

from sklearn.metrics.pairwise import cosine_similarity


class AnswerCache:''',
        ),
        (
            '''        self.entries = []  # (prompt_version, unit vector, answer)
        self.hits = self.misses = 0

    def _unit(self, text):
        vector = np.asarray(self.embed([text]), dtype=float)[0]
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def put(self, question, answer, prompt_version):
        if answer.strip():
            self.entries.append((prompt_version, self._unit(question), answer))

    def get(self, question, prompt_version):
        candidates = [(v, a) for p, v, a in self.entries if p == prompt_version]
        if candidates:
            query = self._unit(question)
            similarity, answer = max(((float(v @ query), a) for v, a in candidates),
                                     key=lambda pair: pair[0])
            if similarity >= self.threshold:
                self.hits += 1
                return answer''',
            '''        self.by_version = defaultdict(list)
        self.hits, self.misses = 0, 0

    def put(self, question, answer, prompt_version):
        if not answer or answer.isspace():
            return
        vector = np.asarray(self.embed([question]))[0]
        self.by_version[prompt_version].append((vector, answer))

    def get(self, question, prompt_version):
        stored = self.by_version.get(prompt_version, [])
        if stored:
            query = np.asarray(self.embed([question]))
            similarities = cosine_similarity(query, np.stack([v for v, _ in stored]))[0]
            best = int(np.argmax(similarities))
            if similarities[best] >= self.threshold:
                self.hits += 1
                return stored[best][1]''',
        ),
    ],
}
