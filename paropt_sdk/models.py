"""Types of the JSON objects that the paropt API returns.

The client returns the decoded JSON as it is, so these are ``TypedDict`` types
for editors and type checkers. Fields that the server can leave out or set to
``null`` are typed ``... | None``.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

JobStatus = Literal["queued", "running", "finished", "failed", "stopped"]
TrialStatus = Literal["succeeded", "failed", "timed_out"]

JOB_STATUSES: tuple[str, ...] = ("queued", "running", "finished", "failed", "stopped")
TRIAL_STATUSES: tuple[str, ...] = ("succeeded", "failed", "timed_out")
# A job in one of these states does not change any more.
JOB_END_STATUSES: frozenset[str] = frozenset({"finished", "failed", "stopped"})


class Experiment(TypedDict, total=False):
    """An experiment: the stored specification plus the fields that the server adds."""

    experiment_id: str
    id: str
    tool_name: str
    parameters: list[dict[str, Any]]
    command_template_string: str
    setup_template_string: str | None
    finish_template_string: str | None
    compute: dict[str, Any]
    objective: dict[str, Any]
    repeats: int
    timeout: float | None
    allow_shared_node: bool
    content_hash: str
    created_at: str
    active_job_id: str | None
    status: str


class JobProgress(TypedDict):
    """Trial counts of a job."""

    trials_done: int
    trials_failed: int
    trials_planned: int


class JobBest(TypedDict):
    """The best trial of a job so far."""

    outcome: float
    parameters: dict[str, Any]
    trial_number: int | None


class Job(TypedDict, total=False):
    """One run of an optimiser on an experiment."""

    job_id: str
    id: str
    experiment_id: str
    status: JobStatus
    optimizer: dict[str, Any]
    optimizer_used: str | None
    run_settings: dict[str, Any]
    run_number: int
    created_at: str | None
    started_at: str | None
    ended_at: str | None
    error: str | None
    cause: str | None
    stop_reason: str | None
    progress: JobProgress
    best: JobBest | None


class Trial(TypedDict, total=False):
    """One measured configuration."""

    experiment_id: str
    trial_number: int
    job_id: str
    run_number: int
    parameters: dict[str, Any]
    status: TrialStatus
    outcome: float | None
    exit_code: int | None
    reason: str | None
    output_tail: str | None
    started_at: str | None
    ended_at: str | None
    samples: list[float] | None
    spread: float | None
    metrics: dict[str, float] | None
    tool_seconds: float | None


class Best(TypedDict, total=False):
    """The best configuration of an experiment over all runs."""

    experiment_id: str
    parameters: dict[str, Any]
    outcome: float
    spread: float | None
    trial_number: int
    objective: dict[str, Any]
