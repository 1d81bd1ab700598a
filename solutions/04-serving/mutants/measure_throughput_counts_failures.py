"""Divides every measured call, failed ones included, by the duration: failures look like
work done."""

EDITS = {
    "q2_answer": [('"throughput": len(latencies) / seconds', '"throughput": requests / seconds')],
}
LOSES = ["q2_test"]
