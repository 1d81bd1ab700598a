"""The `mlops-course` command: one entry point for students, instructors and CI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlops_course import settings


def _doctor(args: argparse.Namespace) -> int:
    from mlops_course.doctor import run_checks

    results = run_checks()
    for result in results:
        print(result.line())
    failed = [r for r in results if not r.ok and not r.warning]
    print(f"\n{len(results) - len(failed)} of {len(results)} checks passed.")
    return 1 if failed else 0


def _notebooks(args: argparse.Namespace) -> int:
    from mlops_course import notebooks

    paths = [Path(p) for p in args.paths] or notebooks.find_notebooks()
    out_dir = settings.workspace("executed")
    timings, failures = [], []
    for path in paths:
        try:
            timing = notebooks.execute(path, out_dir / path.name)
            timings.append(timing)
            print(f"ok    {timing.seconds:6.1f} s / {timing.budget:.0f} s  {timing.notebook}")
        except notebooks.NotebookError as err:
            failures.append(str(err))
            print(f"FAIL  {err}")
    notebooks.record(timings, Path(args.timings))
    print(f"\n{len(timings)} of {len(paths)} notebooks ran within budget; timings: {args.timings}")
    return 1 if failures else 0


def _env(args: argparse.Namespace) -> int:
    from mlops_course import environment

    if args.what == "top-level":
        print("\n".join(environment.top_level_names()))
        return 0
    expected = environment.binder_requirements()
    target = settings.BINDER_REQUIREMENTS
    if args.check:
        if not target.is_file() or target.read_text() != expected:
            print(f"{target} is out of date with requirements.lock; run `mlops-course env binder`.")
            return 1
        print(f"{target} matches requirements.lock.")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(expected)
    print(f"wrote {target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlops-course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    doctor = sub.add_parser("doctor", help="check the environment and say how to fix it")
    doctor.set_defaults(func=_doctor)

    nbs = sub.add_parser("notebooks", help="run notebooks in fast mode within their budgets")
    nbs.add_argument("paths", nargs="*", help="notebooks to run (default: all)")
    nbs.add_argument(
        "--timings", default=str(settings.WORKSPACE / "timings.json"),
        help="JSON file for per-cell timings",
    )
    nbs.set_defaults(func=_notebooks)

    env = sub.add_parser("env", help="generate binder/requirements.txt or list top-level deps")
    env.add_argument("what", choices=["binder", "top-level"])
    env.add_argument("--check", action="store_true", help="only check, exit 1 when stale")
    env.set_defaults(func=_env)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
