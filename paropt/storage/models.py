"""PynamoDB models of experiments, trials and jobs, shared by the API and the runner."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

JOB_STATUSES = ("queued", "running", "finished", "failed", "stopped")
ACTIVE_JOB_STATUSES = ("queued", "running")
TRIAL_STATUSES = ("succeeded", "failed", "timed_out")
OUTPUT_TAIL_BYTES = 4096


def utc_now() -> str:
    """Return the current UTC time in ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ExperimentOwnerIndex(GlobalSecondaryIndex["ExperimentModel"]):
    """Experiments of one owner, oldest first."""

    class Meta:
        index_name = "owner-index"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ExperimentModel(Model):
    """A registered experiment.

    The id is derived from the owner and the content hash, so a second identical
    request by the same owner finds the same item, and a conditional put makes
    concurrent identical requests create it once.
    """

    class Meta:
        table_name = "paropt-local-experiments"

    experiment_id = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    content_hash = UnicodeAttribute()
    tool_name = UnicodeAttribute()
    spec = JSONAttribute()
    created_at = UnicodeAttribute()
    # Id of the queued or running job. A conditional write sets it, so one experiment
    # has at most one active job. The job's end removes it.
    active_job_id = UnicodeAttribute(null=True)
    runs_started = NumberAttribute(default=0)
    # The best trial over all runs, kept up to date by conditional writes of the
    # runner, so reading it costs one GetItem.
    best_outcome = NumberAttribute(null=True)
    best_parameters = JSONAttribute(null=True)
    best_trial_number = NumberAttribute(null=True)
    best_spread = NumberAttribute(null=True)
    owner_index = ExperimentOwnerIndex()


class TrialModel(Model):
    """One measured configuration of an experiment."""

    class Meta:
        table_name = "paropt-local-trials"

    experiment_id = UnicodeAttribute(hash_key=True)
    trial_number = NumberAttribute(range_key=True)
    job_id = UnicodeAttribute()
    run_number = NumberAttribute()
    # Values keep their types: JSON stores 70 as an integer and floats by their
    # shortest exact representation.
    parameters = JSONAttribute()
    status = UnicodeAttribute()
    outcome = NumberAttribute(null=True)
    exit_code = NumberAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    output_tail = UnicodeAttribute(default="")
    started_at = UnicodeAttribute()
    ended_at = UnicodeAttribute()
    # Objective value of each repeat; ``outcome`` is their median.
    samples = JSONAttribute(null=True)
    # Sample standard deviation of the repeats.
    spread = NumberAttribute(null=True)
    # Every finite number the tool printed as JSON on its last line, and the runtime.
    metrics = JSONAttribute(null=True)
    # Seconds of command wall time over all repeats; the run's budget counts these.
    tool_seconds = NumberAttribute(null=True)


class JobOwnerStatusIndex(GlobalSecondaryIndex["JobModel"]):
    """Jobs of one owner in one status."""

    class Meta:
        index_name = "owner-status-index"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(range_key=True)


class JobModel(Model):
    """One run of an optimiser on an experiment, executed by one state machine execution."""

    class Meta:
        table_name = "paropt-local-jobs"

    job_id = UnicodeAttribute(hash_key=True)
    experiment_id = UnicodeAttribute()
    owner = UnicodeAttribute()
    status = UnicodeAttribute()
    optimizer = JSONAttribute()
    # The rest of the run request: stopping rules and parallelism.
    run_settings = JSONAttribute(null=True)
    run_number = NumberAttribute()
    execution_arn = UnicodeAttribute()
    created_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    cause = UnicodeAttribute(null=True)
    # The state machine stores the caught error object as JSON here; the API reads
    # error and cause from it.
    failure = UnicodeAttribute(null=True)
    trials_done = NumberAttribute(default=0)
    trials_failed = NumberAttribute(default=0)
    trials_planned = NumberAttribute(default=0)
    best_outcome = NumberAttribute(null=True)
    best_parameters = JSONAttribute(null=True)
    best_trial_number = NumberAttribute(null=True)
    stop_reason = UnicodeAttribute(null=True)
    # Set by the runner when it has ended and killed its trials; a stop waits for it.
    runner_ended_at = UnicodeAttribute(null=True)
    # The optimiser that ``auto`` chose, or the requested one.
    optimizer_used = UnicodeAttribute(null=True)
    owner_status_index = JobOwnerStatusIndex()


ALL_MODELS: tuple[type[Model], ...] = (ExperimentModel, TrialModel, JobModel)
