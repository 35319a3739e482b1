"""Measure how many trials the runner completes per tool duration with parallel trials.

Run: ``.venv/bin/python -m benchmarks.parallel_throughput [--trials 100] [--parallelism 2]``.
It starts a local stack in a temporary folder and runs ``sleep 0.2`` as the tool,
with ``allow_shared_node: true``. Throughput is the number of trials divided by
the time from the first trial's start to the last trial's end, expressed per
0.2 s, the tool's own duration. With no overhead it equals the parallelism.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from benchmarks.local_jobs import list_trials, local_stack, run_job, seconds

TOOL_SECONDS = 0.2


def measure(trials: int, parallelism: int) -> dict[str, float]:
    """Run one job of ``trials`` trials of ``sleep 0.2`` and return throughput statistics."""
    with local_stack() as (_, client):
        body = {
            "tool_name": f"sleep-{time.time_ns()}",
            "parameters": [{"name": "x", "type": "int", "minimum": 1, "maximum": 10**9}],
            "command_template_string": f"sleep {TOOL_SECONDS}; : ${{x}}",
            "allow_shared_node": True,
        }
        experiment = client.expect("POST", "/experiments", body, {201})
        run = {
            "optimizer": {"type": "random", "n_trials": trials, "seed": 1},
            "parallelism": parallelism,
        }
        run_job(client, experiment["id"], run)
        listed = list_trials(client, experiment["id"])
    first_start = min(seconds(trial["started_at"]) for trial in listed)
    last_end = max(seconds(trial["ended_at"]) for trial in listed)
    tool_seconds = [trial["tool_seconds"] for trial in listed]
    return {
        "trials": len(listed),
        "wall_seconds": last_end - first_start,
        "trials_per_tool_duration": len(listed) * TOOL_SECONDS / (last_end - first_start),
        "median_tool_seconds": statistics.median(tool_seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100, help="trials in the job")
    parser.add_argument("--parallelism", type=int, default=2, help="trials at once (1 to 64)")
    args = parser.parse_args()
    result = measure(args.trials, args.parallelism)
    print(
        f"parallelism {args.parallelism}, {result['trials']} trials of `sleep {TOOL_SECONDS}`: "
        f"{result['trials_per_tool_duration']:.2f} trials per {TOOL_SECONDS} s "
        f"({result['wall_seconds']:.1f} s from the first start to the last end); "
        f"median tool time {result['median_tool_seconds'] * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
