"""Generate the synthetic cohort of every lab into grading/cohort/ (or a folder you name).

    .venv/bin/python grading/make_cohort.py              # grading/cohort/<lab>/ for every lab
    .venv/bin/python grading/make_cohort.py 00-start-here --out /tmp/cohort

The cohort is generated from the solutions and the current release, so it is not kept in git
(grading/cohort/ is ignored): regenerate it after changing a lab. Each lab's folder has a
manifest.json with every member's expected status and score.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mlops_course.grading import cohort
from mlops_course.grading.lab import find_labs, get_lab


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="labs to generate (default: every lab)")
    parser.add_argument(
        "--out",
        type=Path,
        default=cohort.COHORT_DIR,
        help="folder that receives one subfolder per lab",
    )
    args = parser.parse_args()
    labs = [get_lab(name) for name in args.labs] or find_labs()
    for lab in labs:
        folder = cohort.write(lab, args.out / lab.name)
        members = cohort.load_manifest(folder)
        try:
            shown = folder.relative_to(Path.cwd())
        except ValueError:
            shown = folder
        print(f"{lab.name}: {len(members)} submissions in {shown}")


if __name__ == "__main__":
    main()
