"""Chunks the notebook's global `docs` instead of the `documents` it is given: right for the
lab's four documents, wrong for any other set."""

EDITS = {"q2_answer": [("rag.chunk_documents(documents,", "rag.chunk_documents(docs,")]}
LOSES = ["q2_test"]
