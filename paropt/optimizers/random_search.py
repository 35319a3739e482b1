"""Random search: independent draws from the search space."""

from __future__ import annotations

from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer
from paropt.specs import ExperimentSpec, RandomOptimizer


class RandomSearch(Optimizer):
    """Proposes ``n_trials`` uniformly drawn unmeasured configurations; a seed makes it repeat."""

    def __init__(
        self,
        spec: ExperimentSpec,
        settings: RandomOptimizer,
        *,
        history: Iterable[Observation] = (),
        seed: int | None = None,
    ) -> None:
        super().__init__(spec, history=history, seed=seed if seed is not None else settings.seed)
        self._planned = settings.n_trials

    @property
    def planned(self) -> int:
        return self._planned

    def _propose(self) -> Configuration | None:
        return self.random_unseen()
