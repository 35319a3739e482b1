"""Stopping rules, with a clock the test controls."""

from __future__ import annotations

from paropt.runner.stopping import StopMonitor
from paropt.specs import StoppingRules


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_no_rules_never_stop() -> None:
    monitor = StopMonitor(StoppingRules())
    for value in range(50):
        monitor.record(float(value), 1.0)
    assert monitor.reason() is None


def test_max_trials_counts_failures() -> None:
    monitor = StopMonitor(StoppingRules(max_trials=3))
    monitor.record(1.0, 0.1)
    monitor.record(None, 0.1)
    assert monitor.reason() is None
    monitor.record(2.0, 0.1)
    assert monitor.reason() == "max_trials 3 reached"


def test_budget_counts_tool_seconds() -> None:
    monitor = StopMonitor(StoppingRules(budget=2.5))
    monitor.record(1.0, 1.0)
    monitor.record(1.0, 1.0)
    assert monitor.reason() is None
    monitor.record(None, 0.6)
    assert "budget of 2.5 s" in monitor.reason()


def test_max_wall_time_uses_clock() -> None:
    clock = FakeClock()
    monitor = StopMonitor(StoppingRules(max_wall_time=10), clock=clock)
    clock.now = 9.9
    assert monitor.reason() is None
    clock.now = 10.0
    assert "max_wall_time" in monitor.reason()


def test_target_minimize() -> None:
    monitor = StopMonitor(StoppingRules(target=0.5))
    monitor.record(0.7, 0.1)
    assert monitor.reason() is None
    monitor.record(0.5, 0.1)
    assert monitor.reason() == "target 0.5 reached"


def test_target_maximize() -> None:
    monitor = StopMonitor(StoppingRules(target=100), maximize=True)
    monitor.record(50.0, 0.1)
    assert monitor.reason() is None
    monitor.record(120.0, 0.1)
    assert monitor.reason() == "target 100 reached"


def test_patience_resets_on_improvement() -> None:
    monitor = StopMonitor(StoppingRules(patience=2, min_improvement=0.1))
    monitor.record(10.0, 0.1)
    monitor.record(9.5, 0.1)  # 5% better: below the threshold
    assert monitor.reason() is None
    monitor.record(8.0, 0.1)  # 16% better: resets the count
    monitor.record(8.0, 0.1)
    assert monitor.reason() is None
    monitor.record(None, 0.1)
    assert "patience" in monitor.reason()


def test_patience_maximize_direction() -> None:
    monitor = StopMonitor(StoppingRules(patience=1), maximize=True)
    monitor.record(1.0, 0.1)
    monitor.record(2.0, 0.1)
    assert monitor.reason() is None
    monitor.record(1.5, 0.1)
    assert "patience" in monitor.reason()


def test_max_failed_trials() -> None:
    monitor = StopMonitor(StoppingRules(max_failed_trials=2))
    monitor.record(None, 0.1)
    monitor.record(1.0, 0.1)
    assert monitor.reason() is None
    monitor.record(None, 0.1)
    assert monitor.reason() == "max_failed_trials 2 reached"
