"""Starting, listing and stopping jobs through the API, with moto executing the state machine."""

from __future__ import annotations

import time

from paropt.storage import JobModel
from tests.conftest import HEARTBEAT_SECONDS, experiment_body
from tests.jobs import wait_for_status


def _start(caller, body: dict | None = None) -> tuple[str, int, dict]:  # noqa: ANN001
    _, experiment = caller.request("POST", "/experiments", experiment_body())
    experiment_id = experiment["experiment_id"]
    status, answer = caller.request("POST", f"/experiments/{experiment_id}/trials", body)
    return experiment_id, status, answer


def test_start_run_returns_202_with_job(alice) -> None:
    body = {"optimizer": {"type": "grid", "num_configs_per_param": 2}}
    experiment_id, status, answer = _start(alice, body)
    assert status == 202
    assert answer["status"] == "submitted"
    assert answer["job"]["experiment_id"] == experiment_id
    assert answer["job"]["status"] == "queued"
    assert answer["job"]["optimizer"] == {"type": "grid", "num_configs_per_param": 2}


def test_start_run_without_body_uses_bayesopt(alice) -> None:
    _, status, answer = _start(alice)
    assert status == 202
    assert answer["job"]["optimizer"]["type"] == "bayesopt"
    assert answer["job"]["optimizer"]["n_init"] == 2
    assert answer["job"]["optimizer"]["n_iter"] == 2


def test_second_run_while_active_is_409(alice, deployment) -> None:
    experiment_id, _, first = _start(alice)
    status, answer = alice.request("POST", f"/experiments/{experiment_id}/trials", {})
    assert status == 409
    assert answer["job_id"] == first["job"]["job_id"]
    executions = deployment.client("stepfunctions").list_executions(
        stateMachineArn=deployment.state_machine_arn
    )["executions"]
    names = [execution["name"] for execution in executions]
    assert names.count(first["job"]["job_id"]) == 1


def test_active_job_of_experiment(alice, bob) -> None:
    experiment_id, _, started = _start(alice)
    status, job = alice.request("GET", f"/experiments/{experiment_id}/job")
    assert status == 200
    assert job["job_id"] == started["job"]["job_id"]
    status, answer = bob.request("GET", f"/experiments/{experiment_id}/job")
    assert status == 404
    assert answer == {"status": "missing", "message": answer["message"]}


def test_no_active_job_is_missing(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    status, answer = alice.request("GET", f"/experiments/{experiment['id']}/job")
    assert status == 404
    assert answer["status"] == "missing"


def test_get_job_of_other_user_is_missing(alice, bob) -> None:
    _, _, started = _start(alice)
    job_id = started["job"]["job_id"]
    assert alice.request("GET", f"/jobs/{job_id}")[0] == 200
    status, answer = bob.request("GET", f"/jobs/{job_id}")
    assert status == 404
    assert answer["status"] == "missing"


def test_job_lists_by_status_are_per_user(alice, bob) -> None:
    _, _, started = _start(alice)
    job_id = started["job"]["job_id"]
    _, alices = alice.request("GET", "/jobs/queued")
    _, bobs = bob.request("GET", "/jobs/queued")
    assert job_id in {job["job_id"] for job in alices}
    assert job_id not in {job["job_id"] for job in bobs}


def test_stop_marks_job_stopped_and_aborts_execution(alice, bob, deployment) -> None:
    experiment_id, _, started = _start(alice)
    job_id = started["job"]["job_id"]
    assert bob.request("POST", f"/experiments/{experiment_id}/stop")[0] == 404
    status, answer = alice.request("POST", f"/experiments/{experiment_id}/stop")
    assert status == 200
    assert answer["status"] == "stopped"
    # AWS reports a stopped execution as ABORTED; moto 5.2 reports FAILED.
    assert wait_for_execution(deployment, job_id, "RUNNING", until_not=True) in {
        "ABORTED",
        "FAILED",
    }
    time.sleep(HEARTBEAT_SECONDS + 1)
    assert JobModel.get(job_id, consistent_read=True).status == "stopped"
    assert alice.request("GET", f"/experiments/{experiment_id}/job")[0] == 404
    _, stopped = alice.request("GET", "/jobs/stopped")
    assert job_id in {job["job_id"] for job in stopped}


def test_stop_without_active_job_is_missing(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/stop")
    assert status == 404
    assert answer["status"] == "missing"


def test_run_after_stop_is_accepted(alice) -> None:
    experiment_id, _, _ = _start(alice)
    alice.request("POST", f"/experiments/{experiment_id}/stop")
    status, answer = alice.request("POST", f"/experiments/{experiment_id}/trials", {})
    assert status == 202
    assert answer["job"]["run_number"] == 2


def test_unlaunched_job_fails_at_heartbeat(alice) -> None:
    _, _, started = _start(alice)
    job = wait_for_status(started["job"]["job_id"], {"failed"}, timeout=30)
    _, view = alice.request("GET", f"/jobs/{job.job_id}")
    # AWS names a missed heartbeat States.HeartbeatTimeout; moto 5.2 names it States.Timeout.
    assert view["error"] in {"States.HeartbeatTimeout", "States.Timeout"}
    _, experiment = alice.request("GET", f"/experiments/{view['experiment_id']}")
    assert experiment["active_job_id"] is None


def wait_for_execution(
    deployment,
    job_id: str,
    expected: str,
    *,
    until_not: bool = False,
    timeout: float = 10,  # noqa: ANN001
) -> str:
    """Poll the job's execution until its status is (or with ``until_not``, leaves) ``expected``."""
    prefix, _, name = deployment.state_machine_arn.rpartition(":stateMachine:")
    arn = f"{prefix}:execution:{name}:{job_id}"
    sfn = deployment.client("stepfunctions")
    deadline = time.monotonic() + timeout
    status = sfn.describe_execution(executionArn=arn)["status"]
    while (status == expected) == until_not and time.monotonic() < deadline:
        time.sleep(0.2)
        status = sfn.describe_execution(executionArn=arn)["status"]
    return status
