"""The synthetic cohort: submissions generated from each lab's solution, good and hostile.

Each member is what a real student could hand in, with the status and score the grader must
give it (`manifest.json`). The tests grade the cohort and check every member; the benchmark
grades a larger cohort of plausible submissions. Generated, never edited by hand:

    python grading/make_cohort.py            # writes grading/cohort/<lab>/ for every lab

Layout: `grading/cohort/<lab>/<student>/<notebook>.ipynb` (one folder per student, as an LMS
export unpacks), one member in nbgrader's `<student>/<lab>/` layout, and `roster.csv` with
names that have commas, quotes and non-ASCII letters.

Hostile members put their trick after a correct first answer, so the score shows whether the
grader kept the student's work and the status shows whether it noticed.
"""

from __future__ import annotations

import copy
import csv
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from mlops_course import settings
from mlops_course.grading.lab import (
    Lab,
    answers,
    cells_by_id,
    defined_names,
    find_labs,
    grade_id,
    is_answer,
    is_locked,
    is_test,
    points,
    referenced_names,
    solved,
    with_sources,
)

COHORT_DIR = settings.GRADING_DIR / "cohort"
FULL, ZERO, LESS = "full", "zero", "less than full"


@dataclass
class Member:
    student: str
    kind: str
    description: str
    status: str
    score: float | None  # exact expected score, or None when only `expect` is known
    expect: str  # "full", "zero", "less than full" or "exact"
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    nested: bool = False  # nbgrader's <student>/<lab>/ layout
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


def _dump(nb: NotebookNode) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _structure(source: NotebookNode) -> dict:
    cells = source.cells
    answer_cells = [c for c in cells if is_answer(c)]
    test_cells = [c for c in cells if is_test(c)]
    first = answer_cells[0]
    names = defined_names(first.source)
    first_tests = [t for t in test_cells if names & referenced_names(t.source)]
    locked_code = [c for c in cells if c.cell_type == "code" and is_locked(c) and not is_test(c)]
    return {
        "full": sum(points(t) for t in test_cells),
        "first": grade_id(first),
        "first_tests": first_tests,
        "first_points": sum(points(t) for t in first_tests),
        "tests": test_cells,
        "locked_code": locked_code,
    }


def _with_trick(release: NotebookNode, source: NotebookNode, trick: str) -> NotebookNode:
    """The solved notebook whose first answer ends with `trick`."""
    info = _structure(source)
    good = answers(source)[info["first"]]
    return with_sources(solved(release, source), {info["first"]: good.rstrip() + "\n\n" + trick})


