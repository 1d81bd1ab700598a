"""Compares raw dot products instead of cosine similarities: right for unit vectors, wrong as
soon as the embedder does not normalise (everything looks similar)."""

REPLACEMENTS = {
    "q4_answer": '''class AnswerCache:
    """Answers again when a similar question was answered with the same prompt version."""

    def __init__(self, embed, threshold=0.9):
        self.embed, self.threshold = embed, threshold
        self.entries = []
        self.hits = self.misses = 0

    def put(self, question, answer, prompt_version):
        if answer.strip():
            self.entries.append((prompt_version, np.asarray(self.embed([question]))[0], answer))

    def get(self, question, prompt_version):
        query = np.asarray(self.embed([question]))[0]
        scored = [(float(v @ query), a) for p, v, a in self.entries if p == prompt_version]
        if scored:
            similarity, answer = max(scored, key=lambda pair: pair[0])
            if similarity >= self.threshold:
                self.hits += 1
                return answer
        self.misses += 1
        return None''',
}
LOSES = ["q4_test"]
