"""Benchmark every paropt optimiser and three peers on the tool-tuning suite.

Run ``make bench`` for the whole suite, or for a quick look::

    .venv/bin/python -m benchmarks.optimizers --seeds 2 --trials 20 --problems build,xz

The whole suite writes its results into docs/benchmarks.md; a partial run prints
them and writes the document only when ``--report`` names it.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
import time
import warnings
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.metrics import check_auto, summarize_method, summarize_suite
from benchmarks.real_tools import REAL_TOOLS, ensure_measured
from benchmarks.report import RunInfo, render_section, update_document
from benchmarks.runs import METHODS, RunRecord, run_once
from benchmarks.suite import PROBLEM_NAMES, load_problem
from benchmarks.synthetic import check_optimum

logger = logging.getLogger("benchmarks")

DEFAULT_SEEDS = 10
DEFAULT_TRIALS = 50
DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
RUNS_PATH = Path(__file__).parent / "results" / "optimizer_runs.json"
# Methods that fit a Gaussian process take the longest, so they are started first
# to keep both workers busy until the end.
SLOW_METHODS = ("peer_gp_ucb", "bayesopt", "auto")
PEER_METHODS = ("peer_random", "peer_gp_ucb", "peer_optuna_tpe")
RANDOM_METHODS = ("random", "peer_random")

# Limits of the worker's BLAS thread pools, kept referenced for the worker's lifetime.
_thread_limits: list[threadpool_limits] = []


def _names(text: str, known: list[str], kind: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {kind} {', '.join(unknown)}; expected some of {', '.join(known)}"
        )
    return names


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """Parse the command line of the benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.optimizers", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=DEFAULT_SEEDS,
        help="runs per method and problem, with seeds 0 to N-1",
    )
    parser.add_argument(
        "--trials", type=int, default=DEFAULT_TRIALS, help="trial budget of each run"
    )
    parser.add_argument(
        "--problems",
        type=lambda text: _names(text, PROBLEM_NAMES, "problem"),
        default=PROBLEM_NAMES,
        help=f"comma-separated problems (default: all of {','.join(PROBLEM_NAMES)})",
    )
    parser.add_argument(
        "--methods",
        type=lambda text: _names(text, METHODS, "method"),
        default=METHODS,
        help=f"comma-separated methods (default: all of {','.join(METHODS)})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="worker processes for the runs (default: 2, or 1 on a single core)",
    )
    parser.add_argument(
        "--remeasure",
        action="store_true",
        help="measure the real tools again even if benchmarks/results has their measurements",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="Markdown file to write the results into (default: docs/benchmarks.md for "
        "the whole suite, none for a partial run)",
    )

    arguments = parser.parse_args(argv)
    if arguments.seeds < 1 or arguments.trials < 1 or arguments.workers < 1:
        parser.error("--seeds, --trials and --workers must be at least 1")
    if "auto" in arguments.methods and not set(PEER_METHODS + RANDOM_METHODS) <= set(
        arguments.methods
    ):
        logger.warning("the goal check of auto is skipped: it needs every peer and random method")
    return arguments


def _start_worker() -> None:
    # One BLAS thread per worker, so that the workers do not oversubscribe the cores.
    _thread_limits.append(threadpool_limits(limits=1))
    warnings.simplefilter("ignore")


def _run_task(task: tuple[str, str, int, int]) -> RunRecord:
    name, method, seed, trials = task
    return run_once(load_problem(name), method, seed, trials)


def run_suite(arguments: argparse.Namespace) -> list[RunRecord]:
    """Run every selected method on every selected problem and seed, in worker processes."""
    tasks = [
        (name, method, seed, arguments.trials)
        for method in arguments.methods
        for name in arguments.problems
        for seed in range(arguments.seeds)
    ]
    tasks.sort(key=lambda task: task[1] not in SLOW_METHODS)
    records: list[RunRecord] = []
    step = max(1, len(tasks) // 20)
    with multiprocessing.Pool(arguments.workers, initializer=_start_worker) as pool:
        for record in pool.imap_unordered(_run_task, tasks):
            records.append(record)
            if record.error:
                logger.warning(
                    "%s on %s, seed %d crashed: %s",
                    record.method,
                    record.problem,
                    record.seed,
                    record.error,
                )
            if len(records) % step == 0:
                logger.info("finished %d of %d runs", len(records), len(tasks))
    return records


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the report and write it where requested; return 0."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    argv = sys.argv[1:] if argv is None else argv
    arguments = parse_arguments(argv)
    started = time.perf_counter()
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    real = [name for name in arguments.problems if name in REAL_TOOLS]
    cache = ensure_measured(real, remeasure=arguments.remeasure)
    problems = [load_problem(name) for name in arguments.problems]
    for problem in problems:
        if problem.kind == "synthetic":
            check_optimum(problem, np.random.default_rng(0))
    logger.info(
        "running %d methods on %d problems with %d seeds of %d trials",
        len(arguments.methods),
        len(problems),
        arguments.seeds,
        arguments.trials,
    )
    records = run_suite(arguments)
    RUNS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RUNS_PATH.write_text(json.dumps([asdict(record) for record in records]) + "\n")

    results = {}
    for problem in problems:
        budget = problem.trial_budget(arguments.trials)
        results[problem.name] = {}
        for method in arguments.methods:
            runs = [r for r in records if r.problem == problem.name and r.method == method]
            runs.sort(key=lambda record: record.seed)
            results[problem.name][method] = summarize_method(runs, problem.best_known, budget)
    suite = {
        method: summarize_suite({name: results[name][method] for name in results})
        for method in arguments.methods
    }
    shortfalls = []
    if "auto" in arguments.methods and set(PEER_METHODS + RANDOM_METHODS) <= set(arguments.methods):
        shortfalls = check_auto(results, suite, PEER_METHODS, RANDOM_METHODS)
    whole_suite = (
        arguments.seeds == DEFAULT_SEEDS
        and arguments.trials == DEFAULT_TRIALS
        and arguments.problems == PROBLEM_NAMES
        and arguments.methods == METHODS
    )
    info = RunInfo(
        command=" ".join(["python -m benchmarks.optimizers", *argv]).strip(),
        date=date,
        seconds=time.perf_counter() - started,
        seeds=arguments.seeds,
        trials=arguments.trials,
        workers=arguments.workers,
        measurements={name: cache[name] for name in real},
    )
    section = render_section(problems, results, suite, shortfalls, info)
    print(section)
    report = arguments.report or (DOCUMENT_PATH if whole_suite else None)
    if report is not None:
        update_document(report, section)
        logger.info("wrote the results into %s", report)
    logger.info("the benchmark took %.1f min", info.seconds / 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
