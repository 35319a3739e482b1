"""The committed OpenAPI document against the local stack, checked by schemathesis.

One local stack serves the module (``--max-runners 1``, its own state directory).
Before the schemathesis run, one experiment runs a grid to its end, so real ids
with trials, a best configuration and a finished job exist. A path-parameter
hook puts these real ids into some generated cases, so the 200 responses are
checked as well as the 400 and 404 ones.

POST /experiments/{experiment_id}/trials is fuzzed with valid bodies too, and a
valid body for the real experiment starts a real job. That stays bounded: the
grid has already measured the experiment's whole space (two configurations of
``true``), so each such job ends as soon as its runner starts, and while one is
active every further start gets 409. The explicit tests below cover start,
conflict, the active job, stop, paging and the 401 responses deterministically.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.chalicelib.contract import API_PREFIX, NEXT_TOKEN_HEADER
from api.chalicelib.openapi import DOCUMENT_PATH
from api.openapi_build import build_document, render
from infra.local_token import local_id_token
from tests.conftest import ROOT

# Generated cases per operation in the fuzzing phase. The examples and coverage
# phases add their own fixed cases, most of them for the two request bodies.
MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MEASURED_EXPERIMENT = {
    "tool_name": "contract-true",
    "parameters": [{"name": "x", "type": "int", "minimum": 0, "maximum": 1}],
    "command_template_string": "true ${x}",
    "compute": {"type": "local"},
}
# Its one trial outlasts the lifecycle test, which stops the job.
SLEEPING_EXPERIMENT = {
    "tool_name": "contract-sleep",
    "parameters": [{"name": "seconds", "type": "int", "minimum": 60, "maximum": 61}],
    "command_template_string": "sleep ${seconds}",
    "compute": {"type": "local"},
}
JOB_END_SECONDS = 120
UNKNOWN_ID = "0" * 32

# The pytest plugin collects one test per operation from a schema that exists
# when the module is imported. NOTE: schemathesis.pytest.from_fixture, which
# would build the schema in a fixture, fails with pytest 9.2: schemathesis
# 4.32.5 reads and sets Function._nodeid, which pytest 9.2 no longer has. So each call
# gets the stack's URL and credentials instead of the schema's config.
schema = schemathesis.openapi.from_path(
    DOCUMENT_PATH,
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}},
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "request-timeout": 30,
        }
    ),
)
# Ids of the measured experiment and its job. The `measured` fixture fills this
# before the first case is generated, and use_real_ids reads it.
REAL_IDS: dict[str, str] = {}


@schema.hook("flatmap_path_parameters")
def use_real_ids(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None):  # noqa: ANN201
    """Draw either the generated path parameters or the same with a real id."""
    if not path_parameters:
        return st.just(path_parameters)
    choices = [path_parameters]
    for name, real_id in REAL_IDS.items():
        if name in path_parameters:
            choices.append({**path_parameters, name: real_id})
    return st.sampled_from(choices)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Start the local stack with one runner slot and return its local-stack.json."""
    state_dir = tmp_path_factory.mktemp("contract-stack")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAROPT_")}
    # The API server logs every request to stderr. An unread pipe fills after a
    # few hundred requests and then blocks every request, so the output goes to
    # a file.
    log_path = state_dir / "stack.log"
    log = open(log_path, "wb")  # noqa: SIM115 - open as long as the stack runs
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local_stack",
            "--state-dir",
            str(state_dir),
            "--max-runners",
            "1",
        ],
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
    if not info_path.exists():
        os.killpg(process.pid, signal.SIGKILL)
        log.close()
        pytest.fail(f"the local stack did not start: {log_path.read_text()[-4000:]}")
    time.sleep(0.2)
    yield json.loads(info_path.read_text())
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


@pytest.fixture(scope="module")
def credentials(stack: dict[str, Any]) -> dict[str, str]:
    """Return the headers that authenticate the local user."""
    return {
        "Authorization": f"Bearer {local_id_token(stack)}",
        "X-Paropt-Local-Key": stack["local_key"],
    }


@pytest.fixture(scope="module")
def session(credentials: dict[str, str]) -> Iterator[requests.Session]:
    """Return an HTTP session that sends the credentials."""
    with requests.Session() as http:
        http.headers.update(credentials)
        yield http


@pytest.fixture(scope="module")
def api(stack: dict[str, Any]) -> str:
    """Return the URL of the stack's routes, up to and including the /api/v1 prefix."""
    return stack["api_url"] + API_PREFIX


def wait_for_job_end(http: requests.Session, api: str, job_id: str) -> dict[str, Any]:
    """Poll the job until it is no longer queued or running, and return it."""
    deadline = time.monotonic() + JOB_END_SECONDS
    job = http.get(f"{api}/jobs/{job_id}", timeout=10).json()
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = http.get(f"{api}/jobs/{job_id}", timeout=10).json()
    return job


@pytest.fixture(scope="module")
def measured(api: str, session: requests.Session) -> dict[str, str]:
    """Register the experiment, measure its whole space with a grid and return the ids."""
    created = session.post(f"{api}/experiments", json=MEASURED_EXPERIMENT, timeout=10)
    assert created.status_code == 201, created.text
    experiment_id = created.json()["experiment_id"]
    run = {"optimizer": {"type": "grid", "num_configs_per_param": 2}}
    started = session.post(f"{api}/experiments/{experiment_id}/trials", json=run, timeout=10)
    assert started.status_code == 202, started.text
    job = wait_for_job_end(session, api, started.json()["job"]["job_id"])
    assert job["status"] == "finished", job
    ids = {"experiment_id": experiment_id, "job_id": job["job_id"]}
    REAL_IDS.update(ids)
    return ids


