"""The body of a run: which optimiser, when to stop, and how many trials at once."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

MAX_TRIALS_LIMIT = 100_000
MAX_PARALLELISM = 64


class _Spec(BaseModel):
    # Strict: "1" is not a number and true is not 1, as a JSON client would expect.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


ConfigCount = Annotated[int, Field(ge=1, le=10_000)]


class _LegacyStopping(_Spec):
    """Stopping settings that the previous service took inside the optimiser body."""

    budget: float | None = Field(default=None, gt=0)
    converge_thres: float | None = Field(default=None, ge=0)
    converge_steps: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _threshold_needs_steps(self) -> _LegacyStopping:
        if self.converge_thres is not None and self.converge_steps is None:
            raise ValueError(
                f"converge_thres {self.converge_thres:g} has no effect without converge_steps; "
                "set converge_steps (or use patience and min_improvement)"
            )
        return self


class GridOptimizer(_LegacyStopping):
    """Exhaustive search over evenly spaced values; categorical values are all enumerated."""

    type: Literal["grid"]
    # One count for every numeric parameter, or a count per parameter name.
    num_configs_per_param: ConfigCount | dict[str, ConfigCount] = 2

    def count_for(self, name: str) -> int:
        if isinstance(self.num_configs_per_param, int):
            return self.num_configs_per_param
        return self.num_configs_per_param.get(name, 2)


class RandomOptimizer(_LegacyStopping):
    """Independent uniform draws (log-uniform for log parameters), seeded."""

    type: Literal["random"]
    n_trials: int = Field(default=20, ge=1, le=MAX_TRIALS_LIMIT)
    seed: int | None = Field(default=None, ge=0)


class BayesOptimizer(_LegacyStopping):
    """Gaussian-process Bayesian optimisation (the bayesian-optimization package)."""

    type: Literal["bayesopt"]
    n_init: int = Field(default=2, ge=1, le=1000)
    n_iter: int = Field(default=2, ge=0, le=10_000)
    acquisition: Literal["ucb", "ei", "poi"] = "ucb"
    # Exploration weight of UCB; the previous service used 2.5.
    kappa: float = Field(default=2.576, ge=0, le=100)
    # Exploration margin of EI and POI.
    xi: float = Field(default=0.0, ge=0, le=10)
    seed: int | None = Field(
        default=None, ge=0, validation_alias=AliasChoices("seed", "random_seed")
    )


class TPEOptimizer(_LegacyStopping):
    """Optuna's tree-structured Parzen estimator through its ask-and-tell API."""

    type: Literal["tpe"]
    n_trials: int = Field(default=20, ge=1, le=MAX_TRIALS_LIMIT)
    n_startup_trials: int = Field(default=5, ge=1, le=1000)
    seed: int | None = Field(default=None, ge=0)


class CoordinateOptimizer(_LegacyStopping):
    """Coordinate search: vary one parameter at a time around the best configuration."""

    type: Literal["coordinate"]
    n_trials: int = Field(default=20, ge=1, le=MAX_TRIALS_LIMIT)
    seed: int | None = Field(default=None, ge=0)


class AutoOptimizer(_LegacyStopping):
    """Chooses an optimiser from the search space and the number of trials."""

    type: Literal["auto"]
    n_trials: int = Field(default=20, ge=1, le=MAX_TRIALS_LIMIT)
    seed: int | None = Field(default=None, ge=0)


OptimizerSpec = Annotated[
    GridOptimizer
    | RandomOptimizer
    | BayesOptimizer
    | TPEOptimizer
    | CoordinateOptimizer
    | AutoOptimizer,
    Field(discriminator="type"),
]


class StoppingRules(_Spec):
    """Conditions that end a run before the optimiser runs out of configurations."""

    max_trials: int | None = Field(default=None, ge=1, le=MAX_TRIALS_LIMIT)
    # Seconds of tool time (the sum of measured command wall times) in this run.
    budget: float | None = Field(default=None, gt=0)
    # Seconds since the runner started the job.
    max_wall_time: float | None = Field(default=None, gt=0)
    # Stop as soon as a trial's objective is at least this good.
    target: float | None = None
    # Stop after this many consecutive trials without a relative improvement of more
    # than min_improvement over the best so far.
    patience: int | None = Field(default=None, ge=1)
    min_improvement: float = Field(default=0.0, ge=0)
    max_failed_trials: int | None = Field(default=None, ge=1)


class RunRequest(StoppingRules):
    """The body of ``POST /experiments/<id>/trials``."""

    optimizer: OptimizerSpec = Field(
        default_factory=lambda: BayesOptimizer(type="bayesopt", n_init=2, n_iter=2)
    )
    parallelism: int = Field(default=1, ge=1, le=MAX_PARALLELISM)

    def stopping(self) -> StoppingRules:
        """Return the stopping rules, with the optimiser's legacy settings filled in."""
        rules = StoppingRules.model_validate(
            self.model_dump(include=set(StoppingRules.model_fields))
        )
        legacy = self.optimizer
        updates = {}
        if rules.budget is None and legacy.budget is not None:
            updates["budget"] = legacy.budget
        if rules.patience is None and legacy.converge_steps is not None:
            updates["patience"] = legacy.converge_steps
            if legacy.converge_thres is not None:
                updates["min_improvement"] = legacy.converge_thres
        return rules.model_copy(update=updates)
