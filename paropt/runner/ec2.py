"""Parsl's AWS provider, adapted to tag instances with the job and to use the service's settings."""

from __future__ import annotations

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
    """

    def __init__(self, *, job_id: str, settings: Settings, **kwargs) -> None:  # noqa: ANN003
        self.job_id = job_id
        self._settings = settings
        kwargs.setdefault("profile", "paropt-default-credentials")
        super().__init__(region=settings.region, **kwargs)

    def initialize_boto_client(self) -> None:
        import boto3

        self.session = boto3.session.Session(region_name=self._settings.region)
        endpoint = self._settings.aws_endpoint_url
        self.client = self.session.client("ec2", endpoint_url=endpoint)
        self.ec2 = self.session.resource("ec2", endpoint_url=endpoint)
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
