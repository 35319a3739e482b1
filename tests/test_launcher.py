"""The launcher Lambda against moto ECS: RunTask with the job's token, and its failure path.

A real container cannot start here, so where ECS would start the runner
container, the test starts the runner process with the environment that the
launcher put into the task's overrides. Everything before that boundary (the
state machine, the queue, the Lambda handler, ECS RunTask) is real or moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import experiment_body
from tests.jobs import receive_launch, wait_for_status


@pytest.fixture(scope="module")
def cluster(deployment) -> dict[str, str]:  # noqa: ANN001
    ecs = deployment.client("ecs")
    ec2 = deployment.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    # moto 5.2 fails RunTask in a VPC without DNS host names.
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName="paropt-runner-test", Description="runner tasks", VpcId=vpc
    )["GroupId"]
    cluster_arn = ecs.create_cluster(clusterName="paropt-test")["cluster"]["clusterArn"]
    task_definition = ecs.register_task_definition(
        family="paropt-runner-test",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="1024",
        memory="2048",
        containerDefinitions=[
            {"name": "runner", "image": "paropt-runner:test", "essential": True, "memory": 2048}
        ],
    )["taskDefinition"]
    # ECS takes a task definition ARN or family:revision; moto 5.2's RunTask
    # handles only the second form.
    task_definition = f"{task_definition['family']}:{task_definition['revision']}"
    return {
        "PAROPT_CLUSTER_ARN": cluster_arn,
        "PAROPT_TASK_DEFINITION_ARN": task_definition,
        "PAROPT_SUBNETS": subnet,
        "PAROPT_SECURITY_GROUPS": group,
        "PAROPT_ASSIGN_PUBLIC_IP": "DISABLED",
        "PAROPT_RUNNER_CONTAINER": "runner",
    }


def _invoke_launcher(chalice_client, body: dict) -> None:  # noqa: ANN001
    event = chalice_client.events.generate_sqs_event(
        message_bodies=[json.dumps(body)], queue_name="paropt-launch"
    )
    chalice_client.lambda_.invoke("launcher", event)


def _start_fargate_job(alice) -> tuple[str, str]:  # noqa: ANN001
    body = experiment_body(compute={"type": "fargate", "cpu": 512, "memory": 2048})
    _, experiment = alice.request("POST", "/experiments", body)
    optimizer = {"optimizer": {"type": "grid", "num_configs_per_param": 2}}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", optimizer)
    assert status == 202, answer
    return experiment["id"], answer["job"]["job_id"]


def test_launcher_runs_task_and_job_finishes(
    alice, deployment, chalice_client, cluster, monkeypatch
) -> None:  # noqa: ANN001
    for name, value in cluster.items():
        monkeypatch.setenv(name, value)
    _, job_id = _start_fargate_job(alice)
    message = receive_launch(deployment.client("sqs"), deployment.queue_url, job_id)
    _invoke_launcher(chalice_client, message)

    ecs = deployment.client("ecs")
    task_arns = ecs.list_tasks(cluster=cluster["PAROPT_CLUSTER_ARN"], startedBy=job_id[:36])
    assert len(task_arns["taskArns"]) == 1
    task = ecs.describe_tasks(cluster=cluster["PAROPT_CLUSTER_ARN"], tasks=task_arns["taskArns"])[
        "tasks"
    ][0]
    overrides = task["overrides"]
    assert overrides["cpu"] == "512"
    assert overrides["memory"] == "2048"
    container = overrides["containerOverrides"][0]
    assert container["name"] == "runner"
    environment = {item["name"]: item["value"] for item in container["environment"]}
    assert environment["PAROPT_JOB_ID"] == job_id
    assert environment["PAROPT_TASK_TOKEN"] == message["task_token"]

    # The boundary: ECS would start the container; the test starts its entry point.
    runner = subprocess.run(
        [sys.executable, "-m", "paropt.runner"],
        env={**os.environ, **deployment.environment, **environment},
        capture_output=True,
        timeout=120,
    )
    assert runner.returncode == 0, runner.stdout.decode()[-2000:]
    job = wait_for_status(job_id, {"finished", "failed"})
    assert job.status == "finished"
    assert int(job.trials_done) == 2


def test_launcher_failure_fails_job_at_once(
    alice, deployment, chalice_client, cluster, monkeypatch
) -> None:  # noqa: ANN001
    for name, value in cluster.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PAROPT_TASK_DEFINITION_ARN", "missing-runner:9")
    _, job_id = _start_fargate_job(alice)
    message = receive_launch(deployment.client("sqs"), deployment.queue_url, job_id)
    launched_at = time.monotonic()
    _invoke_launcher(chalice_client, message)
    job = wait_for_status(job_id, {"failed"}, timeout=10)
    _, view = alice.request("GET", f"/jobs/{job_id}")
    assert time.monotonic() - launched_at < 3
    assert view["error"] == "LaunchFailed"
    assert job.status == "failed"


def test_launcher_drops_malformed_message(deployment, chalice_client, cluster, monkeypatch) -> None:  # noqa: ANN001
    for name, value in cluster.items():
        monkeypatch.setenv(name, value)
    event = chalice_client.events.generate_sqs_event(message_bodies=["not json"])
    chalice_client.lambda_.invoke("launcher", event)
    tasks = deployment.client("ecs").list_tasks(cluster=cluster["PAROPT_CLUSTER_ARN"])
    assert all("not json" not in arn for arn in tasks["taskArns"])
