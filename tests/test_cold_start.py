"""Importing the Chalice app loads none of the optimiser stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("bayes_opt", "sklearn", "scipy", "numpy", "optuna", "parsl")


def test_app_import_loads_no_optimizer_stack() -> None:
    script = (
        "import json, sys; sys.path.insert(0, 'api'); import app; "
        "print(json.dumps(sorted(name.split('.')[0] for name in sys.modules)))"
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
    loaded = set(json.loads(output.strip().splitlines()[-1]))
    for package in HEAVY:
        assert package not in loaded
