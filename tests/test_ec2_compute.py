"""EC2 compute against moto EC2: every instance of a job ends with the job.

No instance boots here, so trials on EC2 never finish; the tests end jobs by a
stop, by the wall-time limit, and by killing the runner, and check that no
instance of the job is left pending or running.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import signal
import time

import pytest

from paropt.cleanup import JOB_TAG, job_is_active, terminate_orphaned_instances
from paropt.runner.compute import runner_address
from paropt.runner.ec2 import JobEC2Provider
from tests.conftest import HEARTBEAT_SECONDS, experiment_body
from tests.jobs import wait_for_status
from tests.test_runner import _launch_runner


@pytest.fixture(scope="module")
def ami(deployment) -> str:  # noqa: ANN001
    images = deployment.client("ec2").describe_images(Owners=["amazon"])["Images"]
    return next(image["ImageId"] for image in images if 12 <= len(image["ImageId"]) <= 21)


LIVE_STATES = ("pending", "running")


def _live_instances(deployment, job_id: str, states: tuple[str, ...] = LIVE_STATES) -> list[str]:  # noqa: ANN001
    answer = deployment.client("ec2").describe_instances(
        Filters=[
            {"Name": f"tag:{JOB_TAG}", "Values": [job_id]},
            {"Name": "instance-state-name", "Values": list(states)},
        ]
    )
    return [i["InstanceId"] for r in answer["Reservations"] for i in r["Instances"]]


def _wait_for_instance(  # noqa: ANN001
    deployment, job_id: str, runner, timeout: float = 60, states: tuple[str, ...] = LIVE_STATES
) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        instances = _live_instances(deployment, job_id, states)
        if instances:
            return instances
        time.sleep(0.5)
    os.killpg(runner.pid, signal.SIGKILL)
    every = deployment.client("ec2").describe_instances()["Reservations"]
    output = str([(i["InstanceId"], i.get("Tags")) for r in every for i in r["Instances"]])
    raise AssertionError(f"no instance of job {job_id} started within {timeout:g} s: {output}")


def _start_ec2_job(alice, ami: str, run: dict | None = None) -> tuple[str, str]:  # noqa: ANN001
    compute = {"type": "ec2", "instance_model": "t2.micro", "ami": ami}
    _, experiment = alice.request("POST", "/experiments", experiment_body(compute=compute))
    body = {"optimizer": {"type": "grid", "num_configs_per_param": 2}, **(run or {})}
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", body)
    assert status == 202, answer
    return experiment["id"], answer["job"]["job_id"]


@pytest.fixture
def loopback_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAROPT_RUNNER_ADDRESS", "127.0.0.1")


def _provider(job_id: str, settings, ami: str, folder) -> JobEC2Provider:  # noqa: ANN001
    return JobEC2Provider(
        job_id=job_id,
        settings=settings,
        image_id=ami,
        instance_type="t2.micro",
        key_name="",
        init_blocks=0,
        state_file=str(folder / "state.json"),
    )


def test_provider_tags_instances_with_job(deployment, ami: str, tmp_path) -> None:  # noqa: ANN001
    provider = _provider("job-under-test", deployment.settings, ami, tmp_path)
    provider.submit("true", 1, job_name="paropt-test")
    instances = _live_instances(deployment, "job-under-test")
    assert len(instances) == 1
    orphans = terminate_orphaned_instances(deployment.client("ec2"), lambda job_id: False)
    assert instances[0] in orphans
    assert _live_instances(deployment, "job-under-test") == []


def test_provider_uses_configured_network(deployment, ami: str, tmp_path) -> None:  # noqa: ANN001
    ec2 = deployment.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName="paropt-trial-instances", Description="trial instances", VpcId=vpc
    )["GroupId"]
    settings = dataclasses.replace(
        deployment.settings, ec2_subnet_ids=(subnet,), ec2_security_group_id=group
    )
    vpcs_before = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    provider = _provider("job-in-stack-network", settings, ami, tmp_path)
    provider.submit("true", 1, job_name="paropt-test")
    (instance_id,) = _live_instances(deployment, "job-in-stack-network")
    answer = ec2.describe_instances(InstanceIds=[instance_id])
    instance = answer["Reservations"][0]["Instances"][0]
    assert instance["SubnetId"] == subnet
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == [group]
    assert "KeyName" not in instance
    assert "IamInstanceProfile" not in instance
    assert {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]} == vpcs_before
    provider.teardown()
    assert _live_instances(deployment, "job-in-stack-network") == []
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"]


def test_runner_address_prefers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAROPT_RUNNER_ADDRESS", "10.42.0.7")
    assert runner_address() == "10.42.0.7"


def test_runner_address_defaults_to_an_interface_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAROPT_RUNNER_ADDRESS", raising=False)
    assert ipaddress.ip_address(runner_address()).version == 4


def test_stopped_ec2_job_leaves_no_instance(alice, deployment, ami, loopback_runner) -> None:  # noqa: ANN001
    experiment_id, job_id = _start_ec2_job(alice, ami)
    runner = _launch_runner(deployment, job_id)
    _wait_for_instance(deployment, job_id, runner)
    status, _ = alice.request("POST", f"/experiments/{experiment_id}/stop")
    assert status == 200
    runner.wait(timeout=60)
    assert _live_instances(deployment, job_id) == []


def test_wall_time_ends_ec2_job_without_instances(alice, deployment, ami, loopback_runner) -> None:  # noqa: ANN001
    _, job_id = _start_ec2_job(alice, ami, {"max_wall_time": 8})
    runner = _launch_runner(deployment, job_id)
    # On a loaded machine the instance can start after the wall time has passed;
    # the runner must terminate it all the same.
    ever = (*LIVE_STATES, "shutting-down", "terminated")
    _wait_for_instance(deployment, job_id, runner, states=ever)
    runner.wait(timeout=60)
    job = wait_for_status(job_id, {"finished", "failed"})
    assert job.status == "finished"
    assert job.stop_reason.startswith("max_wall_time")
    assert _live_instances(deployment, job_id) == []


def test_killed_runner_instances_are_swept(alice, deployment, ami, loopback_runner) -> None:  # noqa: ANN001
    _, job_id = _start_ec2_job(alice, ami)
    runner = _launch_runner(deployment, job_id)
    instances = _wait_for_instance(deployment, job_id, runner)
    os.killpg(runner.pid, signal.SIGKILL)
    runner.wait()
    assert _live_instances(deployment, job_id) == instances
    wait_for_status(job_id, {"failed"}, timeout=HEARTBEAT_SECONDS + 10)
    swept = terminate_orphaned_instances(deployment.client("ec2"), job_is_active)
    assert set(instances) <= set(swept)
    assert _live_instances(deployment, job_id) == []


def test_scheduled_sweeper_terminates_orphans(deployment, ami, chalice_client) -> None:  # noqa: ANN001
    ec2 = deployment.client("ec2")
    tags = [{"Key": JOB_TAG, "Value": "f" * 32}]
    instance = ec2.run_instances(
        ImageId=ami,
        InstanceType="t2.micro",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]["InstanceId"]
    event = chalice_client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    chalice_client.lambda_.invoke("instance-sweeper", event)
    assert _live_instances(deployment, "f" * 32) == []
    state = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert state["State"]["Name"] in {"shutting-down", "terminated"}
