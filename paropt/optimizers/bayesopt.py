"""Gaussian-process Bayesian optimisation through the bayesian-optimization package."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from paropt.optimizers.base import Configuration, Observation, Optimizer, configuration_key
from paropt.specs import BayesOptimizer, ExperimentSpec


class BayesianOptimizer(Optimizer):
    """Proposes ``n_init`` random configurations, then ``n_iter`` chosen by a Gaussian process.

    Successful earlier trials of the experiment count towards ``n_init`` and are
    registered with the Gaussian process, so a later run continues from them. When
    the process suggests a configuration that was measured already (common with
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
        super().__init__(
            spec, history=history, seed=seed if seed is not None else settings.random_seed
        )
        # Imported here: loading bayes_opt pulls in scikit-learn and SciPy (about a second).
        from bayes_opt import BayesianOptimization

        bounds: dict[str, tuple] = {}
        for parameter in spec.parameters:
            if parameter.type == "int":
                bounds[parameter.name] = (parameter.low, parameter.high, int)
            else:
                bounds[parameter.name] = (parameter.minimum, parameter.maximum)
        with warnings.catch_warnings():
            # bayes_opt 3.4 warns that integer parameters are experimental on every use.
            warnings.simplefilter("ignore", UserWarning)
            self._gp = BayesianOptimization(
                f=None,
                pbounds=bounds,
                random_state=self.rng.randrange(2**31),
                verbose=0,
                allow_duplicate_points=True,
            )
        self._registered = 0
        for observation in self.history:
            self._register(observation)
        self._random_left = max(0, settings.n_init - self._registered)
        self._guided_left = settings.n_iter + (settings.n_init - self._random_left)
        self._planned = settings.n_init + settings.n_iter

    @property
    def planned(self) -> int:
        return self._planned

    def _register(self, observation: Observation) -> None:
        if observation.outcome is None:
            return
        params = {name: float(value) for name, value in observation.parameters.items()}
        # bayes_opt maximises; paropt minimises.
        self._gp.register(params=params, target=-observation.outcome)
        self._registered += 1

    def tell(self, parameters: Configuration, outcome: float | None) -> None:
        super().tell(parameters, outcome)
        self._register(Observation(parameters=parameters, outcome=outcome))

    def _propose(self) -> Configuration | None:
        if self._random_left > 0:
            self._random_left -= 1
            return self.random_unseen()
        if self._guided_left <= 0:
            return None
        self._guided_left -= 1
        if self._registered == 0:
            return self.random_unseen()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            suggestion = self._gp.suggest()
        configuration = {
            parameter.name: parameter.cast(float(suggestion[parameter.name]))
            for parameter in self.spec.parameters
        }
        if configuration_key(self.spec, configuration) in self.seen:
            return self.random_unseen()
        return configuration
