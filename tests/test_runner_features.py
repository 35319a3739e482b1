"""Search spaces, objectives, stopping and parallel trials through the API and a real runner."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests.conftest import experiment_body
from tests.jobs import wait_for_status
from tests.test_runner import _launch_runner, _start, _trials

HOSTILE_VALUES = [
    "plain",
    "a;touch {marker}-semicolon",
    "$(touch {marker}-subshell)",
    "`touch {marker}-backtick`",
    'it\'s "quoted"',
    "line\ntouch {marker}-newline",
]


def test_categorical_strings_are_never_executed(alice, deployment, tmp_path: Path) -> None:
    marker = str(tmp_path / "pwned")
    values = [value.format(marker=marker) for value in HOSTILE_VALUES]
    output = tmp_path / "values.jsonl"
    command = "python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' ${v} >> " + str(
        output
    )
    body = experiment_body(
        parameters=[{"name": "v", "type": "categorical", "values": values}],
        command_template_string=command,
    )
    experiment_id, job_id = _start(alice, body, {"type": "grid"})
    _launch_runner(deployment, job_id).communicate(timeout=120)
    assert wait_for_status(job_id, {"finished", "failed"}).status == "finished"
    received = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(received) == sorted([value] for value in values)
    assert list(tmp_path.glob("pwned*")) == []
    stored = sorted(trial.parameters["v"] for trial in _trials(experiment_id))
    assert stored == sorted(values)


def test_json_objective_maximize_with_mixed_space(alice, deployment) -> None:
    command = (
        "python3 -c 'import json; print(json.dumps("
        '{"score": ${x} * (2 if "${fast}" == "true" else 1), "size": ${n}}'
        "))'; : ${label}"
    )
    body = experiment_body(
        parameters=[
            {"name": "x", "type": "float", "minimum": 0.1, "maximum": 10, "log": True},
            {"name": "fast", "type": "bool"},
            {"name": "n", "type": "int", "minimum": 1, "maximum": 1000, "log": True},
            {"name": "label", "type": "constant", "value": "demo run"},
        ],
        command_template_string=command,
        objective={"type": "json", "key": "score", "direction": "maximize"},
    )
    optimizer = {"type": "random", "n_trials": 6, "seed": 7}
    experiment_id, job_id = _start(alice, body, optimizer)
    _launch_runner(deployment, job_id).communicate(timeout=120)
    job = wait_for_status(job_id, {"finished", "failed"})
    trials = _trials(experiment_id)
    assert job.status == "finished"
    assert len(trials) == 6
    for trial in trials:
        assert trial.status == "succeeded", trial.reason
        assert isinstance(trial.parameters["n"], int)
        assert isinstance(trial.parameters["fast"], bool)
        assert trial.parameters["label"] == "demo run"
        assert trial.metrics["size"] == trial.parameters["n"]
    best = max(trials, key=lambda trial: trial.outcome)
    status, answer = alice.request("GET", f"/experiments/{experiment_id}/best")
    assert status == 200
    assert answer["outcome"] == best.outcome
    assert answer["parameters"] == best.parameters
    assert answer["spread"] == 0


def test_timeout_records_timed_out_trial(alice, deployment) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 0, "maximum": 3}],
        command_template_string="sleep $(( ${x} * ${x} ))",
        timeout=1.5,
    )
    experiment_id, job_id = _start(alice, body, {"type": "grid", "num_configs_per_param": 4})
    _launch_runner(deployment, job_id).communicate(timeout=120)
    job = wait_for_status(job_id, {"finished", "failed"})
    statuses = {trial.parameters["x"]: trial.status for trial in _trials(experiment_id)}
    assert job.status == "finished"
    assert statuses == {0: "succeeded", 1: "succeeded", 2: "timed_out", 3: "timed_out"}
    status, failed = alice.request("GET", f"/experiments/{experiment_id}/trials?status=timed_out")
    assert status == 200
    assert sorted(trial["parameters"]["x"] for trial in failed) == [2, 3]


def test_target_stops_run_and_records_reason(alice, deployment) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 20}],
        command_template_string="echo value=${x}",
        objective={"type": "regex", "pattern": r"value=(\d+)", "direction": "maximize"},
    )
    _, experiment = alice.request("POST", "/experiments", body)
    run = {"optimizer": {"type": "grid", "num_configs_per_param": 20}, "target": 3}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", run)
    assert status == 202
    job_id = answer["job"]["job_id"]
    _launch_runner(deployment, job_id).communicate(timeout=120)
    job = wait_for_status(job_id, {"finished", "failed"})
    assert job.status == "finished"
    assert job.stop_reason == "target 3 reached"
    assert int(job.trials_done) == 3


def test_parallel_trials_overlap(alice, deployment) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 4}],
        command_template_string="sleep 0.5; : ${x}",
        allow_shared_node=True,
    )
    run = {"optimizer": {"type": "grid", "num_configs_per_param": 4}, "parallelism": 2}
    _, experiment = alice.request("POST", "/experiments", body)
    experiment_id = experiment["experiment_id"]
    status, answer = alice.request("POST", f"/experiments/{experiment_id}/trials", run)
    assert status == 202
    job_id = answer["job"]["job_id"]
    _launch_runner(deployment, job_id).communicate(timeout=120)
    assert wait_for_status(job_id, {"finished", "failed"}).status == "finished"
    trials = sorted(_trials(experiment_id), key=lambda trial: trial.started_at)
    assert len(trials) == 4
    assert trials[1].started_at < trials[0].ended_at


def test_parallelism_without_shared_node_is_400(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    run = {"optimizer": {"type": "random"}, "parallelism": 2}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", run)
    assert status == 400
    assert "allow_shared_node" in answer["message"]


def test_grid_larger_than_max_trials_is_400(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    run = {"optimizer": {"type": "grid", "num_configs_per_param": 5}, "max_trials": 3}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", run)
    assert status == 400
    assert "5 configurations" in answer["message"]


def test_best_of_experiment_without_success_is_missing(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    status, answer = alice.request("GET", f"/experiments/{experiment['id']}/best")
    assert status == 404
    assert answer["status"] == "missing"


def test_trials_pages_cover_every_trial_once(alice, deployment) -> None:
    body = experiment_body(
        tag=uuid.uuid4().hex[:6],
        parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 7}],
        command_template_string="true ${x}",
    )
    experiment_id, job_id = _start(alice, body, {"type": "grid", "num_configs_per_param": 7})
    _launch_runner(deployment, job_id).communicate(timeout=120)
    wait_for_status(job_id, {"finished", "failed"})
    seen: list[int] = []
    token = None
    for _ in range(10):
        query = "?limit=3" + (f"&next_token={token}" if token else "")
        response = alice._client.http.request(
            "GET", f"/api/v1/experiments/{experiment_id}/trials{query}", headers=alice.headers
        )
        assert response.status_code == 200
        seen += [trial["trial_number"] for trial in json.loads(response.body)]
        token = response.headers.get("X-Paropt-Next-Token")
        if not token:
            break
    assert sorted(seen) == list(range(1, 8))
    assert len(seen) == 7
