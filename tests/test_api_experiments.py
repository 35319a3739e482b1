"""The experiments endpoints through chalice.test.Client against a moto server."""

from __future__ import annotations

import uuid

from tests.conftest import experiment_body


def test_create_experiment_returns_201(alice) -> None:
    status, experiment = alice.request("POST", "/experiments", experiment_body())
    assert status == 201
    assert len(experiment["experiment_id"]) == 32
    assert experiment["status"] == "not running"


def test_create_identical_experiment_returns_existing(alice) -> None:
    body = experiment_body()
    _, first = alice.request("POST", "/experiments", body)
    status, second = alice.request("POST", "/experiments", body)
    assert status == 200
    assert second["experiment_id"] == first["experiment_id"]
    assert second["created_at"] == first["created_at"]


def test_create_same_body_other_user_is_separate(alice, bob) -> None:
    body = experiment_body()
    _, mine = alice.request("POST", "/experiments", body)
    status, theirs = bob.request("POST", "/experiments", body)
    assert status == 201
    assert theirs["experiment_id"] != mine["experiment_id"]


def test_previous_service_body_accepted(alice) -> None:
    body = {
        "tool_name": f"mytool-{uuid.uuid4().hex[:6]}",
        "parameters": [{"name": "parameterA", "type": "int", "minimum": 0, "maximum": 10}],
        "compute": {
            "type": "ec2",
            "instance_model": "t2.small",
            "instance_family": "t2",
            "ami": "ami-073e3f122e47832bf",
        },
        "command_template_string": 'echo "HELLO WORLD"\n sleep ${parameterA}',
    }
    status, experiment = alice.request("POST", "/experiments", body)
    assert status == 201
    assert experiment["compute"]["instance_model"] == "t2.small"
    assert experiment["parameters"][0]["maximum"] == 10


def test_get_experiment_round_trips_floats(alice) -> None:
    body = experiment_body(
        parameters=[{"name": "x", "type": "float", "minimum": 0.1, "maximum": 0.30000000000000004}]
    )
    _, created = alice.request("POST", "/experiments", body)
    status, experiment = alice.request("GET", f"/experiments/{created['experiment_id']}")
    assert status == 200
    assert experiment["parameters"][0]["minimum"] == 0.1
    assert experiment["parameters"][0]["maximum"] == 0.30000000000000004


def test_get_other_users_experiment_is_missing(alice, bob) -> None:
    _, created = alice.request("POST", "/experiments", experiment_body())
    status, answer = bob.request("GET", f"/experiments/{created['experiment_id']}")
    assert status == 404
    assert answer["status"] == "missing"
    assert "tool_name" not in answer


def test_get_unknown_experiment_is_missing(alice) -> None:
    status, answer = alice.request("GET", f"/experiments/{uuid.uuid4().hex}")
    assert status == 404
    assert answer["status"] == "missing"


def test_get_malformed_experiment_id_is_400(alice) -> None:
    status, answer = alice.request("GET", "/experiments/not-an-id")
    assert status == 400
    assert "not-an-id" in answer["message"]


def test_list_experiments_shows_only_own(alice, bob) -> None:
    _, mine = alice.request("POST", "/experiments", experiment_body())
    _, theirs = bob.request("POST", "/experiments", experiment_body())
    status, listed = alice.request("GET", "/experiments")
    ids = {experiment["experiment_id"] for experiment in listed}
    assert status == 200
    assert mine["experiment_id"] in ids
    assert theirs["experiment_id"] not in ids


def test_list_trials_of_new_experiment_is_empty(alice) -> None:
    _, created = alice.request("POST", "/experiments", experiment_body())
    status, trials = alice.request("GET", f"/experiments/{created['experiment_id']}/trials")
    assert status == 200
    assert trials == []


def test_list_trials_of_other_user_is_missing(alice, bob) -> None:
    _, created = alice.request("POST", "/experiments", experiment_body())
    status, answer = bob.request("GET", f"/experiments/{created['experiment_id']}/trials")
    assert status == 404
    assert answer["status"] == "missing"
