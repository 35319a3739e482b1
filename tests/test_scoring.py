"""Objectives read from real trial output, repeats scored by the median."""

from __future__ import annotations

import math

import pytest

from paropt.runner.scoring import score_trial
from paropt.runner.trial import TrialScripts, run_trial
from paropt.specs import JsonObjective, RegexObjective, RuntimeObjective


def _run(command: str, repeats: int = 1, finish: str | None = None):  # noqa: ANN202
    return run_trial(TrialScripts(command=command, finish=finish), repeats=repeats)


def test_runtime_objective_is_median_of_repeats() -> None:
    score = score_trial(_run("sleep 0.05", repeats=3), RuntimeObjective())
    assert score.status == "succeeded"
    assert len(score.samples) == 3
    assert score.outcome == sorted(score.samples)[1]
    assert score.outcome >= 0.05
    assert score.spread >= 0
    assert score.metrics["runtime"] == score.outcome


def test_regex_objective_takes_last_match() -> None:
    result = _run("echo 'loss: 3.5'; echo 'loss: 1.25'")
    score = score_trial(result, RegexObjective(type="regex", pattern=r"loss: (\S+)"))
    assert score.status == "succeeded"
    assert score.outcome == 1.25


def test_regex_objective_reads_finish_output() -> None:
    result = _run("true", finish="echo 'size=42'")
    score = score_trial(result, RegexObjective(type="regex", pattern=r"size=(\d+)"))
    assert score.outcome == 42.0


def test_json_objective_stores_other_metrics() -> None:
    result = _run('echo noise; echo \'{"loss": 0.5, "accuracy": 0.9, "name": "x"}\'')
    score = score_trial(result, JsonObjective(type="json", key="accuracy", direction="maximize"))
    assert score.outcome == 0.9
    assert score.metrics["loss"] == 0.5
    assert "name" not in score.metrics
    assert "runtime" in score.metrics


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("echo nothing here", "matched nothing"),
        ("echo 'loss: abc'", "not a number"),
        ("echo 'loss: nan'", "not finite"),
        ("echo 'loss: inf'", "not finite"),
    ],
)
def test_regex_objective_failures(command: str, fragment: str) -> None:
    score = score_trial(_run(command), RegexObjective(type="regex", pattern=r"loss: (\S+)"))
    assert score.status == "failed"
    assert score.outcome is None
    assert fragment in score.reason


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("echo plain text", "not a JSON object"),
        ("echo '{\"other\": 1}'", "no key 'loss'"),
        ("echo '{\"loss\": NaN}'", "not finite"),
        ('echo \'{"loss": "1e999"}\'', "not finite"),
        ("echo '{\"loss\": true}'", "boolean"),
    ],
)
def test_json_objective_failures(command: str, fragment: str) -> None:
    score = score_trial(_run(command), JsonObjective(type="json", key="loss"))
    assert score.status == "failed"
    assert score.outcome is None
    assert fragment in score.reason


def test_failed_command_scores_as_failed() -> None:
    score = score_trial(_run("exit 4"), RuntimeObjective())
    assert score.status == "failed"
    assert score.outcome is None
    assert "status 4" in score.reason


def test_no_non_finite_value_in_score() -> None:
    score = score_trial(_run("echo 'v=1e400'"), RegexObjective(type="regex", pattern=r"v=(\S+)"))
    assert score.outcome is None or math.isfinite(score.outcome)
    assert score.status == "failed"


def test_repeat_outputs_scored_separately() -> None:
    command = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "v=$n"'
    result = _run(command, repeats=3)
    score = score_trial(result, RegexObjective(type="regex", pattern=r"v=(\d+)"))
    assert score.samples == [1.0, 2.0, 3.0]
    assert score.outcome == 2.0
    assert score.spread == 1.0
