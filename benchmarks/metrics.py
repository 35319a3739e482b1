"""Quality metrics of benchmark runs, per problem and over the suite."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.runs import RunRecord

# A run has found a good configuration once one trial's noiseless cost is within
# this fraction of the best known cost.
WITHIN = 0.05
# Trial count after which the early regret is reported.
EARLY_TRIALS = 20
# The metrics that the goal of ``auto`` is checked on, by attribute name.
METRIC_LABELS = {
    "trials_to_within": f"trials to within {WITHIN:.0%}",
    "early_regret": f"regret after {EARLY_TRIALS} trials",
    "final_regret": "regret after the budget",
}


def relative_regret(costs: list[float], best_known: float, after: int) -> float:
    """Return (lowest noiseless cost among the first ``after`` trials - best) / best.

    A run shorter than ``after`` trials counts with all of its trials, and a run
    without trials has infinite regret.
    """
    if not costs:
        return math.inf
    return (min(costs[:after]) - best_known) / best_known


def trials_to_within(costs: list[float], best_known: float, fraction: float = WITHIN) -> float:
    """Return the 1-based number of the first trial within ``fraction`` of the best, or inf."""
    threshold = best_known * (1 + fraction)
    for number, cost in enumerate(costs, start=1):
        if cost <= threshold:
            return float(number)
    return math.inf


@dataclass(frozen=True)
class MethodResult:
    """The results of one method on one problem, over all seeds.

    Attributes:
        runs: Number of runs (seeds).
        trials_to_within: Median over seeds of the trials needed to come within
            ``WITHIN`` of the best known cost. It is inf when half the runs or more never did.
        reached: Number of runs that came within ``WITHIN``.
        early_regret: Median relative regret after ``EARLY_TRIALS`` trials.
        final_regret: Median relative regret after all trials of the budget.
        mean_trials: Mean number of trials made per run.
        mean_distinct: Mean number of distinct configurations per run.
        median_seconds: Median wall time of a run.
        errors: Error messages of crashed runs.
        chosen: Optimiser types that ``auto`` chose, if the method is ``auto``.
    """

    runs: int
    trials_to_within: float
    reached: int
    early_regret: float
    final_regret: float
    mean_trials: float
    mean_distinct: float
    median_seconds: float
    errors: tuple[str, ...]
    chosen: tuple[str, ...]


def summarize_method(records: list[RunRecord], best_known: float, budget: int) -> MethodResult:
    """Return the medians over the seeds of one method's runs on one problem."""
    hits = [trials_to_within(record.costs, best_known) for record in records]
    return MethodResult(
        runs=len(records),
        trials_to_within=statistics.median(hits),
        reached=sum(math.isfinite(hit) for hit in hits),
        early_regret=statistics.median(
            relative_regret(record.costs, best_known, EARLY_TRIALS) for record in records
        ),
        final_regret=statistics.median(
            relative_regret(record.costs, best_known, budget) for record in records
        ),
        mean_trials=statistics.fmean(len(record.costs) for record in records),
        mean_distinct=statistics.fmean(record.distinct for record in records),
        median_seconds=statistics.median(record.seconds for record in records),
        errors=tuple(record.error for record in records if record.error),
        chosen=tuple(sorted({record.chosen for record in records if record.chosen})),
    )


@dataclass(frozen=True)
class SuiteResult:
    """One method's medians over the problems of its per-problem medians."""

    trials_to_within: float
    early_regret: float
    final_regret: float
    problems_reached: int


def summarize_suite(results: dict[str, MethodResult]) -> SuiteResult:
    """Return the medians over problems of one method, given its result per problem."""
    values = list(results.values())
    return SuiteResult(
        trials_to_within=statistics.median(result.trials_to_within for result in values),
        early_regret=statistics.median(result.early_regret for result in values),
        final_regret=statistics.median(result.final_regret for result in values),
        problems_reached=sum(math.isfinite(result.trials_to_within) for result in values),
    )


@dataclass(frozen=True)
class AutoShortfall:
    """A place where ``auto`` misses its goal, with the two values compared."""

    where: str
    metric: str
    auto_value: float
    reference: str
    reference_value: float


def check_auto(
    per_problem: dict[str, dict[str, MethodResult]],
    suite: dict[str, SuiteResult],
    peers: Sequence[str],
    random_methods: Sequence[str],
) -> list[AutoShortfall]:
    """Return where ``auto`` misses its goal; an empty list means the goal is met.

    The goal has two parts. On each suite median (trials to within ``WITHIN``,
    regret after ``EARLY_TRIALS`` trials, regret after the budget), ``auto`` is at
    least as good as the best peer on that median. On every problem, ``auto``'s
    medians of the same three metrics are no worse than those of each method in
    ``random_methods``. Lower is better for all three.
    """
    shortfalls: list[AutoShortfall] = []
    for attribute, label in METRIC_LABELS.items():
        best_peer = min(peers, key=lambda peer: getattr(suite[peer], attribute))
        auto_value = getattr(suite["auto"], attribute)
        peer_value = getattr(suite[best_peer], attribute)
        if auto_value > peer_value:
            shortfalls.append(AutoShortfall("suite", label, auto_value, best_peer, peer_value))
    for problem, results in per_problem.items():
        for attribute, label in METRIC_LABELS.items():
            auto_value = getattr(results["auto"], attribute)
            for method in random_methods:
                random_value = getattr(results[method], attribute)
                if auto_value > random_value:
                    shortfalls.append(
                        AutoShortfall(problem, label, auto_value, method, random_value)
                    )
    return shortfalls
