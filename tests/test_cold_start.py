"""Importing the Chalice app loads none of the optimiser stack and defers pydantic."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("bayes_opt", "sklearn", "scipy", "numpy", "optuna", "parsl")
# Loaded by the routes that validate a body or a stored spec, on their first request.
DEFERRED = ("pydantic", "pydantic_core", "paropt.specs")


def _modules_after_app_import() -> set[str]:
    script = (
        "import json, sys; sys.path.insert(0, 'api'); import app; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = {**os.environ, "PAROPT_AUTH_MODE": "gateway"}
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(output.strip().splitlines()[-1]))


def test_app_import_loads_no_optimizer_stack() -> None:
    packages = {name.split(".")[0] for name in _modules_after_app_import()}
    for package in HEAVY:
        assert package not in packages


def test_app_import_defers_request_models() -> None:
    modules = _modules_after_app_import()
    for module in DEFERRED:
        assert module not in modules
