"""Pydantic models of the experiment and optimiser request bodies.

The models accept the bodies of the previous paropt service unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from paropt.templates import placeholders

MAX_TEMPLATE_CHARS = 64 * 1024
MAX_PARAMETERS = 64
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class NumericParameter(_Spec):
    """An integer or floating-point parameter with inclusive bounds."""

    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["int", "float"]
    # int | float keeps 10 as 10 in stored experiments and messages.
    minimum: int | float
    maximum: int | float

    @model_validator(mode="after")
    def _check_bounds(self) -> NumericParameter:
        if self.minimum > self.maximum:
            raise ValueError(
                f"parameter {self.name!r}: minimum {self.minimum!r} is above "
                f"maximum {self.maximum!r}"
            )
        if self.type == "int":
            for bound in ("minimum", "maximum"):
                value = getattr(self, bound)
                if not float(value).is_integer():
                    raise ValueError(
                        f"parameter {self.name!r}: {bound} {value!r} is not an integer, "
                        f"but the parameter has type 'int'"
                    )
        return self

    def cast(self, value: float) -> int | float:
        """Convert a raw value to the parameter's type, clipped to its bounds."""
        value = min(max(value, self.minimum), self.maximum)
        if self.type == "int":
            return int(round(value))
        return float(value)

    @property
    def low(self) -> int | float:
        return int(self.minimum) if self.type == "int" else self.minimum

    @property
    def high(self) -> int | float:
        return int(self.maximum) if self.type == "int" else self.maximum


Parameter = NumericParameter


class LocalCompute(_Spec):
    """Trials run on the runner's own host."""

    type: Literal["local"]
    max_threads: int = Field(default=1, ge=1, le=256)


class EC2Compute(_Spec):
    """Trials run on EC2 instances that the runner launches through Parsl."""

    type: Literal["ec2"]
    instance_model: str = Field(min_length=1, max_length=64)
    instance_family: str = Field(default="", max_length=64)
    ami: str = Field(pattern=r"^ami-[0-9a-f]{8,17}$")


Compute = Annotated[LocalCompute | EC2Compute, Field(discriminator="type")]


class ExperimentSpec(_Spec):
    """A tool, its parameters and the bash templates that run one trial."""

    tool_name: str = Field(min_length=1, max_length=128)
    parameters: list[Parameter] = Field(min_length=1, max_length=MAX_PARAMETERS)
    command_template_string: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)
    setup_template_string: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)
    finish_template_string: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)
    compute: Compute = Field(default_factory=lambda: LocalCompute(type="local"))

    @field_validator("parameters")
    @classmethod
    def _unique_names(cls, parameters: list[Parameter]) -> list[Parameter]:
        seen: set[str] = set()
        for parameter in parameters:
            if parameter.name in seen:
                raise ValueError(f"parameter name {parameter.name!r} is declared twice")
            seen.add(parameter.name)
        return parameters

    @model_validator(mode="after")
    def _check_placeholders(self) -> ExperimentSpec:
        declared = {parameter.name for parameter in self.parameters}
        used: set[str] = set()
        for field_name in self.template_fields():
            template = getattr(self, field_name)
            names = placeholders(template)
            unknown = sorted(names - declared)
            if unknown:
                raise ValueError(
                    f"{field_name} uses placeholder ${{{unknown[0]}}}, which names no "
                    f"parameter; declared parameters: {sorted(declared)}"
                )
            used |= names
        unused = sorted(declared - used)
        if unused:
            raise ValueError(
                f"parameter {unused[0]!r} is used by no template; add ${{{unused[0]}}} to "
                "a template or remove the parameter"
            )
        return self

    def template_fields(self) -> list[str]:
        """Return the names of the template fields that are set."""
        fields = ["command_template_string", "setup_template_string", "finish_template_string"]
        return [name for name in fields if getattr(self, name) is not None]

    def parameter(self, name: str) -> Parameter:
        """Return the parameter called ``name``."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"no parameter named {name!r}")

    def content_hash(self) -> str:
        """Return a SHA-256 digest of the canonical JSON form of the experiment."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class GridOptimizer(_Spec):
    """Exhaustive search over evenly spaced values of every parameter."""

    type: Literal["grid"]
    num_configs_per_param: int = Field(default=2, ge=1, le=1000)


class BayesOptimizer(_Spec):
    """Gaussian-process Bayesian optimisation (the bayesian-optimization package)."""

    type: Literal["bayesopt"]
    n_init: int = Field(default=2, ge=1, le=1000)
    n_iter: int = Field(default=2, ge=0, le=1000)
    random_seed: int | None = Field(default=None, ge=0)


OptimizerSpec = Annotated[GridOptimizer | BayesOptimizer, Field(discriminator="type")]


class RunRequest(_Spec):
    """The body of ``POST /experiments/<id>/trials``."""

    optimizer: OptimizerSpec = Field(
        default_factory=lambda: BayesOptimizer(type="bayesopt", n_init=2, n_iter=2)
    )


def grid_size(spec: ExperimentSpec, optimizer: GridOptimizer) -> int:
    """Return the number of distinct configurations in the grid, without building it."""
    size = 1
    for parameter in spec.parameters:
        size *= len(grid_values(parameter, optimizer.num_configs_per_param))
    return size


def grid_values(parameter: Parameter, count: int) -> list[int | float]:
    """Return up to ``count`` evenly spaced, distinct values of ``parameter``."""
    if parameter.minimum == parameter.maximum:
        return [parameter.cast(parameter.minimum)]
    if count == 1:
        return [parameter.cast((parameter.minimum + parameter.maximum) / 2)]
    step = (parameter.maximum - parameter.minimum) / (count - 1)
    values: list[int | float] = []
    for index in range(count):
        value = parameter.cast(parameter.minimum + index * step)
        if value not in values:
            values.append(value)
    return values


def finite(value: Any) -> bool:
    """Return whether ``value`` is a finite number."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
