"""Creating the service's resources in a moto server: tables, queue, state machine, user pool."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from paropt.settings import Settings
from paropt.storage import bind_models, create_tables

ROOT = Path(__file__).resolve().parent.parent
ASL_PATH = ROOT / "stepfunctions" / "run_job.asl.json"
STATE_MACHINE_ROLE = "arn:aws:iam::123456789012:role/paropt-local-state-machine"


@dataclass(frozen=True)
class Resources:
    """Names and ARNs of what :func:`provision` created."""

    queue_url: str
    state_machine_arn: str
    user_pool_id: str
    client_id: str


def render_definition(*, jobs_table: str, experiments_table: str, queue_url: str) -> str:
    """Return the state machine definition with its substitutions filled in.

    CloudFormation's DefinitionSubstitutions fill the same ``${Name}`` slots in AWS.
    """
    definition = ASL_PATH.read_text()
    substitutions = {
        "JobsTable": jobs_table,
        "ExperimentsTable": experiments_table,
        "LaunchQueueUrl": queue_url,
    }
    for name, value in substitutions.items():
        definition = definition.replace("${" + name + "}", value)
    return definition


def provision_storage_and_workflow(settings: Settings, *, name_prefix: str) -> tuple[str, str]:
    """Create the tables, the launch queue and the state machine; return the queue URL and ARN."""
    bind_models(settings)
    create_tables()
    sqs = settings.boto3_client("sqs")
    queue_url = sqs.create_queue(QueueName=f"{name_prefix}-launch")["QueueUrl"]
    sfn = settings.boto3_client("stepfunctions")
    definition = render_definition(
        jobs_table=settings.jobs_table,
        experiments_table=settings.experiments_table,
        queue_url=queue_url,
    )
    name = f"{name_prefix}-run-job"
    existing = {
        machine["name"]: machine["stateMachineArn"]
        for machine in sfn.list_state_machines()["stateMachines"]
    }
    if name in existing:
        arn = existing[name]
        sfn.update_state_machine(stateMachineArn=arn, definition=definition)
    else:
        arn = sfn.create_state_machine(
            name=name, definition=definition, roleArn=STATE_MACHINE_ROLE
        )["stateMachineArn"]
    return queue_url, arn


def provision_user_pool(settings: Settings, *, name_prefix: str) -> tuple[str, str]:
    """Create a user pool and an app client that allows password login; return their ids."""
    cognito = settings.boto3_client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"{name_prefix}-users")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name_prefix}-sdk",
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def create_user(settings: Settings, *, pool_id: str, username: str, password: str) -> None:
    """Create a confirmed user with a permanent password."""
    cognito = settings.boto3_client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )


def login(settings: Settings, *, client_id: str, username: str, password: str) -> dict:
    """Log in with USER_PASSWORD_AUTH and return the authentication result (tokens)."""
    cognito = settings.boto3_client("cognito-idp")
    answer = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return answer["AuthenticationResult"]


def enable_state_machine_execution(moto_url: str) -> None:
    """Turn on moto's execution of state machines (off by default)."""
    import requests

    response = requests.post(
        f"{moto_url}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}),
        timeout=10,
    )
    response.raise_for_status()
