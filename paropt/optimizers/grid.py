"""Exhaustive search over a grid of evenly spaced parameter values."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer, configuration_key
from paropt.specs import ExperimentSpec, GridOptimizer, grid_values


class GridSearch(Optimizer):
    """Proposes every grid point that the experiment has not measured yet, in order."""

    def __init__(
        self,
        spec: ExperimentSpec,
        settings: GridOptimizer,
        *,
        history: Iterable[Observation] = (),
        seed: int | None = None,
    ) -> None:
        super().__init__(spec, history=history, seed=seed)
        axes = [grid_values(p, settings.num_configs_per_param) for p in spec.parameters]
        self._pending: list[Configuration] = []
        for values in itertools.product(*axes):
            configuration = {
                parameter.name: value
                for parameter, value in zip(spec.parameters, values, strict=True)
            }
            if configuration_key(spec, configuration) not in self.seen:
                self._pending.append(configuration)
        self._planned = len(self._pending)

    @property
    def planned(self) -> int:
        return self._planned

    def _propose(self) -> Configuration | None:
        if not self._pending:
            return None
        return self._pending.pop(0)
