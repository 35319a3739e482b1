"""The local stack keeps experiments, trials and jobs across a stop and a start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from infra.local_token import local_id_token
from tests.conftest import ROOT


def _start(state_dir: Path) -> tuple[subprocess.Popen, dict]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAROPT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local_stack", "--state-dir", str(state_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    info_path = state_dir / "local-stack.json"
    deadline = time.monotonic() + 90
    while not info_path.exists() and time.monotonic() < deadline:
        assert process.poll() is None, "the local stack exited during start"
        time.sleep(0.2)
    time.sleep(0.2)
    return process, json.loads(info_path.read_text())


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def _session(info: dict) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {local_id_token(info)}"
    session.headers["X-Paropt-Local-Key"] = info["local_key"]
    return session


def test_local_stack_data_survives_restart(tmp_path: Path) -> None:
    process, info = _start(tmp_path)
    try:
        api = f"{info['api_url']}/api/v1"
        session = _session(info)
        body = {
            "tool_name": "restart-check",
            "parameters": [{"name": "x", "type": "int", "minimum": 1, "maximum": 2}],
            "command_template_string": "sleep 0.0${x}",
        }
        experiment_id = session.post(f"{api}/experiments", json=body, timeout=10).json()["id"]
        run = {"optimizer": {"type": "grid", "num_configs_per_param": 2}}
        job_id = session.post(f"{api}/experiments/{experiment_id}/trials", json=run, timeout=10)
        job_id = job_id.json()["job"]["job_id"]
        deadline = time.monotonic() + 60
        while session.get(f"{api}/jobs/{job_id}", timeout=10).json()["status"] != "finished":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        # A second job that is still running when the stack stops.
        slow = {
            **body,
            "tool_name": "restart-interrupted",
            "command_template_string": "sleep 3${x}",
        }
        slow_id = session.post(f"{api}/experiments", json=slow, timeout=10).json()["id"]
        slow_job = session.post(f"{api}/experiments/{slow_id}/trials", json=run, timeout=10)
        slow_job_id = slow_job.json()["job"]["job_id"]
        time.sleep(2)
        trials_before = session.get(f"{api}/experiments/{experiment_id}/trials", timeout=10).json()
    finally:
        _stop(process)

    process, info = _start(tmp_path)
    try:
        api = f"{info['api_url']}/api/v1"
        session = _session(info)
        experiment = session.get(f"{api}/experiments/{experiment_id}", timeout=10)
        assert experiment.status_code == 200
        trials = session.get(f"{api}/experiments/{experiment_id}/trials", timeout=10).json()
        assert trials == trials_before
        assert len(trials) == 2
        assert session.get(f"{api}/jobs/{job_id}", timeout=10).json()["status"] == "finished"
        interrupted = session.get(f"{api}/jobs/{slow_job_id}", timeout=10).json()
        assert interrupted["status"] == "failed"
        assert session.get(f"{api}/experiments/{slow_id}/job", timeout=10).status_code == 404
        rerun = session.post(f"{api}/experiments/{slow_id}/trials", json=run, timeout=10)
        assert rerun.status_code == 202
        assert (tmp_path / "data" / "tables.json").stat().st_mode & 0o777 == 0o600
    finally:
        _stop(process)
