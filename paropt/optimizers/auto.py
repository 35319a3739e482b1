"""Choice of an optimiser from the search space and the number of trials."""

from __future__ import annotations

from collections.abc import Iterable

from paropt.optimizers.base import Observation, Optimizer
from paropt.specs import (
    AutoOptimizer,
    BayesOptimizer,
    ExperimentSpec,
    GridOptimizer,
    TPEOptimizer,
)

# Gaussian-process fitting costs O(n^3) in the number of trials, so bayesopt is
# chosen only for runs of at most this many trials.
MAX_BAYESOPT_TRIALS = 100
# Largest count per parameter that GridOptimizer accepts.
MAX_GRID_COUNT = 10_000


def _initial_trials(n_trials: int) -> int:
    # A quarter of the run, between 2 and 10 trials, and never more than the run.
    return min(n_trials, max(2, min(10, n_trials // 4)))


def choose_optimizer(
    spec: ExperimentSpec,
    settings: AutoOptimizer,
    *,
    history: Iterable[Observation] = (),
    seed: int | None = None,
) -> Optimizer:
    """Create the optimiser that suits ``spec`` and ``settings.n_trials``, warm-started.

    The rule, checked in this order:

    1. ``grid`` when the whole space has at most ``n_trials`` configurations and
       each parameter has at most 10,000 values: every configuration is tried.
    2. ``bayesopt`` when every parameter with more than one value is numeric
       (int or float) and ``n_trials`` is at most 100, with
       ``n_init = max(2, min(10, n_trials // 4))`` (at most ``n_trials``) and
       ``n_iter = n_trials - n_init``.
    3. ``tpe`` otherwise, with ``n_startup_trials`` chosen like ``n_init``.

    The returned optimiser plans ``n_trials`` configurations, or the number of
    unmeasured grid points when the grid is chosen. Its ``chosen`` attribute
    contains the name of the chosen optimiser type.

    Args:
        spec: The experiment whose parameters are searched.
        settings: The ``auto`` optimiser settings of the run.
        history: Earlier trials of the experiment, for the warm start.
        seed: Seed of the chosen optimiser; ``settings.seed`` when ``None``.

    Returns:
        The chosen optimiser.
    """
    history = list(history)
    seed = seed if seed is not None else settings.seed
    n_trials = settings.n_trials
    varied = [parameter for parameter in spec.parameters if parameter.size() != 1]
    size = spec.space_size()
    optimizer: Optimizer
    if (
        size is not None
        and size <= n_trials
        and all(parameter.size() <= MAX_GRID_COUNT for parameter in spec.parameters)
    ):
        from paropt.optimizers.grid import GridSearch

        # A count of at least a parameter's size yields every one of its values.
        counts = {parameter.name: parameter.size() for parameter in spec.parameters}
        grid = GridOptimizer(type="grid", num_configs_per_param=counts)
        optimizer = GridSearch(spec, grid, history=history, seed=seed)
        chosen = "grid"
    elif n_trials <= MAX_BAYESOPT_TRIALS and all(p.type in ("int", "float") for p in varied):
        from paropt.optimizers.bayesopt import BayesianOptimizer

        n_init = _initial_trials(n_trials)
        bayes = BayesOptimizer(type="bayesopt", n_init=n_init, n_iter=n_trials - n_init, seed=seed)
        optimizer = BayesianOptimizer(spec, bayes, history=history, seed=seed)
        chosen = "bayesopt"
    else:
        from paropt.optimizers.tpe import TPESearch

        planned = n_trials if size is None else min(n_trials, size)
        tpe = TPEOptimizer(
            type="tpe",
            n_trials=planned,
            n_startup_trials=_initial_trials(planned),
            seed=seed,
        )
        optimizer = TPESearch(spec, tpe, history=history, seed=seed)
        chosen = "tpe"
    optimizer.chosen = chosen  # type: ignore[attr-defined]
    return optimizer
