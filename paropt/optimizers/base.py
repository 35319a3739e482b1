"""The ask/tell interface that every optimiser implements."""

from __future__ import annotations

import abc
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paropt.specs import ExperimentSpec

Configuration = dict[str, int | float]


@dataclass(frozen=True)
class Observation:
    """A configuration measured earlier, with its outcome (``None`` when the trial failed)."""

    parameters: Configuration
    outcome: float | None


def configuration_key(spec: ExperimentSpec, parameters: Configuration) -> tuple:
    """Return a hashable key of ``parameters``, with each value cast to its parameter's type."""
    return tuple(
        spec.parameter(name).cast(float(parameters[name]))
        for name in sorted(p.name for p in spec.parameters)
    )


class Optimizer(abc.ABC):
    """Proposes configurations to measure and learns from their outcomes.

    Outcomes are minimised. The optimiser never proposes a configuration that was
    measured before (in ``history``) or that it proposed already.
    """

    def __init__(
        self, spec: ExperimentSpec, *, history: Iterable[Observation] = (), seed: int | None = None
    ) -> None:
        self.spec = spec
        self.rng = random.Random(seed)
        self.seen: set[tuple] = set()
        self.history: list[Observation] = []
        for observation in history:
            self.seen.add(configuration_key(spec, observation.parameters))
            self.history.append(observation)

    @property
    @abc.abstractmethod
    def planned(self) -> int:
        """Number of configurations this optimiser intends to propose in this run."""

    @abc.abstractmethod
    def _propose(self) -> Configuration | None:
        """Return a new configuration, or ``None`` when there is nothing left to try."""

    def ask(self) -> Configuration | None:
        """Return the next configuration to measure, or ``None`` when the run is done."""
        configuration = self._propose()
        if configuration is None:
            return None
        key = configuration_key(self.spec, configuration)
        if key in self.seen:
            raise RuntimeError(f"optimiser proposed {configuration} twice")
        self.seen.add(key)
        return configuration

    def tell(self, parameters: Configuration, outcome: float | None) -> None:
        """Record the outcome of a configuration returned by :meth:`ask`."""
        self.history.append(Observation(parameters=parameters, outcome=outcome))

    def space_size(self) -> int | None:
        """Return the number of distinct configurations; ``None`` if a float range is unbounded."""
        size = 1
        for parameter in self.spec.parameters:
            if parameter.type == "float" and parameter.minimum != parameter.maximum:
                return None
            size *= int(parameter.maximum) - int(parameter.minimum) + 1
        return size

    def random_unseen(self, attempts: int = 1000) -> Configuration | None:
        """Return a uniformly drawn configuration not seen yet, or ``None`` if none is left."""
        size = self.space_size()
        if size is not None and len(self.seen) >= size:
            return None
        for _ in range(attempts):
            configuration = self._draw()
            if configuration_key(self.spec, configuration) not in self.seen:
                return configuration
        if size is not None and size <= 100_000:
            return self._first_unseen()
        return None

    def _draw(self) -> Configuration:
        configuration: Configuration = {}
        for parameter in self.spec.parameters:
            if parameter.type == "int":
                configuration[parameter.name] = self.rng.randint(parameter.low, parameter.high)
            else:
                value = self.rng.uniform(parameter.minimum, parameter.maximum)
                configuration[parameter.name] = parameter.cast(value)
        return configuration

    def _first_unseen(self) -> Configuration | None:
        import itertools

        ranges: Sequence[range] = [range(int(p.low), int(p.high) + 1) for p in self.spec.parameters]
        for values in itertools.product(*ranges):
            configuration = {
                parameter.name: parameter.cast(value)
                for parameter, value in zip(self.spec.parameters, values, strict=True)
            }
            if configuration_key(self.spec, configuration) not in self.seen:
                return configuration
        return None
