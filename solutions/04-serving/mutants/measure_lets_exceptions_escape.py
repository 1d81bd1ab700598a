"""Does not catch exceptions from `send`: one refused connection ends the test."""

EDITS = {
    "q2_answer": [
        (
            '''try:
                response = await send(i)
                ok = 200 <= response.status_code < 300
            except Exception:
                ok = False''',
            '''response = await send(i)
            ok = 200 <= response.status_code < 300''',
        ),
        ("}", "}\n"),
    ],
}
LOSES = ['q2_test']
