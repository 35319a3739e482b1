"""Exhaustive search over a grid of parameter values."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer
from paropt.specs import ExperimentSpec, GridOptimizer


class GridSearch(Optimizer):
    """Proposes every grid point that the experiment has not measured yet, in order.

    Numeric parameters get evenly spaced values (on a log scale for log
    parameters); categorical and bool parameters get all their values.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        settings: GridOptimizer,
        *,
        history: Iterable[Observation] = (),
        seed: int | None = None,
    ) -> None:
        super().__init__(spec, history=history, seed=seed)
        axes = [p.grid_values(settings.count_for(p.name)) for p in spec.parameters]
        names = [p.name for p in spec.parameters]
        self._pending: list[Configuration] = []
        for values in itertools.product(*axes):
            configuration = dict(zip(names, values, strict=True))
            if not self.is_seen(configuration):
                self._pending.append(configuration)
        self._pending.reverse()
        self._planned = len(self._pending)

    @property
    def planned(self) -> int:
        return self._planned

    def _propose(self) -> Configuration | None:
        while self._pending:
            configuration = self._pending.pop()
            if not self.is_seen(configuration):
                return configuration
        return None
