"""Tree-structured Parzen estimator search through Optuna's ask-and-tell API."""

from __future__ import annotations

from collections.abc import Iterable

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import Trial, TrialState

from paropt.optimizers.base import Configuration, Observation, Optimizer, configuration_key
from paropt.specs import ExperimentSpec, ParameterModel, TPEOptimizer

# Optuna logs every finished trial at INFO level, but the runner logs trials itself.
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _distribution(parameter: ParameterModel) -> BaseDistribution:
    if parameter.type == "int":
        return IntDistribution(parameter.low, parameter.high, log=parameter.log)
    if parameter.type == "float":
        return FloatDistribution(parameter.low, parameter.high, log=parameter.log)
    return CategoricalDistribution(list(parameter.values))


class TPESearch(Optimizer):
    """Proposes ``n_trials`` configurations chosen by Optuna's TPESampler.

    The sampler draws at random until the study contains ``n_startup_trials`` completed
    trials, counting the experiment's earlier ones, and the estimator chooses after
    that. Failed trials do not count (Optuna 5.1 counts COMPLETE and PRUNED). Parameters
    with one possible value (constants, ``minimum == maximum``, a single category)
    are fixed instead of searched. When the sampler suggests a configuration that
    was measured or proposed already, that Optuna trial is marked as failed and a
    random unmeasured configuration takes its place. The replacement is entered into
    the study, so the sampler models it like any other trial.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        settings: TPEOptimizer,
        *,
        history: Iterable[Observation] = (),
        seed: int | None = None,
    ) -> None:
        super().__init__(spec, history=history, seed=seed if seed is not None else settings.seed)
        self._planned = settings.n_trials
        self._fixed: Configuration = {}
        self._distributions: dict[str, BaseDistribution] = {}
        for parameter in spec.parameters:
            if parameter.size() == 1:
                self._fixed[parameter.name] = parameter.grid_values(1)[0]
            else:
                self._distributions[parameter.name] = _distribution(parameter)
        sampler = optuna.samplers.TPESampler(
            seed=self.rng.randrange(2**31), n_startup_trials=settings.n_startup_trials
        )
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        # Running Optuna trials, whose outcomes are not reported yet, by configuration key.
        self._running: dict[tuple, Trial] = {}
        for observation in self.history:
            self._add_finished(observation.parameters, observation.outcome)

    @property
    def planned(self) -> int:
        return self._planned

    def _searched_values(self, configuration: Configuration) -> dict:
        return {
            name: self.spec.parameter(name).normalize(configuration[name])
            for name in self._distributions
        }

    def _add_finished(self, configuration: Configuration, outcome: float | None) -> None:
        if outcome is None:
            trial = optuna.trial.create_trial(
                params=self._searched_values(configuration),
                distributions=self._distributions,
                state=TrialState.FAIL,
            )
        else:
            trial = optuna.trial.create_trial(
                params=self._searched_values(configuration),
                distributions=self._distributions,
                value=outcome,
            )
        self.study.add_trial(trial)

    def _propose(self) -> Configuration | None:
        trial = self.study.ask(self._distributions)
        configuration = {**self._fixed, **trial.params}
        if self.is_seen(configuration):
            self.study.tell(trial, state=TrialState.FAIL)
            configuration = self.random_unseen()
            if configuration is None:
                return None
            # An enqueued configuration is what the next ask returns, so the
            # replacement becomes a running trial of the study like any other.
            self.study.enqueue_trial(self._searched_values(configuration))
            trial = self.study.ask(self._distributions)
        self._running[configuration_key(self.spec, configuration)] = trial
        return configuration

    def tell(self, parameters: Configuration, outcome: float | None) -> None:
        """Record the outcome of a configuration and pass it to the Optuna study."""
        super().tell(parameters, outcome)
        trial = self._running.pop(configuration_key(self.spec, parameters), None)
        if trial is None:
            self._add_finished(parameters, outcome)
        elif outcome is None:
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            self.study.tell(trial, outcome)
