"""Peer optimisers written directly on their packages, for comparison with paropt's.

None of them goes through ``paropt.optimizers``. They propose a configuration again
when their method does so (paropt's optimisers never do), and each repeat counts
as a trial.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from typing import Protocol

import numpy as np
import optuna
from bayes_opt import BayesianOptimization, acquisition
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from paropt.optimizers import Configuration
from paropt.specs import ExperimentSpec, ParameterModel

optuna.logging.set_verbosity(optuna.logging.WARNING)

# Random configurations that the previous service measured before the Gaussian process.
GP_INITIAL_POINTS = 5
# Exploration weight of the previous service's upper confidence bound.
GP_KAPPA = 2.5


class Peer(Protocol):
    """The ask/tell interface of a peer. Outcomes are minimised."""

    def ask(self) -> Configuration:
        """Return the next configuration to measure."""
        ...

    def tell(self, configuration: Configuration, outcome: float) -> None:
        """Record the outcome of the configuration that the last ask returned."""
        ...


class PlainRandomSearch:
    """Draws each parameter independently: uniform, or log-uniform for log parameters.

    Draws are with replacement, so a small space gets repeated configurations.
    """

    def __init__(self, spec: ExperimentSpec, seed: int) -> None:
        self._parameters = spec.parameters
        self._rng = np.random.default_rng(seed)

    def _draw(self, parameter: ParameterModel) -> object:
        rng = self._rng
        if parameter.type == "constant":
            return parameter.value
        if parameter.type in ("categorical", "bool"):
            return parameter.values[int(rng.integers(len(parameter.values)))]
        if parameter.type == "int" and not parameter.log:
            return int(rng.integers(parameter.low, parameter.high + 1))
        if parameter.type == "int":
            # Each integer gets the probability mass of [k, k + 1) on the log scale.
            draw = math.exp(rng.uniform(math.log(parameter.low), math.log(parameter.high + 1)))
            return min(int(math.floor(draw)), parameter.high)
        if parameter.log:
            return math.exp(rng.uniform(math.log(parameter.low), math.log(parameter.high)))
        return float(rng.uniform(parameter.low, parameter.high))

    def ask(self) -> Configuration:
        """Return an independent random configuration."""
        return {parameter.name: self._draw(parameter) for parameter in self._parameters}

    def tell(self, configuration: Configuration, outcome: float) -> None:
        """Ignore the outcome: random search does not learn."""


class PreviousServiceGP:
    """The previous service's method: bayes_opt's Gaussian process with UCB (kappa 2.5).

    It measures ``GP_INITIAL_POINTS`` random points from bayes_opt's own sampler and
    then each point that ``BayesianOptimization.suggest`` returns (bayes_opt 3.4).
    Ints and bools (as 0 and 1) are bayes_opt int ranges, and categorical parameters
    its categorical ranges. Log parameters are searched on the log scale, an advantage the previous
    service did not give its GP.
    """

    def __init__(self, spec: ExperimentSpec, seed: int) -> None:
        self._spec = spec
        self._bounds: dict[str, tuple] = {}
        for parameter in spec.parameters:
            if parameter.size() == 1:
                continue
            if parameter.type in ("int", "float") and parameter.log:
                self._bounds[parameter.name] = (
                    math.log(parameter.low),
                    math.log(parameter.high),
                )
            elif parameter.type == "int":
                self._bounds[parameter.name] = (parameter.low, parameter.high, int)
            elif parameter.type == "float":
                self._bounds[parameter.name] = (parameter.low, parameter.high)
            elif parameter.type == "bool":
                # An int range adds one dimension, but a categorical range adds one per value.
                self._bounds[parameter.name] = (0, 1, int)
            else:
                # bayes_opt reads a tuple of strings as categories, so values are named by text.
                self._bounds[parameter.name] = tuple(str(value) for value in parameter.values)
        with warnings.catch_warnings():
            # bayes_opt 3.4 warns that int and categorical ranges are experimental.
            warnings.simplefilter("ignore", UserWarning)
            self._optimizer = BayesianOptimization(
                f=None,
                pbounds=self._bounds,
                acquisition_function=acquisition.UpperConfidenceBound(kappa=GP_KAPPA),
                random_state=seed,
                verbose=0,
                allow_duplicate_points=True,
            )
            self._initial = self._optimizer.random_sample(GP_INITIAL_POINTS)
        self._last: dict | None = None

    def _decode(self, point: dict) -> Configuration:
        configuration: Configuration = {}
        for parameter in self._spec.parameters:
            if parameter.name not in point:
                configuration[parameter.name] = parameter.grid_values(1)[0]
                continue
            raw = point[parameter.name]
            if parameter.type == "bool":
                configuration[parameter.name] = bool(round(float(raw)))
            elif parameter.type in ("int", "float"):
                value = float(raw)
                configuration[parameter.name] = parameter.cast(
                    math.exp(value) if parameter.log else value
                )
            else:
                by_text = {str(value): value for value in parameter.values}
                configuration[parameter.name] = by_text[str(raw)]
        return configuration

    def ask(self) -> Configuration:
        """Return the next initial random point, then the maximum of the UCB."""
        if self._initial:
            point = self._initial.pop(0)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                point = self._optimizer.suggest()
        self._last = point
        return self._decode(point)

    def tell(self, configuration: Configuration, outcome: float) -> None:
        """Register the last point with the negated outcome, because bayes_opt maximises."""
        if self._last is None:
            raise RuntimeError("tell() called before ask()")
        # bayes_opt prints a line to stdout for every repeated point it registers.
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            self._optimizer.register(params=self._last, target=-outcome)
        self._last = None


def _optuna_distribution(parameter: ParameterModel) -> BaseDistribution:
    if parameter.type == "int":
        return IntDistribution(parameter.low, parameter.high, log=parameter.log)
    if parameter.type == "float":
        return FloatDistribution(parameter.low, parameter.high, log=parameter.log)
    return CategoricalDistribution(list(parameter.values))


class OptunaTPE:
    """Optuna's TPESampler with its default settings, through the ask-and-tell API."""

    def __init__(self, spec: ExperimentSpec, seed: int) -> None:
        self._fixed: Configuration = {}
        self._distributions: dict[str, BaseDistribution] = {}
        for parameter in spec.parameters:
            if parameter.size() == 1:
                self._fixed[parameter.name] = parameter.grid_values(1)[0]
            else:
                self._distributions[parameter.name] = _optuna_distribution(parameter)
        sampler = optuna.samplers.TPESampler(seed=seed)
        self._study = optuna.create_study(direction="minimize", sampler=sampler)
        self._trial: optuna.Trial | None = None

    def ask(self) -> Configuration:
        """Return the sampler's next configuration."""
        self._trial = self._study.ask(self._distributions)
        return {**self._fixed, **self._trial.params}

    def tell(self, configuration: Configuration, outcome: float) -> None:
        """Report the outcome of the running trial to the study."""
        if self._trial is None:
            raise RuntimeError("tell() called before ask()")
        self._study.tell(self._trial, outcome)
        self._trial = None


PEERS = {
    "peer_random": PlainRandomSearch,
    "peer_gp_ucb": PreviousServiceGP,
    "peer_optuna_tpe": OptunaTPE,
}
