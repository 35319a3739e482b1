"""Parameter types of an experiment's search space.

Every type offers the same operations, so optimisers treat them alike:
``normalize`` (the canonical value, used for equality), ``grid_values``,
``sample``, ``size`` (``None`` for a continuous range) and ``render`` (the
shell-safe text that replaces the placeholder).
"""

from __future__ import annotations

import math
import random
import re
import shlex
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
MAX_CATEGORIES = 1000
MAX_STRING_VALUE_CHARS = 1024
# Strings made only of these characters are passed to bash as they are. Any other
# string is quoted as one word, so `;`, `$(...)`, backticks, quotes and newlines
# in a value are never executed.
SHELL_SAFE = re.compile(r"^[A-Za-z0-9_.,:/=+@%^-]+$")

Value = bool | int | float | str
# Bounds beyond this lose the precision that evenly spaced values and the
# difference maximum - minimum need in 64-bit floats.
MAX_BOUND = 1e15


class _Spec(BaseModel):
    # Strict: "1" is not a number and true is not 1, as a JSON client would expect.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def render_string(value: str) -> str:
    """Return ``value`` as bash text: itself when it is shell-safe, else one quoted word."""
    return value if SHELL_SAFE.match(value) else shlex.quote(value)


def render_value(value: Value) -> str:
    """Return the text of any parameter value as it appears in a script."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the same float.
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return render_string(value)


class NumericParameter(_Spec):
    """An integer or floating-point parameter with inclusive bounds, optionally log-scaled."""

    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["int", "float"]
    minimum: float
    maximum: float
    log: bool = False

    @field_serializer("minimum", "maximum")
    def _serialize_bound(self, value: float) -> int | float:
        # Bounds of an int parameter are stored and shown as integers: 10, not 10.0.
        return int(value) if self.type == "int" and value.is_integer() else value

    @model_validator(mode="after")
    def _check_bounds(self) -> NumericParameter:
        for bound in ("minimum", "maximum"):
            value = getattr(self, bound)
            if abs(value) > MAX_BOUND:
                raise ValueError(
                    f"parameter {self.name!r}: {bound} {_show(value)} is outside "
                    f"[-{MAX_BOUND:g}, {MAX_BOUND:g}]"
                )
        if self.minimum > self.maximum:
            raise ValueError(
                f"parameter {self.name!r}: minimum {_show(self.minimum)} is above "
                f"maximum {_show(self.maximum)}"
            )
        if self.log and self.minimum <= 0:
            raise ValueError(
                f"parameter {self.name!r}: a log range needs a positive minimum, "
                f"got {_show(self.minimum)}"
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

    @property
    def low(self) -> int | float:
        return int(self.minimum) if self.type == "int" else float(self.minimum)

    @property
    def high(self) -> int | float:
        return int(self.maximum) if self.type == "int" else float(self.maximum)

    def cast(self, value: float) -> int | float:
        """Convert a raw number to the parameter's type, clipped to its bounds."""
        value = min(max(float(value), self.minimum), self.maximum)
        if self.type == "int":
            return int(round(value))
        return float(value)

    def normalize(self, value: Value) -> int | float:
        if isinstance(value, str):
            raise ValueError(f"parameter {self.name!r} takes numbers, got {value!r}")
        return self.cast(float(value))

    def size(self) -> int | None:
        if self.type == "int":
            return int(self.maximum) - int(self.minimum) + 1
        return 1 if self.minimum == self.maximum else None

    def to_unit(self, value: float) -> float:
        """Map a value of the range to [0, 1], on a log scale for log parameters."""
        if self.minimum == self.maximum:
            return 0.5
        if self.log:
            low, high = math.log(self.minimum), math.log(self.maximum)
            return (math.log(value) - low) / (high - low)
        return (value - self.minimum) / (self.maximum - self.minimum)

    def from_unit(self, position: float) -> int | float:
        """Map a position in [0, 1] to a value of the range (the inverse of :meth:`to_unit`)."""
        position = min(max(position, 0.0), 1.0)
        if self.log:
            low, high = math.log(self.minimum), math.log(self.maximum)
            return self.cast(math.exp(low + position * (high - low)))
        return self.cast(self.minimum + position * (self.maximum - self.minimum))

    def grid_values(self, count: int) -> list[Value]:
        if self.minimum == self.maximum:
            return [self.cast(self.minimum)]
        if count == 1:
            return [self.from_unit(0.5)]
        values: list[Value] = []
        for index in range(count):
            value = self.from_unit(index / (count - 1))
            if value not in values:
                values.append(value)
        return values

    def sample(self, rng: random.Random) -> int | float:
        if self.type == "int" and not self.log:
            return rng.randint(self.low, self.high)
        if self.type == "int":
            # Log-uniform over the integers: the floor of exp(U(log min, log(max + 1))).
            position = rng.uniform(math.log(self.minimum), math.log(self.maximum + 1))
            return self.cast(math.floor(math.exp(position)))
        return self.from_unit(rng.random())

    def render(self, value: Value) -> str:
        return render_value(self.normalize(value))


