"""Execution of one trial: the setup, command and finish scripts in a fresh directory."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from paropt.storage.models import OUTPUT_TAIL_BYTES, utc_now

# Metrics are read from the end of each repeat's output, up to this many bytes.
REPEAT_OUTPUT_BYTES = 64 * 1024

_running_lock = threading.Lock()
_running: set[subprocess.Popen] = set()


@dataclass(frozen=True)
class TrialScripts:
    """The rendered bash scripts of one trial."""

    command: str
    setup: str | None = None
    finish: str | None = None


@dataclass(frozen=True)
class TrialResult:
    """Measurements of one trial.

    ``runtime`` is the wall time of the command script in seconds, without the setup
    and finish scripts. It is ``None`` unless all three scripts exited with status 0.
    """

    status: str
    runtime: float | None
    exit_code: int | None
    reason: str | None
    output_tail: str
    started_at: str
    ended_at: str
    # Command wall time and output tail of each repeat, when every script succeeded.
    runtimes: tuple[float, ...] = ()
    outputs: tuple[str, ...] = ()


class _ScriptFailed(Exception):
    def __init__(self, status: str, exit_code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.exit_code = exit_code
        self.reason = reason


def kill_running_trials() -> int:
    """Kill the process group of every script that is running now; return how many."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        _kill_group(process)
    return len(processes)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# Variables removed from a trial script's environment, because the runner's
# credentials, task token and service settings must not reach a user's tool.
_PRIVATE_PREFIXES = ("PAROPT_", "AWS_", "ECS_CONTAINER_METADATA")


def trial_environment() -> dict[str, str]:
    """Return the runner's environment without its credentials and service settings."""
    return {
        name: value for name, value in os.environ.items() if not name.startswith(_PRIVATE_PREFIXES)
    }


def _run_script(
    name: str, script: str, workdir: str, log, timeout: float | None
) -> tuple[float, int]:
    path = os.path.join(workdir, f"{name}.sh")
    with open(path, "w") as handle:
        handle.write(script)
    log.write(f"--- {name} ---\n".encode())
    log.flush()
    # A new session makes the script the leader of its own process group, so a
    # timeout or a stop kills the tool's child processes too.
    start = time.perf_counter()
    process = subprocess.Popen(
        ["bash", path],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        env=trial_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    with _running_lock:
        _running.add(process)
    try:
        exit_code = process.wait(timeout=timeout)
        elapsed = time.perf_counter() - start
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        process.wait()
        raise _ScriptFailed(
            "timed_out", None, f"{name} script timed out after {timeout:g} s"
        ) from exc
    finally:
        with _running_lock:
            _running.discard(process)
        # Background processes the script left behind would disturb the next trial.
        _kill_group(process)
    if exit_code < 0:
        raise _ScriptFailed("failed", exit_code, f"{name} script was killed by signal {-exit_code}")
    if exit_code != 0:
        raise _ScriptFailed("failed", exit_code, f"{name} script exited with status {exit_code}")
    return elapsed, exit_code


def _read_tail(path: str, start: int = 0, limit: int = OUTPUT_TAIL_BYTES) -> str:
    """Return at most the last ``limit`` bytes of the file from offset ``start`` on."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(max(start, size - limit))
        data = handle.read(limit)
    return data.decode("utf-8", errors="replace")


def run_trial(
    scripts: TrialScripts, *, timeout: float | None = None, repeats: int = 1
) -> TrialResult:
    """Run the scripts of one trial in a new temporary directory and time the command.

    The setup script runs once; then the command and finish scripts run ``repeats``
    times. The output of every script goes to a file in that directory, so a very
    talkative tool does not grow the runner's memory: only the last
    ``OUTPUT_TAIL_BYTES`` bytes are kept as the trial's output, and the last
    ``REPEAT_OUTPUT_BYTES`` bytes of each repeat are kept for reading metrics. The
    directory is removed afterwards.
    """
    workdir = tempfile.mkdtemp(prefix="paropt-trial-")
    log_path = os.path.join(workdir, ".paropt-output.log")
    started_at = utc_now()
    runtimes: list[float] = []
    outputs: list[str] = []
    exit_code: int | None = None
    status = "succeeded"
    reason: str | None = None
    try:
        with open(log_path, "wb") as log:
            try:
                if scripts.setup:
                    _run_script("setup", scripts.setup, workdir, log, timeout)
                for _ in range(repeats):
                    log.flush()
                    start = os.path.getsize(log_path)
                    runtime, exit_code = _run_script(
                        "command", scripts.command, workdir, log, timeout
                    )
                    if scripts.finish:
                        _run_script("finish", scripts.finish, workdir, log, timeout)
                    log.flush()
                    runtimes.append(runtime)
                    outputs.append(_read_tail(log_path, start, REPEAT_OUTPUT_BYTES))
            except _ScriptFailed as failure:
                status, exit_code, reason = failure.status, failure.exit_code, failure.reason
        output_tail = _read_tail(log_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    succeeded = status == "succeeded"
    return TrialResult(
        status=status,
        runtime=runtimes[-1] if succeeded and runtimes else None,
        exit_code=exit_code,
        reason=reason,
        output_tail=output_tail,
        started_at=started_at,
        ended_at=utc_now(),
        runtimes=tuple(runtimes) if succeeded else (),
        outputs=tuple(outputs) if succeeded else (),
    )
