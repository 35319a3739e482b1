"""Substitution of ``${name}`` placeholders in the bash templates of an experiment."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# A placeholder is ``${identifier}``. Shell forms such as ``$VAR``, ``${VAR:-x}`` or
# ``awk '{print $1}'`` do not match and are left for bash, and so is a placeholder
# that names no declared parameter.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(template: str) -> set[str]:
    """Return the names of all ``${name}`` placeholders in ``template``."""
    return set(PLACEHOLDER.findall(template))


def format_value(value: object) -> str:
    """Format a parameter value as it appears in a script; an ``int`` never gets a decimal point.

    Strings outside a safe character set become one single-quoted word.
    """
    from paropt.specs.parameters import render_value

    return render_value(value)  # type: ignore[arg-type]


def render(template: str, values: Mapping[str, object], declared: Iterable[str]) -> str:
    """Replace the placeholders of declared parameters in ``template`` with their values.

    Placeholders naming anything other than a declared parameter stay as they are, so
    bash still expands ``${HOME}`` and similar variables.
    """
    names = set(declared)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            return match.group(0)
        return format_value(values[name])

    return PLACEHOLDER.sub(substitute, template)