class CategoricalParameter(_Spec):
    """A parameter that takes one of a list of values (strings or numbers)."""

    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["categorical"]
    values: list[Annotated[str, Field(max_length=MAX_STRING_VALUE_CHARS)] | int | float] = Field(
        min_length=1, max_length=MAX_CATEGORIES
    )

    @field_validator("values", mode="before")
    @classmethod
    def _no_bools(cls, values: object) -> object:
        # Checked before validation, which would turn true and false into 1 and 0.
        if isinstance(values, list):
            for value in values:
                if isinstance(value, bool):
                    raise ValueError(f"categorical value {value!r}: use a 'bool' parameter instead")
        return values

    @field_validator("values")
    @classmethod
    def _unique(cls, values: list) -> list:
        seen: list = []
        for value in values:
            if any(type(value) is type(item) and value == item for item in seen):
                raise ValueError(f"categorical value {value!r} is listed twice")
            seen.append(value)
        return values

    def normalize(self, value: Value) -> Value:
        # A value of the same type comes first, so 1 and 1.0 stay distinct categories.
        for candidate in self.values:
            if type(candidate) is type(value) and candidate == value:
                return candidate
        for candidate in self.values:
            if candidate == value and isinstance(candidate, str) == isinstance(value, str):
                return candidate
        raise ValueError(f"parameter {self.name!r}: {value!r} is not one of {self.values}")

    def size(self) -> int:
        return len(self.values)

    def grid_values(self, count: int) -> list[Value]:
        return list(self.values)

    def sample(self, rng: random.Random) -> Value:
        return rng.choice(self.values)

    def index(self, value: Value) -> int:
        return self.values.index(self.normalize(value))

    def render(self, value: Value) -> str:
        return render_value(self.normalize(value))


class BoolParameter(_Spec):
    """A parameter that is ``true`` or ``false``; scripts see those two words."""

    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["bool"]

    @property
    def values(self) -> list[bool]:
        return [False, True]

    def normalize(self, value: Value) -> bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"parameter {self.name!r} is a bool, got {value!r}")

    def size(self) -> int:
        return 2

    def grid_values(self, count: int) -> list[Value]:
        return [False, True]

    def sample(self, rng: random.Random) -> bool:
        return rng.random() < 0.5

    def index(self, value: Value) -> int:
        return int(self.normalize(value))

    def render(self, value: Value) -> str:
        return render_value(self.normalize(value))


class ConstantParameter(_Spec):
    """A fixed value, substituted like a parameter but never searched."""

    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["constant"]
    value: Annotated[str, Field(max_length=MAX_STRING_VALUE_CHARS)] | int | float | bool

    def normalize(self, value: Value) -> Value:
        return self.value

    def size(self) -> int:
        return 1

    def grid_values(self, count: int) -> list[Value]:
        return [self.value]

    def sample(self, rng: random.Random) -> Value:
        return self.value

    def render(self, value: Value) -> str:
        return render_value(self.value)


Parameter = Annotated[
    NumericParameter | CategoricalParameter | BoolParameter | ConstantParameter,
    Field(discriminator="type"),
]
ParameterModel = NumericParameter | CategoricalParameter | BoolParameter | ConstantParameter


def grid_values(parameter: ParameterModel, count: int) -> list[Value]:
    """Return up to ``count`` evenly spaced, distinct values of ``parameter``."""
    return parameter.grid_values(count)
