"""Measure how long importing the Chalice app takes in a fresh interpreter.

Run: ``.venv/bin/python -m benchmarks.cold_start [--runs N]``. Each run starts a
new interpreter with ``-X importtime`` and reads the cumulative import time of
the ``app`` module, so interpreter start-up itself is not counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def import_microseconds() -> int:
    """Return the cumulative import time of ``api/app.py`` in one fresh interpreter."""
    env = {**os.environ, "PAROPT_AUTH_MODE": "gateway"}
    stderr = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "import sys; sys.path.insert(0, 'api'); import app",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    lines = [line for line in stderr.splitlines() if line.rstrip().endswith("| app")]
    return int(lines[-1].split("|")[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="fresh interpreters to time")
    args = parser.parse_args()
    samples = sorted(import_microseconds() / 1000 for _ in range(args.runs))
    print(
        f"app import over {args.runs} runs: median {statistics.median(samples):.0f} ms, "
        f"min {samples[0]:.0f} ms, max {samples[-1]:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
