"""Fixtures of the client tests: a local stack started as `make local` starts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

STACK_START_SECONDS = 90
# The console script that `pip install -e .` creates next to the interpreter.
PAROPT = Path(sys.executable).with_name("paropt")


@dataclass
class LocalStackProcess:
    """A running local stack and the file it wrote."""

    process: subprocess.Popen
    info_path: Path
    info: dict


def start_local_stack(state_dir: Path) -> LocalStackProcess:
    """Start ``python -m infra.local_stack`` with its own state folder and wait for its file."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAROPT_")}
    log = open(state_dir / "stack.log", "wb")  # noqa: SIM115 - closed by stop_local_stack
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local_stack",
            "--state-dir",
            str(state_dir),
            "--heartbeat-seconds",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()

    info_path = state_dir / "local-stack.json"
    deadline = time.monotonic() + STACK_START_SECONDS
    while not info_path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not info_path.exists():
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(
            f"the local stack did not start: {(state_dir / 'stack.log').read_text()[-2000:]}"
        )

    # The file is written in one piece, but give the writer a moment to close it.
    time.sleep(0.2)
    return LocalStackProcess(process, info_path, json.loads(info_path.read_text()))


def stop_local_stack(stack: LocalStackProcess) -> None:
    """Stop the stack with SIGTERM, as Ctrl-C would, and kill its group if it hangs."""
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGTERM)
        try:
            stack.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait()


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """A local stack for the test module, with a 5 s heartbeat."""
    stack = start_local_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield stack
    finally:
        stop_local_stack(stack)


def paropt(
    stack: LocalStackProcess, config_dir: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run the installed ``paropt`` command with the stack's file and a private config folder."""
    assert PAROPT.exists(), f"{PAROPT} is missing; run `make venv` to install the project"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAROPT_")}
    env["PAROPT_CONFIG_DIR"] = str(config_dir)
    env["PAROPT_LOCAL_FILE"] = str(stack.info_path)
    return subprocess.run(
        [str(PAROPT), *args],
        cwd=ROOT,
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_error_line(result: subprocess.CompletedProcess, expected: str) -> None:
    """Check that stderr has exactly one error line, containing ``expected``, and no traceback."""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("paropt")]
    assert len(errors) == 1, result.stderr
    assert expected in errors[0]
