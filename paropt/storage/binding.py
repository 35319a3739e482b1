"""Pointing the models at the tables and endpoint of one deployment."""

from __future__ import annotations

from paropt.settings import Settings
from paropt.storage.models import ExperimentModel, JobModel, TrialModel

DYNAMODB_RETRIES = 6


def bind_models(settings: Settings) -> None:
    """Set the table names, region and endpoint of every model from ``settings``."""
    tables = {
        ExperimentModel: settings.experiments_table,
        TrialModel: settings.trials_table,
        JobModel: settings.jobs_table,
    }
    for model, table_name in tables.items():
        model.Meta.table_name = table_name
        model.Meta.region = settings.region
        model.Meta.host = settings.aws_endpoint_url
        # botocore's standard retry mode retries throttling and 5xx errors with
        # exponential backoff and jitter; PynamoDB's default allows 3 retries.
        model.Meta.max_retry_attempts = DYNAMODB_RETRIES
        # PynamoDB caches its connection per model; a new binding needs a new one.
        model._connection = None


def create_tables() -> None:
    """Create the three tables with on-demand billing if they do not exist."""
    for model in (ExperimentModel, TrialModel, JobModel):
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
