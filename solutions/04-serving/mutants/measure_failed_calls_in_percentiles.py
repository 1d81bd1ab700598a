"""Puts the latency of failed calls into the percentiles."""

EDITS = {
    "q2_answer": [
        (
            '''if ok:
                latencies.append(elapsed * 1000)
            else:''',
            '''latencies.append(elapsed * 1000)
            if not ok:''',
        ),
        ("}", "}\n"),
    ],
}
LOSES = ['q2_test']
