"""The ask/tell contract of every optimiser, and the search quality of bayesopt."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from paropt.optimizers import (
    Configuration,
    Observation,
    Optimizer,
    build_optimizer,
    configuration_key,
)
from paropt.specs import BayesOptimizer, ExperimentSpec, GridOptimizer, OptimizerSpec

# Settings whose budget is far below the size of MIXED_SPACE.
BOUNDED_SETTINGS: dict[str, OptimizerSpec] = {
    "grid": GridOptimizer(type="grid", num_configs_per_param=3),
    "bayesopt": BayesOptimizer(type="bayesopt", n_init=3, n_iter=5),
}
# Settings whose budget is larger than every small integer space below.
LARGE_SETTINGS: dict[str, OptimizerSpec] = {
    "grid": GridOptimizer(type="grid", num_configs_per_param=10),
    "bayesopt": BayesOptimizer(type="bayesopt", n_init=2, n_iter=10),
}
# Upper bound on ask() calls in one test, so a run that never ends fails instead of hanging.
MAX_ASKS = 200


def make_spec(*parameters: dict) -> ExperimentSpec:
    command = " ".join(f"--{p['name']}=${{{p['name']}}}" for p in parameters)
    return ExperimentSpec.model_validate(
        {"tool_name": "tool", "parameters": list(parameters), "command_template_string": command}
    )


MIXED_SPACE = make_spec(
    {"name": "threads", "type": "int", "minimum": 1, "maximum": 64},
    {"name": "ratio", "type": "float", "minimum": 0.0, "maximum": 1.0},
)


def int_space(*ranges: tuple[int, int]) -> ExperimentSpec:
    return make_spec(
        *(
            {"name": f"n{index}", "type": "int", "minimum": low, "maximum": high}
            for index, (low, high) in enumerate(ranges)
        )
    )


def objective(configuration: Configuration) -> float:
    """Return a smooth, deterministic outcome that depends on every parameter."""
    return sum((float(value) - 0.3) ** 2 for value in configuration.values())


def drain(
    optimizer: Optimizer,
    outcome: Callable[[Configuration], float | None] | None = objective,
) -> list[Configuration]:
    """Ask until the optimiser returns None, and pass each configuration's outcome to tell().

    With ``outcome`` None, tell() is never called.
    """
    proposed: list[Configuration] = []
    for _ in range(MAX_ASKS):
        configuration = optimizer.ask()
        if configuration is None:
            return proposed
        proposed.append(configuration)
        if outcome is not None:
            optimizer.tell(configuration, outcome(configuration))
    raise AssertionError(f"optimiser still proposing after {MAX_ASKS} configurations")


def keys(spec: ExperimentSpec, configurations: Iterable[Configuration]) -> list[tuple]:
    return [configuration_key(spec, configuration) for configuration in configurations]


@pytest.fixture(params=["grid", "bayesopt"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


# Contract of every optimiser


def test_optimizer_configs_within_bounds(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=1)
    proposed = drain(optimizer)
    assert proposed
    for configuration in proposed:
        assert set(configuration) == {"threads", "ratio"}
        assert 1 <= configuration["threads"] <= 64
        assert 0.0 <= configuration["ratio"] <= 1.0


def test_optimizer_value_types(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=2)
    for configuration in drain(optimizer):
        assert type(configuration["threads"]) is int
        assert type(configuration["ratio"]) is float


def test_optimizer_no_duplicates(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=3)
    proposed = keys(MIXED_SPACE, drain(optimizer))
    assert len(proposed) == len(set(proposed))


def test_optimizer_planned_matches_proposed(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=4)
    planned = optimizer.planned
    assert planned > 0
    assert len(drain(optimizer)) == planned


def test_optimizer_none_after_done(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=5)
    drain(optimizer)
    assert optimizer.ask() is None
    assert optimizer.ask() is None


def test_optimizer_skips_history(kind: str) -> None:
    # Points of the three-values-per-parameter grid, which the grid would propose without history.
    history = [
        Observation(parameters={"threads": 1, "ratio": 0.0}, outcome=2.0),
        Observation(parameters={"threads": 32, "ratio": 0.5}, outcome=None),
        Observation(parameters={"threads": 64, "ratio": 1.0}, outcome=3.5),
    ]
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], history=history, seed=6)
    planned = optimizer.planned
    proposed = keys(MIXED_SPACE, drain(optimizer))
    measured = set(keys(MIXED_SPACE, (observation.parameters for observation in history)))
    assert measured.isdisjoint(proposed)
    assert len(proposed) == len(set(proposed))
    assert len(proposed) == planned


def test_optimizer_history_leaves_rest_of_space(kind: str) -> None:
    history = [
        Observation(parameters={"n0": 1}, outcome=1.0),
        Observation(parameters={"n0": 3}, outcome=None),
    ]
    optimizer = build_optimizer(int_space((1, 4)), LARGE_SETTINGS[kind], history=history, seed=7)
    proposed = [configuration["n0"] for configuration in drain(optimizer)]
    assert sorted(proposed) == [2, 4]
    assert optimizer.ask() is None


def test_optimizer_history_covers_space(kind: str) -> None:
    history = [Observation(parameters={"n0": value}, outcome=float(value)) for value in (1, 2, 3)]
    optimizer = build_optimizer(int_space((1, 3)), LARGE_SETTINGS[kind], history=history, seed=8)
    assert optimizer.ask() is None


def test_optimizer_small_int_space_exhausted(kind: str) -> None:
    optimizer = build_optimizer(int_space((1, 3)), LARGE_SETTINGS[kind], seed=9)
    proposed = [configuration["n0"] for configuration in drain(optimizer)]
    assert len(proposed) <= 3
    assert sorted(proposed) == [1, 2, 3]
    assert optimizer.ask() is None


def test_optimizer_two_int_params_exhausted(kind: str) -> None:
    spec = int_space((1, 3), (0, 1))
    optimizer = build_optimizer(spec, LARGE_SETTINGS[kind], seed=10)
    proposed = keys(spec, drain(optimizer))
    assert len(proposed) == len(set(proposed))
    assert sorted(proposed) == [(n0, n1) for n0 in (1, 2, 3) for n1 in (0, 1)]


def test_optimizer_single_point_space(kind: str) -> None:
    spec = make_spec(
        {"name": "n", "type": "int", "minimum": 5, "maximum": 5},
        {"name": "x", "type": "float", "minimum": 0.5, "maximum": 0.5},
    )
    optimizer = build_optimizer(spec, LARGE_SETTINGS[kind], seed=11)
    assert drain(optimizer) == [{"n": 5, "x": 0.5}]


def test_optimizer_failed_outcomes_accepted(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=12)
    planned = optimizer.planned
    proposed = drain(optimizer, outcome=lambda configuration: None)
    assert len(proposed) == planned
    assert len(set(keys(MIXED_SPACE, proposed))) == planned


def test_optimizer_mixed_outcomes_accepted(kind: str) -> None:
    count = 0

    def every_other_fails(configuration: Configuration) -> float | None:
        nonlocal count
        count += 1
        return None if count % 2 else objective(configuration)

    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=13)
    planned = optimizer.planned
    assert len(drain(optimizer, outcome=every_other_fails)) == planned


def test_optimizer_ask_without_tell(kind: str) -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS[kind], seed=14)
    planned = optimizer.planned
    proposed = keys(MIXED_SPACE, drain(optimizer, outcome=None))
    assert len(proposed) == planned
    assert len(set(proposed)) == planned


# Bayesian optimisation


def bayesopt(n_init: int, n_iter: int, random_seed: int | None = None) -> BayesOptimizer:
    return BayesOptimizer(type="bayesopt", n_init=n_init, n_iter=n_iter, random_seed=random_seed)


def test_bayesopt_seed_reproducible() -> None:
    first = drain(build_optimizer(MIXED_SPACE, bayesopt(3, 4), seed=21))
    second = drain(build_optimizer(MIXED_SPACE, bayesopt(3, 4), seed=21))
    assert len(first) == 7
    assert first == second


def test_bayesopt_random_seed_setting() -> None:
    from_setting = drain(build_optimizer(MIXED_SPACE, bayesopt(3, 4, random_seed=21)))
    from_argument = drain(build_optimizer(MIXED_SPACE, bayesopt(3, 4), seed=21))
    assert from_setting == from_argument


def test_bayesopt_seeds_differ() -> None:
    first = drain(build_optimizer(MIXED_SPACE, bayesopt(3, 1), seed=21))
    second = drain(build_optimizer(MIXED_SPACE, bayesopt(3, 1), seed=22))
    assert first != second


def test_bayesopt_history_counts_towards_n_init() -> None:
    history = [
        Observation(parameters={"threads": 8, "ratio": 0.25}, outcome=1.0),
        Observation(parameters={"threads": 40, "ratio": 0.75}, outcome=2.0),
    ]
    optimizer = build_optimizer(MIXED_SPACE, bayesopt(2, 3), history=history, seed=23)
    assert optimizer.planned == 5
    assert len(drain(optimizer)) == 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bayesopt_approaches_minimum(seed: int) -> None:
    # A uniform random search over [-5, 5] lands within 0.05 of the minimum in 15 trials
    # with probability 1 - 0.99**15, about 14 %, so it would fail this test for most seeds.
    spec = make_spec({"name": "x", "type": "float", "minimum": -5.0, "maximum": 5.0})
    optimizer = build_optimizer(spec, bayesopt(3, 12), seed=seed)
    proposed = drain(optimizer, outcome=lambda configuration: (configuration["x"] - 1.3) ** 2)
    best = min(proposed, key=lambda configuration: abs(configuration["x"] - 1.3))
    assert len(proposed) == 15
    assert abs(best["x"] - 1.3) < 0.05
