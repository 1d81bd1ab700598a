"""Returns the first cached answer above the threshold instead of the most similar one, and
treats a similarity equal to the threshold as a miss."""

EDITS = {
    "q4_answer": [
        ("[]  # (prompt_version, unit vector, answer)", "[]"),
        (
            '''norm = np.linalg.norm(vector)
        return vector / norm if norm else vector''',
            "return vector / np.linalg.norm(vector)",
        ),
        (
            '''candidates = [(v, a) for p, v, a in self.entries if p == prompt_version]
        if candidates:
            query = self._unit(question)
            similarity, answer = max(((float(v @ query), a) for v, a in candidates),
                                     key=lambda pair: pair[0])
            if similarity >= self.threshold:
                self.hits += 1
                return answer''',
            '''query = self._unit(question)
        for p, v, a in self.entries:
            if p == prompt_version and float(v @ query) > self.threshold:
                self.hits += 1
                return a''',
        ),
    ],
}
LOSES = ["q4_test"]
