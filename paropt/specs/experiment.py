"""The experiment: a tool, its search space, its templates, objective and compute."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from paropt.specs.objective import Objective, RuntimeObjective
from paropt.specs.parameters import Parameter, ParameterModel
from paropt.templates import placeholders

MAX_TEMPLATE_CHARS = 64 * 1024
MAX_PARAMETERS = 64
MAX_REPEATS = 100
MAX_TRIAL_TIMEOUT_SECONDS = 7 * 24 * 3600


class _Spec(BaseModel):
    # Strict: "1" is not a number and true is not 1, as a JSON client would expect.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class LocalCompute(_Spec):
    """Trials run on the runner's own host."""

    type: Literal["local"]
    max_threads: int = Field(default=1, ge=1, le=256)


class EC2Compute(_Spec):
    """Trials run on EC2 instances that the runner launches through Parsl."""

    type: Literal["ec2"]
    instance_model: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+\.[a-z0-9]+$")
    # Kept for the previous service's bodies; the instance type alone decides.
    instance_family: str = Field(default="", max_length=64)
    ami: str = Field(pattern=r"^ami-[0-9a-f]{8,17}$")
    # The AMI must run Python 3.11 with Parsl and this package; worker_init runs
    # first on each instance and may install them.
    worker_init: str = Field(default="", max_length=MAX_TEMPLATE_CHARS)
    key_name: str | None = Field(default=None, max_length=255)


# Fargate's valid task sizes: memory in MiB allowed for each cpu value in units
# (1024 units = 1 vCPU), from the AWS Fargate task size table.
FARGATE_MEMORY = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}


class FargateCompute(_Spec):
    """Trials run inside the runner's own Fargate task, sized by ``cpu`` and ``memory``."""

    type: Literal["fargate"]
    cpu: int = 1024
    memory: int = 2048

    @model_validator(mode="after")
    def _check_size(self) -> FargateCompute:
        if self.cpu not in FARGATE_MEMORY:
            raise ValueError(
                f"cpu {self.cpu} is not a Fargate size; use one of {list(FARGATE_MEMORY)}"
            )
        allowed = FARGATE_MEMORY[self.cpu]
        if self.memory not in allowed:
            step = allowed[1] - allowed[0]
            raise ValueError(
                f"memory {self.memory} MiB does not fit cpu {self.cpu}; use {allowed[0]} "
                f"to {allowed[-1]} MiB in steps of {step}"
            )
        return self


Compute = Annotated[LocalCompute | FargateCompute | EC2Compute, Field(discriminator="type")]


class ExperimentSpec(_Spec):
    """A tool, its parameters and the bash templates that run one trial."""

    tool_name: str = Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
    parameters: list[Parameter] = Field(min_length=1, max_length=MAX_PARAMETERS)
    command_template_string: str = Field(min_length=1, max_length=MAX_TEMPLATE_CHARS)
    setup_template_string: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)
    finish_template_string: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)
    compute: Compute = Field(default_factory=lambda: LocalCompute(type="local"))
    objective: Objective = Field(default_factory=RuntimeObjective)
    # Each configuration is measured this many times and scored by the median.
    repeats: int = Field(default=1, ge=1, le=MAX_REPEATS)
    # Seconds each script of a trial may run before its process group is killed.
    timeout: float | None = Field(default=None, gt=0, le=MAX_TRIAL_TIMEOUT_SECONDS)
    # Concurrent trials on one node distort each other's wall times, so a run may
    # use parallelism above 1 on one node only when this is set.
    allow_shared_node: bool = False

    @field_validator("tool_name")
    @classmethod
    def _readable_tool_name(cls, tool_name: str) -> str:
        if not tool_name.strip():
            raise ValueError(f"invalid tool_name {tool_name!r}: it must not be blank")
        # Format characters (Unicode category Cf) include the bidirectional
        # overrides, which make a name display as other text ("safe\u202egnp.exe").
        hidden = sorted({f"U+{ord(c):04X}" for c in tool_name if unicodedata.category(c) == "Cf"})
        if hidden:
            raise ValueError(
                f"invalid tool_name {tool_name!r}: it contains invisible format characters "
                f"{', '.join(hidden)}; remove them"
            )
        return tool_name

    @field_validator("parameters")
    @classmethod
    def _unique_names(cls, parameters: list[ParameterModel]) -> list[ParameterModel]:
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
            # ${UPPER_CASE} names that are not parameters are environment variables
            # for bash, such as ${HOME}; any other unknown name is most likely a typo.
            unknown = sorted(name for name in names - declared if not name.isupper())
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

    def parameter(self, name: str) -> ParameterModel:
        """Return the parameter called ``name``."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"no parameter named {name!r}")

    @property
    def searched(self) -> list[ParameterModel]:
        """The parameters that take more than one value."""
        return [p for p in self.parameters if p.type != "constant"]

    def space_size(self) -> int | None:
        """Return the number of distinct configurations, or ``None`` if a float range is open."""
        size = 1
        for parameter in self.parameters:
            count = parameter.size()
            if count is None:
                return None
            size *= count
        return size

    def content_hash(self) -> str:
        """Return a SHA-256 digest of the canonical JSON form of the experiment."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