class _Base:
    """One lab's release and solution, and the submissions every member is built from."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.notebooks = lab.notebooks
        self.nb_name = self.notebooks[0]  # the first notebook carries the tricks
        self.release = {n: nbformat.read(lab.release_path(n), as_version=4) for n in self.notebooks}
        self.source = {n: lab.source(n) for n in self.notebooks}
        self.info = _structure(self.source[self.nb_name])
        self.full = sum(_structure(self.source[n])["full"] for n in self.notebooks)
        self.correct = solved(self.release[self.nb_name], self.source[self.nb_name])
        blank_rest = {
            gid: self.release[self.nb_name].cells[i].source
            for i, c in enumerate(self.release[self.nb_name].cells)
            if (gid := grade_id(c)) and is_answer(c) and gid != self.info["first"]
        }
        self.partly = with_sources(self.correct, blank_rest)
        tests = self.info["tests"]
        self.first_test = self.info["first_tests"][0] if self.info["first_tests"] else tests[0]
        self.last_test = tests[-1]

    def files(self, main: NotebookNode | bytes, name: str | None = None) -> dict[str, bytes]:
        """A submission: `main` as the first notebook (or as `name`), the others solved."""
        out = {
            f"{n}.ipynb": _dump(solved(self.release[n], self.source[n]))
            for n in self.notebooks[1:]
        }
        out[name or f"{self.nb_name}.ipynb"] = main if isinstance(main, bytes) else _dump(main)
        return out

    def trick(self, code: str) -> dict[str, bytes]:
        """A submission whose first answer is right and then runs `code`."""
        return self.files(_with_trick(self.release[self.nb_name], self.source[self.nb_name], code))


def members(lab: Lab, cohort_folder: Path) -> list[Member]:
    """Every member of the cohort for one lab (the first notebook carries the tricks)."""
    base = _Base(lab)
    return [
        *_honest(base),
        *_mutants(base),
        *_hostile(base, cohort_folder),
        *_tampered(base),
        *_broken_files(base),
        *_awkward_names(base),
    ]


def _honest(base: _Base) -> list[Member]:
    """Right, blank and partly right: the scores every other member is measured against."""
    correct_named = copy.deepcopy(base.correct)
    for cell in correct_named.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("NAME ="):
            cell.source = 'NAME = "Ada Lovelace"'
    return [
        Member(
            "correct",
            "correct",
            "every answer right; NAME filled in",
            "graded",
            base.full,
            FULL,
            base.files(correct_named),
        ),
        Member(
            "blank",
            "blank",
            "the release handed in untouched",
            "graded",
            0.0,
            ZERO,
            {f"{n}.ipynb": _dump(base.release[n]) for n in base.notebooks},
        ),
        Member(
            "partly-right",
            "partly right",
            "first answer right, the others left blank",
            "graded",
            base.info["first_points"],
            "exact",
            base.files(base.partly),
        ),
    ]


def _mutants(base: _Base) -> list[Member]:
    """The lab's plausible wrong answers: each must lose points."""
    out = []
    for mutant in base.lab.mutants():
        sources = {
            k.split("/", 1)[-1]: v
            for k, v in mutant.replacements.items()
            if "/" not in k or k.startswith(f"{base.nb_name}/")
        }
        wrong = with_sources(base.correct, sources, f"mutant {mutant.name}")
        out.append(
            Member(
                f"mutant-{mutant.name}",
                "mutant",
                mutant.doc.splitlines()[0],
                "graded",
                None,
                LESS,
                base.files(wrong),
            )
        )
    return out


def _hostile(base: _Base, cohort_folder: Path) -> list[Member]:
    """Code that attacks the grader after a right first answer: the work must still count."""
    full, trick = base.full, base.trick
    return [
        Member(
            "infinite-loop",
            "infinite loop",
            "a loop that never ends after the first answer",
            "timed out",
            full,
            FULL,
            trick("while True:\n    pass"),
        ),
        Member(
            "memory-hog",
            "memory hog",
            "allocates memory until it runs out",
            "memory limit",
            full,
            FULL,
            trick(
                "hog = []\ntry:\n    while True:\n        hog.append(bytearray(64 * 1024 * 1024))"
                "\nfinally:\n    hog.clear()"
            ),
        ),
        Member(
            "fork-bomb",
            "fork bomb",
            "forks until the process table is full",
            "graded",
            full,
            FULL,
            trick(
                "import os\nimport time\n\nwhile True:\n    if os.fork() == 0:\n"
                "        time.sleep(600)\n        os._exit(0)"
            ),
        ),
        Member(
            "os-exit",
            "os._exit",
            "calls os._exit in a cell",
            "crashed kernel",
            0.0,
            ZERO,
            trick("import os\n\nos._exit(3)"),
        ),
        Member(
            "writes-outside",
            "writes outside its folder",
            "tries to write into the course and the root; its private /tmp works",
            "graded",
            full,
            FULL,
            trick(_writes_outside(settings.REPO_ROOT)),
        ),
        Member(
            "reads-others",
            "reads another student's notebook",
            "looks for the other submissions, the gradebook and the solutions",
            "graded",
            full,
            FULL,
            trick(_reads_others(cohort_folder, base.lab)),
        ),
        Member(
            "tries-network",
            "tries the network",
            "opens a connection to the internet",
            "graded",
            full,
            FULL,
            trick(
                "import socket\n\ntry:\n    socket.create_connection(('198.51.100.7', 80), "
                "timeout=3).close()\n    print('network reachable')\nexcept OSError as err:\n"
                "    print('network blocked:', type(err).__name__)"
            ),
        ),
        Member(
            "floods-stdout",
            "floods stdout",
            "prints a few megabytes",
            "graded",
            full,
            FULL,
            trick("for i in range(50):\n    print(f'flood {i} ' + 'x' * 100_000)"),
        ),
    ]


