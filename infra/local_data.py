"""Keeping the local stack's experiments, trials and jobs across restarts.

moto keeps everything in memory, so the stack saves the three tables to
``<state dir>/data/tables.json`` when it stops and loads them when it starts.
Ownership is the Cognito ``sub`` of the user, which moto draws at random. The
stack therefore seeds moto's random generator with a number kept in
``data/seed`` before it creates the user pool. The pool, the app client and the
local user then get the same ids, and the same ``sub``, at every start.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path

import requests

from paropt.storage import ACTIVE_JOB_STATUSES, ExperimentModel, JobModel, TrialModel, utc_now

logger = logging.getLogger("paropt.local_data")
MODELS = {"experiments": ExperimentModel, "trials": TrialModel, "jobs": JobModel}
BATCH_SIZE = 25


def stack_seed(data_dir: Path) -> int:
    """Return the stack's moto seed, creating it on the first start."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / "seed"
    if not path.exists():
        path.write_text(str(secrets.randbelow(2**31)))
    return int(path.read_text().strip())


def seed_moto(moto_url: str, seed: int) -> None:
    """Seed moto's random generator, which makes the ids it draws next repeatable."""
    response = requests.post(f"{moto_url}/moto-api/seed", params={"a": seed}, timeout=10)
    response.raise_for_status()


def save_tables(data_dir: Path) -> int:
    """Write every item of the three tables to ``tables.json``; return the item count.

    NOTE: this reads whole tables with Scan, which the service itself never does;
    it runs only when the local stack stops.
    """
    tables: dict[str, list[dict]] = {}
    for name, model in MODELS.items():
        client = model._get_connection().connection.client
        items: list[dict] = []
        paginator = client.get_paginator("scan")
        for page in paginator.paginate(TableName=model.Meta.table_name, ConsistentRead=True):
            items.extend(page["Items"])
        tables[name] = items
    path = data_dir / "tables.json"
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(tables, handle)
    os.replace(temporary, path)
    return sum(len(items) for items in tables.values())


def load_tables(data_dir: Path) -> int:
    """Put the items saved by :func:`save_tables` back; return the item count."""
    path = data_dir / "tables.json"
    if not path.exists():
        return 0
    tables = json.loads(path.read_text())
    count = 0
    for name, model in MODELS.items():
        client = model._get_connection().connection.client
        items = tables.get(name, [])
        for start in range(0, len(items), BATCH_SIZE):
            requests_batch = [
                {"PutRequest": {"Item": item}} for item in items[start : start + BATCH_SIZE]
            ]
            pending = {model.Meta.table_name: requests_batch}
            while pending:
                answer = client.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
        count += len(items)
    return count


def fail_interrupted_jobs() -> list[str]:
    """Mark jobs that were queued or running when the stack stopped as failed.

    Their executions and runners ended with the old stack, so nothing else would
    ever end them. Their experiments are released for new runs.
    """
    failed: list[str] = []
    for status in ACTIVE_JOB_STATUSES:
        client = JobModel._get_connection().connection.client
        paginator = client.get_paginator("scan")
        pages = paginator.paginate(
            TableName=JobModel.Meta.table_name,
            FilterExpression="#s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": status}},
        )
        for page in pages:
            for item in page["Items"]:
                failed.append(item["job_id"]["S"])
    for job_id in failed:
        job = JobModel.get(job_id)
        job.update(
            actions=[
                JobModel.status.set("failed"),
                JobModel.error.set("LocalStackStopped"),
                JobModel.cause.set(
                    "the local stack stopped while this job was queued or running; "
                    "its finished trials are kept"
                ),
                JobModel.ended_at.set(utc_now()),
            ]
        )
        try:
            ExperimentModel(job.experiment_id).update(
                actions=[ExperimentModel.active_job_id.remove()],
                condition=ExperimentModel.active_job_id == job_id,
            )
        except Exception:  # noqa: BLE001 - the experiment may have moved on already
            logger.info("experiment %s was not held by job %s", job.experiment_id, job_id)
        logger.warning("job %s was interrupted by the last stop; marked failed", job_id)
    return failed
