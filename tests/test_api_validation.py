"""Invalid bodies get a 400 whose message names the field and the value."""

from __future__ import annotations

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
        ({"compute": {"type": "local", "max_threads": 0}}, ["compute.local.max_threads", "0"]),
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
    assert "optimizer.grid.num_configs_per_param" in answer["message"]
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


def test_start_run_ec2_compute_rejected(alice) -> None:
    compute = {"type": "ec2", "instance_model": "t2.small", "ami": "ami-073e3f122e47832bf"}
    _, experiment = alice.request("POST", "/experiments", experiment_body(compute=compute))
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", {})
    assert status == 400
    assert "ec2" in answer["message"]
