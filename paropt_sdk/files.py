"""Reading experiment and optimiser files in YAML or JSON, as the previous paropt SDK wrote them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paropt_sdk.errors import ParoptError


class InvalidInputFile(ParoptError):
    """An input file is missing, unreadable, or not a mapping in YAML or JSON."""


def load_document(path: Path) -> dict[str, Any]:
    """Read a JSON (``.json``) or YAML (any other name) file whose top level is a mapping.

    Raises:
        InvalidInputFile: The file is missing, unreadable or invalid, or a value
            has no JSON form (such as a YAML date).
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise InvalidInputFile(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InvalidInputFile(f"cannot read {path}: it is not UTF-8 text") from None
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidInputFile(f"{path} is not valid JSON: {exc}") from None
    else:
        # PyYAML is imported here only, so commands that read no file start faster.
        import yaml

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            detail = " ".join(str(exc).split())
            raise InvalidInputFile(f"{path} is not valid YAML: {detail}") from None
    if not isinstance(document, dict):
        raise InvalidInputFile(
            f"{path} must contain a mapping at the top level, not {type(document).__name__}"
        )
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputFile(
            f"{path} contains a value that JSON cannot represent: {exc}"
        ) from None
    return document


def load_experiment(path: Path) -> dict[str, Any]:
    """Read an experiment file: the body of ``POST /experiments``, unchanged."""
    return load_document(path)


def load_run(path: Path) -> dict[str, Any]:
    """Read an optimiser file and return the body of ``POST /experiments/<id>/trials``.

    A file with an ``optimizer`` key is the body itself, as the previous SDK's
    files are. A file with only the optimiser's settings, such as
    ``{type: grid, num_configs_per_param: 2}``, becomes ``{"optimizer": ...}``.
    """
    document = load_document(path)
    if "optimizer" in document:
        return document
    if "type" in document:
        return {"optimizer": document}
    raise InvalidInputFile(
        f"{path} has neither an 'optimizer' mapping nor an optimiser 'type'; "
        "write for example `optimizer: {type: grid, num_configs_per_param: 2}`"
    )
