"""infra/template.yaml, created as a CloudFormation stack in a moto server of its own.

The module starts its own moto server. With state-machine execution on (as in
the session server), moto 5.2 serves the Step Functions API from a separate
backend that does not see state machines that its CloudFormation created.

moto 5.2's CloudFormation differs from AWS in these ways, and the test bridges each:

- It has no AWS::Cognito::* resources. The test creates the user pool, its domain
  and its two app clients through the Cognito API, with the template's properties,
  and puts their ids and ARN where the template refers to them. The stacks here
  keep DashboardUrl empty, so the dashboard client gets the placeholder callback.
- It cannot read a DefinitionS3Location from disk (and AWS needs packaging too).
- It ignores DefinitionSubstitutions. The test inlines the definition as an
  ``Fn::Sub`` whose slots name the resources that the substitutions name, which
  is what CloudFormation does with them. The list form of ``Fn::Sub`` does not
  work here: moto fills it with ``string.Template``, which turns ``$$.Task.Token``
  into ``$.Task.Token``.
- It ignores some properties: PointInTimeRecoverySpecification of tables,
  SecurityGroupEgress, the ECR LifecyclePolicy, and everything of a task
  definition but its family, containers and memory. The tests check those in the
  parsed template, and put the lifecycle policy through the ECR API, which
  validates it.
- It returns the inline policies of roles as Python reprs, not JSON.

The last test runs the AWS steps of infra/deploy.py (packaging, stack creation
and updates, destroy) against the same server, with AWS_ENDPOINT_URL pointing
every boto3 client at it.
"""

from __future__ import annotations

import ast
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.deploy import ROOT, StageDeployer, artifacts_bucket_name, load_template
from paropt.storage import ExperimentModel, JobModel, TrialModel
from tests.template_stack import (
    REGION,
    aws_client,
    create_cognito,
    create_stack,
    moto_server,
    replace_references,
)

# Actions that IAM accepts only with Resource "*": they have no resource type.
ACTIONS_WITHOUT_RESOURCE_TYPE = {
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstances",
    "ec2:DescribeSubnets",
    "ecr:GetAuthorizationToken",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
    "states:SendTaskSuccess",
}
RUNNER_ENVIRONMENT = {
    "PAROPT_STAGE",
    "PAROPT_EXPERIMENTS_TABLE",
    "PAROPT_TRIALS_TABLE",
    "PAROPT_JOBS_TABLE",
    "PAROPT_HEARTBEAT_SECONDS",
    "AWS_DEFAULT_REGION",
    "PAROPT_EC2_SUBNET_IDS",
    "PAROPT_EC2_SECURITY_GROUP_ID",
    "PAROPT_WORKER_PORT",
}
# The runner's port for Parsl workers: the task definition's PAROPT_WORKER_PORT.
WORKER_PORT = 54000
NETWORK_RESOURCES = (
    "Vpc",
    "InternetGateway",
    "InternetGatewayAttachment",
    "PublicRouteTable",
    "PublicDefaultRoute",
    "PublicSubnetA",
    "PublicSubnetB",
    "PublicSubnetARouteTable",
    "PublicSubnetBRouteTable",
    "DynamoDbEndpoint",
    "RunnerSecurityGroup",
    "TrialInstanceSecurityGroup",
    "RunnerIngressFromTrialInstances",
)
EXPECTED_OUTPUTS = {
    "ExperimentsTableName",
    "TrialsTableName",
    "JobsTableName",
    "StateMachineArn",
    "LaunchQueueArn",
    "LaunchQueueUrl",
    "UserPoolId",
    "UserPoolArn",
    "UserPoolClientId",
    "AuthDomain",
    "DashboardClientId",
    "ClusterArn",
    "TaskDefinitionArn",
    "RunnerRepositoryUri",
    "SubnetIds",
    "SecurityGroupId",
    "ApiRoleArn",
    "LauncherRoleArn",
}


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a moto server on 127.0.0.1 with moto's defaults (no state-machine execution)."""
    with moto_server(tmp_path_factory.mktemp("moto-cfn") / "moto.log") as url:
        yield url


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """Return the parsed template, unchanged."""
    return load_template()


@pytest.fixture(scope="module")
def stack(moto_url: str) -> dict[str, Any]:
    """Create the stack in moto; return its stage, outputs, Cognito ids and physical ids."""
    return create_stack(moto_url, "cfn" + uuid.uuid4().hex[:8])


