"""Gaussian-process Bayesian optimisation through the bayesian-optimization package."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from paropt.optimizers.base import Configuration, Observation, Optimizer
from paropt.specs import BayesOptimizer, ExperimentSpec, ParameterModel, Value

if TYPE_CHECKING:
    from paropt.optimizers.gp_model import SurrogateModel

# Above this many successful observations the Gaussian process is fitted on the
# best half of this many plus an even sample of the rest, because exact GP fitting
# costs O(n^3) in the number of points. With 10,000 observations of two parameters
# (benchmarks/scale.py on a 2-core Xeon), the median suggestion took 0.65 s (at most
# 1.1 s) with 300 points and 0.06 s with 150.
MAX_GP_POINTS = 150
# Observations that arrive after a subsample was drawn are added to it, up to this
# many. Then the subsample is drawn again from all observations.
GP_REFRESH_POINTS = 30


class BayesianOptimizer(Optimizer):
    """Proposes ``n_init`` random configurations, then ``n_iter`` chosen by a Gaussian process.

    Successful earlier trials of the experiment count towards ``n_init`` and are
    registered with the process, so a later run continues from them. Log
    parameters are modelled on a log scale, categorical values through the
    package's own categorical support, and bools as integers 0 and 1. When the
    process suggests a configuration already measured or pending (common with
    integer parameters), a random unmeasured one is proposed instead.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        settings: BayesOptimizer,
        *,
        history: Iterable[Observation] = (),
        seed: int | None = None,
    ) -> None:
        super().__init__(spec, history=history, seed=seed if seed is not None else settings.seed)
        self._settings = settings
        successes = [o for o in self.history if o.outcome is not None]
        self._random_left = max(0, settings.n_init - len(successes))
        self._planned = settings.n_init + settings.n_iter
        # One model lives across suggestions, so each suggestion registers only the
        # observations recorded since the previous one.
        self._model: SurrogateModel | None = None
        self._history_read = 0

    @property
    def planned(self) -> int:
        return self._planned

    def _bounds(self) -> dict[str, tuple]:
        bounds: dict[str, tuple] = {}
        for parameter in self.spec.parameters:
            if parameter.type in ("int", "float") and parameter.minimum != parameter.maximum:
                if parameter.log:
                    bounds[parameter.name] = (
                        math.log(parameter.minimum),
                        math.log(parameter.maximum),
                    )
                elif parameter.type == "int":
                    bounds[parameter.name] = (parameter.low, parameter.high, int)
                else:
                    bounds[parameter.name] = (parameter.low, parameter.high)
            elif parameter.type == "categorical" and len(parameter.values) > 1:
                bounds[parameter.name] = tuple(parameter.values)
            elif parameter.type == "bool":
                bounds[parameter.name] = (0, 1, int)
        return bounds

    def _encode(self, parameter: ParameterModel, value: Value) -> Value:
        if parameter.type in ("int", "float") and parameter.log:
            return math.log(float(value))
        if parameter.type == "bool":
            return int(bool(value))
        if parameter.type in ("int", "float"):
            return float(value)
        return value

    def _decode(self, parameter: ParameterModel, raw: object) -> Value:
        if parameter.type in ("int", "float"):
            if parameter.minimum == parameter.maximum:
                return parameter.cast(parameter.minimum)
            value = float(raw)  # type: ignore[arg-type]
            return parameter.cast(math.exp(value) if parameter.log else value)
        if parameter.type == "bool":
            return bool(round(float(raw)))  # type: ignore[arg-type]
        if parameter.type == "categorical":
            return parameter.values[0] if len(parameter.values) == 1 else raw  # type: ignore[return-value]
        return parameter.value  # type: ignore[union-attr]

    def _new_model(self) -> SurrogateModel:
        # Imported here: loading bayes_opt pulls in scikit-learn and SciPy (about a second).
        from bayes_opt import acquisition

        from paropt.optimizers.gp_model import SurrogateModel

        settings = self._settings
        if settings.acquisition == "ucb":
            function = acquisition.UpperConfidenceBound(kappa=settings.kappa)
        elif settings.acquisition == "ei":
            function = acquisition.ExpectedImprovement(xi=settings.xi)
        else:
            function = acquisition.ProbabilityOfImprovement(xi=settings.xi)
        return SurrogateModel(self._bounds(), function, seed=self.rng.randrange(2**31))

    def _register(self, model: SurrogateModel, observations: Iterable[Observation]) -> None:
        for observation in observations:
            params = {
                parameter.name: self._encode(parameter, observation.parameters[parameter.name])
                for parameter in self.spec.parameters
                if parameter.name in model.space.keys
            }
            # bayes_opt maximises; paropt minimises.
            model.register(params, -observation.outcome)

    def _updated_model(self) -> SurrogateModel:
        """Register every successful observation recorded since the last call, and return the model.

        New observations are added to the existing model while it stays within
        MAX_GP_POINTS + GP_REFRESH_POINTS points. Beyond that, the model is rebuilt
        on a fresh subsample of all observations.
        """
        new = [o for o in self.history[self._history_read :] if o.outcome is not None]
        self._history_read = len(self.history)
        model = self._model
        if model is None or len(model) + len(new) > MAX_GP_POINTS + GP_REFRESH_POINTS:
            model = self._model = self._new_model()
            new = self._gp_points()
        self._register(model, new)
        return model

    def _gp_points(self) -> list[Observation]:
        successes = [o for o in self.history if o.outcome is not None]
        if len(successes) <= MAX_GP_POINTS:
            return successes
        ranked = sorted(successes, key=lambda o: o.outcome)
        best = ranked[: MAX_GP_POINTS // 2]
        rest = ranked[MAX_GP_POINTS // 2 :]
        step = len(rest) / (MAX_GP_POINTS - len(best))
        return best + [rest[int(index * step)] for index in range(MAX_GP_POINTS - len(best))]

    def _propose(self) -> Configuration | None:
        if self._random_left > 0:
            self._random_left -= 1
            return self.random_unseen()
        if not self._bounds():
            return self.random_unseen()
        model = self._updated_model()
        if len(model) == 0:
            return self.random_unseen()
        suggestion = model.suggest()
        configuration = {
            parameter.name: self._decode(parameter, suggestion.get(parameter.name))
            for parameter in self.spec.parameters
        }
        if self.is_seen(configuration):
            return self.random_unseen()
        return configuration
