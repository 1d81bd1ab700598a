"""Returns the largest number of gaps of any column instead of the gaps of `weathersit`.

`frame.isna().sum()` lists the gaps per column; taking its maximum only names the right
column when it happens to be the one with most gaps.
"""

EDITS = {"q1_answer": [('int(frame["weathersit"].isna().sum())', "int(frame.isna().sum().max())")]}
LOSES = ["q1_test"]
