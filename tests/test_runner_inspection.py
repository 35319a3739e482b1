"""Trials, which run as the runner's user, cannot read the runner's environment.

Root reads every process's files, so the check runs two processes as the
unprivileged user 65534: one plays the runner, the other the trial.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from paropt.runner import inspection

SETPRIV = shutil.which("setpriv")
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None or not sys.platform.startswith("linux"),
    reason="needs root, Linux and setpriv to run processes as another user",
)

# Started as the unprivileged user: optionally forbids inspection, prints a
# line when ready, then waits for its stdin to close.
RUNNER_STAND_IN = """
import sys
sys.path.insert(0, sys.argv[1])
import inspection
if sys.argv[2] == "forbid":
    assert inspection.forbid_inspection()
print(flush=True)
sys.stdin.read()
"""


def _as_nobody(*command: str) -> list[str]:
    return [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", *command]


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    # pytest's tmp_path lies under a folder that only root may enter.
    folder = Path(tempfile.mkdtemp(prefix="paropt-inspection-"))
    folder.chmod(0o755)
    shutil.copy(inspection.__file__, folder / "inspection.py")
    (folder / "stand_in.py").write_text(RUNNER_STAND_IN)
    probe = subprocess.run(_as_nobody(sys.executable, "-c", "pass"), capture_output=True)
    if probe.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip(f"user 65534 cannot run {sys.executable}: {probe.stderr.decode()[-200:]}")
    yield folder
    shutil.rmtree(folder)


def _trial_reads_environment(folder: Path, mode: str) -> subprocess.CompletedProcess:
    runner = subprocess.Popen(
        _as_nobody(sys.executable, str(folder / "stand_in.py"), str(folder), mode),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={"PATH": os.environ["PATH"], "PAROPT_TASK_TOKEN": "secret-token"},
    )
    try:
        runner.stdout.readline()
        return subprocess.run(
            _as_nobody("cat", f"/proc/{runner.pid}/environ"), capture_output=True, timeout=10
        )
    finally:
        runner.stdin.close()
        runner.wait(timeout=10)


def test_trial_reads_dumpable_runner_environment(shared_folder: Path) -> None:
    trial = _trial_reads_environment(shared_folder, "allow")
    assert trial.returncode == 0
    assert b"secret-token" in trial.stdout


def test_trial_cannot_read_guarded_runner_environment(shared_folder: Path) -> None:
    trial = _trial_reads_environment(shared_folder, "forbid")
    assert trial.returncode != 0
    assert b"secret-token" not in trial.stdout
    assert b"Permission denied" in trial.stderr
