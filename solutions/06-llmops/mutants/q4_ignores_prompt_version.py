"""A correct similarity cache that forgets the prompt version: answers made with an old
prompt are served after the prompt changed."""

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
            self.entries.append((self._unit(question), answer))

    def get(self, question, prompt_version):
        if self.entries:
            query = self._unit(question)
            similarity, answer = max(((float(v @ query), a) for v, a in self.entries),
                                     key=lambda pair: pair[0])
            if similarity >= self.threshold:
                self.hits += 1
                return answer
        self.misses += 1
        return None''',
}
LOSES = ["q4_test"]
