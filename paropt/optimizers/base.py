"""The ask/tell interface that every optimiser implements."""

from __future__ import annotations

import abc
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass

from paropt.specs import ExperimentSpec, Value

Configuration = dict[str, Value]
# Exhaustive enumeration of unmeasured configurations is used only below this size.
ENUMERATION_LIMIT = 100_000


@dataclass(frozen=True)
class Observation:
    """A configuration measured earlier, with its outcome (``None`` when the trial failed).

    Outcomes are always to be minimised: a maximised objective is stored negated
    before it reaches an optimiser.
    """

    parameters: Configuration
    outcome: float | None


def configuration_key(spec: ExperimentSpec, parameters: Configuration) -> tuple:
    """Return a hashable key of ``parameters``, with each value in its canonical form."""
    key = []
    for parameter in sorted(spec.parameters, key=lambda p: p.name):
        value = parameter.normalize(parameters[parameter.name])
        key.append((type(value).__name__, value))
    return tuple(key)


class Optimizer(abc.ABC):
    """Proposes configurations to measure and learns from their outcomes.

    Outcomes are minimised. The optimiser never proposes a configuration that was
    measured before (in ``history``) or that it proposed already, including ones
    still pending, so a batch of asks without tells has no duplicates either.
    """

    def __init__(
        self, spec: ExperimentSpec, *, history: Iterable[Observation] = (), seed: int | None = None
    ) -> None:
        self.spec = spec
        self.rng = random.Random(seed)
        self.seen: set[tuple] = set()
        self.history: list[Observation] = []
        for observation in history:
            try:
                self.seen.add(configuration_key(spec, observation.parameters))
            except (KeyError, ValueError):
                # A trial of an earlier version of the space; it cannot be replayed.
                continue
            self.history.append(observation)
        self.proposed = 0

    @property
    @abc.abstractmethod
    def planned(self) -> int:
        """Number of configurations this optimiser intends to propose in this run."""

    @abc.abstractmethod
    def _propose(self) -> Configuration | None:
        """Return a new configuration, or ``None`` when there is nothing left to try."""

    def ask(self) -> Configuration | None:
        """Return the next configuration to measure, or ``None`` when the run is done."""
        if self.proposed >= self.planned:
            return None
        configuration = self._propose()
        if configuration is None:
            return None
        configuration = {
            parameter.name: parameter.normalize(configuration[parameter.name])
            for parameter in self.spec.parameters
        }
        key = configuration_key(self.spec, configuration)
        if key in self.seen:
            raise RuntimeError(f"optimiser proposed {configuration} twice")
        self.seen.add(key)
        self.proposed += 1
        return configuration

    def tell(self, parameters: Configuration, outcome: float | None) -> None:
        """Record the outcome of a configuration returned by :meth:`ask`."""
        self.history.append(Observation(parameters=parameters, outcome=outcome))

    def exhausted(self) -> bool:
        """Return whether every configuration of a finite space was proposed or measured."""
        size = self.spec.space_size()
        return size is not None and len(self.seen) >= size

    def best(self) -> Observation | None:
        """Return the best successful observation so far."""
        successes = [o for o in self.history if o.outcome is not None]
        return min(successes, key=lambda o: o.outcome) if successes else None

    def is_seen(self, configuration: Configuration) -> bool:
        return configuration_key(self.spec, configuration) in self.seen

    def random_unseen(self, attempts: int = 1000) -> Configuration | None:
        """Return a randomly drawn configuration not seen yet, or ``None`` if none is left."""
        if self.exhausted():
            return None
        for _ in range(attempts):
            configuration = {p.name: p.sample(self.rng) for p in self.spec.parameters}
            if not self.is_seen(configuration):
                return configuration
        size = self.spec.space_size()
        if size is not None and size <= ENUMERATION_LIMIT:
            return self._first_unseen()
        return None

    def _first_unseen(self) -> Configuration | None:
        axes = [p.grid_values(p.size() or 1) for p in self.spec.parameters]
        for values in itertools.product(*axes):
            configuration = dict(zip([p.name for p in self.spec.parameters], values, strict=True))
            if not self.is_seen(configuration):
                return configuration
        return None
