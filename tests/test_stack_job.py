"""A job end to end on the template's stack in moto, wired as a deployed stage.

The stack is infra/template.yaml created in a moto server of its own
(tests/template_stack.py). The API and the launcher run in one process with the
environment that infra/deploy.py gives the Lambda functions
(tests/stack_lambdas.py). The runner runs with the environment of the stack's
task definition plus the overrides that the launcher passed to RunTask.

Four things are bridged, each where the real part cannot exist here:

- moto 5.2 serves Step Functions executions from a backend that does not see
  state machines that its CloudFormation created. After the stack exists, the
  test switches execution on and creates the stack's state machine again through
  the API, with the same name, definition and role, so it has the same ARN.
- API Gateway's Cognito authoriser does not exist here, so the API verifies
  tokens itself against the stack's user pool (``PAROPT_AUTH_MODE=jwks``).
- moto 5.2's RunTask cannot parse a task definition ARN, so the launcher gets
  the stack's task definition as family:revision, which ECS also accepts.
- ECS cannot start a container here. Where it would, the test starts the runner
  process with the container's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from infra.deploy import lambda_environment
from infra.local_stack import HOST, free_port, wait_for_http
from infra.provision import enable_state_machine_execution
from tests.conftest import experiment_body
from tests.template_stack import REGION, aws_client, create_stack, moto_server

PASSWORD = "Stack-test-password-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "paropt-test",
    "AWS_SECRET_ACCESS_KEY": "paropt-test",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _clean_environment(moto_url: str) -> dict[str, str]:
    """Return this process's environment without service or AWS settings, plus moto's."""
    unrelated = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PAROPT_", "AWS_"))
    }
    return {**unrelated, **CREDENTIALS, "PAROPT_AWS_ENDPOINT_URL": moto_url}


def _reexecutable_state_machine(moto_url: str, arn: str) -> None:
    """Create the stack's state machine again in moto's executing Step Functions backend."""
    sfn = aws_client(moto_url, "stepfunctions")
    described = sfn.describe_state_machine(stateMachineArn=arn)
    enable_state_machine_execution(moto_url)
    created = sfn.create_state_machine(
        name=described["name"],
        definition=described["definition"],
        roleArn=described["roleArn"],
    )
    assert created["stateMachineArn"] == arn


def _id_token(moto_url: str, outputs: dict[str, str]) -> str:
    cognito = aws_client(moto_url, "cognito-idp")
    pool = outputs["UserPoolId"]
    cognito.admin_create_user(UserPoolId=pool, Username="carol", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool, Username="carol", Password=PASSWORD, Permanent=True
    )
    answer = cognito.initiate_auth(
        ClientId=outputs["UserPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "carol", "PASSWORD": PASSWORD},
    )
    return answer["AuthenticationResult"]["IdToken"]


class StageApi:
    """JSON calls to the stage's API with one user's token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}",
            data=data,
            method=method,
            headers={"Authorization": self.token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Yield the stack, its API, the moto URL and the environment of the Lambda functions."""
    logs = tmp_path_factory.mktemp("stack-job")
    with moto_server(logs / "moto.log") as moto_url:
        stack = create_stack(moto_url, "job" + uuid.uuid4().hex[:8])
        outputs = stack["outputs"]
        _reexecutable_state_machine(moto_url, outputs["StateMachineArn"])
        family_revision = outputs["TaskDefinitionArn"].rsplit("/", 1)[-1]
        pool = outputs["UserPoolId"]
        environment = {
            **_clean_environment(moto_url),
            "AWS_DEFAULT_REGION": REGION,
            **lambda_environment(outputs),
            "PAROPT_TASK_DEFINITION_ARN": family_revision,
            "PAROPT_AUTH_MODE": "jwks",
            "PAROPT_JWKS_URL": f"{moto_url}/{pool}/.well-known/jwks.json",
            "PAROPT_TOKEN_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
            "PAROPT_CLIENT_ID": outputs["UserPoolClientId"],
        }
        port = free_port()
        with open(logs / "lambdas.log", "wb") as log:
            lambdas = subprocess.Popen(
                [sys.executable, "-m", "tests.stack_lambdas", "--port", str(port)]
                + ["--queue-url", outputs["LaunchQueueUrl"]],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base_url = f"http://{HOST}:{port}"
        try:
            wait_for_http(f"{base_url}/api/v1/openapi.json", timeout=60, process=lambdas)
            yield {
                "stack": stack,
                "moto_url": moto_url,
                "api": StageApi(base_url, _id_token(moto_url, outputs)),
                "lambdas_log": logs / "lambdas.log",
            }
        finally:
            lambdas.terminate()
            lambdas.wait(timeout=20)


def _started_task(moto_url: str, cluster: str, job_id: str, timeout: float = 30) -> dict:
    ecs = aws_client(moto_url, "ecs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arns = ecs.list_tasks(cluster=cluster, startedBy=job_id[:36])["taskArns"]
        if arns:
            return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"][0]
        time.sleep(0.3)
    raise AssertionError(f"no runner task of job {job_id} within {timeout:g} s")


def _container_environment(moto_url: str, task: dict) -> dict[str, str]:
    """Return the runner container's environment: the task definition's plus the overrides."""
    definition = aws_client(moto_url, "ecs").describe_task_definition(
        taskDefinition=task["taskDefinitionArn"]
    )["taskDefinition"]
    (container,) = definition["containerDefinitions"]
    (override,) = task["overrides"]["containerOverrides"]
    assert override["name"] == container["name"]
    environment = {item["name"]: item["value"] for item in container["environment"]}
    environment.update({item["name"]: item["value"] for item in override["environment"]})
    return environment


def _wait_for_end(api: StageApi, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, job = api.request("GET", f"/jobs/{job_id}")
        if job["status"] in {"finished", "failed"}:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not end within {timeout:g} s")


def test_job_runs_on_template_stack(stage: dict[str, Any]) -> None:
    api = stage["api"]
    moto_url = stage["moto_url"]
    outputs = stage["stack"]["outputs"]
    body = experiment_body(compute={"type": "fargate", "cpu": 512, "memory": 2048})
    status, experiment = api.request("POST", "/experiments", body)
    assert status == 201, experiment
    run = {"optimizer": {"type": "grid", "num_configs_per_param": 3}}
    status, answer = api.request("POST", f"/experiments/{experiment['id']}/trials", run)
    assert status == 202, answer
    job_id = answer["job"]["job_id"]

    task = _started_task(moto_url, outputs["ClusterArn"], job_id)
    assert task["overrides"]["cpu"] == "512"
    assert task["overrides"]["memory"] == "2048"
    container = _container_environment(moto_url, task)
    assert container["PAROPT_JOB_ID"] == job_id
    assert container["PAROPT_JOBS_TABLE"] == outputs["JobsTableName"]

    # The boundary: ECS would start the container; the test starts its entry point.
    runner = subprocess.run(
        [sys.executable, "-m", "paropt.runner"],
        env={**_clean_environment(moto_url), **container},
        capture_output=True,
        timeout=120,
    )
    assert runner.returncode == 0, runner.stdout.decode()[-2000:] + runner.stderr.decode()[-2000:]

    job = _wait_for_end(api, job_id)
    assert job["status"] == "finished", job
    status, trials = api.request("GET", f"/experiments/{experiment['id']}/trials")
    assert status == 200
    assert sorted(trial["parameters"]["x"] for trial in trials) == [1, 3, 5]
    assert {trial["status"] for trial in trials} == {"succeeded"}
    sfn = aws_client(moto_url, "stepfunctions")
    executions = sfn.list_executions(stateMachineArn=outputs["StateMachineArn"])["executions"]
    assert [execution["status"] for execution in executions] == ["SUCCEEDED"]
