"""Optimisers behind one ask/tell interface."""

from __future__ import annotations

from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer, configuration_key
from paropt.specs import ExperimentSpec, OptimizerSpec


def build_optimizer(
    spec: ExperimentSpec,
    settings: OptimizerSpec,
    *,
    history: Iterable[Observation] = (),
    seed: int | None = None,
) -> Optimizer:
    """Create the optimiser that ``settings`` describes, warm-started from ``history``.

    Each optimiser module is imported only when it is used, because some of them
    load heavy packages (bayes_opt, Optuna).
    """
    history = list(history)
    if settings.type == "grid":
        from paropt.optimizers.grid import GridSearch

        return GridSearch(spec, settings, history=history, seed=seed)
    if settings.type == "random":
        from paropt.optimizers.random_search import RandomSearch

        return RandomSearch(spec, settings, history=history, seed=seed)
    if settings.type == "bayesopt":
        from paropt.optimizers.bayesopt import BayesianOptimizer

        return BayesianOptimizer(spec, settings, history=history, seed=seed)
    if settings.type == "tpe":
        from paropt.optimizers.tpe import TPESearch

        return TPESearch(spec, settings, history=history, seed=seed)
    if settings.type == "coordinate":
        from paropt.optimizers.coordinate import CoordinateSearch

        return CoordinateSearch(spec, settings, history=history, seed=seed)
    if settings.type == "auto":
        from paropt.optimizers.auto import choose_optimizer

        return choose_optimizer(spec, settings, history=history, seed=seed)
    raise ValueError(f"unknown optimiser type {settings.type!r}")


__all__ = [
    "Configuration",
    "Observation",
    "Optimizer",
    "build_optimizer",
    "configuration_key",
]
