"""Validation of experiment and optimiser bodies, content hashes and grid sizes."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from paropt.specs import (
    BayesOptimizer,
    EC2Compute,
    ExperimentSpec,
    GridOptimizer,
    LocalCompute,
    NumericParameter,
    RunRequest,
    grid_size,
    grid_values,
)

# Bodies in the form that the previous paropt service accepted.
EC2_BODY = {
    "tool_name": "mytool",
    "parameters": [{"name": "parameterA", "type": "int", "minimum": 0, "maximum": 10}],
    "compute": {
        "type": "ec2",
        "instance_model": "t2.small",
        "instance_family": "t2",
        "ami": "ami-073e3f122e47832bf",
    },
    "command_template_string": 'echo "HELLO WORLD"\n sleep ${parameterA}',
}

LOCAL_BODY = {
    "tool_name": "compressor",
    "parameters": [
        {"name": "level", "type": "int", "minimum": 1, "maximum": 9},
        {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
    ],
    "compute": {"type": "local", "max_threads": 7},
    "setup_template_string": "head -c 1000000 /dev/urandom > input.bin",
    "command_template_string": "gzip -${level} -k input.bin",
    "finish_template_string": "echo ratio ${ratio}; rm -f input.bin input.bin.gz",
}


def experiment(**overrides: object) -> dict:
    """Return a copy of ``LOCAL_BODY`` with top-level fields replaced."""
    body = copy.deepcopy(LOCAL_BODY)
    body.update(overrides)
    return body


def int_parameter(name: str = "n", minimum: float = 0, maximum: float = 10) -> NumericParameter:
    return NumericParameter(name=name, type="int", minimum=minimum, maximum=maximum)


def float_parameter(
    name: str = "x", minimum: float = 0.0, maximum: float = 1.0
) -> NumericParameter:
    return NumericParameter(name=name, type="float", minimum=minimum, maximum=maximum)


def validation_message(body: dict) -> str:
    """Validate ``body`` as an experiment and return the text of the expected error."""
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate(body)
    return str(caught.value)


# Accepted bodies


def test_spec_ec2_body_accepted() -> None:
    spec = ExperimentSpec.model_validate(EC2_BODY)
    assert spec.tool_name == "mytool"
    assert isinstance(spec.compute, EC2Compute)
    assert spec.compute.instance_model == "t2.small"
    assert spec.compute.instance_family == "t2"
    assert spec.compute.ami == "ami-073e3f122e47832bf"
    assert spec.parameter("parameterA").low == 0
    assert spec.parameter("parameterA").high == 10
    assert spec.command_template_string == EC2_BODY["command_template_string"]
    assert spec.setup_template_string is None
    assert spec.finish_template_string is None


def test_spec_local_body_accepted() -> None:
    spec = ExperimentSpec.model_validate(LOCAL_BODY)
    assert isinstance(spec.compute, LocalCompute)
    assert spec.compute.max_threads == 7
    assert spec.setup_template_string == LOCAL_BODY["setup_template_string"]
    assert spec.command_template_string == LOCAL_BODY["command_template_string"]
    assert spec.finish_template_string == LOCAL_BODY["finish_template_string"]
    assert [parameter.name for parameter in spec.parameters] == ["level", "ratio"]
    assert spec.parameter("ratio").type == "float"


def test_spec_compute_defaults_to_local() -> None:
    body = experiment()
    del body["compute"]
    spec = ExperimentSpec.model_validate(body)
    assert isinstance(spec.compute, LocalCompute)
    assert spec.compute.max_threads == 1


def test_spec_int_bounds_as_integral_floats() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1.0, "maximum": 9.0},
            {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
        ]
    )
    level = ExperimentSpec.model_validate(body).parameter("level")
    assert level.low == 1
    assert type(level.low) is int
    assert level.high == 9
    assert type(level.high) is int


def test_spec_json_body_accepted() -> None:
    spec = ExperimentSpec.model_validate_json(
        '{"tool_name": "t", "command_template_string": "sleep ${n}",'
        ' "parameters": [{"name": "n", "type": "int", "minimum": 1, "maximum": 3}]}'
    )
    assert spec.parameter("n").high == 3


def test_run_request_bayesopt_body() -> None:
    request = RunRequest.model_validate(
        {"optimizer": {"type": "bayesopt", "n_init": 2, "n_iter": 2}}
    )
    assert isinstance(request.optimizer, BayesOptimizer)
    assert request.optimizer.n_init == 2
    assert request.optimizer.n_iter == 2
    assert request.optimizer.random_seed is None


def test_run_request_grid_body() -> None:
    request = RunRequest.model_validate({"optimizer": {"type": "grid", "num_configs_per_param": 2}})
    assert isinstance(request.optimizer, GridOptimizer)
    assert request.optimizer.num_configs_per_param == 2


def test_run_request_default_bayesopt() -> None:
    for request in (RunRequest(), RunRequest.model_validate({})):
        assert isinstance(request.optimizer, BayesOptimizer)
        assert request.optimizer.n_init == 2
        assert request.optimizer.n_iter == 2


# Rejected experiment bodies


def test_spec_minimum_above_maximum() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 9, "maximum": 2},
            {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
        ]
    )
    message = validation_message(body)
    assert "parameters.0" in message
    assert "'level'" in message
    assert "minimum 9" in message
    assert "maximum 2" in message


def test_spec_float_minimum_above_maximum() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1, "maximum": 9},
            {"name": "ratio", "type": "float", "minimum": 0.75, "maximum": 0.25},
        ]
    )
    message = validation_message(body)
    assert "parameters.1" in message
    assert "minimum 0.75" in message
    assert "maximum 0.25" in message


def test_spec_placeholder_names_no_parameter() -> None:
    message = validation_message(experiment(command_template_string="gzip -${level} ${threads}"))
    assert "command_template_string" in message
    assert "${threads}" in message


def test_spec_placeholder_in_setup_names_no_parameter() -> None:
    message = validation_message(experiment(setup_template_string="mkdir ${workdir}"))
    assert "setup_template_string" in message
    assert "${workdir}" in message


def test_spec_parameter_unused() -> None:
    body = experiment(finish_template_string="rm -f input.bin input.bin.gz")
    message = validation_message(body)
    assert "'ratio'" in message
    assert "used by no template" in message


def test_spec_shell_variables_not_placeholders() -> None:
    # $HOME and awk fields are bash syntax, so they neither need nor name a parameter.
    body = experiment(
        command_template_string="gzip -${level} -k $HOME/input.bin | awk '{print $1}'"
    )
    spec = ExperimentSpec.model_validate(body)
    assert "$HOME" in spec.command_template_string


def test_spec_duplicate_parameter_names() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1, "maximum": 9},
            {"name": "level", "type": "int", "minimum": 1, "maximum": 5},
            {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
        ]
    )
    message = validation_message(body)
    assert "parameters" in message
    assert "'level'" in message
    assert "declared twice" in message


@pytest.mark.parametrize(("bound", "value"), [("minimum", 0.5), ("maximum", 8.25)])
def test_spec_int_bound_not_integer(bound: str, value: float) -> None:
    parameter = {"name": "level", "type": "int", "minimum": 1, "maximum": 9}
    parameter[bound] = value
    body = experiment(
        parameters=[parameter, {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9}]
    )
    message = validation_message(body)
    assert "parameters.0" in message
    assert f"{bound} {value}" in message
    assert "not an integer" in message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("bound", ["minimum", "maximum"])
def test_spec_bound_not_finite(bound: str, value: float) -> None:
    parameter = {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9}
    parameter[bound] = value
    body = experiment(
        parameters=[{"name": "level", "type": "int", "minimum": 1, "maximum": 9}, parameter]
    )
    message = validation_message(body)
    assert f"parameters.1.{bound}" in message
    assert "finite number" in message
    assert repr(value) in message


def test_spec_json_nan_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate_json(
            '{"tool_name": "t", "command_template_string": "echo ${x}",'
            ' "parameters": [{"name": "x", "type": "float", "minimum": NaN, "maximum": 1}]}'
        )
    message = str(caught.value)
    assert "parameters.0.minimum" in message
    assert "finite number" in message


@pytest.mark.parametrize("field", ["tool_name", "parameters", "command_template_string"])
def test_spec_missing_field(field: str) -> None:
    body = experiment()
    del body[field]
    message = validation_message(body)
    assert field in message
    assert "Field required" in message


@pytest.mark.parametrize("field", ["name", "type", "minimum", "maximum"])
def test_spec_parameter_missing_field(field: str) -> None:
    parameter = {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9}
    del parameter[field]
    body = experiment(
        parameters=[{"name": "level", "type": "int", "minimum": 1, "maximum": 9}, parameter]
    )
    message = validation_message(body)
    assert f"parameters.1.{field}" in message
    assert "Field required" in message


@pytest.mark.parametrize(
    ("overrides", "location", "value"),
    [
        ({"tool_name": 42}, "tool_name", "42"),
        ({"parameters": "level"}, "parameters", "'level'"),
        ({"command_template_string": ["gzip"]}, "command_template_string", "['gzip']"),
        ({"compute": {"type": "local", "max_threads": "many"}}, "max_threads", "'many'"),
        (
            {
                "parameters": [
                    {"name": "level", "type": "int", "minimum": "low", "maximum": 9},
                    {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
                ]
            },
            "parameters.0.minimum",
            "'low'",
        ),
        (
            {
                "parameters": [
                    {"name": "level", "type": "bool", "minimum": 0, "maximum": 1},
                    {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
                ]
            },
            "parameters.0.type",
            "'bool'",
        ),
    ],
)
def test_spec_wrong_type(overrides: dict, location: str, value: str) -> None:
    message = validation_message(experiment(**overrides))
    assert location in message
    assert f"input_value={value}" in message


def test_spec_unknown_field() -> None:
    message = validation_message(experiment(tool_version="1.2"))
    assert "tool_version" in message
    assert "Extra inputs are not permitted" in message


def test_spec_unknown_compute_type() -> None:
    message = validation_message(experiment(compute={"type": "gpu"}))
    assert "compute" in message
    assert "'gpu'" in message


def test_spec_invalid_ami() -> None:
    body = copy.deepcopy(EC2_BODY)
    body["compute"]["ami"] = "image-1"
    message = validation_message(body)
    assert "compute.ec2.ami" in message
    assert "'image-1'" in message


# Rejected optimiser bodies


def run_request_message(body: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        RunRequest.model_validate(body)
    return str(caught.value)


def test_run_request_unknown_optimizer_type() -> None:
    message = run_request_message({"optimizer": {"type": "random"}})
    assert "optimizer" in message
    assert "'random'" in message


def test_run_request_missing_optimizer_type() -> None:
    message = run_request_message({"optimizer": {"n_init": 2}})
    assert "optimizer" in message
    assert "'type'" in message


def test_run_request_wrong_type() -> None:
    message = run_request_message({"optimizer": {"type": "grid", "num_configs_per_param": "x"}})
    assert "optimizer.grid.num_configs_per_param" in message
    assert "input_value='x'" in message


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_run_request_not_finite(value: float) -> None:
    message = run_request_message({"optimizer": {"type": "bayesopt", "n_init": value}})
    assert "optimizer.bayesopt.n_init" in message
    assert repr(value) in message


def test_run_request_negative_n_iter() -> None:
    message = run_request_message({"optimizer": {"type": "bayesopt", "n_iter": -1}})
    assert "optimizer.bayesopt.n_iter" in message
    assert "input_value=-1" in message


def test_run_request_unknown_field() -> None:
    message = run_request_message({"optimizer": {"type": "grid", "n_init": 2}})
    assert "n_init" in message
    assert "Extra inputs are not permitted" in message


# Content hash


def test_content_hash_equal_specs() -> None:
    first = ExperimentSpec.model_validate(LOCAL_BODY)
    second = ExperimentSpec.model_validate(copy.deepcopy(LOCAL_BODY))
    assert first.content_hash() == second.content_hash()


def test_content_hash_ignores_key_order() -> None:
    reordered = dict(reversed(list(copy.deepcopy(LOCAL_BODY).items())))
    first = ExperimentSpec.model_validate(LOCAL_BODY)
    second = ExperimentSpec.model_validate(reordered)
    assert first.content_hash() == second.content_hash()


def test_content_hash_ignores_default_spelling() -> None:
    implicit = experiment()
    del implicit["compute"]
    explicit = experiment(compute={"type": "local"})
    first = ExperimentSpec.model_validate(implicit)
    second = ExperimentSpec.model_validate(explicit)
    assert first.content_hash() == second.content_hash()


@pytest.mark.parametrize(
    "overrides",
    [
        {"tool_name": "compressor2"},
        {"command_template_string": "gzip -${level} -k -f input.bin"},
        {"setup_template_string": None},
        {"compute": {"type": "local", "max_threads": 6}},
        {
            "parameters": [
                {"name": "level", "type": "int", "minimum": 1, "maximum": 8},
                {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
            ]
        },
        {
            "parameters": [
                {"name": "level", "type": "float", "minimum": 1, "maximum": 9},
                {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9},
            ]
        },
    ],
)
def test_content_hash_different_specs(overrides: dict) -> None:
    original = ExperimentSpec.model_validate(LOCAL_BODY)
    changed = ExperimentSpec.model_validate(experiment(**overrides))
    assert original.content_hash() != changed.content_hash()


# Grid values and sizes


def test_grid_values_int_deduplicated() -> None:
    assert grid_values(int_parameter(minimum=1, maximum=2), 3) == [1, 2]


def test_grid_values_int_are_ints() -> None:
    values = grid_values(int_parameter(minimum=0, maximum=10), 3)
    assert values == [0, 5, 10]
    assert all(type(value) is int for value in values)


def test_grid_values_int_more_configs_than_values() -> None:
    assert grid_values(int_parameter(minimum=1, maximum=3), 10) == [1, 2, 3]


def test_grid_values_float_evenly_spaced() -> None:
    values = grid_values(float_parameter(minimum=0.0, maximum=1.0), 5)
    assert values == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert all(type(value) is float for value in values)


def test_grid_values_include_bounds() -> None:
    values = grid_values(float_parameter(minimum=0.1, maximum=0.7), 4)
    assert len(values) == 4
    assert values[0] == 0.1
    assert values[-1] == 0.7


def test_grid_values_single_point_range() -> None:
    assert grid_values(int_parameter(minimum=4, maximum=4), 5) == [4]
    assert grid_values(float_parameter(minimum=0.5, maximum=0.5), 5) == [0.5]


def test_grid_values_one_config_is_midpoint() -> None:
    assert grid_values(float_parameter(minimum=0.0, maximum=1.0), 1) == [0.5]
    assert grid_values(int_parameter(minimum=0, maximum=10), 1) == [5]


def test_grid_size_product_of_axes() -> None:
    spec = ExperimentSpec.model_validate(LOCAL_BODY)
    assert grid_size(spec, GridOptimizer(type="grid", num_configs_per_param=3)) == 9


def test_grid_size_counts_distinct_values() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1, "maximum": 2},
            {"name": "ratio", "type": "float", "minimum": 0.5, "maximum": 0.5},
        ]
    )
    spec = ExperimentSpec.model_validate(body)
    assert grid_size(spec, GridOptimizer(type="grid", num_configs_per_param=3)) == 2
