"""Parsing and validating JSON request bodies into clear 400 answers."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

MAX_BODY_BYTES = 256 * 1024
MAX_NESTING = 32


class InvalidBody(Exception):
    """A request body that cannot be accepted; ``errors`` lists each problem."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON number")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    if isinstance(value, dict):
        return max((_depth(item, level + 1) for item in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(item, level + 1) for item in value), default=level + 1)
    return level


def parse_json(raw: bytes | None, *, required: bool) -> Any:
    """Decode a JSON body; NaN, Infinity, oversized and deeply nested bodies are invalid."""
    if not raw:
        if required:
            raise InvalidBody("the request needs a JSON body")
        return None
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidBody(f"the body has {len(raw)} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBody(f"the body is not valid JSON: {exc}") from exc
    if _depth(value) > MAX_NESTING:
        raise InvalidBody(f"the body is nested deeper than {MAX_NESTING} levels")
    return value


def _location(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def validate(model: type[BaseModel], data: Any) -> BaseModel:
    """Validate ``data`` against ``model``; raise :class:`InvalidBody` naming fields and values."""
    if not isinstance(data, dict):
        raise InvalidBody(f"the body must be a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            # Discriminated unions add the tag to the location; it names no field.
            loc = tuple(part for part in error["loc"] if part not in ("int", "float"))
            entry = {"field": _location(loc), "message": error["msg"]}
            if error["type"] != "missing":
                entry["value"] = error.get("input")
            errors.append(entry)
        first = errors[0]
        shown = (
            f" (got {json.dumps(first['value'], default=str)[:200]})" if "value" in first else ""
        )
        message = f"invalid {first['field']}: {first['message']}{shown}"
        raise InvalidBody(message, errors) from exc
