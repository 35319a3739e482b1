"""Running the bash scripts of one trial with real processes."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from paropt.runner.trial import TrialResult, TrialScripts, kill_running_trials, run_trial
from paropt.storage.models import OUTPUT_TAIL_BYTES

# Upper bound for steps that take milliseconds, generous enough for a loaded machine.
SLOW_SECONDS = 10.0


def process_gone(pid: int) -> bool:
    """Return whether ``pid`` has exited, counting an unreaped zombie as exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    # The state follows the command name, which is in brackets and may contain spaces.
    state = stat.rsplit(")", 1)[1].split()[0]
    return state in ("Z", "X")


def wait_until(condition, timeout: float = SLOW_SECONDS) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def working_directory(result: TrialResult) -> str:
    """Return the trial directory that a script printed with ``pwd``."""
    lines = [line for line in result.output_tail.splitlines() if "paropt-trial-" in line]
    assert lines, f"no trial directory in output: {result.output_tail!r}"
    return lines[-1].strip()


def test_trial_succeeds() -> None:
    result = run_trial(TrialScripts(command="echo hello"))
    assert result.status == "succeeded"
    assert result.exit_code == 0
    assert result.reason is None
    assert "hello" in result.output_tail
    assert result.runtime is not None
    assert result.runtime >= 0
    assert result.started_at <= result.ended_at


def test_trial_runtime_excludes_setup_and_finish() -> None:
    result = run_trial(TrialScripts(setup="sleep 0.5", command="true", finish="sleep 0.5"))
    assert result.status == "succeeded"
    assert result.runtime is not None
    assert result.runtime < 0.45


def test_trial_runtime_includes_command() -> None:
    result = run_trial(TrialScripts(command="sleep 0.3"))
    assert result.runtime is not None
    assert result.runtime >= 0.3


def test_trial_scripts_share_directory() -> None:
    scripts = TrialScripts(
        setup="echo data > input.txt",
        command="cat input.txt > output.txt",
        finish="echo finish read $(cat output.txt)",
    )
    result = run_trial(scripts)
    assert result.status == "succeeded"
    assert "finish read data" in result.output_tail


def test_trial_output_of_all_scripts() -> None:
    scripts = TrialScripts(
        setup="echo from-setup", command="echo from-command >&2", finish="echo from-finish"
    )
    result = run_trial(scripts)
    assert "from-setup" in result.output_tail
    assert "from-command" in result.output_tail
    assert "from-finish" in result.output_tail


def test_trial_nonzero_exit() -> None:
    result = run_trial(TrialScripts(command="echo about to fail; exit 3"))
    assert result.status == "failed"
    assert result.exit_code == 3
    assert result.runtime is None
    assert "exited with status 3" in result.reason
    assert "about to fail" in result.output_tail


def test_trial_setup_failure_skips_command(tmp_path: Path) -> None:
    marker = tmp_path / "command-ran"
    result = run_trial(TrialScripts(setup="exit 4", command=f"touch '{marker}'"))
    assert result.status == "failed"
    assert result.exit_code == 4
    assert "setup script" in result.reason
    assert not marker.exists()


def test_trial_finish_failure() -> None:
    result = run_trial(TrialScripts(command="true", finish="exit 5"))
    assert result.status == "failed"
    assert result.exit_code == 5
    assert "finish script" in result.reason
    assert result.runtime is None


def test_trial_output_tail_bounded() -> None:
    # 100 000 bytes of output, then a last line that the tail has to keep.
    command = "head -c 100000 /dev/zero | tr '\\0' x; echo; echo LAST-LINE"
    result = run_trial(TrialScripts(setup="echo SETUP-OUTPUT", command=command))
    assert result.status == "succeeded"
    assert len(result.output_tail.encode()) <= OUTPUT_TAIL_BYTES
    assert len(result.output_tail) > OUTPUT_TAIL_BYTES // 2
    assert result.output_tail.rstrip().endswith("LAST-LINE")
    assert "SETUP-OUTPUT" not in result.output_tail


def test_trial_timeout_kills_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    command = f"sleep 30 &\necho $! > '{pid_file}'\npwd\nsleep 30\n"
    started = time.monotonic()
    result = run_trial(TrialScripts(command=command), timeout=1)
    elapsed = time.monotonic() - started
    assert result.status == "timed_out"
    assert result.exit_code is None
    assert result.runtime is None
    assert "timed out after 1 s" in result.reason
    assert elapsed < SLOW_SECONDS
    child = int(pid_file.read_text())
    assert wait_until(lambda: process_gone(child)), f"child process {child} still running"
    assert not os.path.exists(working_directory(result))


def test_trial_background_child_killed(tmp_path: Path) -> None:
    # A command that exits but leaves a process behind must not leak it into the next trial.
    pid_file = tmp_path / "child.pid"
    result = run_trial(TrialScripts(command=f"sleep 30 &\necho $! > '{pid_file}'\n"))
    assert result.status == "succeeded"
    child = int(pid_file.read_text())
    assert wait_until(lambda: process_gone(child)), f"child process {child} still running"


def test_trial_directory_removed() -> None:
    result = run_trial(TrialScripts(command="pwd"))
    directory = working_directory(result)
    assert os.path.basename(directory).startswith("paropt-trial-")
    assert not os.path.exists(directory)


def test_trial_directory_removed_after_failure() -> None:
    result = run_trial(TrialScripts(command="pwd; exit 1"))
    assert result.status == "failed"
    assert not os.path.exists(working_directory(result))


def test_trial_kill_running_trials(tmp_path: Path) -> None:
    started_file = tmp_path / "started"
    command = f"touch '{started_file}'\nsleep 30\n"
    results: list[TrialResult] = []
    worker = threading.Thread(
        target=lambda: results.append(run_trial(TrialScripts(command=command)))
    )
    worker.start()
    try:
        assert wait_until(started_file.exists), "trial command never started"
        started = time.monotonic()
        killed = kill_running_trials()
        worker.join(timeout=SLOW_SECONDS)
        elapsed = time.monotonic() - started
    finally:
        # Never leave the 30-second sleep behind if an assert above failed.
        kill_running_trials()
        worker.join(timeout=SLOW_SECONDS)
    assert killed == 1
    assert not worker.is_alive()
    assert elapsed < SLOW_SECONDS
    assert len(results) == 1
    assert results[0].status == "failed"
    assert results[0].exit_code == -9
    assert "killed by signal 9" in results[0].reason


def test_kill_running_trials_none_running() -> None:
    assert kill_running_trials() == 0
