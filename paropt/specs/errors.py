"""Readable descriptions of validation errors: the field, the problem and the value."""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import ValidationError

# Tags of the discriminated unions. Pydantic puts the chosen tag into an error's
# location, where it names no field of the body.
UNION_TAGS = {
    "int",
    "float",
    "categorical",
    "bool",
    "constant",
    "local",
    "ec2",
    "fargate",
    "grid",
    "random",
    "bayesopt",
    "tpe",
    "coordinate",
    "auto",
    "runtime",
    "regex",
    "json",
    "str",
}


def field_path(loc: tuple) -> str:
    """Return a location such as ``parameters[0].minimum`` for an error location tuple."""
    path = ""
    for part in loc:
        # Union members without a tag appear as names such as "constrained-int"
        # or "dict[str,int]", which are not identifiers and name no field either.
        if part in UNION_TAGS or (isinstance(part, str) and not part.isidentifier()):
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


MAX_SHOWN_CHARS = 200


def _shown_value(value: Any) -> Any:
    """Return ``value`` as it can appear in a JSON response: finite, with long text cut."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and len(value) > MAX_SHOWN_CHARS:
        return value[:MAX_SHOWN_CHARS] + f"... ({len(value)} characters)"
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        if len(text) > MAX_SHOWN_CHARS:
            return text[:MAX_SHOWN_CHARS] + f"... ({len(text)} characters)"
    return value


def describe_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Return one entry per problem, each with ``field``, ``message`` and, if any, ``value``."""
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    # A union reports one error per member; the deepest location is the most specific.
    ranked = sorted(exc.errors(include_url=False), key=lambda error: -len(error["loc"]))
    for error in ranked:
        entry: dict[str, Any] = {"field": field_path(error["loc"]), "message": error["msg"]}
        if (entry["field"], entry["message"]) in seen:
            continue
        seen.add((entry["field"], entry["message"]))
        if error["type"] != "missing" and entry["field"] != "body":
            entry["value"] = _shown_value(error.get("input"))
        errors.append(entry)
    return errors


def summarize(errors: list[dict[str, Any]]) -> str:
    """Return one line naming the first problem's field, message and value."""
    first = errors[0]
    shown = ""
    if "value" in first:
        shown = f" (got {json.dumps(first['value'], default=str)[:200]})"
    more = f"; {len(errors) - 1} more problem(s) in 'errors'" if len(errors) > 1 else ""
    return f"invalid {first['field']}: {first['message']}{shown}{more}"
