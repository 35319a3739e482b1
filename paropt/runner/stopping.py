"""Stopping rules of a run: counts, budgets, a target and patience."""

from __future__ import annotations

import time
from collections.abc import Callable

from paropt.specs import StoppingRules


class StopMonitor:
    """Tracks a run's trials and returns the first stopping rule that holds.

    Outcomes given to :meth:`record` are objective values in the experiment's
    direction; ``maximize`` makes larger values better.
    """

    def __init__(
        self,
        rules: StoppingRules,
        *,
        maximize: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = rules
        self.maximize = maximize
        self._clock = clock
        self._started = clock()
        self.trials = 0
        self.failed = 0
        self.tool_seconds = 0.0
        self.best: float | None = None
        self.since_improvement = 0
        self.target_reached = False

    def _better(self, value: float, than: float) -> bool:
        return value > than if self.maximize else value < than

    def record(self, outcome: float | None, tool_seconds: float) -> None:
        """Count one ended trial; ``outcome`` is ``None`` when the trial failed."""
        self.trials += 1
        self.tool_seconds += tool_seconds
        if outcome is None:
            self.failed += 1
            self.since_improvement += 1
            return
        target = self.rules.target
        if target is not None and (outcome >= target if self.maximize else outcome <= target):
            self.target_reached = True
        if self.best is None:
            self.best = outcome
            self.since_improvement = 0
            return
        gain = (outcome - self.best) if self.maximize else (self.best - outcome)
        if self.best != 0:
            relative = gain / abs(self.best)
        elif gain > 0:
            relative = float("inf")
        else:
            relative = 0.0
        if relative > self.rules.min_improvement:
            self.since_improvement = 0
        else:
            self.since_improvement += 1
        if self._better(outcome, self.best):
            self.best = outcome

    def reason(self) -> str | None:
        """Return why the run must stop now, or ``None`` while it may go on."""
        rules = self.rules
        if self.target_reached:
            return f"target {rules.target:g} reached"
        if rules.max_trials is not None and self.trials >= rules.max_trials:
            return f"max_trials {rules.max_trials} reached"
        if rules.max_failed_trials is not None and self.failed >= rules.max_failed_trials:
            return f"max_failed_trials {rules.max_failed_trials} reached"
        if rules.budget is not None and self.tool_seconds >= rules.budget:
            return f"budget of {rules.budget:g} s of tool time used"
        if rules.max_wall_time is not None and self._clock() - self._started >= rules.max_wall_time:
            return f"max_wall_time of {rules.max_wall_time:g} s reached"
        if rules.patience is not None and self.since_improvement >= rules.patience:
            return (
                f"no improvement above {rules.min_improvement:g} for "
                f"{rules.patience} trials (patience)"
            )
        return None