def assert_conforms(response: requests.Response, method: str, path: str, status: int) -> None:
    """Assert the status code, then validate the body and headers against the document."""
    assert response.status_code == status, response.text
    schema[API_PREFIX + path][method].validate_response(response)


def test_committed_document_is_current() -> None:
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render(build_document()), (
        "api/chalicelib/openapi.json is out of date; run `python -m api.openapi_build`"
    )


def test_document_route_serves_committed_file(api: str, session: requests.Session) -> None:
    response = session.get(f"{api}/openapi.json", timeout=10)
    assert_conforms(response, "GET", "/openapi.json", 200)
    assert response.json() == json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))


def is_public(operation: schemathesis.APIOperation) -> bool:
    """Return whether the document exempts the operation from authentication."""
    return operation.definition.raw.get("security") == []


def test_public_operations_answer_without_credentials(stack: dict[str, Any]) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    public = {operation.path for operation in operations if is_public(operation)}
    assert public == {"/", "/static/{name}", "/login-settings"}
    for path in sorted(public):
        response = requests.get(stack["api_url"] + path.format(name="main.js"), timeout=10)
        assert response.status_code == 200, response.text
        schema[path]["GET"].validate_response(response)


@pytest.mark.parametrize("problem", ["no-headers", "invalid-token", "wrong-key"])
def test_every_operation_rejects_bad_credentials(
    api: str, credentials: dict[str, str], problem: str
) -> None:
    headers = {
        "no-headers": {},
        "invalid-token": {**credentials, "Authorization": "Bearer not-a-token"},
        "wrong-key": {**credentials, "X-Paropt-Local-Key": "wrong-key"},
    }[problem]
    operations = [result.ok() for result in schema.get_all_operations()]
    secured = [operation for operation in operations if not is_public(operation)]
    assert len(secured) == 10
    for operation in secured:
        method = operation.method.upper()
        path = operation.path.removeprefix(API_PREFIX)
        url = api + path.format(experiment_id=UNKNOWN_ID, job_id=UNKNOWN_ID)
        response = requests.request(method, url, headers=headers, timeout=10)
        assert_conforms(response, method, path, 401)


def test_trial_pages_follow_next_token(
    api: str, session: requests.Session, measured: dict[str, str]
) -> None:
    url = f"{api}/experiments/{measured['experiment_id']}/trials"
    numbers = []
    params: dict[str, Any] = {"limit": 1}
    for _ in range(10):
        response = session.get(url, params=params, timeout=10)
        assert_conforms(response, "GET", "/experiments/{experiment_id}/trials", 200)
        numbers += [trial["trial_number"] for trial in response.json()]
        token = response.headers.get(NEXT_TOKEN_HEADER)
        if token is None:
            break
        params["next_token"] = token
    assert numbers == [1, 2]
    best = session.get(f"{api}/experiments/{measured['experiment_id']}/best", timeout=10)
    assert_conforms(best, "GET", "/experiments/{experiment_id}/best", 200)
    for run in ("0", str(10**40)):
        rejected = session.get(url, params={"run": run}, timeout=10)
        assert_conforms(rejected, "GET", "/experiments/{experiment_id}/trials", 400)


def test_run_lifecycle_conforms_to_document(api: str, session: requests.Session) -> None:
    created = session.post(f"{api}/experiments", json=SLEEPING_EXPERIMENT, timeout=10)
    assert_conforms(created, "POST", "/experiments", 201)
    experiment_id = created.json()["experiment_id"]
    trials_url = f"{api}/experiments/{experiment_id}/trials"
    run = {"optimizer": {"type": "random", "n_trials": 1, "seed": 1}}

    started = session.post(trials_url, json=run, timeout=10)
    assert_conforms(started, "POST", "/experiments/{experiment_id}/trials", 202)
    job_id = started.json()["job"]["job_id"]
    conflict = session.post(trials_url, json=run, timeout=10)
    assert_conforms(conflict, "POST", "/experiments/{experiment_id}/trials", 409)
    assert conflict.json()["job_id"] == job_id

    active = session.get(f"{api}/experiments/{experiment_id}/job", timeout=10)
    assert_conforms(active, "GET", "/experiments/{experiment_id}/job", 200)
    assert active.json()["job_id"] == job_id
    job = session.get(f"{api}/jobs/{job_id}", timeout=10)
    assert_conforms(job, "GET", "/jobs/{job_id}", 200)
    listed = []
    for status in ("queued", "running"):
        jobs = session.get(f"{api}/jobs/{status}", timeout=10)
        assert_conforms(jobs, "GET", "/jobs/{job_id}", 200)
        listed += [item["job_id"] for item in jobs.json()]
    assert job_id in listed

    stopped = session.post(f"{api}/experiments/{experiment_id}/stop", timeout=30)
    assert_conforms(stopped, "POST", "/experiments/{experiment_id}/stop", 200)
    assert stopped.json()["status"] == "stopped"
    gone = session.get(f"{api}/experiments/{experiment_id}/job", timeout=10)
    assert_conforms(gone, "GET", "/experiments/{experiment_id}/job", 404)
    no_best = session.get(f"{api}/experiments/{experiment_id}/best", timeout=10)
    assert_conforms(no_best, "GET", "/experiments/{experiment_id}/best", 404)


@schema.parametrize()
def test_operation_conforms_to_document(
    case: schemathesis.Case,
    stack: dict[str, Any],
    credentials: dict[str, str],
    measured: dict[str, str],
) -> None:
    case.call_and_validate(base_url=stack["api_url"], headers=credentials, checks=CHECKS)
