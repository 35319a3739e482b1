"""Validation of experiment and run bodies, parameter types, content hashes and grid sizes."""

from __future__ import annotations

import copy
import random
import shlex
import subprocess

import pytest
from pydantic import ValidationError

from paropt.specs import (
    BayesOptimizer,
    BoolParameter,
    CategoricalParameter,
    ConstantParameter,
    EC2Compute,
    ExperimentSpec,
    GridOptimizer,
    LocalCompute,
    NumericParameter,
    RunRequest,
    grid_size,
    grid_values,
)
from paropt.specs.errors import describe_errors, summarize

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
RATIO = {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9}


def experiment(**overrides: object) -> dict:
    """Return a copy of ``LOCAL_BODY`` with top-level fields replaced."""
    body = copy.deepcopy(LOCAL_BODY)
    body.update(overrides)
    return body


def with_level(level: dict) -> dict:
    """Return ``LOCAL_BODY`` with the parameter ``level`` replaced by ``level``."""
    return experiment(parameters=[level, copy.deepcopy(RATIO)])


def int_parameter(name: str = "n", minimum: float = 0, maximum: float = 10) -> NumericParameter:
    return NumericParameter(name=name, type="int", minimum=minimum, maximum=maximum)


def float_parameter(
    name: str = "x", minimum: float = 0.0, maximum: float = 1.0
) -> NumericParameter:
    return NumericParameter(name=name, type="float", minimum=minimum, maximum=maximum)


def validation_errors(body: dict) -> list[dict]:
    """Validate ``body`` as an experiment and return the described errors."""
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate(body)
    return describe_errors(caught.value)


def validation_message(body: dict) -> str:
    """Validate ``body`` as an experiment and return the one-line summary of the error.

    The summary names fields without the tags of discriminated unions, such as
    ``parameters[0].minimum`` for Pydantic's location ``parameters.0.int.minimum``.
    """
    return summarize(validation_errors(body))


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
    body = with_level({"name": "level", "type": "int", "minimum": 1.0, "maximum": 9.0})
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


def test_spec_every_parameter_type_accepted() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1, "maximum": 512, "log": True},
            {"name": "ratio", "type": "float", "minimum": 1e-3, "maximum": 1.0, "log": True},
        ],
        command_template_string="run ${level} ${ratio} ${mode} ${fast} ${tag}",
    )
    body["parameters"] += [
        {"name": "mode", "type": "categorical", "values": ["a", 2, 2.5]},
        {"name": "fast", "type": "bool"},
        {"name": "tag", "type": "constant", "value": "v1"},
    ]
    spec = ExperimentSpec.model_validate(body)
    assert isinstance(spec.parameter("mode"), CategoricalParameter)
    assert isinstance(spec.parameter("fast"), BoolParameter)
    assert isinstance(spec.parameter("tag"), ConstantParameter)
    assert spec.parameter("level").log is True
    assert [parameter.name for parameter in spec.searched] == ["level", "ratio", "mode", "fast"]
    assert spec.space_size() is None


def test_spec_space_size_finite() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1, "maximum": 9},
            {"name": "ratio", "type": "categorical", "values": [0.25, 0.5]},
        ]
    )
    assert ExperimentSpec.model_validate(body).space_size() == 18


def test_run_request_bayesopt_body() -> None:
    request = RunRequest.model_validate(
        {"optimizer": {"type": "bayesopt", "n_init": 2, "n_iter": 2}}
    )
    assert isinstance(request.optimizer, BayesOptimizer)
    assert request.optimizer.n_init == 2
    assert request.optimizer.n_iter == 2
    assert request.optimizer.seed is None


def test_run_request_bayesopt_random_seed() -> None:
    request = RunRequest.model_validate({"optimizer": {"type": "bayesopt", "random_seed": 7}})
    assert request.optimizer.seed == 7


