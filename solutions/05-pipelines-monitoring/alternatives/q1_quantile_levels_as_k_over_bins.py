"""The deciles' levels written `k / bins` instead of `np.linspace`: the same numbers up to the
last bit (0.30000000000000004 against 0.3), which on whole-number data can move a value that
sits on an edge into the next bin. The PSI then differs from the course's in the third digit
on some windows; question 2 grades its decisions with the student's own `psi`, so this answer
must still score full marks everywhere."""

EDITS = {
    "q1_answer": [
        (
            "edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))",
            "edges = np.unique(np.quantile(ref, [k / bins for k in range(1, bins)]))",
        ),
    ],
}
