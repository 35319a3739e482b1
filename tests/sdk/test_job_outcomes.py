"""Jobs that fail or are stopped, through the client and the paropt command, on a local stack."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from paropt_sdk import (
    CognitoAuth,
    CognitoLogin,
    Conflict,
    JobFailed,
    JobStopped,
    NotFound,
    ParoptClient,
)
from paropt_sdk.credentials import CredentialsFile
from paropt_sdk.profile import load_local_profile
from tests.sdk.conftest import LocalStackProcess, assert_one_error_line, paropt

GRID = {"optimizer": {"type": "grid", "num_configs_per_param": 2}}


def failing_experiment(tag: str) -> dict:
    return {
        "tool_name": f"always-fails-{tag}",
        "parameters": [{"name": "x", "type": "int", "minimum": 1, "maximum": 2}],
        "command_template_string": "echo trying ${x}; exit 1",
        "compute": {"type": "local", "max_threads": 1},
    }


def sleeping_experiment(tag: str) -> dict:
    return {
        "tool_name": f"sleep-30-{tag}",
        "parameters": [{"name": "x", "type": "int", "minimum": 1, "maximum": 2}],
        "command_template_string": "sleep 30 # ${x}",
        "compute": {"type": "local", "max_threads": 1},
    }


@pytest.fixture(scope="module")
def client(
    local_stack: LocalStackProcess, tmp_path_factory: pytest.TempPathFactory
) -> ParoptClient:
    profile = load_local_profile(local_stack.info_path)
    credentials = CredentialsFile(tmp_path_factory.mktemp("config") / "credentials")
    login = CognitoLogin(profile.api_url, profile.cognito, credentials=credentials)
    auth = CognitoAuth(login, password_login=lambda: profile.local_user)
    return ParoptClient(profile.api_url, auth=auth, local_key=profile.local_key)


def wait_until_running(client: ParoptClient, job_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while client.get_job(job_id)["status"] == "queued":
        assert time.monotonic() < deadline, f"job {job_id} is still queued after {timeout:g} s"
        time.sleep(0.3)


def test_wait_raises_job_failed(client: ParoptClient) -> None:
    experiment = client.create_experiment(failing_experiment(uuid.uuid4().hex[:8]))
    job = client.start_run(experiment["experiment_id"], GRID)
    with pytest.raises(JobFailed) as caught:
        client.wait_for_job(job["job_id"], timeout=90, progress=False)
    assert caught.value.error == "NoSuccessfulTrial"
    assert caught.value.cause == "none of the 2 trials succeeded"
    assert caught.value.job["progress"]["trials_failed"] == 2
    trials = client.list_trials(experiment["experiment_id"], status="failed")
    assert [trial["exit_code"] for trial in trials] == [1, 1]


def test_cli_run_of_failing_tool_exits_1(local_stack: LocalStackProcess, tmp_path: Path) -> None:
    experiment = tmp_path / "fails.yaml"
    experiment.write_text(yaml.safe_dump(failing_experiment(uuid.uuid4().hex[:8])))
    optimizer = tmp_path / "grid.yaml"
    optimizer.write_text(yaml.safe_dump(GRID))
    result = paropt(
        local_stack,
        tmp_path / "config",
        "--local",
        "run",
        str(experiment),
        str(optimizer),
        "--wait",
    )
    assert result.returncode == 1
    assert_one_error_line(result, "failed: NoSuccessfulTrial: none of the 2 trials succeeded")


def test_wait_raises_job_stopped(client: ParoptClient) -> None:
    experiment_id = client.create_experiment(sleeping_experiment(uuid.uuid4().hex[:8]))[
        "experiment_id"
    ]
    job = client.start_run(experiment_id, GRID)
    outcome: dict[str, BaseException] = {}

    def wait() -> None:
        try:
            client.wait_for_job(job["job_id"], timeout=90, progress=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_until_running(client, job["job_id"])
    with pytest.raises(Conflict) as conflict:
        client.start_run(experiment_id, GRID)
    assert conflict.value.active_job_id == job["job_id"]
    assert client.get_active_job(experiment_id)["job_id"] == job["job_id"]

    started = time.monotonic()
    stopped = client.stop(experiment_id)
    assert time.monotonic() - started < 15
    assert stopped["status"] == "stopped"
    waiter.join(timeout=30)
    assert not waiter.is_alive()
    assert isinstance(outcome.get("error"), JobStopped), outcome
    assert outcome["error"].job["stop_reason"] == "stopped by user"
    with pytest.raises(NotFound):
        client.get_active_job(experiment_id)
    # The trial that the stop killed is not stored.
    assert client.list_trials(experiment_id) == []


def test_cli_stop_ends_waiting_job(local_stack: LocalStackProcess, tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    experiment = tmp_path / "sleeps.yaml"
    experiment.write_text(yaml.safe_dump(sleeping_experiment(uuid.uuid4().hex[:8])))
    optimizer = tmp_path / "grid.yaml"
    optimizer.write_text(yaml.safe_dump(GRID))
    started = paropt(
        local_stack, config_dir, "--local", "run", str(experiment), str(optimizer), "--json"
    )
    assert started.returncode == 0, started.stderr
    job = json.loads(started.stdout)

    again = paropt(local_stack, config_dir, "--local", "run", str(experiment), str(optimizer))
    assert again.returncode == 1
    assert_one_error_line(again, f"already has an active job {job['job_id']}")

    results: dict[str, subprocess.CompletedProcess] = {}

    def wait() -> None:
        results["wait"] = paropt(local_stack, config_dir, "--local", "job", job["job_id"], "--wait")

    waiter = threading.Thread(target=wait)
    waiter.start()
    # Give the waiting command time to start polling before the stop.
    time.sleep(3)
    stop = paropt(local_stack, config_dir, "--local", "stop", job["experiment_id"])
    assert stop.returncode == 0, stop.stderr
    assert f"job {job['job_id']} stopped" in stop.stdout
    waiter.join(timeout=60)
    assert not waiter.is_alive()
    waited = results["wait"]
    assert waited.returncode == 1
    assert_one_error_line(waited, "was stopped: stopped by user")
    assert re.search(r"^status:\s+stopped$", waited.stdout, re.MULTILINE)
