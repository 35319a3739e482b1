"""Synthetic trials of a two-parameter experiment, batch-written through the storage models.

The scale benchmark and tests/test_scale.py store 10,000 of them to check paging,
the runner's memory at warm start, and the time of a suggestion.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from paropt.storage import OUTPUT_TAIL_BYTES, TrialModel

PARAMETERS = [
    {"name": "x", "type": "int", "minimum": 1, "maximum": 1_000_000},
    {"name": "y", "type": "float", "minimum": 0.0, "maximum": 1.0},
]
COMMAND = "true ${x} ${y}"
# Share of the stored trials that failed, with no outcome.
FAILED_SHARE = 0.05


def output_tail(number: int) -> str:
    """Return log lines of exactly OUTPUT_TAIL_BYTES bytes, the most the runner stores."""
    lines = []
    size = 0
    step = 0
    while size < OUTPUT_TAIL_BYTES:
        line = f"trial {number} step {step}: processed 4096 records in 0.0123 s\n"
        lines.append(line)
        size += len(line)
        step += 1
    return "".join(lines)[-OUTPUT_TAIL_BYTES:]


def bowl(parameters: dict) -> float:
    """Return the noiseless outcome of a configuration, a bowl with its minimum of 1.0
    at x = 300,000 and y = 0.6."""
    return 1.0 + (parameters["x"] / 1e6 - 0.3) ** 2 + (parameters["y"] - 0.6) ** 2


def synthetic_trials(count: int, *, seed: int = 0) -> Iterator[tuple[dict, float | None]]:
    """Yield ``count`` distinct configurations with their outcomes (``None`` when failed).

    An outcome is the bowl's value plus normal noise with a standard deviation of 0.01.
    """
    rng = random.Random(seed)
    for x in rng.sample(range(1, 1_000_001), count):
        parameters = {"x": x, "y": rng.random()}
        if rng.random() < FAILED_SHARE:
            yield parameters, None
        else:
            yield parameters, bowl(parameters) + rng.gauss(0, 0.01)


def store_trials(experiment_id: str, count: int, *, seed: int = 0) -> None:
    """Write the ``count`` synthetic trials of ``seed``, numbered from 1.

    Every trial has a full output tail, so the items are as large as the runner
    makes them.
    """
    job_id = f"{seed:032x}"
    with TrialModel.batch_write() as batch:
        for number, (parameters, outcome) in enumerate(synthetic_trials(count, seed=seed), 1):
            failed = outcome is None
            batch.save(
                TrialModel(
                    experiment_id,
                    number,
                    job_id=job_id,
                    run_number=1,
                    parameters=parameters,
                    status="failed" if failed else "succeeded",
                    outcome=outcome,
                    exit_code=1 if failed else 0,
                    reason="command script exited with status 1" if failed else None,
                    output_tail=output_tail(number),
                    started_at="2026-12-04T12:00:00.000Z",
                    ended_at="2026-12-04T12:00:01.000Z",
                    samples=None if failed else [outcome],
                    spread=None,
                    metrics=None if failed else {"runtime": outcome},
                    tool_seconds=None if failed else outcome,
                )
            )
