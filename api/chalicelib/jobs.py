"""Starting and stopping jobs: the conditional writes that keep one active job per experiment."""

from __future__ import annotations

import json
import time
import uuid

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import UpdateError

from paropt.settings import Settings
from paropt.storage import ExperimentModel, JobModel, utc_now


class JobConflict(Exception):
    """The experiment already has a queued or running job."""

    def __init__(self, active_job_id: str) -> None:
        super().__init__(f"experiment already has an active job {active_job_id}")
        self.active_job_id = active_job_id


class LaunchFailed(Exception):
    """Step Functions did not start the job's execution."""


def execution_arn(state_machine_arn: str, job_id: str) -> str:
    """Return the ARN that the execution named ``job_id`` of the state machine gets."""
    prefix, _, name = state_machine_arn.rpartition(":stateMachine:")
    return f"{prefix}:execution:{name}:{job_id}"


def start_job(
    experiment: ExperimentModel,
    optimizer: dict,
    run_settings: dict,
    *,
    settings: Settings,
    sfn,
    logger,  # noqa: ANN001
) -> JobModel:
    """Create a queued job for ``experiment`` and start its state machine execution.

    Raises:
        JobConflict: the experiment has an active job; nothing was written.
        LaunchFailed: the execution did not start; the job is stored as failed.
    """
    job_id = uuid.uuid4().hex
    # Claiming the experiment first makes concurrent requests race on one
    # conditional write: exactly one of them sets active_job_id.
    try:
        experiment.update(
            actions=[
                ExperimentModel.active_job_id.set(job_id),
                ExperimentModel.runs_started.add(1),
            ],
            condition=ExperimentModel.active_job_id.does_not_exist(),
        )
    except UpdateError as exc:
        experiment.refresh()
        raise JobConflict(experiment.active_job_id or "unknown") from exc
    job = JobModel(
        job_id,
        experiment_id=experiment.experiment_id,
        owner=experiment.owner,
        status="queued",
        optimizer=optimizer,
        run_settings=run_settings,
        run_number=int(experiment.runs_started),
        execution_arn=execution_arn(settings.state_machine_arn, job_id),
        created_at=utc_now(),
    )
    job.save()
    execution_input = {
        "job_id": job_id,
        "experiment_id": experiment.experiment_id,
        "heartbeat_seconds": settings.heartbeat_seconds,
        "timeout_seconds": settings.job_timeout_seconds,
    }
    try:
        sfn.start_execution(
            stateMachineArn=settings.state_machine_arn,
            name=job_id,
            input=json.dumps(execution_input),
        )
    except (ClientError, BotoCoreError) as exc:
        logger.exception("starting the execution failed", job_id=job_id)
        job.update(
            actions=[
                JobModel.status.set("failed"),
                JobModel.error.set("LaunchFailed"),
                JobModel.cause.set(str(exc)),
                JobModel.ended_at.set(utc_now()),
            ]
        )
        release_experiment(experiment, job_id)
        raise LaunchFailed(str(exc)) from exc
    return job


def release_experiment(experiment: ExperimentModel, job_id: str) -> None:
    """Clear the experiment's active job if it is still ``job_id``."""
    try:
        experiment.update(
            actions=[ExperimentModel.active_job_id.remove()],
            condition=ExperimentModel.active_job_id == job_id,
        )
    except UpdateError:
        pass


def stop_job(
    job: JobModel,
    experiment: ExperimentModel,
    *,
    sfn,  # noqa: ANN001
    logger,  # noqa: ANN001
    wait_seconds: float = 10.0,
) -> bool:
    """Stop the job's execution, mark it stopped and wait for its runner to end.

    The experiment stays claimed until the runner reports that it has killed its
    trials, or ``wait_seconds`` pass, so that a new run cannot overlap a trial of
    the stopped one. Return False if the job had already ended.
    """
    try:
        sfn.stop_execution(
            executionArn=job.execution_arn, error="JobStopped", cause="stopped by the user"
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionDoesNotExist":
            raise
        logger.warning("execution to stop does not exist", job_id=job.job_id)
    try:
        job.update(
            actions=[
                JobModel.status.set("stopped"),
                JobModel.ended_at.set(utc_now()),
                JobModel.stop_reason.set("stopped by user"),
            ],
            condition=JobModel.status.is_in("queued", "running"),
        )
        stopped = True
    except UpdateError:
        stopped = False
    job.refresh(consistent_read=True)
    if stopped and job.started_at and not _wait_for_runner(job, wait_seconds):
        logger.warning(
            "runner did not confirm the stop; releasing the experiment anyway",
            job_id=job.job_id,
            waited_seconds=wait_seconds,
        )
    release_experiment(experiment, job.job_id)
    return stopped


def _wait_for_runner(job: JobModel, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while not job.runner_ended_at:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
        job.refresh(consistent_read=True)
    return True