def test_run_request_grid_body() -> None:
    request = RunRequest.model_validate({"optimizer": {"type": "grid", "num_configs_per_param": 2}})
    assert isinstance(request.optimizer, GridOptimizer)
    assert request.optimizer.num_configs_per_param == 2


def test_run_request_default_bayesopt() -> None:
    for request in (RunRequest(), RunRequest.model_validate({})):
        assert isinstance(request.optimizer, BayesOptimizer)
        assert request.optimizer.n_init == 2
        assert request.optimizer.n_iter == 2


@pytest.mark.parametrize("kind", ["random", "tpe", "coordinate", "auto"])
def test_run_request_other_optimizers(kind: str) -> None:
    request = RunRequest.model_validate({"optimizer": {"type": kind, "n_trials": 7, "seed": 3}})
    assert request.optimizer.type == kind
    assert request.optimizer.n_trials == 7
    assert request.optimizer.seed == 3


# Stopping rules


def test_stopping_maps_legacy_fields() -> None:
    request = RunRequest.model_validate(
        {
            "optimizer": {
                "type": "bayesopt",
                "budget": 30,
                "converge_thres": 0.01,
                "converge_steps": 3,
            }
        }
    )
    rules = request.stopping()
    assert rules.budget == 30.0
    assert rules.patience == 3
    assert rules.min_improvement == 0.01


def test_stopping_top_level_fields_win() -> None:
    request = RunRequest.model_validate(
        {
            "budget": 10,
            "patience": 2,
            "optimizer": {
                "type": "grid",
                "budget": 30,
                "converge_thres": 0.01,
                "converge_steps": 3,
            },
        }
    )
    rules = request.stopping()
    assert rules.budget == 10.0
    assert rules.patience == 2
    assert rules.min_improvement == 0.0


def test_stopping_without_legacy_fields() -> None:
    rules = RunRequest.model_validate({"max_trials": 5, "target": 1.5}).stopping()
    assert rules.max_trials == 5
    assert rules.target == 1.5
    assert rules.budget is None
    assert rules.patience is None
    assert rules.min_improvement == 0.0


# Rejected experiment bodies


def test_spec_minimum_above_maximum() -> None:
    message = validation_message(
        with_level({"name": "level", "type": "int", "minimum": 9, "maximum": 2})
    )
    assert message.startswith("invalid parameters[0]:")
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
    assert message.startswith("invalid parameters[1]:")
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
    assert message.startswith("invalid parameters:")
    assert "'level'" in message
    assert "declared twice" in message


@pytest.mark.parametrize(("bound", "value"), [("minimum", 0.5), ("maximum", 8.25)])
def test_spec_int_bound_not_integer(bound: str, value: float) -> None:
    parameter = {"name": "level", "type": "int", "minimum": 1, "maximum": 9}
    parameter[bound] = value
    message = validation_message(with_level(parameter))
    assert message.startswith("invalid parameters[0]:")
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
    assert message.startswith(f"invalid parameters[1].{bound}:")
    assert "finite number" in message
    assert repr(value) in message


def test_spec_json_nan_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate_json(
            '{"tool_name": "t", "command_template_string": "echo ${x}",'
            ' "parameters": [{"name": "x", "type": "float", "minimum": NaN, "maximum": 1}]}'
        )
    message = summarize(describe_errors(caught.value))
    assert message.startswith("invalid parameters[0].minimum:")
    assert "finite number" in message


@pytest.mark.parametrize("field", ["tool_name", "parameters", "command_template_string"])
def test_spec_missing_field(field: str) -> None:
    body = experiment()
    del body[field]
    message = validation_message(body)
    assert message.startswith(f"invalid {field}:")
    assert "Field required" in message


@pytest.mark.parametrize("field", ["name", "minimum", "maximum"])
def test_spec_parameter_missing_field(field: str) -> None:
    parameter = {"name": "ratio", "type": "float", "minimum": 0.1, "maximum": 0.9}
    del parameter[field]
    body = experiment(
        parameters=[{"name": "level", "type": "int", "minimum": 1, "maximum": 9}, parameter]
    )
    message = validation_message(body)
    assert message.startswith(f"invalid parameters[1].{field}:")
    assert "Field required" in message


