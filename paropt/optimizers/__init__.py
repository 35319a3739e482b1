"""Optimisers behind one ask/tell interface."""

from __future__ import annotations

from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer, configuration_key
from paropt.specs import BayesOptimizer, ExperimentSpec, GridOptimizer, OptimizerSpec


def build_optimizer(
    spec: ExperimentSpec,
    settings: OptimizerSpec,
    *,
    history: Iterable[Observation] = (),
    seed: int | None = None,
) -> Optimizer:
    """Create the optimiser that ``settings`` describes, warm-started from ``history``."""
    if isinstance(settings, GridOptimizer):
        from paropt.optimizers.grid import GridSearch

        return GridSearch(spec, settings, history=history, seed=seed)
    if isinstance(settings, BayesOptimizer):
        from paropt.optimizers.bayesopt import BayesianOptimizer

        return BayesianOptimizer(spec, settings, history=history, seed=seed)
    raise ValueError(f"unknown optimiser type {settings.type!r}")


__all__ = [
    "Configuration",
    "Observation",
    "Optimizer",
    "build_optimizer",
    "configuration_key",
]
