"""The ask/tell contract of every optimiser, and the behaviour specific to each type."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable

import pytest

from paropt.optimizers import (
    Configuration,
    Observation,
    Optimizer,
    build_optimizer,
    configuration_key,
)
from paropt.optimizers.auto import choose_optimizer
from paropt.optimizers.bayesopt import BayesianOptimizer
from paropt.optimizers.grid import GridSearch
from paropt.optimizers.random_search import RandomSearch
from paropt.specs import (
    AutoOptimizer,
    BayesOptimizer,
    CoordinateOptimizer,
    ExperimentSpec,
    GridOptimizer,
    OptimizerSpec,
    RandomOptimizer,
    TPEOptimizer,
)

KINDS = ["grid", "random", "bayesopt", "tpe", "coordinate", "auto"]
# Upper bound on ask() calls in one test, so a run that never ends fails instead of hanging.
MAX_ASKS = 200


def make_spec(*parameters: dict) -> ExperimentSpec:
    command = " ".join(f"--{p['name']}=${{{p['name']}}}" for p in parameters)
    return ExperimentSpec.model_validate(
        {"tool_name": "tool", "parameters": list(parameters), "command_template_string": command}
    )


INT = {"name": "threads", "type": "int", "minimum": 1, "maximum": 64}
FLOAT = {"name": "ratio", "type": "float", "minimum": -1.0, "maximum": 1.0}
LOG_FLOAT = {"name": "rate", "type": "float", "minimum": 1e-4, "maximum": 0.1, "log": True}
LOG_INT = {"name": "block", "type": "int", "minimum": 2, "maximum": 4096, "log": True}
STRINGS = {"name": "mode", "type": "categorical", "values": ["fast", "slow", "a b; $(rm -rf /)"]}
NUMBERS = {"name": "level", "type": "categorical", "values": [1, 2.5, 10]}
BOOL = {"name": "verbose", "type": "bool"}
CONSTANT = {"name": "tag", "type": "constant", "value": "v1"}

# Every parameter type. The float ranges make the space infinite.
MIXED_SPACE = make_spec(INT, FLOAT, LOG_FLOAT, LOG_INT, STRINGS, NUMBERS, BOOL, CONSTANT)
# Numeric parameters only, so the auto optimiser picks bayesopt for short runs.
NUMERIC_SPACE = make_spec(INT, FLOAT, LOG_FLOAT, LOG_INT, CONSTANT)
# 3 * 2 * 2 = 12 configurations, fewer than every optimiser's budget in SMALL_SETTINGS.
SMALL_SPACE = make_spec(
    {"name": "n", "type": "int", "minimum": 1, "maximum": 3},
    BOOL,
    {"name": "choice", "type": "categorical", "values": ["a", 2]},
    CONSTANT,
)
SMALL_SPACE_SIZE = 12
SPACES = {"mixed": MIXED_SPACE, "numeric": NUMERIC_SPACE}

# Budgets far below the size of the infinite spaces. The grid gets all categorical
# and bool values and the given number of values per numeric parameter.
BOUNDED_SETTINGS: dict[str, OptimizerSpec] = {
    "grid": GridOptimizer(
        type="grid", num_configs_per_param={"threads": 2, "ratio": 2, "rate": 2, "block": 1}
    ),
    "random": RandomOptimizer(type="random", n_trials=6),
    "bayesopt": BayesOptimizer(type="bayesopt", n_init=3, n_iter=3),
    "tpe": TPEOptimizer(type="tpe", n_trials=6, n_startup_trials=3),
    "coordinate": CoordinateOptimizer(type="coordinate", n_trials=6),
    "auto": AutoOptimizer(type="auto", n_trials=6),
}
# Budgets above SMALL_SPACE_SIZE.
SMALL_SETTINGS: dict[str, OptimizerSpec] = {
    "grid": GridOptimizer(type="grid", num_configs_per_param=10),
    "random": RandomOptimizer(type="random", n_trials=20),
    "bayesopt": BayesOptimizer(type="bayesopt", n_init=2, n_iter=18),
    "tpe": TPEOptimizer(type="tpe", n_trials=20, n_startup_trials=3),
    "coordinate": CoordinateOptimizer(type="coordinate", n_trials=20),
    "auto": AutoOptimizer(type="auto", n_trials=20),
}


def objective(configuration: Configuration) -> float:
    """Return a deterministic outcome that depends on every parameter."""
    total = 0.0
    for value in configuration.values():
        if isinstance(value, str):
            total += len(value)
        else:
            total += (math.log1p(abs(float(value))) - 0.3) ** 2
    return total


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


def all_configurations(spec: ExperimentSpec) -> list[tuple]:
    axes = [parameter.grid_values(parameter.size()) for parameter in spec.parameters]
    names = [parameter.name for parameter in spec.parameters]
    return [
        configuration_key(spec, dict(zip(names, values, strict=True)))
        for values in itertools.product(*axes)
    ]


def check_configuration(spec: ExperimentSpec, configuration: Configuration) -> None:
    """Assert that every value lies in its parameter's range and has the parameter's type."""
    assert set(configuration) == {parameter.name for parameter in spec.parameters}
    for parameter in spec.parameters:
        value = configuration[parameter.name]
        if parameter.type in ("int", "float"):
            expected = int if parameter.type == "int" else float
            assert type(value) is expected, f"{parameter.name}={value!r}"
            assert parameter.minimum <= value <= parameter.maximum, f"{parameter.name}={value!r}"
        elif parameter.type == "bool":
            assert type(value) is bool, f"{parameter.name}={value!r}"
        elif parameter.type == "categorical":
            listed = [(type(item), item) for item in parameter.values]
            assert (type(value), value) in listed, f"{parameter.name}={value!r}"
        else:
            assert value == parameter.value
            assert type(value) is type(parameter.value)


def warm_history(spec: ExperimentSpec) -> list[Observation]:
    """Return earlier trials: the first grid points and random draws, every third one failed.

    The grid points are the ones the grid optimiser would propose first.
    """
    grid = GridSearch(spec, BOUNDED_SETTINGS["grid"])  # type: ignore[arg-type]
    random = RandomSearch(spec, RandomOptimizer(type="random", n_trials=3), seed=99)
    configurations = [grid.ask() for _ in range(3)] + [random.ask() for _ in range(3)]
    return [
        Observation(parameters=c, outcome=None if index % 3 == 2 else objective(c))
        for index, c in enumerate(configurations)
        if c is not None
    ]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=list(SPACES))
def space(request: pytest.FixtureRequest) -> ExperimentSpec:
    return SPACES[request.param]


# Contract of every optimiser on the infinite spaces


def test_contract_values_in_range(kind: str, space: ExperimentSpec) -> None:
    optimizer = build_optimizer(space, BOUNDED_SETTINGS[kind], seed=1)
    planned = optimizer.planned
    proposed = drain(optimizer)
    assert planned > 0
    assert len(proposed) == planned
    for configuration in proposed:
        check_configuration(space, configuration)
    assert len(set(keys(space, proposed))) == len(proposed)
    assert optimizer.ask() is None
    assert optimizer.ask() is None


def test_contract_pending_batch_unique(kind: str, space: ExperimentSpec) -> None:
    optimizer = build_optimizer(space, BOUNDED_SETTINGS[kind], seed=2)
    batch = [optimizer.ask() for _ in range(4)]
    assert None not in batch
    assert len(set(keys(space, batch))) == 4
    for configuration in batch:
        optimizer.tell(configuration, objective(configuration))
    proposed = batch + drain(optimizer)
    assert len(set(keys(space, proposed))) == len(proposed)
    for configuration in proposed:
        check_configuration(space, configuration)


def test_contract_skips_history(kind: str, space: ExperimentSpec) -> None:
    history = warm_history(space)
    optimizer = build_optimizer(space, BOUNDED_SETTINGS[kind], history=history, seed=3)
    planned = optimizer.planned
    proposed = keys(space, drain(optimizer))
    measured = set(keys(space, (observation.parameters for observation in history)))
    assert len(measured) == 6
    assert measured.isdisjoint(proposed)
    assert len(proposed) == len(set(proposed))
    assert len(proposed) == planned


def test_contract_failed_outcomes_accepted(kind: str, space: ExperimentSpec) -> None:
    optimizer = build_optimizer(space, BOUNDED_SETTINGS[kind], seed=4)
    planned = optimizer.planned
    proposed = drain(optimizer, outcome=lambda configuration: None)
    assert len(proposed) == planned
    assert len(set(keys(space, proposed))) == planned


def test_contract_some_outcomes_failed(kind: str, space: ExperimentSpec) -> None:
    count = 0

    def every_other_fails(configuration: Configuration) -> float | None:
        nonlocal count
        count += 1
        return None if count % 2 else objective(configuration)

    optimizer = build_optimizer(space, BOUNDED_SETTINGS[kind], seed=5)
    planned = optimizer.planned
    proposed = drain(optimizer, outcome=every_other_fails)
    assert len(proposed) == planned
    assert len(set(keys(space, proposed))) == planned


def test_contract_same_seed_same_sequence(kind: str, space: ExperimentSpec) -> None:
    # The grid ignores the seed, and its order is fixed anyway.
    first = drain(build_optimizer(space, BOUNDED_SETTINGS[kind], seed=21))
    second = drain(build_optimizer(space, BOUNDED_SETTINGS[kind], seed=21))
    assert first == second


# Contract of every optimiser on a small finite space


def test_small_space_exhausted(kind: str) -> None:
    optimizer = build_optimizer(SMALL_SPACE, SMALL_SETTINGS[kind], seed=6)
    proposed = drain(optimizer)
    for configuration in proposed:
        check_configuration(SMALL_SPACE, configuration)
    assert len(proposed) == SMALL_SPACE_SIZE
    assert sorted(keys(SMALL_SPACE, proposed)) == sorted(all_configurations(SMALL_SPACE))
    assert optimizer.ask() is None


def test_small_space_exhausted_without_tell(kind: str) -> None:
    optimizer = build_optimizer(SMALL_SPACE, SMALL_SETTINGS[kind], seed=7)
    proposed = keys(SMALL_SPACE, drain(optimizer, outcome=None))
    assert sorted(proposed) == sorted(all_configurations(SMALL_SPACE))


def test_small_space_rest_after_history(kind: str) -> None:
    history = [
        Observation(parameters={"n": 1, "verbose": False, "choice": "a", "tag": "v1"}, outcome=1.0),
        Observation(parameters={"n": 2, "verbose": True, "choice": 2, "tag": "v1"}, outcome=None),
        Observation(parameters={"n": 3, "verbose": True, "choice": "a", "tag": "v1"}, outcome=0.5),
    ]
    optimizer = build_optimizer(SMALL_SPACE, SMALL_SETTINGS[kind], history=history, seed=8)
    proposed = keys(SMALL_SPACE, drain(optimizer))
    measured = keys(SMALL_SPACE, (observation.parameters for observation in history))
    assert len(proposed) == SMALL_SPACE_SIZE - 3
    assert sorted(proposed + measured) == sorted(all_configurations(SMALL_SPACE))
    assert optimizer.ask() is None


def test_small_space_covered_by_history(kind: str) -> None:
    history = [
        Observation(
            parameters={"n": n, "verbose": verbose, "choice": choice, "tag": "v1"},
            outcome=float(n),
        )
        for n in (1, 2, 3)
        for verbose in (False, True)
        for choice in ("a", 2)
    ]
    optimizer = build_optimizer(SMALL_SPACE, SMALL_SETTINGS[kind], history=history, seed=9)
    assert optimizer.ask() is None


def test_single_point_space(kind: str) -> None:
    spec = make_spec(
        {"name": "n", "type": "int", "minimum": 5, "maximum": 5},
        {"name": "x", "type": "float", "minimum": 0.5, "maximum": 0.5},
        {"name": "only", "type": "categorical", "values": ["one"]},
        CONSTANT,
    )
    optimizer = build_optimizer(spec, SMALL_SETTINGS[kind], seed=10)
    assert drain(optimizer) == [{"n": 5, "x": 0.5, "only": "one", "tag": "v1"}]
    assert optimizer.ask() is None


def test_history_of_other_space_ignored(kind: str) -> None:
    history = [
        Observation(parameters={"n": 1, "verbose": True, "choice": "gone"}, outcome=0.1),
        Observation(parameters={"other": 3}, outcome=0.2),
    ]
    optimizer = build_optimizer(SMALL_SPACE, SMALL_SETTINGS[kind], history=history, seed=11)
    proposed = keys(SMALL_SPACE, drain(optimizer))
    assert sorted(proposed) == sorted(all_configurations(SMALL_SPACE))


# Grid search


def test_grid_order_follows_parameters() -> None:
    spec = make_spec(
        {"name": "n", "type": "int", "minimum": 1, "maximum": 2},
        {"name": "mode", "type": "categorical", "values": ["b", "a"]},
        BOOL,
    )
    proposed = drain(build_optimizer(spec, GridOptimizer(type="grid")))
    expected = [
        {"n": n, "mode": mode, "verbose": verbose}
        for n in (1, 2)
        for mode in ("b", "a")
        for verbose in (False, True)
    ]
    assert proposed == expected


def test_grid_history_keeps_order() -> None:
    spec = make_spec({"name": "n", "type": "int", "minimum": 1, "maximum": 5})
    history = [Observation(parameters={"n": 2}, outcome=1.0)]
    optimizer = build_optimizer(
        spec, GridOptimizer(type="grid", num_configs_per_param=5), history=history
    )
    assert optimizer.planned == 4
    assert [configuration["n"] for configuration in drain(optimizer)] == [1, 3, 4, 5]


def test_grid_counts_per_parameter() -> None:
    spec = make_spec(
        {"name": "n", "type": "int", "minimum": 0, "maximum": 10},
        {"name": "x", "type": "float", "minimum": 0.0, "maximum": 1.0},
    )
    settings = GridOptimizer(type="grid", num_configs_per_param={"x": 3})
    proposed = drain(build_optimizer(spec, settings))
    # Parameters missing from the dict get two values, their bounds.
    assert sorted({configuration["n"] for configuration in proposed}) == [0, 10]
    assert sorted({configuration["x"] for configuration in proposed}) == [0.0, 0.5, 1.0]
    assert len(proposed) == 6


def test_grid_log_values_geometric() -> None:
    spec = make_spec({"name": "x", "type": "float", "minimum": 1.0, "maximum": 100.0, "log": True})
    settings = GridOptimizer(type="grid", num_configs_per_param=3)
    proposed = [configuration["x"] for configuration in drain(build_optimizer(spec, settings))]
    assert proposed == pytest.approx([1.0, 10.0, 100.0])


# Bayesian optimisation


def bayesopt(n_init: int, n_iter: int, random_seed: int | None = None) -> BayesOptimizer:
    return BayesOptimizer(type="bayesopt", n_init=n_init, n_iter=n_iter, random_seed=random_seed)


def test_bayesopt_random_seed_setting() -> None:
    from_setting = drain(build_optimizer(NUMERIC_SPACE, bayesopt(3, 2, random_seed=21)))
    from_argument = drain(build_optimizer(NUMERIC_SPACE, bayesopt(3, 2), seed=21))
    assert from_setting == from_argument


def test_bayesopt_seeds_differ() -> None:
    first = drain(build_optimizer(NUMERIC_SPACE, bayesopt(3, 1), seed=21))
    second = drain(build_optimizer(NUMERIC_SPACE, bayesopt(3, 1), seed=22))
    assert first != second


def test_bayesopt_history_counts_towards_n_init() -> None:
    spec = make_spec(INT, FLOAT)
    history = [
        Observation(parameters={"threads": 8, "ratio": 0.25}, outcome=1.0),
        Observation(parameters={"threads": 40, "ratio": 0.75}, outcome=2.0),
    ]
    optimizer = build_optimizer(spec, bayesopt(2, 3), history=history, seed=23)
    assert optimizer.planned == 5
    assert optimizer._random_left == 0
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


def test_bayesopt_keeps_one_model() -> None:
    spec = make_spec(INT, FLOAT)
    optimizer = build_optimizer(spec, bayesopt(3, 6), seed=24)
    drain(optimizer, outcome=lambda configuration: None if configuration["threads"] > 60 else 1.0)
    successes = [o for o in optimizer.history if o.outcome is not None]
    first_model = optimizer._model
    assert first_model is not None
    optimizer.tell({"threads": 7, "ratio": 0.5}, 2.0)
    optimizer._updated_model()
    assert optimizer._model is first_model
    assert len(first_model) == len(successes) + 1


def test_bayesopt_large_history_subsampled() -> None:
    from paropt.optimizers.bayesopt import GP_REFRESH_POINTS, MAX_GP_POINTS

    spec = make_spec({"name": "x", "type": "int", "minimum": 0, "maximum": 100_000})
    history = [Observation(parameters={"x": x}, outcome=float(x)) for x in range(0, 5000, 5)]
    optimizer = build_optimizer(spec, bayesopt(1, 40), history=history, seed=25)
    optimizer.ask()
    first_model = optimizer._model
    assert len(first_model) == MAX_GP_POINTS
    # Half of the subsample is the best observations of the history.
    assert sorted(-first_model.space.target)[: MAX_GP_POINTS // 2] == [
        float(x) for x in range(0, 5 * MAX_GP_POINTS // 2, 5)
    ]
    for x in range(1, 1 + 2 * GP_REFRESH_POINTS):
        optimizer.tell({"x": 50_000 + x}, 1.0)
        optimizer._updated_model()
        if x <= GP_REFRESH_POINTS:
            assert optimizer._model is first_model
        else:
            assert optimizer._model is not first_model
        assert len(optimizer._model) <= MAX_GP_POINTS + GP_REFRESH_POINTS


# Tree-structured Parzen estimator


def test_tpe_warm_start_adds_trials() -> None:
    from optuna.trial import TrialState

    history = warm_history(MIXED_SPACE)
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS["tpe"], history=history, seed=31)
    states = [trial.state for trial in optimizer.study.trials]
    assert states.count(TrialState.COMPLETE) == 4
    assert states.count(TrialState.FAIL) == 2


def test_tpe_single_values_not_searched() -> None:
    spec = make_spec(
        FLOAT,
        {"name": "n", "type": "int", "minimum": 5, "maximum": 5},
        {"name": "only", "type": "categorical", "values": ["one"]},
        CONSTANT,
    )
    optimizer = build_optimizer(spec, TPEOptimizer(type="tpe", n_trials=3), seed=32)
    proposed = drain(optimizer)
    assert len(proposed) == 3
    for trial in optimizer.study.trials:
        assert set(trial.params) == {"ratio"}


def test_tpe_tells_outcomes_to_study() -> None:
    optimizer = build_optimizer(MIXED_SPACE, BOUNDED_SETTINGS["tpe"], seed=33)
    first = optimizer.ask()
    second = optimizer.ask()
    optimizer.tell(second, None)
    optimizer.tell(first, 2.5)
    trials = optimizer.study.trials
    assert [trial.state.name for trial in trials] == ["COMPLETE", "FAIL"]
    assert trials[0].value == 2.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tpe_prefers_best_category(seed: int) -> None:
    # Category "c" is better by 1 than every other one, more than the range of x.
    spec = make_spec(
        {"name": "mode", "type": "categorical", "values": ["a", "b", "c", "d"]},
        {"name": "x", "type": "float", "minimum": 0.0, "maximum": 1.0},
    )
    settings = TPEOptimizer(type="tpe", n_trials=30, n_startup_trials=5)
    optimizer = build_optimizer(spec, settings, seed=seed)
    proposed = drain(optimizer, lambda c: (0.0 if c["mode"] == "c" else 1.0) + c["x"])
    later = [configuration["mode"] for configuration in proposed[10:]]
    # A uniform choice picks "c" 9 or more times out of 20 with probability about 4 %.
    assert later.count("c") >= 9


# Coordinate search


def test_coordinate_starts_at_centre() -> None:
    spec = make_spec(
        {"name": "n", "type": "int", "minimum": 0, "maximum": 10},
        {"name": "x", "type": "float", "minimum": 1.0, "maximum": 100.0, "log": True},
    )
    optimizer = build_optimizer(spec, CoordinateOptimizer(type="coordinate"), seed=41)
    first = optimizer.ask()
    assert first["n"] == 5
    assert first["x"] == pytest.approx(10.0)


def test_coordinate_starts_from_best_history() -> None:
    spec = make_spec(INT, FLOAT, STRINGS)
    best = {"threads": 40, "ratio": 0.5, "mode": "slow"}
    history = [
        Observation(parameters={"threads": 2, "ratio": -0.5, "mode": "fast"}, outcome=3.0),
        Observation(parameters=best, outcome=1.0),
        Observation(parameters={"threads": 20, "ratio": 0.0, "mode": "fast"}, outcome=None),
    ]
    optimizer = build_optimizer(
        spec, CoordinateOptimizer(type="coordinate"), history=history, seed=42
    )
    for _ in range(4):
        configuration = optimizer.ask()
        changed = [name for name in best if configuration[name] != best[name]]
        assert len(changed) == 1, configuration


def test_coordinate_categorical_neighbours() -> None:
    spec = make_spec({"name": "mode", "type": "categorical", "values": ["a", "b", "c"]}, BOOL)
    history = [Observation(parameters={"mode": "b", "verbose": False}, outcome=1.0)]
    optimizer = build_optimizer(
        spec, CoordinateOptimizer(type="coordinate"), history=history, seed=43
    )
    proposed = [optimizer.ask() for _ in range(3)]
    # The first parameter's other values, then the bool flipped.
    assert sorted(c["mode"] for c in proposed[:2]) == ["a", "c"]
    assert all(c["verbose"] is False for c in proposed[:2])
    assert proposed[2] == {"mode": "b", "verbose": True}


def test_coordinate_halves_step_without_improvement() -> None:
    spec = make_spec({"name": "x", "type": "float", "minimum": 0.0, "maximum": 1.0})
    optimizer = build_optimizer(spec, CoordinateOptimizer(type="coordinate"), seed=44)
    start = optimizer.ask()
    optimizer.tell(start, 0.0)
    neighbours = [optimizer.ask(), optimizer.ask()]
    for configuration in neighbours:
        optimizer.tell(configuration, 1.0)
    closer = [optimizer.ask(), optimizer.ask()]
    assert start == {"x": 0.5}
    assert sorted(c["x"] for c in neighbours) == [0.25, 0.75]
    assert sorted(c["x"] for c in closer) == [0.375, 0.625]


def test_coordinate_moves_to_improvement() -> None:
    spec = make_spec({"name": "x", "type": "float", "minimum": 0.0, "maximum": 1.0})
    optimizer = build_optimizer(spec, CoordinateOptimizer(type="coordinate"), seed=45)
    optimizer.tell(optimizer.ask(), 1.0)
    lower = next(c for c in (optimizer.ask(), optimizer.ask()) if c["x"] == 0.25)
    optimizer.tell(lower, 0.5)
    # The same parameter is tried again around the new centre, where 0.5 is measured already.
    assert optimizer.ask() == {"x": 0.0}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coordinate_converges_on_quadratic(seed: int) -> None:
    spec = make_spec(
        {"name": "x", "type": "float", "minimum": 0.0, "maximum": 1.0},
        {"name": "n", "type": "int", "minimum": 0, "maximum": 100},
    )
    settings = CoordinateOptimizer(type="coordinate", n_trials=60)
    optimizer = build_optimizer(spec, settings, seed=seed)
    drain(optimizer, lambda c: (c["x"] - 0.3) ** 2 + ((c["n"] - 77) / 100) ** 2)
    best = optimizer.best()
    assert abs(best.parameters["x"] - 0.3) < 0.01
    assert best.parameters["n"] == 77


# Automatic choice


def auto(n_trials: int, seed: int | None = None) -> AutoOptimizer:
    return AutoOptimizer(type="auto", n_trials=n_trials, seed=seed)


def test_auto_small_space_grid() -> None:
    optimizer = choose_optimizer(SMALL_SPACE, auto(12))
    assert optimizer.chosen == "grid"
    assert isinstance(optimizer, GridSearch)
    assert optimizer.planned == SMALL_SPACE_SIZE


def test_auto_grid_planned_excludes_history() -> None:
    measured = {"n": 1, "verbose": True, "choice": 2, "tag": "v1"}
    history = [Observation(parameters=measured, outcome=1.0)]
    optimizer = choose_optimizer(SMALL_SPACE, auto(50), history=history)
    assert optimizer.chosen == "grid"
    assert optimizer.planned == SMALL_SPACE_SIZE - 1


@pytest.mark.parametrize(
    ("n_trials", "n_init"), [(1, 1), (2, 2), (8, 2), (20, 5), (40, 10), (100, 10)]
)
def test_auto_numeric_bayesopt(n_trials: int, n_init: int) -> None:
    optimizer = choose_optimizer(NUMERIC_SPACE, auto(n_trials))
    assert optimizer.chosen == "bayesopt"
    assert isinstance(optimizer, BayesianOptimizer)
    assert optimizer._settings.n_init == n_init
    assert optimizer._settings.n_iter == n_trials - n_init
    assert optimizer.planned == n_trials


def test_auto_finite_numeric_above_budget_bayesopt() -> None:
    spec = make_spec({"name": "n", "type": "int", "minimum": 1, "maximum": 30})
    optimizer = choose_optimizer(spec, auto(29))
    assert optimizer.chosen == "bayesopt"
    assert optimizer.planned == 29


def test_auto_long_numeric_run_tpe() -> None:
    optimizer = choose_optimizer(NUMERIC_SPACE, auto(101))
    assert optimizer.chosen == "tpe"
    assert optimizer.planned == 101


@pytest.mark.parametrize("extra", [STRINGS, NUMBERS, BOOL])
def test_auto_non_numeric_tpe(extra: dict) -> None:
    optimizer = choose_optimizer(make_spec(INT, FLOAT, extra), auto(30))
    assert optimizer.chosen == "tpe"
    assert optimizer.planned == 30


def test_auto_huge_axis_not_grid() -> None:
    # The space fits the budget, but GridOptimizer takes at most 10,000 values per parameter.
    spec = make_spec({"name": "n", "type": "int", "minimum": 1, "maximum": 20_000})
    optimizer = choose_optimizer(spec, auto(50_000))
    assert optimizer.chosen == "tpe"
    assert optimizer.planned == 20_000


def test_auto_seed_setting() -> None:
    from_setting = drain(build_optimizer(MIXED_SPACE, auto(6, seed=51)))
    from_argument = drain(build_optimizer(MIXED_SPACE, auto(6), seed=51))
    assert from_setting == from_argument
