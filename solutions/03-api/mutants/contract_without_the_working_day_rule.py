"""Leaves out the rule across fields: a working Sunday is accepted."""

EDITS = {
    "q1_answer": [
        (
            '''\
        if self.workingday == 1 and (self.weekday in ("Sat", "Sun") or self.holiday == 1):
            raise ValueError("workingday must be 0 on a Saturday, a Sunday or a holiday")
''',
            "",
        ),
        ('hours.")', 'hours.")\n'),
    ],
}
LOSES = ['q1_test', 'q2d_test']
