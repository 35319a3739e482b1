"""Turning a trial's measurements into its objective value, spread and metrics."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from paropt.runner.trial import TrialResult
from paropt.specs import MetricNotFound, Objective, numeric_metrics


@dataclass(frozen=True)
class Score:
    """The objective of one configuration: the median over its repeats, or why there is none."""

    status: str
    outcome: float | None = None
    samples: list[float] = field(default_factory=list)
    # Sample standard deviation of the repeats (0 for a single repeat).
    spread: float | None = None
    tool_seconds: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str | None = None


def score_trial(result: TrialResult, objective: Objective) -> Score:
    """Score a trial: a missing, unparseable or non-finite objective value fails it."""
    tool_seconds = sum(result.runtimes)
    if result.status != "succeeded" or not result.runtimes:
        return Score(status=result.status, reason=result.reason, tool_seconds=tool_seconds)
    samples: list[float] = []
    for number, (runtime, output) in enumerate(zip(result.runtimes, result.outputs, strict=True)):
        try:
            value = objective.extract(output, runtime)
        except MetricNotFound as exc:
            reason = f"repeat {number + 1}: {exc}" if len(result.runtimes) > 1 else str(exc)
            return Score(status="failed", reason=reason, tool_seconds=tool_seconds)
        if not math.isfinite(value):
            return Score(
                status="failed",
                reason=f"objective value {value!r} is not finite",
                tool_seconds=tool_seconds,
            )
        samples.append(value)
    metrics = numeric_metrics(result.outputs[-1])
    metrics["runtime"] = statistics.median(result.runtimes)
    spread = statistics.stdev(samples) if len(samples) > 1 else 0.0
    return Score(
        status="succeeded",
        outcome=statistics.median(samples),
        samples=samples,
        spread=spread,
        tool_seconds=tool_seconds,
        metrics=metrics,
    )
