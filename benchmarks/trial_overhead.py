"""Measure the time the service adds to each trial, through the real runner and storage.

Run: ``.venv/bin/python -m benchmarks.trial_overhead [--trials 200] [--optimizer random]``.
It starts a local stack in a temporary folder and runs ``true`` as the tool. The
overhead of a trial is the gap between its start and the next trial's start,
minus the tool's own measured time. The suggestion, rendering, Parsl dispatch,
process start, the DynamoDB writes and the heartbeat all fall into that gap.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from benchmarks.local_jobs import list_trials, local_stack, run_job, seconds


def measure(trials: int, optimizer: dict) -> dict[str, float]:
    """Run one job of ``trials`` trials of ``true`` and return overhead statistics in ms."""
    with local_stack() as (_, client):
        body = {
            "tool_name": f"true-{time.time_ns()}",
            "parameters": [{"name": "x", "type": "int", "minimum": 1, "maximum": 10**9}],
            "command_template_string": "true ${x}",
        }
        experiment = client.expect("POST", "/experiments", body, {201})
        run_job(client, experiment["id"], {"optimizer": optimizer})
        listed = list_trials(client, experiment["id"])
    ordered = sorted(listed, key=lambda trial: trial["trial_number"])
    gaps = []
    for previous, current in zip(ordered, ordered[1:], strict=False):
        interval = seconds(current["started_at"]) - seconds(previous["started_at"])
        gaps.append((interval - previous["tool_seconds"]) * 1000)
    tool_ms = [trial["tool_seconds"] * 1000 for trial in ordered]
    return {
        "trials": len(ordered),
        "median_overhead_ms": statistics.median(gaps),
        "p90_overhead_ms": sorted(gaps)[int(0.9 * (len(gaps) - 1))],
        "median_tool_ms": statistics.median(tool_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="trials in the job")
    parser.add_argument("--optimizer", choices=["random", "bayesopt"], default="random")
    args = parser.parse_args()
    if args.optimizer == "random":
        optimizer = {"type": "random", "n_trials": args.trials, "seed": 1}
    else:
        optimizer = {"type": "bayesopt", "n_init": 5, "n_iter": args.trials - 5, "seed": 1}
    result = measure(args.trials, optimizer)
    print(
        f"{args.optimizer}, {result['trials']} trials of `true`: median overhead "
        f"{result['median_overhead_ms']:.1f} ms per trial (90th percentile "
        f"{result['p90_overhead_ms']:.1f} ms); median tool time {result['median_tool_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