def test_stack_created_with_outputs(stack: dict) -> None:
    assert stack["status"] == "CREATE_COMPLETE"
    missing = EXPECTED_OUTPUTS - set(stack["outputs"])
    assert missing == set()
    assert stack["outputs"]["UserPoolId"] == stack["cognito"][("UserPool", None)]
    assert stack["outputs"]["UserPoolArn"] == stack["cognito"][("UserPool", "Arn")]
    assert stack["outputs"]["UserPoolClientId"] == stack["cognito"][("UserPoolClient", None)]
    assert len(stack["outputs"]["SubnetIds"].split(",")) == 2
    assert stack["outputs"]["AssignPublicIp"] == "ENABLED"


def _normalised_schema(table: dict) -> dict:
    attributes = {
        item["AttributeName"]: item["AttributeType"] for item in table["AttributeDefinitions"]
    }
    indexes = {
        index["IndexName"]: (
            sorted((key["KeyType"], key["AttributeName"]) for key in index["KeySchema"]),
            index["Projection"]["ProjectionType"],
        )
        for index in table.get("GlobalSecondaryIndexes", [])
    }
    keys = sorted((key["KeyType"], key["AttributeName"]) for key in table["KeySchema"])
    return {"attributes": attributes, "keys": keys, "indexes": indexes}


def _model_schema(model) -> dict:  # noqa: ANN001 - a PynamoDB model class
    # PynamoDB's own description of the table it expects (a private helper of 6.x).
    schema = model._get_schema()
    return _normalised_schema(
        {
            "AttributeDefinitions": schema["attribute_definitions"],
            "KeySchema": schema["key_schema"],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index["index_name"],
                    "KeySchema": index["key_schema"],
                    "Projection": index["projection"],
                }
                for index in schema["global_secondary_indexes"]
            ],
        }
    )


@pytest.mark.parametrize(
    ("output", "model", "keys", "indexes"),
    [
        (
            "ExperimentsTableName",
            ExperimentModel,
            [("HASH", "experiment_id")],
            {"owner-index": ([("HASH", "owner"), ("RANGE", "created_at")], "ALL")},
        ),
        (
            "TrialsTableName",
            TrialModel,
            [("HASH", "experiment_id"), ("RANGE", "trial_number")],
            {},
        ),
        (
            "JobsTableName",
            JobModel,
            [("HASH", "job_id")],
            {"owner-status-index": ([("HASH", "owner"), ("RANGE", "status")], "ALL")},
        ),
    ],
)
def test_table_keys_and_indexes(
    stack: dict,
    template: dict,
    moto_url: str,
    output: str,
    model,  # noqa: ANN001
    keys: list,
    indexes: dict,
) -> None:
    dynamodb = aws_client(moto_url, "dynamodb")
    table_name = stack["outputs"][output]
    assert table_name == f"paropt-{stack['stage']}-{output.removesuffix('TableName').lower()}"
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    schema = _normalised_schema(table)
    assert schema["keys"] == sorted(keys)
    assert schema["indexes"] == {
        name: (sorted(index_keys), projection) for name, (index_keys, projection) in indexes.items()
    }
    assert schema == _model_schema(model)
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    properties = template["Resources"][output.removesuffix("Name")]["Properties"]
    recovery = properties["PointInTimeRecoverySpecification"]
    assert recovery == {"PointInTimeRecoveryEnabled": True}


def test_trial_number_is_numeric(stack: dict, moto_url: str) -> None:
    table = aws_client(moto_url, "dynamodb").describe_table(
        TableName=stack["outputs"]["TrialsTableName"]
    )["Table"]
    types = {item["AttributeName"]: item["AttributeType"] for item in table["AttributeDefinitions"]}
    assert types["trial_number"] == "N"


