"""Measure the service with 10,000 stored trials: suggestions, a page of trials, runner memory.

Run: ``.venv/bin/python -m benchmarks.scale [--trials 10000] [--suggestions 20]``.

The first part builds the ``bayesopt`` optimiser in this process from 10,000
observations of a two-parameter experiment and times its suggestions. The
second part starts a local stack in a temporary folder and batch-writes 10,000
trials with full 4 KB output tails through the storage models. It reads the
first page of trials through the HTTP API. Then it runs a short ``bayesopt`` job
whose runner warm-starts from all of them and logs its peak resident memory. The
same job on an experiment without trials runs first, for comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from benchmarks.local_jobs import local_stack, run_job, seconds
from benchmarks.stored_trials import COMMAND, PARAMETERS, bowl, store_trials, synthetic_trials

# Trials of the runner job. The first is drawn at random, and the others are suggested.
JOB_TRIALS = 5


def time_suggestions(count: int, suggestions: int) -> dict[str, float]:
    """Return the first, median and maximum seconds of bayesopt suggestions after ``count``."""
    from paropt.optimizers import (
        Observation,
        build_optimizer,
        gp_model,  # noqa: F401 - loads bayes_opt before the clock runs
    )
    from paropt.specs import BayesOptimizer, ExperimentSpec

    spec = ExperimentSpec.model_validate(
        {"tool_name": "scale", "parameters": PARAMETERS, "command_template_string": COMMAND}
    )
    history = [Observation(parameters, outcome) for parameters, outcome in synthetic_trials(count)]
    settings = BayesOptimizer(type="bayesopt", n_init=1, n_iter=suggestions, seed=1)
    started = time.perf_counter()
    optimizer = build_optimizer(spec, settings, history=history)
    build_seconds = time.perf_counter() - started
    durations = []
    for _ in range(suggestions):
        started = time.perf_counter()
        configuration = optimizer.ask()
        durations.append(time.perf_counter() - started)
        optimizer.tell(configuration, bowl(configuration))
    return {
        "build": build_seconds,
        "first": durations[0],
        "median": statistics.median(durations),
        "max": max(durations),
    }


def _peak_rss_mib(log_text: str) -> float:
    for line in log_text.splitlines():
        if line.startswith("{") and '"job ended"' in line:
            return float(json.loads(line)["peak_rss_mib"])
    raise RuntimeError("the runner log has no 'job ended' line")


def measure_stack(count: int) -> dict[str, float]:
    """Store ``count`` trials on a local stack, read a page of them, and run a warm-started job."""
    from paropt.storage import TrialModel

    run = {"optimizer": {"type": "bayesopt", "n_init": 1, "n_iter": JOB_TRIALS - 1, "seed": 1}}
    with local_stack() as (stack, client):

        def peak_rss_mib(job: dict) -> float:
            log_path = stack.state_dir / "runners" / f"runner-{job['job_id']}.log"
            return _peak_rss_mib(log_path.read_text())

        body = {"parameters": PARAMETERS, "command_template_string": COMMAND}
        empty = client.expect("POST", "/experiments", {**body, "tool_name": "scale-empty"}, {201})
        baseline_peak = peak_rss_mib(run_job(client, empty["id"], run))

        experiment = client.expect("POST", "/experiments", {**body, "tool_name": "scale"}, {201})
        experiment_id = experiment["id"]
        started = time.perf_counter()
        store_trials(experiment_id, count)
        store_seconds = time.perf_counter() - started

        started = time.perf_counter()
        response = client.session.get(f"{client.base}/experiments/{experiment_id}/trials")
        page_seconds = time.perf_counter() - started
        response.raise_for_status()

        started = time.perf_counter()
        job = run_job(client, experiment_id, run)
        job_seconds = time.perf_counter() - started
        peak = peak_rss_mib(job)
        new_trials = sorted(
            TrialModel.query(experiment_id, TrialModel.trial_number > count),
            key=lambda trial: trial.trial_number,
        )
    gaps = [
        seconds(current.started_at) - seconds(previous.started_at) - previous.tool_seconds
        for previous, current in zip(new_trials, new_trials[1:], strict=False)
    ]
    return {
        "store_seconds": store_seconds,
        "page_seconds": page_seconds,
        "page_bytes": len(response.content),
        "page_trials": len(response.json()),
        "job_seconds": job_seconds,
        "peak_rss_mib": peak,
        "baseline_peak_rss_mib": baseline_peak,
        "median_gap_seconds": statistics.median(gaps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000, help="stored trials")
    parser.add_argument("--suggestions", type=int, default=20, help="suggestions to time")
    parser.add_argument(
        "--skip-stack", action="store_true", help="time the suggestions only, without a stack"
    )
    args = parser.parse_args()
    suggestions = time_suggestions(args.trials, args.suggestions)
    print(
        f"bayesopt with {args.trials} observations: built in {suggestions['build']:.2f} s; "
        f"{args.suggestions} suggestions: first {suggestions['first']:.2f} s, "
        f"median {suggestions['median']:.2f} s, max {suggestions['max']:.2f} s"
    )
    if args.skip_stack:
        return 0
    stack = measure_stack(args.trials)
    print(
        f"stored {args.trials} trials in {stack['store_seconds']:.1f} s; first page: "
        f"{stack['page_trials']} trials, {stack['page_bytes']:,} bytes, "
        f"{stack['page_seconds'] * 1000:.0f} ms"
    )
    print(
        f"runner job of {JOB_TRIALS} bayesopt trials warm-started from {args.trials}: "
        f"{stack['job_seconds']:.1f} s from the request to the end, peak RSS "
        f"{stack['peak_rss_mib']:.0f} MiB ({stack['baseline_peak_rss_mib']:.0f} MiB for the "
        f"same job without earlier trials), median gap between trials "
        f"{stack['median_gap_seconds']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