def test_spec_parameter_missing_type() -> None:
    body = experiment(
        parameters=[
            {"name": "level", "type": "int", "minimum": 1, "maximum": 9},
            {"name": "ratio", "minimum": 0.1, "maximum": 0.9},
        ]
    )
    message = validation_message(body)
    assert message.startswith("invalid parameters[1]:")
    assert "discriminator 'type'" in message


@pytest.mark.parametrize(
    ("overrides", "location", "value"),
    [
        ({"tool_name": 42}, "tool_name", "42"),
        ({"parameters": "level"}, "parameters", '"level"'),
        ({"command_template_string": ["gzip"]}, "command_template_string", '["gzip"]'),
        ({"compute": {"type": "local", "max_threads": "many"}}, "compute.max_threads", '"many"'),
        (
            {
                "parameters": [
                    {"name": "level", "type": "int", "minimum": "low", "maximum": 9},
                    RATIO,
                ]
            },
            "parameters[0].minimum",
            '"low"',
        ),
    ],
)
def test_spec_wrong_type(overrides: dict, location: str, value: str) -> None:
    message = validation_message(experiment(**overrides))
    assert message.startswith(f"invalid {location}:")
    assert f"(got {value})" in message


def test_spec_unknown_parameter_type() -> None:
    message = validation_message(
        with_level({"name": "level", "type": "string", "minimum": 0, "maximum": 1})
    )
    assert message.startswith("invalid parameters[0]:")
    assert "'string'" in message
    assert "'bool'" in message


def test_spec_unknown_field() -> None:
    message = validation_message(experiment(tool_version="1.2"))
    assert message.startswith("invalid tool_version:")
    assert "Extra inputs are not permitted" in message


def test_spec_unknown_compute_type() -> None:
    message = validation_message(experiment(compute={"type": "gpu"}))
    assert message.startswith("invalid compute:")
    assert "'gpu'" in message


def test_spec_invalid_ami() -> None:
    body = copy.deepcopy(EC2_BODY)
    body["compute"]["ami"] = "image-1"
    message = validation_message(body)
    assert message.startswith("invalid compute.ami:")
    assert '"image-1"' in message


def test_spec_raw_error_keeps_union_tag() -> None:
    # Pydantic's own text includes the tag, but describe_errors drops it.
    body = with_level({"name": "level", "type": "int", "minimum": "low", "maximum": 9})
    with pytest.raises(ValidationError) as caught:
        ExperimentSpec.model_validate(body)
    assert "parameters.0.int.minimum" in str(caught.value)
    assert describe_errors(caught.value)[0]["field"] == "parameters[0].minimum"


# Parameter types


@pytest.mark.parametrize("kind", ["int", "float"])
@pytest.mark.parametrize("minimum", [0, -1])
def test_log_minimum_not_positive(kind: str, minimum: int) -> None:
    level = {"name": "level", "type": kind, "minimum": minimum, "maximum": 9, "log": True}
    message = validation_message(with_level(level))
    assert message.startswith("invalid parameters[0]:")
    assert "'level'" in message
    assert "positive minimum" in message


def test_log_values_geometric() -> None:
    parameter = NumericParameter(name="x", type="float", minimum=1, maximum=1000, log=True)
    assert parameter.grid_values(4) == pytest.approx([1.0, 10.0, 100.0, 1000.0])
    assert parameter.to_unit(10.0) == pytest.approx(1 / 3)
    assert parameter.from_unit(2 / 3) == pytest.approx(100.0)