def test_launch_queue_redrive_policy(stack: dict, moto_url: str) -> None:
    sqs = aws_client(moto_url, "sqs")
    outputs = stack["outputs"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=outputs["LaunchQueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["QueueArn"] == outputs["LaunchQueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])
    dead_letter = sqs.get_queue_attributes(
        QueueUrl=outputs["LaunchDeadLetterQueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert redrive["deadLetterTargetArn"] == dead_letter
    assert int(redrive["maxReceiveCount"]) == 3
    # The launcher Lambda's timeout (60 s in infra/deploy.py) must fit in it.
    assert int(attributes["VisibilityTimeout"]) >= 60


def test_state_machine_definition_substituted(stack: dict, moto_url: str) -> None:
    outputs = stack["outputs"]
    machine = aws_client(moto_url, "stepfunctions").describe_state_machine(
        stateMachineArn=outputs["StateMachineArn"]
    )
    assert machine["name"] == f"paropt-{stack['stage']}-run-job"
    assert machine["roleArn"].endswith(stack["physical_ids"]["StateMachineRole"])
    definition = machine["definition"]
    assert "${" not in definition
    states = json.loads(definition)["States"]
    assert states["MarkLaunching"]["Parameters"]["TableName"] == outputs["JobsTableName"]
    assert states["MarkFinished"]["Parameters"]["TableName"] == outputs["JobsTableName"]
    assert states["MarkFailed"]["Parameters"]["TableName"] == outputs["JobsTableName"]
    assert states["ReleaseExperiment"]["Parameters"]["TableName"] == outputs["ExperimentsTableName"]
    assert (
        states["ReleaseAfterFailure"]["Parameters"]["TableName"] == outputs["ExperimentsTableName"]
    )
    launch = states["LaunchRunner"]["Parameters"]
    assert launch["QueueUrl"] == outputs["LaunchQueueUrl"]
    assert launch["MessageBody"]["task_token.$"] == "$$.Task.Token"


def test_runner_task_definition(stack: dict, template: dict, moto_url: str) -> None:
    outputs = stack["outputs"]
    task = aws_client(moto_url, "ecs").describe_task_definition(
        taskDefinition=outputs["TaskDefinitionArn"]
    )["taskDefinition"]
    assert task["family"] == f"paropt-{stack['stage']}-runner"
    assert task["memory"] == "2048"
    properties = template["Resources"]["RunnerTaskDefinition"]["Properties"]
    assert properties["RequiresCompatibilities"] == ["FARGATE"]
    assert properties["NetworkMode"] == "awsvpc"
    assert properties["Cpu"] == {"Ref": "RunnerCpu"}
    assert properties["TaskRoleArn"] == {"Fn::GetAtt": ["RunnerTaskRole", "Arn"]}
    assert properties["ExecutionRoleArn"] == {"Fn::GetAtt": ["RunnerExecutionRole", "Arn"]}
    (container,) = task["containerDefinitions"]
    assert container["name"] == outputs["RunnerContainerName"] == "runner"
    assert container["image"] == f"{outputs['RunnerRepositoryUri']}:src-test"
    environment = {item["name"]: item["value"] for item in container["environment"]}
    assert set(environment) == RUNNER_ENVIRONMENT
    assert environment["PAROPT_JOBS_TABLE"] == outputs["JobsTableName"]
    assert environment["PAROPT_HEARTBEAT_SECONDS"] == outputs["HeartbeatSeconds"]
    assert environment["AWS_DEFAULT_REGION"] == REGION
    assert environment["PAROPT_EC2_SUBNET_IDS"] == outputs["SubnetIds"]
    trial_group = stack["physical_ids"]["TrialInstanceSecurityGroup"]
    assert environment["PAROPT_EC2_SECURITY_GROUP_ID"] == trial_group
    assert environment["PAROPT_WORKER_PORT"] == str(WORKER_PORT)
    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == outputs["RunnerLogGroupName"]


def test_runner_repository_and_logs(stack: dict, template: dict, moto_url: str) -> None:
    outputs = stack["outputs"]
    ecr = aws_client(moto_url, "ecr")
    (repository,) = ecr.describe_repositories(repositoryNames=[outputs["RunnerRepositoryName"]])[
        "repositories"
    ]
    assert repository["repositoryUri"] == outputs["RunnerRepositoryUri"]
    properties = template["Resources"]["RunnerRepository"]["Properties"]
    policy_text = properties["LifecyclePolicy"]["LifecyclePolicyText"]
    ecr.put_lifecycle_policy(
        repositoryName=outputs["RunnerRepositoryName"], lifecyclePolicyText=policy_text
    )
    rules = json.loads(policy_text)["rules"]
    assert [rule["selection"]["tagStatus"] for rule in rules] == ["untagged", "any"]
    groups = aws_client(moto_url, "logs").describe_log_groups(
        logGroupNamePrefix=outputs["RunnerLogGroupName"]
    )["logGroups"]
    assert [group["retentionInDays"] for group in groups] == [int(outputs["LogRetentionDays"])]


def test_cluster_and_network(stack: dict, template: dict, moto_url: str) -> None:
    outputs = stack["outputs"]
    (cluster,) = aws_client(moto_url, "ecs").describe_clusters(clusters=[outputs["ClusterArn"]])[
        "clusters"
    ]
    assert cluster["clusterName"] == f"paropt-{stack['stage']}"
    ec2 = aws_client(moto_url, "ec2")
    (group,) = ec2.describe_security_groups(GroupIds=[outputs["SecurityGroupId"]])["SecurityGroups"]
    egress = template["Resources"]["RunnerSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert [(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in egress] == [
        ("tcp", 443, 443)
    ]
    subnets = ec2.describe_subnets(SubnetIds=outputs["SubnetIds"].split(","))["Subnets"]
    assert {subnet["VpcId"] for subnet in subnets} == {group["VpcId"]}
    # moto ignores MapPublicIpOnLaunch, so the template is read.
    for name in ("PublicSubnetA", "PublicSubnetB"):
        assert template["Resources"][name]["Properties"]["MapPublicIpOnLaunch"] is True


def test_runner_admits_only_trial_instances_on_worker_port(
    stack: dict, template: dict, moto_url: str
) -> None:
    ec2 = aws_client(moto_url, "ec2")
    trial_group = stack["physical_ids"]["TrialInstanceSecurityGroup"]
    (runner,) = ec2.describe_security_groups(GroupIds=[stack["outputs"]["SecurityGroupId"]])[
        "SecurityGroups"
    ]
    (rule,) = runner["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == (
        "tcp",
        WORKER_PORT,
        WORKER_PORT,
    )
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [trial_group]
    assert rule["IpRanges"] == []
    (trial,) = ec2.describe_security_groups(GroupIds=[trial_group])["SecurityGroups"]
    assert trial["IpPermissions"] == []
    assert trial["VpcId"] == runner["VpcId"]
    # moto applies no SecurityGroupEgress property, so the rules are read from the template.
    egress = template["Resources"]["TrialInstanceSecurityGroup"]["Properties"][
        "SecurityGroupEgress"
    ]
    to_runner = [rule for rule in egress if "DestinationSecurityGroupId" in rule]
    assert [(rule["FromPort"], rule["ToPort"]) for rule in to_runner] == [
        (WORKER_PORT, WORKER_PORT)
    ]
    assert {rule["FromPort"] for rule in egress if "CidrIp" in rule} == {80, 443}


def _role_statements(iam, role_name: str) -> list[dict]:  # noqa: ANN001
    statements = []
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)
        policy = document["PolicyDocument"]
        if isinstance(policy, str):
            # moto 5.2 returns the policies of CloudFormation roles as Python reprs.
            policy = ast.literal_eval(policy)
        statements.extend(policy["Statement"])
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    return statements


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize(
    "role",
    ["StateMachineRole", "RunnerExecutionRole", "RunnerTaskRole", "ApiRole", "LauncherRole"],
)
def test_role_wildcards_only_where_required(stack: dict, moto_url: str, role: str) -> None:
    statements = _role_statements(aws_client(moto_url, "iam"), stack["physical_ids"][role])
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = _as_list(statement["Action"])
        assert all("*" not in action for action in actions), actions
        if "*" in _as_list(statement["Resource"]):
            assert set(actions) <= ACTIONS_WITHOUT_RESOURCE_TYPE, actions


def test_state_machine_role_actions(stack: dict, moto_url: str) -> None:
    statements = _role_statements(
        aws_client(moto_url, "iam"), stack["physical_ids"]["StateMachineRole"]
    )
    actions = {action for statement in statements for action in _as_list(statement["Action"])}
    assert actions == {"dynamodb:UpdateItem", "sqs:SendMessage"}


def test_runner_role_launches_into_stack_network_only(stack: dict, moto_url: str) -> None:
    statements = _role_statements(
        aws_client(moto_url, "iam"), stack["physical_ids"]["RunnerTaskRole"]
    )
    ec2_actions = {
        action
        for statement in statements
        for action in _as_list(statement["Action"])
        if action.startswith("ec2:")
    }
    assert ec2_actions == {
        "ec2:CreateTags",
        "ec2:RunInstances",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstances",
        "ec2:DescribeSubnets",
        "ec2:TerminateInstances",
    }
    (run,) = [s for s in statements if _as_list(s["Action"]) == ["ec2:RunInstances"]]
    resources = _as_list(run["Resource"])
    assert not [arn for arn in resources if arn.endswith(":*")]
    subnets = {arn.rsplit("/", 1)[1] for arn in resources if ":subnet/" in arn}
    assert subnets == set(stack["outputs"]["SubnetIds"].split(","))
    groups = {arn.rsplit("/", 1)[1] for arn in resources if ":security-group/" in arn}
    assert groups == {stack["physical_ids"]["TrialInstanceSecurityGroup"]}


def test_launcher_role_scoped_to_cluster(stack: dict, moto_url: str) -> None:
    outputs = stack["outputs"]
    statements = _role_statements(
        aws_client(moto_url, "iam"), stack["physical_ids"]["LauncherRole"]
    )
    by_action = {
        action: statement for statement in statements for action in _as_list(statement["Action"])
    }
    run_task = by_action["ecs:RunTask"]
    assert run_task["Condition"] == {"ArnEquals": {"ecs:cluster": outputs["ClusterArn"]}}
    family = outputs["TaskDefinitionArn"].rsplit(":", 1)[0]
    assert _as_list(run_task["Resource"]) == [f"{family}:*"]
    assert by_action["iam:PassRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert _as_list(by_action["sqs:ReceiveMessage"]["Resource"]) == [outputs["LaunchQueueArn"]]
    assert "states:SendTaskSuccess" not in by_action
    assert not any(action.startswith("dynamodb:Put") for action in by_action)


def test_user_pool_client_flows(stack: dict, moto_url: str) -> None:
    cognito = aws_client(moto_url, "cognito-idp")
    client = cognito.describe_user_pool_client(
        UserPoolId=stack["outputs"]["UserPoolId"], ClientId=stack["outputs"]["UserPoolClientId"]
    )["UserPoolClient"]
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert "ClientSecret" not in client


def test_dashboard_client_uses_code_flow(stack: dict, moto_url: str) -> None:
    cognito = aws_client(moto_url, "cognito-idp")
    client = cognito.describe_user_pool_client(
        UserPoolId=stack["outputs"]["UserPoolId"], ClientId=stack["outputs"]["DashboardClientId"]
    )["UserPoolClient"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthScopes"] == ["openid"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["CallbackURLs"] == ["http://localhost/"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert "ClientSecret" not in client
    domain = f"paropt-{stack['stage']}-123456789012"
    assert stack["outputs"]["AuthDomain"] == f"{domain}.auth.{REGION}.amazoncognito.com"
    described = cognito.describe_user_pool_domain(Domain=domain)["DomainDescription"]
    assert described["UserPoolId"] == stack["outputs"]["UserPoolId"]


# --- infra/deploy.py against moto ---


@pytest.fixture
def deploy_root(tmp_path: Path, moto_url: str) -> tuple[Path, str]:
    """Lay out a repository copy whose template moto can create and delete.

    The template is the real one with the Cognito resources created through the
    API (see the module docstring). moto 5.2 cannot delete a stack's VPC (it
    reports a DependencyViolation for any VPC with subnets), so the network is
    created through the EC2 API as well. The template keeps its local
    DefinitionS3Location, which the deployer packages.

    Returns:
        The folder and the stage name.
    """
    stage = "dep" + uuid.uuid4().hex[:8]
    template = load_template()
    values = create_cognito(template, aws_client(moto_url, "cognito-idp"), stage)
    ec2 = aws_client(moto_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    for logical_id, cidr in (("PublicSubnetA", "10.43.0.0/20"), ("PublicSubnetB", "10.43.16.0/20")):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        values[(logical_id, None)] = subnet
    for logical_id, purpose in (
        ("RunnerSecurityGroup", "runner"),
        ("TrialInstanceSecurityGroup", "trial-instances"),
    ):
        values[(logical_id, None)] = ec2.create_security_group(
            GroupName=f"paropt-{stage}-{purpose}", Description=purpose, VpcId=vpc
        )["GroupId"]
    for logical_id in NETWORK_RESOURCES:
        template["Resources"].pop(logical_id)
    template = replace_references(template, values)
    for logical_id in NETWORK_RESOURCES:
        assert f'"{logical_id}"' not in json.dumps(template), logical_id
    (tmp_path / "infra").mkdir()
    # JSON is YAML, so load_template reads this file as it reads the real one.
    (tmp_path / "infra" / "template.yaml").write_text(json.dumps(template))
    (tmp_path / "stepfunctions").mkdir()
    shutil.copy2(ROOT / "stepfunctions" / "run_job.asl.json", tmp_path / "stepfunctions")
    (tmp_path / "api" / ".chalice").mkdir(parents=True)
    shutil.copy2(ROOT / "api" / ".chalice" / "config.json", tmp_path / "api" / ".chalice")
    return tmp_path, stage


def test_deployer_stack_lifecycle(
    deploy_root: tuple[Path, str], moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, stage = deploy_root
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "paropt-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "paropt-test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    deployer = StageDeployer(stage, region=REGION, root=root)

    body = deployer.package()
    location = json.loads(body)["Resources"]["RunJobStateMachine"]["Properties"][
        "DefinitionS3Location"
    ]
    assert location["Bucket"] == artifacts_bucket_name(stage, "123456789012", REGION)
    s3 = aws_client(moto_url, "s3")
    uploaded = s3.get_object(Bucket=location["Bucket"], Key=location["Key"])["Body"].read()
    assert uploaded == (ROOT / "stepfunctions" / "run_job.asl.json").read_bytes()

    # moto 5.2 stores only the parameters given at creation, and UsePreviousValue
    # fails for a parameter that took its default. So the creation sets them all.
    defaults = {
        name: str(parameter["Default"])
        for name, parameter in load_template()["Parameters"].items()
        if "Default" in parameter
    }
    created = deployer.deploy_stack(body, {**defaults, "Stage": stage, "RunnerImageTag": "src-a"})
    assert deployer.stack()["StackStatus"] == "CREATE_COMPLETE"
    assert created["RunnerImageTag"] == "src-a"
    assert created["JobsTableName"] == f"paropt-{stage}-jobs"

    unchanged = deployer.deploy_stack(
        deployer.package(), {"Stage": stage, "RunnerImageTag": "src-a"}
    )
    assert unchanged == created

    updated = deployer.deploy_stack(
        deployer.package(), {"Stage": stage, "RunnerImageTag": "src-b", "HeartbeatSeconds": "600"}
    )
    assert updated["RunnerImageTag"] == "src-b"
    assert updated["HeartbeatSeconds"] == "600"
    parameters = {
        item["ParameterKey"]: item["ParameterValue"] for item in deployer.stack()["Parameters"]
    }
    assert parameters["RunnerCpu"] == "1024"
    assert parameters["LogRetentionDays"] == "30"

    api_url = "https://abc123.execute-api.us-east-1.amazonaws.com/api"
    assert deployer.register_dashboard_url(api_url) == f"{api_url}/"
    parameters = {
        item["ParameterKey"]: item["ParameterValue"] for item in deployer.stack()["Parameters"]
    }
    assert parameters["DashboardUrl"] == f"{api_url}/"
    assert parameters["RunnerImageTag"] == "src-b"
    assert parameters["HeartbeatSeconds"] == "600"

    ecr = aws_client(moto_url, "ecr")
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {},
            "layers": [],
        }
    )
    ecr.put_image(
        repositoryName=updated["RunnerRepositoryName"], imageManifest=manifest, imageTag="src-b"
    )
    logs = aws_client(moto_url, "logs")
    lambda_group = f"/aws/lambda/paropt-service-{stage}-api_handler"
    logs.create_log_group(logGroupName=lambda_group)

    deployer.destroy()
    assert deployer.stack() is None
    assert logs.describe_log_groups(logGroupNamePrefix=lambda_group)["logGroups"] == []
    buckets = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert location["Bucket"] not in buckets
    active = aws_client(moto_url, "ecs").list_task_definitions(
        familyPrefix=f"paropt-{stage}-runner", status="ACTIVE"
    )["taskDefinitionArns"]
    assert active == []
