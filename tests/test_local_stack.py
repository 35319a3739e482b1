"""End to end over HTTP: the local stack as `make local` starts it, driven like a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests

from infra.local_token import client_settings, local_id_token
from infra.provision import create_user, login
from paropt.settings import Settings
from tests.conftest import ROOT

PASSWORD = "Other-user-pw-1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    state_dir = tmp_path_factory.mktemp("stack")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAROPT_")}
    # The stack logs every request, so an unread pipe would fill and block it.
    log = open(state_dir / "stack.log", "wb")  # noqa: SIM115 - closed after the stack stops
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local_stack", "--state-dir", str(state_dir)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    info_path = state_dir / "local-stack.json"
    deadline = time.monotonic() + 90
    while not info_path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert info_path.exists(), (state_dir / "stack.log").read_text()[-3000:]
    time.sleep(0.2)
    info = json.loads(info_path.read_text())
    yield process, info, info_path
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


def _session(info: dict, token: str | None) -> requests.Session:
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    session.headers["X-Paropt-Local-Key"] = info["local_key"]
    return session


def _settings(info: dict) -> Settings:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "paropt-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "paropt-test")
    return client_settings(info)


def test_local_stack_info_file_is_private(stack) -> None:
    _, info, info_path = stack
    assert info_path.stat().st_mode & 0o777 == 0o600
    assert info["api_url"].startswith("http://127.0.0.1:")
    assert info["aws_endpoint_url"].startswith("http://127.0.0.1:")
    for key in ("region", "user_pool_id", "client_id", "username", "password", "local_key"):
        assert info[key]


def test_local_stack_rejects_request_without_token(stack) -> None:
    _, info, _ = stack
    response = _session(info, None).get(f"{info['api_url']}/api/v1/experiments", timeout=10)
    assert response.status_code == 401


def test_local_stack_runs_grid_end_to_end(stack) -> None:
    _, info, _ = stack
    api = f"{info['api_url']}/api/v1"
    session = _session(info, local_id_token(info))
    body = json.loads((ROOT / "examples" / "xz_experiment.json").read_text())
    body["parameters"][1]["maximum"] = 2
    created = session.post(f"{api}/experiments", json=body, timeout=10)
    assert created.status_code in (200, 201)
    experiment_id = created.json()["experiment_id"]
    optimizer = {"optimizer": {"type": "grid", "num_configs_per_param": 2}}
    started = session.post(f"{api}/experiments/{experiment_id}/trials", json=optimizer, timeout=10)
    assert started.status_code == 202
    job_id = started.json()["job"]["job_id"]
    deadline = time.monotonic() + 120
    job = session.get(f"{api}/jobs/{job_id}", timeout=10).json()
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = session.get(f"{api}/jobs/{job_id}", timeout=10).json()
    assert job["status"] == "finished", job
    trials = session.get(f"{api}/experiments/{experiment_id}/trials", timeout=10).json()
    assert len(trials) == 4
    assert {trial["status"] for trial in trials} == {"succeeded"}
    assert job["best"]["outcome"] == min(trial["outcome"] for trial in trials)

    settings = _settings(info)
    create_user(settings, pool_id=info["user_pool_id"], username="mallory", password=PASSWORD)
    token = login(settings, client_id=info["client_id"], username="mallory", password=PASSWORD)
    other = _session(info, token["IdToken"])
    for path in (f"/experiments/{experiment_id}", f"/experiments/{experiment_id}/trials"):
        response = other.get(f"{api}{path}", timeout=10)
        assert response.status_code == 404
        assert response.json()["status"] == "missing"
    assert other.get(f"{api}/jobs/{job_id}", timeout=10).status_code == 404


def test_local_stack_unknown_route_is_404(stack) -> None:
    _, info, _ = stack
    session = _session(info, "secret-looking-token")
    response = session.get(f"{info['api_url']}/api/v1/nothing-here", timeout=10)
    assert response.status_code == 404
    assert "secret-looking-token" not in response.text


def test_local_stack_oversized_body_is_413(stack) -> None:
    _, info, _ = stack
    body = b"x" * (300 * 1024)
    response = _session(info, None).post(
        f"{info['api_url']}/api/v1/experiments", data=body, timeout=10
    )
    assert response.status_code == 413


def test_local_stack_concurrent_requests_are_answered(stack) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, info, _ = stack
    token = local_id_token(info)

    def create(_: int) -> int:
        body = json.loads((ROOT / "examples" / "xz_experiment.json").read_text())
        body["tool_name"] = "xz-concurrent"
        return (
            _session(info, token)
            .post(f"{info['api_url']}/api/v1/experiments", json=body, timeout=30)
            .status_code
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(create, range(20)))
    assert sorted(statuses) == [200] * 19 + [201]


def test_local_stack_concurrent_starts_create_one_job(stack) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, info, _ = stack
    api = f"{info['api_url']}/api/v1"
    token = local_id_token(info)
    body = json.loads((ROOT / "examples" / "xz_experiment.json").read_text())
    body["tool_name"] = "xz-concurrent-starts"
    experiment_id = (
        _session(info, token)
        .post(f"{api}/experiments", json=body, timeout=30)
        .json()["experiment_id"]
    )
    run = {"optimizer": {"type": "grid", "num_configs_per_param": 1}}

    def start(_: int) -> int:
        url = f"{api}/experiments/{experiment_id}/trials"
        return _session(info, token).post(url, json=run, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(start, range(50)))
    assert statuses.count(202) == 1
    assert statuses.count(409) == 49
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="paropt-test",
        aws_secret_access_key="paropt-test",
    )
    executions = sfn.list_executions(stateMachineArn=info["state_machine_arn"])["executions"]
    session = _session(info, token)
    job_ids = {
        job["job_id"]
        for name in ("queued", "running", "finished", "failed")
        for job in session.get(f"{api}/jobs/{name}", timeout=10).json()
        if job["experiment_id"] == experiment_id
    }
    assert len(job_ids) == 1
    assert len([e for e in executions if e["name"] in job_ids]) == 1


def test_local_stack_stops_on_sigterm(stack) -> None:
    process, info, info_path = stack
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode == 0
    assert not info_path.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{info['aws_endpoint_url']}/moto-api/", timeout=2)
    assert Path(info_path.parent).exists()
