"""Command line: `python -m mlproject <command>` (the Makefile's targets call these).

    validate                      check the data file (checksum, schema, ranges, nulls)
    train [--fast] [--train-end]  train, track, register and gate one candidate
    tune --trials N [--workers W] an Optuna study (trials = MLflow child runs); best -> gate
    serve [--port]                serve the champion over HTTP (uvicorn)
    pipeline run|compile          run the KFP pipeline locally, or compile it to YAML
    monitor [--window ...]        Evidently reports per window: ALERT on drift, RETRAIN on MAE
    dashboard [--port]            the Streamlit monitoring dashboard
    export-onnx [--output]        export the champion to ONNX, after a parity check
    score-batch --from --to       predict every hour of a period into Parquet (idempotent)
    train-resumable [--workdir]   train in checkpointed chunks; SIGTERM stops, a re-run resumes

Each command imports only what it needs, so `--help` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from mlproject import settings as cfg


def _validate(args: argparse.Namespace) -> int:
    from mlproject import data

    settings = cfg.get_settings()
    frame = data.validate(data.load(settings.data_file))
    missing = int(frame["weathersit"].isna().sum())
    print(
        f"{settings.data_file}: checksum OK, {len(frame)} rows valid "
        f"({frame['timestamp'].min()} to {frame['timestamp'].max()}; "
        f"{missing} hours without weather, as the data card says)."
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from mlproject import train

    result = train.train(
        train_end=args.train_end, fast=args.fast or None, seed=args.seed, max_iter=args.max_iter
    )
    print(train.summary(result))
    return 0


def _tune(args: argparse.Namespace) -> int:
    from mlproject import tune

    if args.join:  # a worker started by another `tune`: run trials of its study, then stop
        storage = args.storage or tune.default_storage(cfg.get_settings())
        tune.work(args.join, storage, args.trials, worker=args.worker, fast=args.fast or None)
        return 0
    result = tune.tune(
        args.trials,
        workers=args.workers,
        fast=args.fast or None,
        study_name=args.study,
        storage=args.storage,
        register_model=not args.no_register,
    )
    print(tune.summary(result))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from mlproject import serve

    serve.run(host=args.host, port=args.port, workers=args.workers)
    return 0


def _pipeline(args: argparse.Namespace) -> int:
    from mlproject import pipeline

    if args.action == "compile":
        path = pipeline.compile_pipeline(Path(args.output))
        print(f"Compiled pipeline '{pipeline.PIPELINE_NAME}' to {path} (image {pipeline.IMAGE}).")
        return 0
    outcome = pipeline.run_local(train_end=args.train_end, fast=args.fast or None)
    print(f"Pipeline finished: {outcome}")
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from mlproject import monitor

    settings = cfg.get_settings()
    retrain = None
    if args.retrain_on_quality:

        def retrain(train_end: str) -> None:
            from mlproject import pipeline

            print(f"Quality dropped: running the pipeline with data up to {train_end}")
            print(f"Pipeline finished: {pipeline.run_local(train_end=train_end)}")

    summaries = monitor.monitor(args.window or None, settings=settings, retrain=retrain)
    for summary in summaries:
        decision = summary["decision"]
        alert = "ALERT" if decision["alert"] else "no alert"
        verdict = "RETRAIN" if decision["retrain"] else "keep"
        print(f"{summary['window']}: {verdict}: {'; '.join(decision['retrain_reasons'])}")
        print(f"{' ' * len(summary['window'])}  {alert}: {'; '.join(decision['alert_reasons'])}")
    print(f"Reports in {settings.reports_dir / 'monitoring'}")
    if args.json:
        print(json.dumps(summaries, indent=2))
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    script = Path(__file__).with_name("dashboard.py")
    command = [sys.executable, "-m", "streamlit", "run", str(script)]
    command += ["--server.headless", "true", "--server.port", str(args.port)]
    command += ["--browser.gatherUsageStats", "false"]
    return subprocess.call(command)


def _export_onnx(args: argparse.Namespace) -> int:
    from mlproject import data, export, registry

    settings = cfg.get_settings()
    served = registry.load(settings)
    _, holdout = data.training_split(data.load(settings.data_file))
    result = export.export(served.model, Path(args.output), check_rows=holdout)
    assert result is not None
    print(
        f"Exported {served.name} v{served.version} to {args.output}: parity OK on {result.rows} "
        f"holdout rows (max difference {result.max_abs_diff:.2e} rentals/hour)."
    )
    return 0


def _score_batch(args: argparse.Namespace) -> int:
    from mlproject import batch

    output = Path(args.output) if args.output else None
    result = batch.score_batch(args.date_from, args.date_to, output)
    print(
        f"Scored {result.rows} hours from {args.date_from} to {args.date_to} with "
        f"{result.model_name}@{result.model_alias} (version {result.model_version}): {result.path}"
    )
    return 0


def _train_resumable(args: argparse.Namespace) -> int:
    from mlproject import resumable

    return resumable.main(
        Path(args.workdir),
        rounds=args.rounds,
        chunk=args.chunk,
        train_end=args.train_end,
        seed=args.seed,
    )


def _add_tune(commands: argparse._SubParsersAction) -> None:
    """The `tune` command's arguments (apart, to keep parser() short)."""
    tune = commands.add_parser("tune", help="Optuna search; the best trial goes through the gate")
    tune.add_argument("--trials", type=int, default=20, help="trials in all, shared by workers")
    tune.add_argument("--workers", type=int, default=1, help="processes sharing the study")
    tune.add_argument("--fast", action="store_true", help="small models (tests, CI)")
    tune.add_argument("--study", default=None, help="resume or join this study by name")
    tune.add_argument("--storage", default=None, help="Optuna storage URL (default: optuna.db)")
    tune.add_argument("--no-register", action="store_true", help="track only, no gate")
    tune.add_argument("--join", default=None, help=argparse.SUPPRESS)  # set by --workers
    tune.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    tune.set_defaults(run=_tune)


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and for `--help` in the README)."""
    top = argparse.ArgumentParser(prog="mlproject", description=__doc__.split("\n")[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="command")

    commands.add_parser("validate", help="check the data file").set_defaults(run=_validate)

    train = commands.add_parser("train", help="train, register and gate a candidate")
    train.add_argument("--fast", action="store_true", help="small model (tests, CI)")
    train.add_argument("--train-end", default="2012-01-01", help="first day NOT trained on")
    train.add_argument("--seed", type=int, default=None, help="random seed (default 42)")
    train.add_argument("--max-iter", type=int, default=None, help="boosting rounds")
    train.set_defaults(run=_train)

    _add_tune(commands)

    serve = commands.add_parser("serve", help="serve the champion over HTTP")
    serve.add_argument("--host", default=os.environ.get("MLPROJECT_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("MLPROJECT_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    pipe = commands.add_parser("pipeline", help="run the KFP pipeline locally or compile it")
    pipe.add_argument("action", choices=["run", "compile"])
    pipe.add_argument("--output", default="pipeline.yaml", help="where `compile` writes")
    pipe.add_argument("--train-end", default="2012-01-01")
    pipe.add_argument("--fast", action="store_true")
    pipe.set_defaults(run=_pipeline)

    mon = commands.add_parser("monitor", help="drift and quality reports per window")
    mon.add_argument("--window", action="append", help="YYYY-MM (repeatable; default: all)")
    mon.add_argument(
        "--retrain-on-quality",
        action="store_true",
        help="run the pipeline when a window's MAE verdict is RETRAIN (drift only alerts)",
    )
    mon.add_argument("--json", action="store_true", help="also print the summaries")
    mon.set_defaults(run=_monitor)

    dash = commands.add_parser("dashboard", help="the Streamlit monitoring dashboard")
    dash.add_argument("--port", type=int, default=8501)
    dash.set_defaults(run=_dashboard)

    onnx = commands.add_parser("export-onnx", help="export the champion to ONNX")
    onnx.add_argument("--output", default="artifacts/model.onnx")
    onnx.set_defaults(run=_export_onnx)

    scoring = commands.add_parser("score-batch", help="score a period with the champion")
    scoring.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    scoring.add_argument("--to", dest="date_to", required=True, help="last day (included)")
    scoring.add_argument("--output", default=None, help="Parquet file (default: reports/batch/)")
    scoring.set_defaults(run=_score_batch)

    resume = commands.add_parser(
        "train-resumable", help="train in checkpointed chunks; a re-run resumes after SIGTERM"
    )
    resume.add_argument("--workdir", default="artifacts/resumable", help="checkpoint folder")
    resume.add_argument("--rounds", type=int, default=300, help="boosting rounds in all")
    resume.add_argument("--chunk", type=int, default=25, help="rounds between checkpoints")
    resume.add_argument("--train-end", default="2012-10-01", help="first day NOT trained on")
    resume.add_argument("--seed", type=int, default=None, help="random seed (default 42)")
    resume.set_defaults(run=_train_resumable)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point; errors from the package become one clear line and exit code 1."""
    args = parser().parse_args(argv)  # --help and usage errors exit here, before heavy imports
    from mlproject.data import DataError
    from mlproject.registry import RegistryError

    errors: tuple[type[Exception], ...] = (DataError, RegistryError)
    if args.command in ("monitor",):
        from mlproject.monitor import SummaryError

        errors += (SummaryError,)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except errors as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