def _tampered(base: _Base) -> list[Member]:
    """Test and locked cells deleted, moved or edited: nbgrader restores them; we notice."""
    correct, full, first_test, last_test = base.correct, base.full, base.first_test, base.last_test
    deleted = copy.deepcopy(correct)
    deleted.cells = [c for c in deleted.cells if grade_id(c) != grade_id(last_test)]
    out = [
        Member(
            "deleted-cells",
            "deleted cells",
            f"the test cell {grade_id(last_test)} deleted",
            "tampered",
            full - points(last_test),
            "exact",
            base.files(deleted),
        )
    ]
    reordered = copy.deepcopy(correct)
    ids = [grade_id(c) for c in reordered.cells]
    moved = reordered.cells.pop(ids.index(grade_id(first_test)))
    reordered.cells.insert(ids.index(base.info["first"]), moved)
    out.append(
        Member(
            "reordered-cells",
            "reordered cells",
            f"{grade_id(first_test)} moved above its answer",
            "graded",
            full - points(first_test),
            "exact",
            base.files(reordered),
        )
    )
    if base.info["locked_code"]:
        target = grade_id(base.info["locked_code"][-1])
        edited = with_sources(
            correct,
            {target: cells_by_id(correct)[target].source + "\nprint('I changed a locked cell')"},
        )
        out.append(
            Member(
                "edited-locked",
                "edited locked cell",
                f"{target} edited",
                "tampered",
                full,
                FULL,
                base.files(edited),
            )
        )
    weakened = with_sources(correct, {grade_id(first_test): "pass  # the tests were too strict"})
    out.append(
        Member(
            "edited-test",
            "edited test cell",
            f"{grade_id(first_test)} replaced by pass",
            "tampered",
            full,
            FULL,
            base.files(weakened),
        )
    )
    return out


