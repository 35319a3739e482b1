"""The launcher Lambda's work: start one runner task on Fargate for a launch message."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from paropt.storage import ExperimentModel

# Step Functions limits the error name to 256 and the cause to 32,768 characters.
MAX_CAUSE_CHARS = 32_768


@dataclass(frozen=True)
class LauncherSettings:
    """Placement of runner tasks: the cluster, task definition and network."""

    cluster: str
    task_definition: str
    subnets: list[str]
    security_groups: list[str]
    assign_public_ip: str
    container: str

    @classmethod
    def from_environment(cls) -> LauncherSettings:
        """Read the settings from the ``PAROPT_*`` variables of the launcher Lambda."""

        def names(variable: str) -> list[str]:
            return [
                item.strip() for item in os.environ.get(variable, "").split(",") if item.strip()
            ]

        return cls(
            cluster=os.environ.get("PAROPT_CLUSTER_ARN", ""),
            task_definition=os.environ.get("PAROPT_TASK_DEFINITION_ARN", ""),
            subnets=names("PAROPT_SUBNETS"),
            security_groups=names("PAROPT_SECURITY_GROUPS"),
            assign_public_ip=os.environ.get("PAROPT_ASSIGN_PUBLIC_IP", "ENABLED"),
            container=os.environ.get("PAROPT_RUNNER_CONTAINER", "runner"),
        )


class LaunchError(Exception):
    """RunTask did not start the runner. The message contains the reason."""


def run_task_arguments(
    settings: LauncherSettings, *, job_id: str, task_token: str, cpu: int | None, memory: int | None
) -> dict:
    """Return the ECS RunTask arguments that start the runner of ``job_id``."""
    overrides: dict = {
        "containerOverrides": [
            {
                "name": settings.container,
                "environment": [
                    {"name": "PAROPT_JOB_ID", "value": job_id},
                    {"name": "PAROPT_TASK_TOKEN", "value": task_token},
                ],
            }
        ]
    }
    if cpu is not None and memory is not None:
        overrides["cpu"] = str(cpu)
        overrides["memory"] = str(memory)
    return {
        "cluster": settings.cluster,
        "taskDefinition": settings.task_definition,
        "launchType": "FARGATE",
        "count": 1,
        "startedBy": job_id[:36],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": settings.subnets,
                "securityGroups": settings.security_groups,
                "assignPublicIp": settings.assign_public_ip,
            }
        },
        "overrides": overrides,
        "tags": [{"key": "paropt:job_id", "value": job_id}],
    }


def _task_size(experiment_id: str) -> tuple[int | None, int | None]:
    try:
        experiment = ExperimentModel.get(experiment_id, attributes_to_get=["spec"])
    except DoesNotExist:
        return None, None
    compute = experiment.spec.get("compute", {})
    if compute.get("type") != "fargate":
        return None, None
    return compute.get("cpu"), compute.get("memory")


def launch(body: str, *, ecs, sfn, settings: LauncherSettings, logger) -> str | None:  # noqa: ANN001
    """Start the runner task for one launch message; return the task ARN.

    When RunTask fails, the job's execution gets SendTaskFailure at once, so the
    job fails with the reason instead of waiting for a missed heartbeat. A message
    that cannot be read is logged and dropped: without its task token nothing can
    be reported.
    """
    try:
        message = json.loads(body)
        job_id, task_token = message["job_id"], message["task_token"]
        experiment_id = message.get("experiment_id", "")
    except (ValueError, KeyError, TypeError):
        logger.error("dropping a malformed launch message", body=body[:200])
        return None
    logger.append_keys(job_id=job_id, experiment_id=experiment_id)
    try:
        cpu, memory = _task_size(experiment_id)
        arguments = run_task_arguments(
            settings, job_id=job_id, task_token=task_token, cpu=cpu, memory=memory
        )
        answer = ecs.run_task(**arguments)
        failures = answer.get("failures") or []
        tasks = answer.get("tasks") or []
        if failures or not tasks:
            reasons = "; ".join(
                f"{failure.get('arn', 'task')}: {failure.get('reason', 'unknown')}"
                for failure in failures
            )
            raise LaunchError(f"ECS RunTask started no task: {reasons or 'no reason given'}")
        task_arn = tasks[0]["taskArn"]
        logger.info("runner task started", task_arn=task_arn, cpu=cpu, memory=memory)
        return task_arn
    except (ClientError, BotoCoreError, PynamoDBException, LaunchError) as exc:
        cause = str(exc)[:MAX_CAUSE_CHARS]
        logger.error("runner task could not be started; failing the job", error=cause)
        try:
            sfn.send_task_failure(taskToken=task_token, error="LaunchFailed", cause=cause)
        except (ClientError, BotoCoreError):
            logger.exception("reporting the launch failure failed; the heartbeat timeout ends it")
        return None
