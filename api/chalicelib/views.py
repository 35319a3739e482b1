"""JSON views of the stored items, as the API returns them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from paropt.storage import ExperimentModel, JobModel, TrialModel


def experiment_view(experiment: ExperimentModel) -> dict[str, Any]:
    view = dict(experiment.spec)
    view.update(
        id=experiment.experiment_id,
        experiment_id=experiment.experiment_id,
        content_hash=experiment.content_hash,
        created_at=experiment.created_at,
        active_job_id=experiment.active_job_id,
        status="running" if experiment.active_job_id else "not running",
    )
    return view


def trial_view(trial: TrialModel) -> dict[str, Any]:
    return {
        "experiment_id": trial.experiment_id,
        "trial_number": int(trial.trial_number),
        "job_id": trial.job_id,
        "run_number": int(trial.run_number),
        "parameters": trial.parameters,
        "status": trial.status,
        "outcome": trial.outcome,
        "exit_code": None if trial.exit_code is None else int(trial.exit_code),
        "reason": trial.reason,
        "output_tail": trial.output_tail,
        "started_at": trial.started_at,
        "ended_at": trial.ended_at,
        "samples": trial.samples,
        "spread": trial.spread,
        "metrics": trial.metrics,
        "tool_seconds": trial.tool_seconds,
    }


TIMEOUT_ERRORS = {"States.Timeout", "States.HeartbeatTimeout"}


def _failure(job: JobModel) -> tuple[str | None, str | None]:
    if job.error or not job.failure:
        return job.error, job.cause
    try:
        caught = json.loads(job.failure)
    except ValueError:
        return "Unknown", job.failure
    error, cause = caught.get("Error"), caught.get("Cause")
    if error in TIMEOUT_ERRORS and not cause:
        cause = (
            "the runner sent no heartbeat in time, so it most likely died or was never "
            "started; trials recorded before that are kept"
        )
    return error, cause


def timestamp(value: str | None) -> str | None:
    """Return an ISO 8601 time in the API's one form: UTC, milliseconds, ``Z``."""
    if not value:
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_view(job: JobModel) -> dict[str, Any]:
    error, cause = _failure(job)
    best = None
    if job.best_outcome is not None:
        best = {
            "outcome": job.best_outcome,
            "parameters": job.best_parameters,
            "trial_number": None if job.best_trial_number is None else int(job.best_trial_number),
        }
    return {
        "id": job.job_id,
        "job_id": job.job_id,
        "experiment_id": job.experiment_id,
        "status": job.status,
        "optimizer": job.optimizer,
        "optimizer_used": job.optimizer_used,
        "run_settings": job.run_settings or {},
        "run_number": int(job.run_number),
        "created_at": timestamp(job.created_at),
        "started_at": timestamp(job.started_at),
        "ended_at": timestamp(job.ended_at),
        "error": error,
        "cause": cause,
        "stop_reason": job.stop_reason,
        "progress": {
            "trials_done": int(job.trials_done or 0),
            "trials_failed": int(job.trials_failed or 0),
            "trials_planned": int(job.trials_planned or 0),
        },
        "best": best,
    }