def _broken_files(base: _Base) -> list[Member]:
    """Files that are not the notebook the grader expects."""
    text = _dump(base.correct)
    return [
        Member(
            "corrupt-json",
            "corrupt JSON",
            "the file was cut in half",
            "invalid notebook",
            0.0,
            ZERO,
            base.files(text[: len(text) // 2]),
        ),
        Member(
            "empty-file",
            "empty file",
            "a notebook of zero bytes",
            "invalid notebook",
            0.0,
            ZERO,
            base.files(b""),
        ),
        Member(
            "wrong-file-name",
            "wrong file name",
            f"saved as {base.nb_name}-final.ipynb",
            "missing notebook",
            0.0,
            ZERO,
            {k: v for k, v in base.files(base.correct, f"{base.nb_name}-final.ipynb").items()},
        ),
    ]


def _awkward_names(base: _Base) -> list[Member]:
    """Ids and names that break naive CSV and path handling, and nbgrader's folder layout."""
    return [
        Member(
            "zoë.núñez",
            "non-ASCII name",
            "non-ASCII student id and name, right answers",
            "graded",
            base.full,
            FULL,
            base.files(base.correct),
            first_name="Zoë",
            last_name="Núñez",
            email="zoe.nunez@example.edu",
        ),
        Member(
            "o'brien",
            "quote in name",
            "a quote in the id, quotes in the name, partly right",
            "graded",
            base.info["first_points"],
            "exact",
            base.files(base.partly),
            first_name='Seán "Shay"',
            last_name="O'Brien",
            email="s.obrien@example.edu",
        ),
        Member(
            "kim,lee",
            "comma in name",
            "a comma in the id and the name, nbgrader's folder layout, right answers",
            "graded",
            base.full,
            FULL,
            {**base.files(base.correct), "timestamp.txt": b"2026-01-15 12:00:00 UTC"},
            nested=True,
            first_name="Lee",
            last_name="Kim, Jr.",
            email="lee.kim@example.edu",
        ),
    ]


def _writes_outside(repo: Path) -> str:
    targets = [
        str(repo / "datasets" / "escaped.txt"),
        "../../escaped.txt",
        "/escaped.txt",
        str(repo / "escaped.txt"),
    ]
    return (
        "import pathlib\n\n"
        f"for target in {targets!r}:\n"
        "    try:\n"
        "        pathlib.Path(target).write_text('escaped')\n"
        "        print('wrote', target)\n"
        "    except OSError as err:\n"
        "        print('blocked', target, type(err).__name__)\n"
        # The private /tmp is the one place outside its folder a submission may write.
        "import tempfile\n\n"
        "with tempfile.NamedTemporaryFile() as scratch:\n"
        "    scratch.write(b'scratch')\n"
        "print('temporary files work')"
    )


def _reads_others(cohort_folder: Path, lab: Lab) -> str:
    public = tuple(str(p) for p in (settings.LABS_DIR, settings.SPRINTS_DIR, settings.TEMPLATE_DIR))
    return (
        "import glob\nimport os\n\n"
        f"found = glob.glob({str(cohort_folder)!r} + '/**/*.ipynb', recursive=True)\n"
        f"found += glob.glob({str(settings.SOLUTIONS_DIR)!r} + '/**/*.ipynb', recursive=True)\n"
        f"found += glob.glob({str(settings.WORKSPACE)!r} + '/**/gradebook.db', recursive=True)\n"
        "found += glob.glob('/tmp/**/*.ipynb', recursive=True)\n"
        "found += glob.glob('../../**/*.ipynb', recursive=True)\n"
        "mine = os.getcwd()\n"
        # The course's public notebooks (releases, walkthroughs) are readable on purpose: a
        # checkout under /tmp, as in CI, shows them through the /tmp glob.
        f"public = {public!r}\n"
        "found = [f for f in found if not os.path.abspath(f).startswith((mine, *public))]\n"
        "print('other notebooks found:', len(found))"
    )


def write(lab: Lab, folder: Path | None = None) -> Path:
    """Write the cohort of one lab into `folder` (default `grading/cohort/<lab>`)."""
    folder = Path(folder or COHORT_DIR / lab.name).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    cohort = members(lab, folder)
    for member in cohort:
        base = folder / member.student / (lab.name if member.nested else "")
        base.mkdir(parents=True, exist_ok=True)
        for name, data in member.files.items():
            (base / name).write_bytes(data)
    with (folder / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email", "lms_user_id", "section"])
        for i, member in enumerate(cohort):
            if member.first_name or member.last_name:
                writer.writerow(
                    [
                        member.student,
                        member.first_name or "",
                        member.last_name or "",
                        member.email or "",
                        f"{1000 + i}",
                        "Section A, Tuesday",
                    ]
                )
    manifest = [{k: v for k, v in asdict(m).items() if k != "files"} for m in cohort]
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return folder


def plausible(lab: Lab, folder: Path, size: int = 40) -> Path:
    """A benchmark cohort of `size` ordinary submissions: right, blank, partly right, mutants."""
    folder = Path(folder).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    kinds = [
        m for m in members(lab, folder) if m.kind in ("correct", "blank", "partly right", "mutant")
    ]
    for i in range(size):
        member = kinds[i % len(kinds)]
        base = folder / f"student-{i:03d}"
        base.mkdir()
        for name, data in member.files.items():
            (base / name).write_bytes(data)
    return folder


def load_manifest(folder: Path) -> list[dict]:
    return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))


def write_all(root: Path | None = None) -> list[Path]:
    return [write(lab, (root or COHORT_DIR) / lab.name) for lab in find_labs()]
