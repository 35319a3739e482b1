"""Objectives of a trial: the command's wall time, or a metric the tool prints."""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_PATTERN_CHARS = 1000


class _Spec(BaseModel):
    # Strict: "1" is not a number and true is not 1, as a JSON client would expect.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class MetricNotFound(ValueError):
    """The tool's output contains no usable objective value."""


class RuntimeObjective(_Spec):
    """The wall time of the command script in seconds, without setup and finish."""

    type: Literal["runtime"] = "runtime"
    direction: Literal["minimize"] = "minimize"

    def extract(self, output: str, runtime: float) -> float:
        return runtime


class RegexObjective(_Spec):
    """The number captured by the one group of ``pattern`` in the tool's output (last match)."""

    type: Literal["regex"]
    pattern: str = Field(min_length=1, max_length=MAX_PATTERN_CHARS)
    direction: Literal["minimize", "maximize"] = "minimize"

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str) -> str:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            message = f"pattern {pattern!r} is not a valid regular expression: {exc}"
            raise ValueError(message) from exc
        if compiled.groups != 1:
            raise ValueError(
                f"pattern {pattern!r} has {compiled.groups} groups; it needs exactly one"
            )
        return pattern

    def extract(self, output: str, runtime: float) -> float:
        matches = re.findall(self.pattern, output)
        if not matches:
            raise MetricNotFound(f"pattern {self.pattern!r} matched nothing in the output")
        return _finite_number(matches[-1], f"the value {matches[-1]!r} matched by the pattern")


class JsonObjective(_Spec):
    """The value of ``key`` in a JSON object printed on the last non-empty output line."""

    type: Literal["json"]
    key: str = Field(min_length=1, max_length=256)
    direction: Literal["minimize", "maximize"] = "minimize"

    def extract(self, output: str, runtime: float) -> float:
        document = last_line_json(output)
        if document is None:
            raise MetricNotFound("the last output line is not a JSON object")
        if self.key not in document:
            raise MetricNotFound(f"the JSON object on the last line has no key {self.key!r}")
        return _finite_number(document[self.key], f"the value of {self.key!r}")


Objective = Annotated[
    RuntimeObjective | RegexObjective | JsonObjective, Field(discriminator="type")
]


def _finite_number(raw: object, what: str) -> float:
    if isinstance(raw, bool):
        raise MetricNotFound(f"{what} is a boolean, not a number")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MetricNotFound(f"{what} is not a number: {str(raw)[:100]!r}") from None
    if not math.isfinite(value):
        raise MetricNotFound(f"{what} is not finite: {value!r}")
    return value


def last_line_json(output: str) -> dict | None:
    """Return the JSON object on the last non-empty line of ``output``, or ``None``."""
    for line in reversed(output.splitlines()):
        if line.strip():
            try:
                document = json.loads(line)
            except ValueError:
                return None
            return document if isinstance(document, dict) else None
    return None


def numeric_metrics(output: str) -> dict[str, float]:
    """Return every finite number in a JSON object on the last output line, by key."""
    document = last_line_json(output) or {}
    metrics: dict[str, float] = {}
    for key, value in document.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            metrics[str(key)[:128]] = float(value)
    return metrics