def test_log_int_samples_in_range() -> None:
    parameter = NumericParameter(name="n", type="int", minimum=1, maximum=1024, log=True)
    rng = random.Random(1)
    samples = [parameter.sample(rng) for _ in range(2000)]
    assert all(type(sample) is int for sample in samples)
    assert min(samples) >= 1
    assert max(samples) <= 1024
    # Log-uniform: about half of the draws lie below sqrt(1024) = 32.
    assert 800 < sum(sample < 32 for sample in samples) < 1200


@pytest.mark.parametrize(
    ("kind", "bound", "expected"), [("int", 4, 4), ("float", 0.5, 0.5), ("float", 3, 3.0)]
)
def test_equal_bounds_one_value(kind: str, bound: float, expected: float) -> None:
    parameter = NumericParameter(name="x", type=kind, minimum=bound, maximum=bound)
    assert parameter.size() == 1
    assert parameter.grid_values(5) == [expected]
    assert parameter.sample(random.Random(1)) == expected
    assert type(parameter.sample(random.Random(1))) is type(expected)


def test_equal_bounds_space_size() -> None:
    body = with_level({"name": "level", "type": "int", "minimum": 3, "maximum": 3})
    body["parameters"][1] = {"name": "ratio", "type": "float", "minimum": 0.5, "maximum": 0.5}
    assert ExperimentSpec.model_validate(body).space_size() == 1


@pytest.mark.parametrize("values", [["a", "b", "a"], [1, 2, 1], [2.5, 2.5]])
def test_categorical_duplicates_rejected(values: list) -> None:
    message = validation_message(
        with_level({"name": "level", "type": "categorical", "values": values})
    )
    assert message.startswith("invalid parameters[0].values:")
    assert "listed twice" in message


def test_categorical_bool_value_rejected() -> None:
    level = {"name": "level", "type": "categorical", "values": [True, False]}
    message = validation_message(with_level(level))
    assert message.startswith("invalid parameters[0].values:")
    assert "use a 'bool' parameter" in message


def test_categorical_empty_rejected() -> None:
    message = validation_message(with_level({"name": "level", "type": "categorical", "values": []}))
    assert message.startswith("invalid parameters[0].values:")


def test_categorical_keeps_value_types() -> None:
    parameter = CategoricalParameter(name="c", type="categorical", values=["1", 1, 1.0])
    assert parameter.normalize("1") == "1"
    assert type(parameter.normalize(1)) is int
    assert type(parameter.normalize(1.0)) is float
    assert parameter.render(1) == "1"
    assert parameter.render(1.0) == "1.0"
    with pytest.raises(ValueError, match="not one of"):
        parameter.normalize("2")


def test_bool_parameter_values() -> None:
    parameter = BoolParameter(name="b", type="bool")
    assert parameter.size() == 2
    assert parameter.grid_values(10) == [False, True]
    assert parameter.render(True) == "true"
    assert parameter.render(False) == "false"
    assert parameter.normalize("TRUE") is True
    assert parameter.normalize(0) is False
    with pytest.raises(ValueError, match="is a bool"):
        parameter.normalize("yes")


def test_constant_parameter_fixed() -> None:
    parameter = ConstantParameter(name="k", type="constant", value="fast mode")
    assert parameter.size() == 1
    assert parameter.normalize("anything") == "fast mode"
    assert parameter.render("anything") == "'fast mode'"


UNSAFE_STRINGS = [
    "a; rm -rf /",
    "$(whoami)",
    "`id`",
    "it's",
    'say "hi"',
    "line1\nline2",
    "tab\there",
    "a b",
    "*",
    "~root",
    "a&&b|c>d",
    "",
]


@pytest.mark.parametrize("value", UNSAFE_STRINGS)
def test_render_string_one_word(value: str) -> None:
    parameter = CategoricalParameter(name="c", type="categorical", values=[value])
    rendered = parameter.render(value)
    assert shlex.split(rendered) == [value]


