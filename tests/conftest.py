"""Shared fixtures: a real moto server, the service's resources in it, and two users."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.provision import (
    create_user,
    enable_state_machine_execution,
    login,
    provision_storage_and_workflow,
    provision_user_pool,
)
from paropt.settings import Settings
from paropt.storage import bind_models
from tests.template_stack import moto_server

HEARTBEAT_SECONDS = 4
PASSWORD = "Test-password-1"
REGION = "us-east-1"


@dataclass
class Deployment:
    """The service's resources in the test moto server."""

    moto_url: str
    settings: Settings
    queue_url: str
    state_machine_arn: str
    user_pool_id: str
    client_id: str
    local_key: str
    environment: dict[str, str]

    def id_token(self, username: str) -> str:
        result = login(
            self.settings, client_id=self.client_id, username=username, password=PASSWORD
        )
        return result["IdToken"]

    def client(self, service: str):  # noqa: ANN201
        return self.settings.boto3_client(service)


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a moto server on a free port with state-machine execution on."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        enable_state_machine_execution(url)
        yield url


@pytest.fixture(scope="session")
def deployment(moto_url: str) -> Deployment:
    """Create tables, queue, state machine and a user pool with users alice and bob.

    The environment variables are set for the whole test session, as the local
    stack sets them for the API and the runners.
    """
    stage = f"test{uuid.uuid4().hex[:8]}"
    environment = {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "paropt-test",
        "AWS_SECRET_ACCESS_KEY": "paropt-test",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PAROPT_STAGE": stage,
        "PAROPT_AWS_ENDPOINT_URL": moto_url,
    }
    os.environ.update(environment)
    settings = Settings.from_environment()
    queue_url, state_machine_arn = provision_storage_and_workflow(
        settings, name_prefix=f"paropt-{stage}"
    )
    pool_id, client_id = provision_user_pool(settings, name_prefix=f"paropt-{stage}")
    for username in ("alice", "bob"):
        create_user(settings, pool_id=pool_id, username=username, password=PASSWORD)
    local_key = uuid.uuid4().hex
    environment.update(
        {
            "PAROPT_STATE_MACHINE_ARN": state_machine_arn,
            "PAROPT_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
            "PAROPT_JOB_TIMEOUT_SECONDS": "600",
            "PAROPT_AUTH_MODE": "jwks",
            "PAROPT_JWKS_URL": f"{moto_url}/{pool_id}/.well-known/jwks.json",
            "PAROPT_TOKEN_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}",
            "PAROPT_CLIENT_ID": client_id,
            "PAROPT_LOCAL_KEY": local_key,
        }
    )
    os.environ.update(environment)
    settings = Settings.from_environment()
    bind_models(settings)
    return Deployment(
        moto_url=moto_url,
        settings=settings,
        queue_url=queue_url,
        state_machine_arn=state_machine_arn,
        user_pool_id=pool_id,
        client_id=client_id,
        local_key=local_key,
        environment=environment,
    )


class ApiCaller:
    """Calls the Chalice app through ``chalice.test.Client`` as one user."""

    def __init__(self, client, headers: dict[str, str]) -> None:  # noqa: ANN001
        self._client = client
        self.headers = headers

    def request(self, method: str, path: str, body=None, *, headers=None, raw: bytes | None = None):  # noqa: ANN001, ANN201
        import json

        if raw is not None:
            data = raw
        elif body is None:
            data = b""
        else:
            data = json.dumps(body).encode()
        sent = {**self.headers, "Content-Type": "application/json", **(headers or {})}
        response = self._client.http.request(method, f"/api/v1{path}", headers=sent, body=data)
        return response.status_code, json.loads(response.body) if response.body else None


@pytest.fixture(scope="session")
def chalice_client(deployment: Deployment):  # noqa: ANN201
    """A ``chalice.test.Client`` of the app, with token checks done by the app itself."""
    from chalice.test import Client

    from infra.api_server import load_app, use_app_verification

    client = Client(load_app())
    use_app_verification(client.http._local_gateway)
    return client


@pytest.fixture(scope="session")
def alice(deployment: Deployment, chalice_client) -> ApiCaller:  # noqa: ANN001
    token = deployment.id_token("alice")
    headers = {"Authorization": f"Bearer {token}", "X-Paropt-Local-Key": deployment.local_key}
    return ApiCaller(chalice_client, headers)


@pytest.fixture(scope="session")
def bob(deployment: Deployment, chalice_client) -> ApiCaller:  # noqa: ANN001
    token = deployment.id_token("bob")
    headers = {"Authorization": f"Bearer {token}", "X-Paropt-Local-Key": deployment.local_key}
    return ApiCaller(chalice_client, headers)


def experiment_body(tag: str | None = None, **overrides) -> dict:  # noqa: ANN003
    """Return a valid experiment body; ``tag`` makes it unique so tests do not share items."""
    body = {
        "tool_name": f"sleepy-{tag or uuid.uuid4().hex[:8]}",
        "parameters": [{"name": "x", "type": "int", "minimum": 1, "maximum": 5}],
        "command_template_string": "sleep 0.0${x}",
        "compute": {"type": "local", "max_threads": 1},
    }
    body.update(overrides)
    return body


ROOT = Path(__file__).resolve().parent.parent
