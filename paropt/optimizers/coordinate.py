"""Coordinate search: vary one parameter at a time around the best configuration."""

from __future__ import annotations

from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer
from paropt.specs import CoordinateOptimizer, ExperimentSpec, ParameterModel, Value

# Distance of the first numeric neighbours from the centre, as a fraction of each
# range (of its logarithm for log parameters).
INITIAL_STEP = 0.25


class CoordinateSearch(Optimizer):
    """Proposes neighbours of the best configuration so far, one parameter at a time.

    The search starts from the best successful configuration in ``history``. Without
    one it starts from the centre of the space: the middle of each numeric range
    (on a log scale for log parameters) and a seeded random choice of each
    categorical or bool value. It then cycles through the searched parameters. A
    numeric parameter's neighbours lie one step below and above the centre in unit
    space, and at least one integer away for int parameters. A categorical or bool
    parameter's neighbours are its other values. Any better outcome moves the
    centre, and the same parameter is tried again around the new centre. The step
    halves after a full cycle without improvement. When no neighbour is left
    unmeasured, a random unmeasured configuration is proposed instead.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        settings: CoordinateOptimizer,
        *,
        history: Iterable[Observation] = (),
        seed: int | None = None,
    ) -> None:
        super().__init__(spec, history=history, seed=seed if seed is not None else settings.seed)
        self._planned = settings.n_trials
        self._searched = [p for p in spec.parameters if p.size() != 1]
        self.step = INITIAL_STEP
        best = self.best()
        if best is not None:
            self.centre = self._normalized(best.parameters)
            self.centre_outcome: float | None = best.outcome
        else:
            self.centre = self._normalized(self._start())
            self.centre_outcome = None
        # Index of the searched parameter whose neighbours are built next.
        self._coordinate = 0
        self._improved_in_cycle = False
        # Configurations to propose next: the start, or neighbours of the centre that
        # differ from it in one parameter.
        self._candidates: list[Configuration] = [] if best is not None else [dict(self.centre)]

    @property
    def planned(self) -> int:
        return self._planned

    def _normalized(self, configuration: Configuration) -> Configuration:
        return {p.name: p.normalize(configuration[p.name]) for p in self.spec.parameters}

    def _start(self) -> Configuration:
        start: Configuration = {}
        for parameter in self.spec.parameters:
            if parameter.type in ("int", "float"):
                start[parameter.name] = parameter.from_unit(0.5)
            elif parameter.type in ("categorical", "bool"):
                start[parameter.name] = self.rng.choice(parameter.values)
            else:
                start[parameter.name] = parameter.value
        return start

    def _neighbour_values(self, parameter: ParameterModel) -> list[Value]:
        current = self.centre[parameter.name]
        if parameter.type in ("categorical", "bool"):
            # Compared with their types, because 1 and 1.0 may be distinct categories.
            values = [
                value
                for value in parameter.values
                if (type(value), value) != (type(current), current)
            ]
            self.rng.shuffle(values)
            return values
        position = parameter.to_unit(current)
        values = []
        directions = [-1, 1]
        self.rng.shuffle(directions)
        for direction in directions:
            value = parameter.from_unit(position + direction * self.step)
            if parameter.type == "int" and value == current:
                # The step is below one integer here, so move to the adjacent one.
                value = parameter.cast(current + direction)
            if value != current and value not in values:
                values.append(value)
        return values

    def _fill_candidates(self) -> None:
        if self._coordinate >= len(self._searched):
            # A cycle ends once the last parameter's neighbours were all proposed.
            self._coordinate = 0
            if not self._improved_in_cycle:
                self.step /= 2
            self._improved_in_cycle = False
        parameter = self._searched[self._coordinate]
        self._coordinate += 1
        for value in self._neighbour_values(parameter):
            self._candidates.append({**self.centre, parameter.name: value})

    def _propose(self) -> Configuration | None:
        # Each pass builds the candidates of one parameter. After about two full cycles
        # without an unmeasured candidate a random configuration is proposed instead,
        # and the step, halved at each cycle end, stays smaller for the next call.
        for _ in range(2 * len(self._searched) + 1):
            while self._candidates:
                configuration = self._candidates.pop(0)
                if not self.is_seen(configuration):
                    return configuration
            if not self._searched:
                break
            self._fill_candidates()
        return self.random_unseen()

    def tell(self, parameters: Configuration, outcome: float | None) -> None:
        """Record the outcome of a configuration and move the centre if it is better."""
        super().tell(parameters, outcome)
        if outcome is None:
            return
        if self.centre_outcome is not None and outcome >= self.centre_outcome:
            return
        configuration = self._normalized(parameters)
        self.centre_outcome = outcome
        if configuration == self.centre:
            return
        changed = [p for p in self._searched if configuration[p.name] != self.centre[p.name]]
        self.centre = configuration
        self._improved_in_cycle = True
        self._candidates = []
        if len(changed) == 1:
            # Search the same coordinate again around the new centre.
            self._coordinate = self._searched.index(changed[0])