@pytest.mark.parametrize("value", UNSAFE_STRINGS)
def test_render_string_bash_prints_value(value: str) -> None:
    # bash itself reads the rendered text back as the one original word.
    rendered = ConstantParameter(name="k", type="constant", value=value).render(value)
    result = subprocess.run(
        ["bash", "-c", f"printf '%s' {rendered}"], capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 0
    assert result.stdout == value


@pytest.mark.parametrize("value", ["fast", "a-b_c.d", "key=value", "/usr/bin", "1,2:3"])
def test_render_safe_string_unquoted(value: str) -> None:
    parameter = CategoricalParameter(name="c", type="categorical", values=[value])
    assert parameter.render(value) == value


# Rejected optimiser bodies


def run_request_errors(body: dict) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        RunRequest.model_validate(body)
    return describe_errors(caught.value)


def run_request_message(body: dict) -> str:
    return summarize(run_request_errors(body))


def test_run_request_unknown_optimizer_type() -> None:
    message = run_request_message({"optimizer": {"type": "genetic"}})
    assert message.startswith("invalid optimizer:")
    assert "'genetic'" in message
    assert "'tpe'" in message


def test_run_request_missing_optimizer_type() -> None:
    message = run_request_message({"optimizer": {"n_init": 2}})
    assert message.startswith("invalid optimizer:")
    assert "'type'" in message


def test_run_request_wrong_type() -> None:
    errors = run_request_errors({"optimizer": {"type": "grid", "num_configs_per_param": "x"}})
    assert {error["field"] for error in errors} == {"optimizer.num_configs_per_param"}
    assert all(error["value"] == "x" for error in errors)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_run_request_not_finite(value: float) -> None:
    message = run_request_message({"optimizer": {"type": "bayesopt", "n_init": value}})
    assert message.startswith("invalid optimizer.n_init:")
    assert repr(value) in message


def test_run_request_negative_n_iter() -> None:
    message = run_request_message({"optimizer": {"type": "bayesopt", "n_iter": -1}})
    assert message.startswith("invalid optimizer.n_iter:")
    assert "(got -1)" in message


def test_run_request_unknown_field() -> None:
    message = run_request_message({"optimizer": {"type": "grid", "n_init": 2}})
    assert message.startswith("invalid optimizer.n_init:")
    assert "Extra inputs are not permitted" in message


# Grid counts per parameter


def test_grid_counts_dict_accepted() -> None:
    request = RunRequest.model_validate(
        {"optimizer": {"type": "grid", "num_configs_per_param": {"level": 5, "ratio": 3}}}
    )
    assert request.optimizer.count_for("level") == 5
    assert request.optimizer.count_for("ratio") == 3
    # A parameter missing from the dict gets the default of two values.
    assert request.optimizer.count_for("other") == 2


def test_grid_size_counts_dict() -> None:
    spec = ExperimentSpec.model_validate(LOCAL_BODY)
    settings = GridOptimizer(type="grid", num_configs_per_param={"level": 9})
    assert grid_size(spec, settings) == 18


@pytest.mark.parametrize("count", [0, 10_001])
def test_grid_counts_dict_out_of_range(count: int) -> None:
    errors = run_request_errors(
        {"optimizer": {"type": "grid", "num_configs_per_param": {"level": count}}}
    )
    fields = [error["field"] for error in errors]
    assert "optimizer.num_configs_per_param.level" in fields


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


@pytest.mark.parametrize("name", ["   ", "\u3000"])
def test_spec_blank_tool_name_rejected(name: str) -> None:
    (error,) = validation_errors(experiment(tool_name=name))
    assert error["field"] == "tool_name"
    assert "blank" in error["message"]


def test_spec_bidi_override_in_tool_name_rejected() -> None:
    (error,) = validation_errors(experiment(tool_name="safe\u202egnp.exe"))
    assert error["field"] == "tool_name"
    assert "U+202E" in error["message"]


def test_spec_accented_tool_name_accepted() -> None:
    assert (
        ExperimentSpec.model_validate(experiment(tool_name="café-tool 2")).tool_name
        == "café-tool 2"
    )
