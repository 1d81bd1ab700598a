"""The `mlops-course` command: one entry point for students, instructors and CI."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from mlops_course import settings
from mlops_course.grading import GradingError


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


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _release(args: argparse.Namespace) -> int:
    from mlops_course.grading import release
    from mlops_course.grading.lab import find_labs, get_lab

    labs = [get_lab(name) for name in args.labs] or find_labs()
    if args.check:
        stale = [problem for lab in labs for problem in release.stale(lab)]
        for problem in stale:
            print(f"stale: {problem}")
        if stale:
            print("Run `mlops-course release` to regenerate labs/ from solutions/.")
            return 1
        print(f"labs/ is up to date for {len(labs)} lab(s): {', '.join(lab.name for lab in labs)}.")
        return 0
    for path in release.release(labs):
        print(f"wrote {_display(path)}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from collections import Counter

    from mlops_course.grading import run

    options = run.Options(
        out=Path(args.out) if args.out else None, jobs=args.jobs, scheduler=args.scheduler,
        force=args.force, roster=Path(args.roster) if args.roster else None,
        sandbox=args.sandbox, wall_seconds=args.budget, cell_seconds=args.cell_timeout,
        memory_mb=args.memory_mb, progress=not args.no_progress,
    )
    result = run.grade(args.lab, Path(args.submissions), options)
    now = len(result.outcomes)
    print(f"Graded {now} submission(s) of {result.lab} in {result.seconds['grading']:.1f} s"
          + (f" ({now / result.seconds['grading']:.2f}/s)" if now else "")
          + f"; skipped {len(result.skipped)} already graded"
          + (f", merged {len(result.reused)} from an interrupted run" if result.reused else "")
          + ".")
    print(f"Sandbox: {result.sandbox or 'not used'}.")
    if result.withdrawn:
        print(f"Withdrawn (submission folder gone; dropped from the gradebook, CSVs and "
              f"feedback): {', '.join(result.withdrawn)}")
    counts = Counter(s["status"] for s in result.summaries.values())
    for status, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {status:17} {n}")
    if result.summaries:
        mean = sum(s.get("score", 0) for s in result.summaries.values()) / len(result.summaries)
        top = max(s.get("max_score", 0) for s in result.summaries.values())
        print(f"Mean score {mean:.2f} of {top:g} over {len(result.summaries)} student(s).")
    out = result.out
    print(f"Gradebook:  {_display(result.files['gradebook.db'])}")
    if "grades.csv" in result.files:
        print(f"LMS CSV:    {_display(result.files['grades.csv'])} (also canvas.csv, moodle.csv)")
        print(f"Report:     {_display(result.files['report.html'])}")
    print(f"Feedback:   {_display(out / 'feedback')}/<student>/{result.lab}/")
    for problem in result.stale:
        print(f"warning: {problem}; students may have worked on another version.")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from mlops_course.grading import soundness
    from mlops_course.grading.lab import find_labs, get_lab

    labs = [get_lab(name) for name in args.labs] or find_labs()
    if not labs:
        print("No labs in solutions/.")
        return 0
    failed = 0
    for lab in labs:
        verdict = soundness.verify(lab, jobs=args.jobs, sandbox=args.sandbox)
        if verdict.ok:
            print(f"ok    {lab.name}: {', '.join(verdict.passed)} ({verdict.seconds:.0f} s)")
            continue
        failed += 1
        print(f"FAIL  {lab.name} ({verdict.seconds:.0f} s)")
        for problem in verdict.problems:
            print(f"      {problem}")
    print(f"\n{len(labs) - failed} of {len(labs)} lab(s) sound.")
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> int:
    from mlops_course.grading import selfcheck

    result = selfcheck.check(Path(args.notebook))
    print("\n".join(result.lines()))
    return 0 if result.passed else 1


def _add_grading_commands(sub) -> None:
    rel = sub.add_parser("release", help="regenerate the student releases in labs/ from solutions/")
    rel.add_argument("labs", nargs="*", help="labs to release (default: all)")
    rel.add_argument("--check", action="store_true", help="only check, exit 1 when labs/ is stale")
    rel.set_defaults(func=_release)

    grade = sub.add_parser(
        "grade", help="autograde a cohort: gradebook, LMS CSV, feedback and a grade report",
        description="Autograde every submission of a lab, sandboxed and in parallel.",
    )
    grade.add_argument("lab", help="the lab, e.g. 00-start-here")
    grade.add_argument("submissions", help="folder with one folder per student")
    grade.add_argument("--out", help="grading folder (default: workspace/grading)")
    grade.add_argument("--jobs", type=int, help="worker processes (default: every core)")
    grade.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port), or "
                       "'local' for a local Dask cluster (default: a process pool)")
    grade.add_argument("--force", action="store_true", help="regrade what is already graded")
    grade.add_argument(
        "--roster", help="CSV with id,first_name,last_name,email,lms_user_id,section"
    )
    grade.add_argument("--sandbox", choices=["auto", "on", "off"], default="auto",
                       help="bubblewrap: when installed (auto), required (on) or not used (off)")
    grade.add_argument("--budget", type=float, help="wall-clock seconds per submission "
                       "(default: the lab's grading_seconds)")
    grade.add_argument("--cell-timeout", type=int, help="seconds before a cell is interrupted "
                       "(default: Execute.timeout in grading/nbgrader_config.py)")
    grade.add_argument("--memory-mb", type=int, help="memory limit per kernel")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.set_defaults(func=_grade)

    verify = sub.add_parser("verify", help="soundness checks of labs (metadata, solution, blank, "
                            "ablation, mutants, alternatives, release leaks, determinism, budget)")
    verify.add_argument("labs", nargs="*", help="labs to verify (default: all)")
    verify.add_argument("--jobs", type=int, help="worker processes (default: every core)")
    verify.add_argument("--sandbox", choices=["auto", "on", "off"], default="auto")
    verify.set_defaults(func=_verify)

    check = sub.add_parser("check", help="self-check a lab notebook: run its visible tests and "
                           "say what fails (exit 1 on any failure)")
    check.add_argument("notebook", help="e.g. labs/00-start-here/warmup.ipynb")
    check.set_defaults(func=_check)

    from mlops_course.grading import dropin  # `autograde`: the drop-in for any nbgrader course

    dropin.add_command(sub)


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
    _add_grading_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GradingError as err:  # bad input or setup: the message says what to do
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def run() -> None:
    """The `mlops-course` console script: `main`, then an exit that skips the collector's passes.

    Every file the command wrote is closed when `main` returns. What is left is the interpreter's
    shutdown, whose garbage-collection passes walk every object the command imported and made:
    about 0.2 s of a 2-core machine after grading a cohort (benchmarks/README.md). Frozen objects
    are not walked. Exit handlers still run and modules are still cleared; only reference cycles
    nothing reaches any more are left to the operating system, with the rest of the process.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
