"""Service settings read from the environment, shared by the API, the runner and the launcher."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Names, endpoints and limits of one deployment (a stage, or the local stack)."""

    region: str
    aws_endpoint_url: str | None
    experiments_table: str
    trials_table: str
    jobs_table: str
    state_machine_arn: str
    heartbeat_seconds: int
    job_timeout_seconds: int
    # "gateway": API Gateway's Cognito authoriser verified the token and the claims
    # are read from the request context. "jwks": the app verifies the token itself
    # against the user pool's keys, because nothing in front of it did (the local stack).
    auth_mode: str
    jwks_url: str | None
    token_issuer: str | None
    client_id: str | None
    local_key: str | None
    # Seconds a stop request waits for the runner to confirm it killed its trials.
    stop_wait_seconds: float = 10.0
    # EC2 compute: the subnets and security group of the deployment's network, into
    # which the runner launches trial instances. Empty: the runner creates a network.
    ec2_subnet_ids: tuple[str, ...] = ()
    ec2_security_group_id: str | None = None
    # The runner's port for Parsl workers on trial instances; None lets Parsl pick.
    worker_port: int | None = None
    # The user pool's hosted UI domain, such as paropt-dev-1234.auth.eu-west-1.amazoncognito.com,
    # and the app client that the dashboard logs in with there. Unset on the local stack.
    auth_domain: str | None = None
    dashboard_client_id: str | None = None

    @classmethod
    def from_environment(cls) -> Settings:
        """Read the settings from ``PAROPT_*`` and ``AWS_*`` environment variables."""
        stage = os.environ.get("PAROPT_STAGE", "local")
        return cls(
            region=os.environ.get("AWS_DEFAULT_REGION")
            or os.environ.get("AWS_REGION")
            or "us-east-1",
            aws_endpoint_url=os.environ.get("PAROPT_AWS_ENDPOINT_URL") or None,
            experiments_table=os.environ.get(
                "PAROPT_EXPERIMENTS_TABLE", f"paropt-{stage}-experiments"
            ),
            trials_table=os.environ.get("PAROPT_TRIALS_TABLE", f"paropt-{stage}-trials"),
            jobs_table=os.environ.get("PAROPT_JOBS_TABLE", f"paropt-{stage}-jobs"),
            state_machine_arn=os.environ.get("PAROPT_STATE_MACHINE_ARN", ""),
            heartbeat_seconds=int(os.environ.get("PAROPT_HEARTBEAT_SECONDS", "60")),
            job_timeout_seconds=int(os.environ.get("PAROPT_JOB_TIMEOUT_SECONDS", "86400")),
            auth_mode=os.environ.get("PAROPT_AUTH_MODE", "gateway"),
            jwks_url=os.environ.get("PAROPT_JWKS_URL") or None,
            token_issuer=os.environ.get("PAROPT_TOKEN_ISSUER") or None,
            client_id=os.environ.get("PAROPT_CLIENT_ID") or None,
            local_key=os.environ.get("PAROPT_LOCAL_KEY") or None,
            stop_wait_seconds=float(os.environ.get("PAROPT_STOP_WAIT_SECONDS", "10")),
            ec2_subnet_ids=tuple(
                part.strip()
                for part in os.environ.get("PAROPT_EC2_SUBNET_IDS", "").split(",")
                if part.strip()
            ),
            ec2_security_group_id=os.environ.get("PAROPT_EC2_SECURITY_GROUP_ID") or None,
            worker_port=int(os.environ["PAROPT_WORKER_PORT"])
            if os.environ.get("PAROPT_WORKER_PORT")
            else None,
            auth_domain=os.environ.get("PAROPT_AUTH_DOMAIN") or None,
            dashboard_client_id=os.environ.get("PAROPT_DASHBOARD_CLIENT_ID") or None,
        )

    def boto3_client(self, service: str):  # noqa: ANN201 - boto3 clients have no static type
        """Create a boto3 client for ``service`` at this deployment's endpoint."""
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=self.aws_endpoint_url)
