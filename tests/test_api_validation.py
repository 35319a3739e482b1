"""Invalid bodies get a 400 whose message names the field and the value."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import experiment_body


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"parameters": [{"name": "x", "type": "int", "minimum": 9, "maximum": 2}]},
            ["minimum 9", "maximum 2", "'x'"],
        ),
        ({"command_template_string": "sleep ${y} ${x}"}, ["${y}", "command_template_string"]),
        (
            {
                "parameters": [
                    {"name": "x", "type": "int", "minimum": 1, "maximum": 2},
                    {"name": "unused", "type": "int", "minimum": 1, "maximum": 2},
                ]
            },
            ["'unused'"],
        ),
        (
            {"parameters": [{"name": "x", "type": "int", "minimum": "low", "maximum": 2}]},
            ["parameters[0].minimum", "low"],
        ),
        (
            {"parameters": [{"name": "x", "type": "complex", "minimum": 1, "maximum": 2}]},
            ["parameters[0]", "complex"],
        ),
        ({"compute": {"type": "local", "max_threads": 0}}, ["compute.max_threads", "0"]),
    ],
)
def test_create_experiment_invalid_field(alice, overrides: dict, expected: list[str]) -> None:
    status, answer = alice.request("POST", "/experiments", experiment_body(**overrides))
    assert status == 400
    for fragment in expected:
        assert fragment in answer["message"]


def test_create_experiment_missing_field(alice) -> None:
    body = experiment_body()
    del body["command_template_string"]
    status, answer = alice.request("POST", "/experiments", body)
    assert status == 400
    assert "command_template_string" in answer["message"]
    assert "required" in answer["message"].lower()


def test_create_experiment_not_json(alice) -> None:
    status, answer = alice.request("POST", "/experiments", raw=b'{"tool_name": ')
    assert status == 400
    assert "not valid JSON" in answer["message"]


def test_create_experiment_nan_rejected(alice) -> None:
    raw = b'{"tool_name": "t", "parameters": [{"name": "x", "type": "float", "minimum": NaN, '
    raw += b'"maximum": 1}], "command_template_string": "echo ${x}"}'
    status, answer = alice.request("POST", "/experiments", raw=raw)
    assert status == 400
    assert "NaN" in answer["message"]


def test_create_experiment_array_body(alice) -> None:
    status, answer = alice.request("POST", "/experiments", [1, 2])
    assert status == 400
    assert "JSON object" in answer["message"]


def test_create_experiment_empty_body(alice) -> None:
    status, answer = alice.request("POST", "/experiments")
    assert status == 400
    assert "JSON body" in answer["message"]


def test_start_run_unknown_optimizer(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    body = {"optimizer": {"type": "annealing"}}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", body)
    assert status == 400
    assert "optimizer" in answer["message"]
    assert "annealing" in answer["message"]


def test_start_run_wrong_optimizer_field_type(alice) -> None:
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    body = {"optimizer": {"type": "grid", "num_configs_per_param": "two"}}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", body)
    assert status == 400
    assert "optimizer.num_configs_per_param" in answer["message"]
    assert "two" in answer["message"]


def test_start_run_grid_too_large(alice) -> None:
    parameters = [
        {"name": name, "type": "int", "minimum": 0, "maximum": 1000} for name in ("a", "b", "c")
    ]
    body = experiment_body(parameters=parameters, command_template_string="echo ${a} ${b} ${c}")
    _, experiment = alice.request("POST", "/experiments", body)
    optimizer = {"optimizer": {"type": "grid", "num_configs_per_param": 100}}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", optimizer)
    assert status == 400
    assert "1000000" in answer["message"]


def test_create_experiment_bad_instance_type(alice) -> None:
    compute = {"type": "ec2", "instance_model": "t2 small; rm", "ami": "ami-073e3f122e47832bf"}
    status, answer = alice.request("POST", "/experiments", experiment_body(compute=compute))
    assert status == 400
    assert "compute.instance_model" in answer["message"]


@pytest.mark.parametrize("depth", [33, 1000, 5000])
def test_deeply_nested_body_is_400(alice, depth: int) -> None:
    raw = b"[" * depth + b"]" * depth
    status, answer = alice.request("POST", "/experiments", raw=raw)
    assert status == 400
    assert "nested deeper" in answer["message"]


def test_huge_integer_is_400(alice) -> None:
    raw = json.dumps(experiment_body()).replace('"maximum": 5', '"maximum": ' + "9" * 400)
    status, answer = alice.request("POST", "/experiments", raw=raw.encode())
    assert status == 400
    assert "digits" in answer["message"]


def test_float_overflow_is_400_with_valid_json(alice) -> None:
    raw = json.dumps(experiment_body()).replace('"maximum": 5', '"maximum": 1e999')
    status, answer = alice.request("POST", "/experiments", raw=raw.encode())
    assert status == 400
    assert "1e999" in answer["message"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"parameters": [{"name": "x", "type": "int", "minimum": "1", "maximum": 5}]}, "minimum"),
        ({"parameters": [{"name": "x", "type": "int", "minimum": True, "maximum": 5}]}, "minimum"),
        (
            {"parameters": [{"name": "x", "type": "float", "minimum": -1e308, "maximum": 1e308}]},
            "outside",
        ),
        ({"tool_name": "bad\u0000name"}, "tool_name"),
        ({"command_template_string": "sleep ${x} ${typo}"}, "${typo}"),
    ],
)
def test_create_experiment_rejects_loose_input(alice, overrides: dict, fragment: str) -> None:
    status, answer = alice.request("POST", "/experiments", experiment_body(**overrides))
    assert status == 400
    assert fragment in answer["message"]


def test_upper_case_placeholder_is_left_for_bash(alice) -> None:
    body = experiment_body(command_template_string="echo ${HOME}; sleep 0.0${x}")
    status, _ = alice.request("POST", "/experiments", body)
    assert status == 201


@pytest.mark.parametrize(
    "start_key",
    [
        [1, 2],
        {"experiment_id": {"S": "EXP"}, "trial_number": {"N": "abc"}},
        {"experiment_id": {"S": "EXP"}, "trial_number": {"N": "9" * 41}},
        {"experiment_id": {"S": "EXP"}, "trial_number": {"S": "2"}},
        {"experiment_id": {"S": "EXP"}, "trial_number": 2},
        {"experiment_id": "EXP", "trial_number": 2},
    ],
)
def test_forged_next_token_is_400(alice, start_key) -> None:  # noqa: ANN001
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    forged = json.dumps(start_key).replace("EXP", experiment["id"])
    token = base64.urlsafe_b64encode(forged.encode()).decode()
    status, answer = alice.request(
        "GET", f"/experiments/{experiment['id']}/trials?next_token={token}"
    )
    assert status == 400
    assert "next_token" in answer["message"]
