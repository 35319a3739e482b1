"""Parsing and validating JSON request bodies into clear 400 responses."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

MAX_BODY_BYTES = 256 * 1024
MAX_NESTING = 32
MAX_INT_DIGITS = 30


class InvalidBody(Exception):
    """A request body that cannot be accepted; ``errors`` lists each problem."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON number")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is outside the range of a 64-bit float")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"the integer {text[:20]}... has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _max_depth(raw: str) -> int:
    """Return the bracket nesting depth of a JSON text, ignoring brackets inside strings.

    It runs before decoding, because the decoder recurses once per level and a
    deep enough document exhausts Python's stack.
    """
    depth = deepest = 0
    in_string = escaped = False
    for character in raw:
        if in_string:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in "]}":
            depth -= 1
    return deepest


def parse_json(raw: bytes | None, *, required: bool) -> Any:
    """Decode a JSON body; NaN, Infinity, oversized and deeply nested bodies are invalid."""
    if not raw:
        if required:
            raise InvalidBody("the request needs a JSON body")
        return None
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidBody(f"the body has {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"the body is not valid UTF-8: {exc}") from exc
    return parse_json_text(text)


def parse_json_text(text: str) -> Any:
    """Decode JSON text with the limits of :func:`parse_json` on depth, numbers and constants."""
    if _max_depth(text) > MAX_NESTING:
        raise InvalidBody(f"the body is nested deeper than {MAX_NESTING} levels")
    try:
        return json.loads(
            text, parse_constant=_reject_constant, parse_int=_parse_int, parse_float=_parse_float
        )
    except ValueError as exc:
        raise InvalidBody(f"the body is not valid JSON: {exc}") from exc


def validate(model: type[BaseModel], data: Any) -> BaseModel:
    """Validate ``data`` against ``model``; raise :class:`InvalidBody` naming fields and values."""
    # Imported here, so that routes without a body to validate never load pydantic.
    from pydantic import ValidationError

    from paropt.specs.errors import describe_errors, summarize

    if not isinstance(data, dict):
        raise InvalidBody(f"the body must be a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = describe_errors(exc)
        raise InvalidBody(summarize(errors), errors) from exc
