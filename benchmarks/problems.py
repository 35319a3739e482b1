"""The tool-tuning problem that every optimiser of the benchmark is run on."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from paropt.optimizers import Configuration
from paropt.specs import ExperimentSpec

CostFunction = Callable[[Configuration], float]
MeasureFunction = Callable[[Configuration, np.random.Generator], float]


@dataclass(frozen=True)
class Problem:
    """A search space with a noiseless cost and a noisy measurement of each configuration.

    Attributes:
        name: Identifier that ``--problems`` selects.
        kind: ``synthetic`` for a cost model, ``real`` for cached measurements of a real tool.
        summary: One sentence on the tool and on what makes the problem hard.
        spec: Experiment whose parameters form the search space.
        cost: Noiseless cost in seconds: the model's value, or the mean of the measured repeats.
        measure: Function that draws one noisy outcome, the value an optimiser receives.
        best_known: Lowest noiseless cost over the whole space.
    """

    name: str
    kind: Literal["synthetic", "real"]
    summary: str
    spec: ExperimentSpec
    cost: CostFunction
    measure: MeasureFunction
    best_known: float

    def canonical(self, configuration: Configuration) -> Configuration:
        """Convert every value to the canonical form of its parameter (Python types, clipped)."""
        canonical: Configuration = {}
        for parameter in self.spec.parameters:
            value = configuration[parameter.name]
            if isinstance(value, np.generic):
                value = value.item()
            canonical[parameter.name] = parameter.normalize(value)
        return canonical

    def trial_budget(self, trials: int) -> int:
        """Return ``trials``, or the number of configurations when the space is smaller."""
        size = self.spec.space_size()
        return trials if size is None else min(trials, size)


def make_spec(tool_name: str, parameters: list[dict], **templates: str) -> ExperimentSpec:
    """Build an experiment from parameter bodies, with a placeholder command if none is given.

    Args:
        tool_name: Name of the tool.
        parameters: Parameter bodies as the API accepts them.
        **templates: ``command_template_string`` and optionally the setup and finish
            templates. Without a command, a command that uses every parameter is made up,
            because the experiment rejects parameters that no template uses.

    Returns:
        The validated experiment.
    """
    body = {"tool_name": tool_name, "parameters": parameters, **templates}
    if "command_template_string" not in body:
        options = " ".join(f"--{p['name']}=${{{p['name']}}}" for p in parameters)
        body["command_template_string"] = f"{tool_name} {options}"
    return ExperimentSpec.model_validate(body)


def lognormal_noise(cost: CostFunction, sigma: float) -> MeasureFunction:
    """Return a measurement that multiplies the cost by ``exp(N(0, sigma^2))``.

    The factor has median 1, and ``sigma`` = 0.03 gives about 3 % spread.
    """

    def measure(configuration: Configuration, rng: np.random.Generator) -> float:
        return cost(configuration) * math.exp(rng.normal(0.0, sigma))

    return measure
