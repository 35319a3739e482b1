"""Parsl's AWS provider, adapted to tag instances with the job and to use the service's settings."""

from __future__ import annotations

import json
from typing import Any

from parsl.providers import AWSProvider

from paropt.cleanup import JOB_TAG
from paropt.settings import Settings

STATUS_POLLING_SECONDS = 5


class JobEC2Provider(AWSProvider):
    """An :class:`~parsl.providers.AWSProvider` whose instances carry the job's tag.

    The stock provider takes credentials only from a profile, a key file or the
    ``AWS_ACCESS_KEY_ID`` variables; a Fargate task has a task role instead. This
    subclass builds its clients from the default credential chain and the
    service's endpoint, so the ``profile`` it passes only satisfies that check.

    When the settings name subnets and a security group (a deployed stage), the
    instances start there. Otherwise the stock provider creates a VPC, subnets and
    a security group of its own, which it never deletes.
    """

    def __init__(self, *, job_id: str, settings: Settings, state_file: str, **kwargs) -> None:  # noqa: ANN003
        self.job_id = job_id
        self._settings = settings
        kwargs.setdefault("profile", "paropt-default-credentials")
        if settings.ec2_subnet_ids and settings.ec2_security_group_id:
            # The stock provider reuses the network named in an existing state
            # file instead of creating one.
            _write_network_state(
                state_file, settings.ec2_subnet_ids, settings.ec2_security_group_id
            )
        super().__init__(region=settings.region, state_file=state_file, **kwargs)

    def initialize_boto_client(self) -> None:
        import boto3

        self.session = boto3.session.Session(region_name=self._settings.region)
        endpoint = self._settings.aws_endpoint_url
        self.client = self.session.client("ec2", endpoint_url=endpoint)
        self.ec2 = _InstanceRequests(self.session.resource("ec2", endpoint_url=endpoint))
        self.instances = []
        self.instance_states = {}
        self.vpc_id = 0
        self.sg_id = 0
        self.sn_ids = []

    def create_name_tag_spec(self, resource_type: str, name: str) -> list[dict]:
        tags = [{"Key": "Name", "Value": name}, {"Key": JOB_TAG, "Value": self.job_id}]
        return [{"ResourceType": resource_type, "Tags": tags}]

    @property
    def status_polling_interval(self) -> int:
        # Parsl's scaling strategy acts at this interval, the first scale-out
        # included; the stock 60 s would delay a job's first instance by a minute.
        return STATUS_POLLING_SECONDS

    def status(self, job_ids: list[str]) -> list:
        # The stock method describes every instance of the account when job_ids is
        # empty, then fails on the first instance it did not launch, which stops
        # Parsl's scaling strategy for good.
        if not job_ids:
            return []
        known = [job_id for job_id in job_ids if job_id in self.resources]
        if len(known) != len(job_ids):
            raise KeyError(f"instances not launched by this provider: {set(job_ids) - set(known)}")
        return super().status(known)

    def teardown(self) -> None:
        # The stock teardown deletes the subnets and the security group, which in a
        # deployed stage belong to the stack and serve every job.
        self.shut_down_instance(self.instances)
        self.instances = []


def _write_network_state(state_file: str, subnet_ids: tuple[str, ...], group_id: str) -> None:
    state = {"vpcID": "", "sgID": group_id, "snIDs": list(subnet_ids), "instances": []}
    with open(state_file, "w", encoding="utf-8") as handle:
        json.dump(state, handle)


class _InstanceRequests:
    """The boto3 EC2 resource, minus the empty optional fields of the stock provider.

    The stock provider always sends ``KeyName`` and ``IamInstanceProfile``, empty
    when not configured. RunInstances documents leaving them out to launch without
    a key pair or profile; empty values are not documented as allowed.
    """

    def __init__(self, resource: Any) -> None:
        self._resource = resource

    def create_instances(self, **request: Any) -> list:
        return self._resource.create_instances(**without_empty_options(request))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resource, name)


def without_empty_options(request: dict[str, Any]) -> dict[str, Any]:
    """Return the RunInstances ``request`` without an empty key name, profile or market option."""
    cleaned = dict(request)
    if not cleaned.get("KeyName"):
        cleaned.pop("KeyName", None)
    if not (cleaned.get("IamInstanceProfile") or {}).get("Arn"):
        cleaned.pop("IamInstanceProfile", None)
    if not cleaned.get("InstanceMarketOptions"):
        cleaned.pop("InstanceMarketOptions", None)
    return cleaned
