"""Pydantic models of the experiment and run request bodies.

The models accept the bodies of the previous paropt service unchanged.
"""

from __future__ import annotations

import math
from typing import Any

from paropt.specs.experiment import (
    MAX_TEMPLATE_CHARS,
    Compute,
    EC2Compute,
    ExperimentSpec,
    FargateCompute,
    LocalCompute,
)
from paropt.specs.objective import (
    JsonObjective,
    MetricNotFound,
    Objective,
    RegexObjective,
    RuntimeObjective,
    numeric_metrics,
)
from paropt.specs.parameters import (
    BoolParameter,
    CategoricalParameter,
    ConstantParameter,
    NumericParameter,
    Parameter,
    ParameterModel,
    Value,
    grid_values,
    render_value,
)
from paropt.specs.run import (
    AutoOptimizer,
    BayesOptimizer,
    CoordinateOptimizer,
    GridOptimizer,
    OptimizerSpec,
    RandomOptimizer,
    RunRequest,
    StoppingRules,
    TPEOptimizer,
)


def grid_size(spec: ExperimentSpec, optimizer: GridOptimizer) -> int:
    """Return the number of distinct configurations in the grid, without building it."""
    size = 1
    for parameter in spec.parameters:
        size *= len(grid_values(parameter, optimizer.count_for(parameter.name)))
    return size


def finite(value: Any) -> bool:
    """Return whether ``value`` is a finite number."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


__all__ = [
    "MAX_TEMPLATE_CHARS",
    "AutoOptimizer",
    "BayesOptimizer",
    "BoolParameter",
    "CategoricalParameter",
    "Compute",
    "ConstantParameter",
    "CoordinateOptimizer",
    "EC2Compute",
    "ExperimentSpec",
    "FargateCompute",
    "GridOptimizer",
    "JsonObjective",
    "LocalCompute",
    "MetricNotFound",
    "NumericParameter",
    "Objective",
    "OptimizerSpec",
    "Parameter",
    "ParameterModel",
    "RandomOptimizer",
    "RegexObjective",
    "RunRequest",
    "RuntimeObjective",
    "StoppingRules",
    "TPEOptimizer",
    "Value",
    "finite",
    "grid_size",
    "grid_values",
    "numeric_metrics",
    "render_value",
]
