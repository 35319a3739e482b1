"""The runner process against the state machine executed by moto, with real bash trials."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from paropt.storage import JobModel, TrialModel
from tests.conftest import HEARTBEAT_SECONDS, experiment_body
from tests.jobs import receive_launch, wait_for_status


def _launch_runner(deployment, job_id: str) -> subprocess.Popen:  # noqa: ANN001
    """Do what the launcher does: take the launch message and start the runner process."""
    message = receive_launch(deployment.client("sqs"), deployment.queue_url, job_id)
    env = {
        **os.environ,
        **deployment.environment,
        "PAROPT_JOB_ID": job_id,
        "PAROPT_TASK_TOKEN": message["task_token"],
    }
    return subprocess.Popen(
        [sys.executable, "-m", "paropt.runner"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _start(caller, body: dict, optimizer: dict) -> tuple[str, str]:  # noqa: ANN001
    _, experiment = caller.request("POST", "/experiments", body)
    status, answer = caller.request(
        "POST", f"/experiments/{experiment['experiment_id']}/trials", {"optimizer": optimizer}
    )
    assert status == 202, answer
    return experiment["experiment_id"], answer["job"]["job_id"]


def _trials(experiment_id: str) -> list[TrialModel]:
    return list(TrialModel.query(experiment_id, consistent_read=True))


def test_runner_records_failing_trial_and_goes_on(alice, deployment) -> None:
    command = 'if [ ${x} -eq 3 ]; then echo "x=3 is rejected" >&2; exit 3; fi; sleep 0.0${x}'
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 4}],
        command_template_string=command,
    )
    experiment_id, job_id = _start(alice, body, {"type": "grid", "num_configs_per_param": 4})
    runner = _launch_runner(deployment, job_id)
    output, _ = runner.communicate(timeout=120)
    assert runner.returncode == 0, output.decode()
    job = wait_for_status(job_id, {"finished", "failed"})
    assert job.status == "finished"
    assert job.stop_reason == "planned trials done"
    trials = {trial.parameters["x"]: trial for trial in _trials(experiment_id)}
    assert sorted(trials) == [1, 2, 3, 4]
    assert trials[3].status == "failed"
    assert trials[3].exit_code == 3
    assert "x=3 is rejected" in trials[3].output_tail
    assert trials[3].outcome is None
    assert all(trials[x].status == "succeeded" for x in (1, 2, 4))
    assert trials[4].outcome > trials[1].outcome
    status, view = alice.request("GET", f"/jobs/{job_id}")
    assert view["best"]["parameters"] == {"x": 1}
    assert view["progress"] == {"trials_done": 4, "trials_failed": 1, "trials_planned": 4}


def test_runner_fails_job_when_no_trial_succeeds(alice, deployment) -> None:
    body = experiment_body(command_template_string="echo broken ${x}; exit 1")
    _, job_id = _start(alice, body, {"type": "grid", "num_configs_per_param": 2})
    runner = _launch_runner(deployment, job_id)
    runner.communicate(timeout=120)
    job = wait_for_status(job_id, {"finished", "failed"})
    _, view = alice.request("GET", f"/jobs/{job_id}")
    assert job.status == "failed"
    assert view["error"] == "NoSuccessfulTrial"
    assert "none of the 2 trials succeeded" in str(view["cause"]), job.failure


def test_runner_integer_parameters_never_repeat(alice, deployment) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 3}],
        command_template_string="sleep 0.0${x}",
    )
    optimizer = {"type": "bayesopt", "n_init": 2, "n_iter": 5}
    experiment_id, job_id = _start(alice, body, optimizer)
    runner = _launch_runner(deployment, job_id)
    runner.communicate(timeout=120)
    job = wait_for_status(job_id, {"finished", "failed"})
    values = [trial.parameters["x"] for trial in _trials(experiment_id)]
    assert job.status == "finished"
    assert sorted(values) == [1, 2, 3]
    assert job.stop_reason == "search space exhausted"


def test_killed_runner_fails_job_and_keeps_trials(alice, deployment, record_property) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 10}],
        command_template_string="sleep 0.4; : ${x}",
    )
    optimizer = {"type": "grid", "num_configs_per_param": 10}
    experiment_id, job_id = _start(alice, body, optimizer)
    runner = _launch_runner(deployment, job_id)
    deadline = time.monotonic() + 60
    while len(_trials(experiment_id)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(runner.pid, signal.SIGKILL)
    runner.wait()
    killed_at = time.monotonic()
    recorded = len(_trials(experiment_id))
    job = wait_for_status(job_id, {"failed"}, timeout=HEARTBEAT_SECONDS + 10)
    record_property("seconds_from_kill_to_failed", round(time.monotonic() - killed_at, 2))
    assert time.monotonic() - killed_at < HEARTBEAT_SECONDS + 5
    assert job.status == "failed"
    assert recorded >= 2
    assert len(_trials(experiment_id)) == recorded

    # The next run continues with the grid points not measured yet.
    status, answer = alice.request(
        "POST", f"/experiments/{experiment_id}/trials", {"optimizer": optimizer}
    )
    assert status == 202
    runner = _launch_runner(deployment, answer["job"]["job_id"])
    runner.communicate(timeout=120)
    job = wait_for_status(answer["job"]["job_id"], {"finished", "failed"})
    values = sorted(trial.parameters["x"] for trial in _trials(experiment_id))
    assert job.status == "finished"
    assert int(job.trials_planned) == 10 - recorded
    assert values == list(range(1, 11))


def _process_running(marker: str) -> bool:
    result = subprocess.run(["pgrep", "-f", marker], capture_output=True)
    return result.returncode == 0


@pytest.mark.parametrize("phase", ["during a trial"])
def test_stop_ends_runner_and_trial_processes(
    alice, deployment, phase: str, record_property
) -> None:
    marker = f"{uuid.uuid4().int % 10**6}"
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 30, "maximum": 31}],
        command_template_string=f"sleep ${{x}}.{marker}",
    )
    experiment_id, job_id = _start(alice, body, {"type": "grid", "num_configs_per_param": 2})
    runner = _launch_runner(deployment, job_id)
    deadline = time.monotonic() + 30
    while not _process_running(f"sleep 30.{marker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _process_running(f"sleep 30.{marker}")
    stopped_at = time.monotonic()
    status, answer = alice.request("POST", f"/experiments/{experiment_id}/stop")
    assert status == 200
    record_property("seconds_for_stop_request", round(time.monotonic() - stopped_at, 2))
    # The stop returns only after the runner killed the trial, so a new run
    # cannot overlap it.
    assert not _process_running(f"sleep 30.{marker}")
    assert JobModel.get(job_id, consistent_read=True).runner_ended_at is not None
    runner.wait(timeout=HEARTBEAT_SECONDS + 10)
    assert time.monotonic() - stopped_at < HEARTBEAT_SECONDS
    assert wait_for_status(job_id, {"stopped"}).status == "stopped"
    assert _trials(experiment_id) == []


def test_run_on_measured_space_finishes_without_trials(alice, deployment) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 2}],
        command_template_string="true ${x}",
    )
    optimizer = {"type": "grid", "num_configs_per_param": 2}
    experiment_id, job_id = _start(alice, body, optimizer)
    _launch_runner(deployment, job_id).communicate(timeout=120)
    assert wait_for_status(job_id, {"finished", "failed"}).status == "finished"
    status, answer = alice.request(
        "POST", f"/experiments/{experiment_id}/trials", {"optimizer": optimizer}
    )
    assert status == 202
    second = answer["job"]["job_id"]
    _launch_runner(deployment, second).communicate(timeout=120)
    job = wait_for_status(second, {"finished", "failed"})
    assert job.status == "finished"
    assert job.stop_reason == "planned trials done"
    assert int(job.trials_done) == 0
    assert len(_trials(experiment_id)) == 2
