"""Does a lab's solution get the same verdict every time it is graded? (flaky tests, issue 14)

    .venv/bin/python benchmarks/repeat_grading.py [--lab 04-serving] [--times 20] [--jobs N]

Grades `--times` identical copies of the lab's solution in one run of `mlops-course grade`
(hidden tests on, the sandbox as configured, every core by default: copies are graded back to
back on each worker while the other workers grade theirs, as a class would be), then prints
every copy's score per test cell, the line each cell printed (lab 04's q5 prints the speed-up
it measured), and one line per test cell: identical verdicts or not. It exits 1 when any test
cell's verdict differs between copies or the solution loses a point.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat

from mlops_course.grading import run
from mlops_course.grading.lab import get_lab, grade_id, is_test, solved


def _printed(nb_path: Path) -> dict[str, str]:
    """Each test cell's last printed stdout line (its measured figure, when it prints one)."""
    nb = nbformat.read(nb_path, as_version=4)
    lines = {}
    for cell in nb.cells:
        if is_test(cell):
            text = "".join(
                o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout"
            )
            error = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            shown = text.strip().splitlines()[-1:] or [""]
            lines[grade_id(cell)] = (
                f"{error[0]['ename']}: {error[0]['evalue']}"[:160] if error else shown[0]
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lab", default="04-serving")
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: every core)")
    args = parser.parse_args()
    lab = get_lab(args.lab)
    with tempfile.TemporaryDirectory(prefix="mlops-repeat-") as tmp:
        folder = Path(tmp) / "subs"
        for i in range(args.times):
            for nb_name in lab.notebooks:
                release = nbformat.read(lab.release_path(nb_name), as_version=4)
                target = folder / f"copy-{i:02d}" / f"{nb_name}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(solved(release, lab.source(nb_name)), target)
        started = time.perf_counter()
        result = run.grade(
            lab,
            folder,
            run.Options(out=Path(tmp) / "out", jobs=args.jobs, progress=False, reports=False),
        )
        seconds = time.perf_counter() - started
        verdicts: dict[str, set] = defaultdict(set)
        print(
            f"{args.times} gradings of the {lab.name} solution in {seconds:.0f} s "
            f"({result.sandbox or 'no sandbox'}).\n"
        )
        for student in sorted(result.outcomes):
            outcome = result.outcomes[student]
            printed = {}
            for nb_name in lab.notebooks:
                path = Path(tmp) / "out" / "autograded" / student / lab.name / f"{nb_name}.ipynb"
                printed.update(_printed(path) if path.exists() else {})
            cells = []
            for nb_name, nb_cells in outcome.cells.items():
                for cell, (score, max_score) in nb_cells.items():
                    verdicts[f"{nb_name}/{cell}"].add(score)
                    cells.append(f"{cell} {score or 0:g}/{max_score:g}")
            print(
                f"{student}  {outcome.status.value:8} {outcome.score:g}/{outcome.max_score:g}  "
                + "  ".join(cells)
            )
            for cell, line in printed.items():
                if line:
                    print(f"          {cell}: {line}")
    print()
    flaky = {cell: scores for cell, scores in verdicts.items() if len(scores) > 1}
    for cell, scores in sorted(verdicts.items()):
        same = "identical" if len(scores) == 1 else "DIFFERENT"
        print(f"{cell:40} {same} over {args.times} gradings: scores {sorted(scores, key=str)}")
    full = all(o.score == o.max_score for o in result.outcomes.values())
    print(
        f"\nEvery grading full marks: {'yes' if full else 'NO'}; "
        f"flaky test cells: {', '.join(flaky) or 'none'}"
    )
    return 0 if full and not flaky else 1


if __name__ == "__main__":
    sys.exit(main())
