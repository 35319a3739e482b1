"""Terminating the EC2 instances of a job, and of jobs whose runner died.

Every instance a runner launches carries the tag ``paropt:job_id``. The runner
terminates its own instances when its job ends, whatever the outcome; the
functions here also find the instances of runners that could not.
``python -m paropt.cleanup`` runs the orphan sweep once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

JOB_TAG = "paropt:job_id"
LIVE_STATES = ["pending", "running", "stopping", "stopped"]
logger = logging.getLogger(__name__)


def _instances(ec2, filters: list[dict]) -> list[dict]:  # noqa: ANN001 - a boto3 EC2 client
    found = []
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            found.extend(reservation["Instances"])
    return found


def _job_id(instance: dict) -> str | None:
    for tag in instance.get("Tags", []):
        if tag["Key"] == JOB_TAG:
            return tag["Value"]
    return None


def terminate_job_instances(ec2, job_id: str) -> list[str]:  # noqa: ANN001
    """Terminate every live instance tagged with ``job_id``; return their ids."""
    filters = [
        {"Name": f"tag:{JOB_TAG}", "Values": [job_id]},
        {"Name": "instance-state-name", "Values": LIVE_STATES},
    ]
    instance_ids = [instance["InstanceId"] for instance in _instances(ec2, filters)]
    if instance_ids:
        ec2.terminate_instances(InstanceIds=instance_ids)
        logger.info("terminated %d instances of job %s", len(instance_ids), job_id)
    return instance_ids


def terminate_orphaned_instances(ec2, is_active: Callable[[str], bool]) -> list[str]:  # noqa: ANN001
    """Terminate live tagged instances whose job is no longer queued or running."""
    filters = [
        {"Name": "tag-key", "Values": [JOB_TAG]},
        {"Name": "instance-state-name", "Values": LIVE_STATES},
    ]
    orphans: list[str] = []
    for instance in _instances(ec2, filters):
        job_id = _job_id(instance)
        if job_id is not None and not is_active(job_id):
            orphans.append(instance["InstanceId"])
    if orphans:
        ec2.terminate_instances(InstanceIds=orphans)
        logger.warning("terminated %d instances of ended jobs: %s", len(orphans), orphans)
    return orphans


def job_is_active(job_id: str) -> bool:
    """Return whether the job is queued or running; an unknown job is not."""
    from pynamodb.exceptions import DoesNotExist

    from paropt.storage import ACTIVE_JOB_STATUSES, JobModel

    try:
        return JobModel.get(job_id, consistent_read=True).status in ACTIVE_JOB_STATUSES
    except DoesNotExist:
        return False


def main() -> int:
    """Sweep once for instances of ended jobs, with the settings in the environment."""
    from paropt.settings import Settings
    from paropt.storage import bind_models

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_environment()
    bind_models(settings)
    terminated = terminate_orphaned_instances(settings.boto3_client("ec2"), job_is_active)
    print(f"terminated {len(terminated)} instances of ended jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
