"""DynamoDB storage of experiments, trials and jobs."""

from paropt.storage.binding import bind_models, create_tables
from paropt.storage.models import (
    ACTIVE_JOB_STATUSES,
    JOB_STATUSES,
    OUTPUT_TAIL_BYTES,
    TRIAL_STATUSES,
    ExperimentModel,
    JobModel,
    TrialModel,
    utc_now,
)

__all__ = [
    "ACTIVE_JOB_STATUSES",
    "JOB_STATUSES",
    "OUTPUT_TAIL_BYTES",
    "TRIAL_STATUSES",
    "ExperimentModel",
    "JobModel",
    "TrialModel",
    "bind_models",
    "create_tables",
    "utc_now",
]
