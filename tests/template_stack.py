"""The template's stack in a moto server of its own, shared by the tests that need one.

The bridges between moto's CloudFormation and AWS are listed in
tests/test_template_moto.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from infra.deploy import ROOT, load_template
from infra.local_stack import HOST, free_port, wait_for_http

REGION = "us-east-1"
COGNITO_TYPES = (
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
)


@contextmanager
def moto_server(log_path: Path) -> Iterator[str]:
    """Run a moto server on 127.0.0.1 with moto's defaults (no state-machine execution)."""
    port = free_port()
    with open(log_path, "wb") as log:
        # The state-machine interpreter, once switched on, calls back at localhost:$MOTO_PORT.
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            env={**os.environ, "MOTO_PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://{HOST}:{port}"
    try:
        wait_for_http(f"{url}/moto-api/", timeout=60, process=process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def aws_client(moto_url: str, service: str):  # noqa: ANN202 - a boto3 client
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="paropt-test",
        aws_secret_access_key="paropt-test",
    )


def replace_references(node: Any, values: dict[tuple[str, str | None], str]) -> Any:
    """Return ``node`` with each Ref or GetAtt of a key in ``values`` replaced by its value.

    Keys are ``(logical id, None)`` for Ref and ``(logical id, attribute)`` for GetAtt.
    The ``${logical id}`` and ``${logical id.attribute}`` slots of a string
    ``Fn::Sub`` are filled the same way.
    """
    if isinstance(node, list):
        return [replace_references(item, values) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and (node["Ref"], None) in values:
        return values[(node["Ref"], None)]
    if set(node) == {"Fn::GetAtt"} and tuple(node["Fn::GetAtt"]) in values:
        return values[tuple(node["Fn::GetAtt"])]
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
        text = node["Fn::Sub"]
        for (logical_id, attribute), value in values.items():
            slot = logical_id if attribute is None else f"{logical_id}.{attribute}"
            text = text.replace("${" + slot + "}", value)
        return {"Fn::Sub": text}
    return {key: replace_references(value, values) for key, value in node.items()}


def _if_without_dashboard_url(value: Any) -> Any:
    """Resolve ``Fn::If`` on HasDashboardUrl as for a stack whose DashboardUrl is empty."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        condition, _, otherwise = value["Fn::If"]
        assert condition == "HasDashboardUrl"
        return otherwise
    return value


def _client_request(properties: dict, stage: str) -> dict:
    """Return CreateUserPoolClient arguments from an app client's template properties.

    The template's property names are the API's, so every property is passed on
    and botocore rejects any that the API does not know.
    """
    request = {name: value for name, value in properties.items() if name != "UserPoolId"}
    request["ClientName"] = properties["ClientName"]["Fn::Sub"].replace("${Stage}", stage)
    for name in ("CallbackURLs", "LogoutURLs"):
        if name in request:
            request[name] = [_if_without_dashboard_url(url) for url in request[name]]
    return request


def create_cognito(template: dict, cognito, stage: str) -> dict[tuple[str, str | None], str]:  # noqa: ANN001
    """Create the template's user pool, its domain and its clients through the API.

    Returns:
        The values that Ref and GetAtt of the two resources stand for.
    """
    resources = template["Resources"]
    pool_properties = resources.pop("UserPool")["Properties"]
    client_properties = resources.pop("UserPoolClient")["Properties"]
    assert client_properties["UserPoolId"] == {"Ref": "UserPool"}
    pool = cognito.create_user_pool(
        PoolName=pool_properties["UserPoolName"]["Fn::Sub"].replace("${Stage}", stage),
        Policies=pool_properties["Policies"],
        AdminCreateUserConfig=pool_properties["AdminCreateUserConfig"],
        UsernameConfiguration=pool_properties["UsernameConfiguration"],
        AccountRecoverySetting=pool_properties["AccountRecoverySetting"],
        MfaConfiguration=pool_properties["MfaConfiguration"],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], **_client_request(client_properties, stage)
    )["UserPoolClient"]
    domain_properties = resources.pop("UserPoolDomain")["Properties"]
    assert domain_properties["UserPoolId"] == {"Ref": "UserPool"}
    cognito.create_user_pool_domain(
        UserPoolId=pool["Id"],
        Domain=domain_properties["Domain"]["Fn::Sub"]
        .replace("${Stage}", stage)
        .replace("${AWS::AccountId}", "123456789012"),
    )
    dashboard_properties = resources.pop("DashboardClient")["Properties"]
    assert dashboard_properties["UserPoolId"] == {"Ref": "UserPool"}
    dashboard = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], **_client_request(dashboard_properties, stage)
    )["UserPoolClient"]
    return {
        ("UserPool", None): pool["Id"],
        ("UserPool", "Arn"): pool["Arn"],
        ("UserPoolClient", None): client["ClientId"],
        ("DashboardClient", None): dashboard["ClientId"],
    }


def inline_definition(state_machine: dict, definition: str) -> None:
    """Replace DefinitionS3Location and DefinitionSubstitutions by an equivalent Fn::Sub."""
    properties = state_machine["Properties"]
    assert properties.pop("DefinitionS3Location") == "../stepfunctions/run_job.asl.json"
    for name, value in properties.pop("DefinitionSubstitutions").items():
        if set(value) == {"Ref"}:
            slot = "${" + value["Ref"] + "}"
        else:
            slot = "${" + ".".join(value["Fn::GetAtt"]) + "}"
        assert "${" + name + "}" in definition, f"{name} is substituted but never used"
        definition = definition.replace("${" + name + "}", slot)
    properties["DefinitionString"] = {"Fn::Sub": definition}


def create_stack(moto_url: str, stage: str) -> dict[str, Any]:
    """Create the stack in moto; return its stage, status, outputs, Cognito ids and physical ids."""
    template = load_template()
    cognito = create_cognito(template, aws_client(moto_url, "cognito-idp"), stage)
    leftover = [r for r in template["Resources"].values() if r["Type"] in COGNITO_TYPES]
    assert leftover == []
    template = replace_references(template, cognito)
    assert "UserPool" not in json.dumps(template["Resources"])

    definition = (ROOT / "stepfunctions" / "run_job.asl.json").read_text()
    inline_definition(template["Resources"]["RunJobStateMachine"], definition)

    cloudformation = aws_client(moto_url, "cloudformation")
    name = f"paropt-{stage}"
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": "Stage", "ParameterValue": stage},
            {"ParameterKey": "RunnerImageTag", "ParameterValue": "src-test"},
        ],
        Capabilities=["CAPABILITY_IAM"],
    )

    described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    return {
        "stage": stage,
        "status": described["StackStatus"],
        "outputs": {item["OutputKey"]: item["OutputValue"] for item in described["Outputs"]},
        "cognito": cognito,
        # moto gives some resources, such as security group ingress rules, no physical id.
        "physical_ids": {
            item["LogicalResourceId"]: item.get("PhysicalResourceId") for item in resources
        },
    }
