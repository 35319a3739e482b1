"""One benchmark run: a method proposes configurations of a problem until the budget is spent."""

from __future__ import annotations

import time
import traceback
import zlib
from dataclasses import dataclass, field

import numpy as np

from benchmarks.peers import PEERS
from benchmarks.problems import Problem
from paropt.optimizers import build_optimizer
from paropt.specs import (
    AutoOptimizer,
    BayesOptimizer,
    CoordinateOptimizer,
    ExperimentSpec,
    GridOptimizer,
    OptimizerSpec,
    RandomOptimizer,
    TPEOptimizer,
    grid_size,
)

PAROPT_METHODS = ["grid", "random", "bayesopt", "tpe", "coordinate", "auto"]
METHODS = [*PAROPT_METHODS, *PEERS]
# Random configurations before paropt's bayesopt fits its Gaussian process: the same
# number as the previous service's GP peer, so that the two differ in their handling
# of types and repeats, not in the start.
BAYESOPT_INITIAL_POINTS = 5


def grid_counts(spec: ExperimentSpec, budget: int) -> dict[str, int]:
    """Return per-parameter grid counts whose grid has at most ``budget`` points, if any has.

    Every numeric parameter starts at one value (the centre of its range), and the
    counts grow by one in turn while the grid still fits. Categorical and bool
    parameters always contribute all their values, so when they alone exceed the
    budget the grid is larger than ``budget`` and the run ends after ``budget`` trials.
    """
    counts = {p.name: 1 for p in spec.parameters if p.type in ("int", "float")}

    def size(candidate: dict[str, int]) -> int:
        return grid_size(spec, GridOptimizer(type="grid", num_configs_per_param=candidate))

    current = size(counts) if counts else 0
    grew = True
    while grew:
        grew = False
        for name in counts:
            candidate = {**counts, name: counts[name] + 1}
            candidate_size = size(candidate)
            if current < candidate_size <= budget:
                counts, current, grew = candidate, candidate_size, True
    return counts


def paropt_settings(method: str, spec: ExperimentSpec, trials: int) -> OptimizerSpec:
    """Return the settings of paropt optimiser ``method`` for a run of ``trials`` trials."""
    if method == "grid":
        return GridOptimizer(type="grid", num_configs_per_param=grid_counts(spec, trials) or 1)
    if method == "random":
        return RandomOptimizer(type="random", n_trials=trials)
    if method == "bayesopt":
        n_init = min(trials, BAYESOPT_INITIAL_POINTS)
        return BayesOptimizer(type="bayesopt", n_init=n_init, n_iter=trials - n_init)
    if method == "tpe":
        return TPEOptimizer(type="tpe", n_trials=trials)
    if method == "coordinate":
        return CoordinateOptimizer(type="coordinate", n_trials=trials)
    if method == "auto":
        return AutoOptimizer(type="auto", n_trials=trials)
    raise ValueError(f"unknown paropt method {method!r}; expected one of {PAROPT_METHODS}")


@dataclass
class RunRecord:
    """What one run of one method on one problem produced.

    Attributes:
        problem: Problem name.
        method: Method name, one of ``METHODS``.
        seed: Seed of the method and of the noise.
        costs: Noiseless cost of each trial's configuration, in trial order.
        outcomes: Noisy outcome passed to the method, in trial order.
        distinct: Number of distinct configurations among the trials.
        seconds: Wall time of the run, mostly the method's own computation.
        chosen: Optimiser type that ``auto`` chose, else ``None``.
        error: Exception type and message if the run crashed, else ``None``.
    """

    problem: str
    method: str
    seed: int
    costs: list[float] = field(default_factory=list)
    outcomes: list[float] = field(default_factory=list)
    distinct: int = 0
    seconds: float = 0.0
    chosen: str | None = None
    error: str | None = None


def noise_generator(problem: Problem, seed: int) -> np.random.Generator:
    """Return the noise stream of ``seed`` on ``problem``, the same for every method."""
    return np.random.default_rng([seed, zlib.crc32(problem.name.encode())])


def run_once(problem: Problem, method: str, seed: int, trials: int) -> RunRecord:
    """Run ``method`` on ``problem`` for up to ``trials`` trials and record every trial.

    A crash of the method ends the run. The record then contains the trials made so
    far and the error, so the suite goes on.
    """
    budget = problem.trial_budget(trials)
    record = RunRecord(problem=problem.name, method=method, seed=seed)
    rng = noise_generator(problem, seed)
    seen: set[tuple] = set()
    started = time.perf_counter()
    try:
        if method in PEERS:
            optimizer = PEERS[method](problem.spec, seed)
        else:
            settings = paropt_settings(method, problem.spec, budget)
            optimizer = build_optimizer(problem.spec, settings, seed=seed)
            record.chosen = getattr(optimizer, "chosen", None)
        for _ in range(budget):
            configuration = optimizer.ask()
            if configuration is None:
                break
            configuration = problem.canonical(configuration)
            outcome = problem.measure(configuration, rng)
            optimizer.tell(configuration, outcome)
            record.costs.append(problem.cost(configuration))
            record.outcomes.append(outcome)
            seen.add(tuple(sorted(configuration.items())))
    except Exception as exc:  # noqa: BLE001 - a crashing optimiser is a result to report
        last = traceback.extract_tb(exc.__traceback__)[-1]
        record.error = f"{type(exc).__name__}: {exc} ({last.filename}:{last.lineno})"
    record.distinct = len(seen)
    record.seconds = time.perf_counter() - started
    return record
