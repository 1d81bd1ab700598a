"""Returns the first cached answer above the threshold instead of the most similar one, and
treats a similarity equal to the threshold as a miss."""

REPLACEMENTS = {
    "q4_answer": '''class AnswerCache:
    """Answers again when a similar question was answered with the same prompt version."""

    def __init__(self, embed, threshold=0.9):
        self.embed, self.threshold = embed, threshold
        self.entries = []
        self.hits = self.misses = 0

    def _unit(self, text):
        vector = np.asarray(self.embed([text]), dtype=float)[0]
        return vector / np.linalg.norm(vector)

    def put(self, question, answer, prompt_version):
        if answer.strip():
            self.entries.append((prompt_version, self._unit(question), answer))

    def get(self, question, prompt_version):
        query = self._unit(question)
        for p, v, a in self.entries:
            if p == prompt_version and float(v @ query) > self.threshold:
                self.hits += 1
                return a
        self.misses += 1
        return None''',
}
LOSES = ["q4_test"]
