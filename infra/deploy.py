"""Deploy one stage of the service to AWS, or remove it: ``python -m infra.deploy``.

``deploy`` uploads the state machine definition to an artifacts bucket, creates or
updates the CloudFormation stack ``paropt-<stage>`` from ``infra/template.yaml``,
builds and pushes the runner image, writes the Chalice stage into
``api/.chalice/config.json`` and runs ``chalice deploy``. Last, it registers the
dashboard's URL, ``<api_url>/``, as the callback URL of the hosted UI login.
``destroy`` undoes all of that. ``make deploy STAGE=dev`` and ``make destroy STAGE=dev``
call these commands.

The functions without AWS, Docker or Chalice calls are tested in
``tests/test_deploy.py``. The packaging, stack and destroy steps are tested
against moto in ``tests/test_template_moto.py``.

NOTE: nothing here has run against a real AWS account. The Docker build and
push, ``chalice deploy`` and ``chalice delete`` have not run at all.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "infra" / "template.yaml"
STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,11}$")
# CloudFormation's limit for a template passed in the request (TemplateBody).
MAX_TEMPLATE_BODY_BYTES = 51_200
# Chalice names the REST API's Lambda function "api_handler".
API_FUNCTION = "api_handler"
# The scheduled Lambda that terminates EC2 instances of ended jobs; it shares the
# launcher's role, which allows that.
SWEEPER_FUNCTION = "instance-sweeper"
# API Gateway ends a request after 29 s, so a longer API timeout buys nothing.
API_TIMEOUT_SECONDS = 30
# The launch queue's VisibilityTimeout in the template (300 s) must not be shorter.
LAUNCHER_TIMEOUT_SECONDS = 60
LAMBDA_MEMORY_MB = 512
# Packages of requirements-api.txt that stay out of the Lambda package. Chalice
# adds its own runtime module (chalice/app.py) to every deployment package.
NOT_DEPLOYED = frozenset({"chalice"})
# Parts of paropt that the API (api/app.py and api/chalicelib) imports. The
# optimisers and the runner stay out because they pull in NumPy, SciPy and Parsl.
VENDORED_PAROPT = ("__init__.py", "cleanup.py", "settings.py", "templates.py", "specs", "storage")
# Build inputs of the runner image, relative to the repository root. The
# Dockerfile copies exactly these.
RUNNER_BUILD_INPUTS = (
    "runner_image/Dockerfile",
    "runner_image/entrypoint.sh",
    "requirements-api.txt",
    "requirements-runner.txt",
    "paropt",
)
STACK_WAIT_SECONDS = 1800
# The dashboard's chart library, which `make assets` copies from its npm package.
CHART_LIBRARY_PATH = Path("api/chalicelib/static/chart.umd.min.js")

logger = logging.getLogger("paropt.deploy")


class DeployError(Exception):
    """Failure of a deploy or destroy step. The message names the step and the cause."""


# --- Pure parts: names, template packaging, Chalice configuration ---


def validate_stage(stage: str) -> str:
    """Return ``stage`` if the template accepts it as a stage name, or raise DeployError."""
    if not STAGE_PATTERN.match(stage):
        raise DeployError(
            f"invalid stage {stage!r}: use 1-12 lower-case letters and digits, "
            "starting with a letter (such as dev or prod)"
        )
    return stage


def stack_name(stage: str) -> str:
    """Return the CloudFormation stack name of ``stage``."""
    return f"paropt-{stage}"


def artifacts_bucket_name(stage: str, account_id: str, region: str) -> str:
    """Return the S3 bucket that contains the stage's packaged state machine definitions.

    S3 bucket names are global, so the account and region make it unique.
    """
    return f"paropt-{stage}-artifacts-{account_id}-{region}"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """Parse a CloudFormation YAML template into plain dicts, lists and strings.

    The short forms (``!Ref``, ``!GetAtt``, ``!Sub`` ...) become their long forms
    (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``), as CloudFormation reads them.
    """
    from cfnlint.decode import cfn_yaml

    # cfn-lint's nodes carry line numbers. A JSON round trip turns them into
    # plain values, which deep copies and boto3 handle as usual.
    return json.loads(json.dumps(cfn_yaml.load(str(path))))


def local_definition_files(template: Mapping[str, Any], template_dir: Path) -> dict[str, Path]:
    """Return the local definition file of each state machine whose DefinitionS3Location is a path.

    Relative paths are relative to the template's folder, as for
    ``aws cloudformation package``.
    """
    files = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        location = resource.get("Properties", {}).get("DefinitionS3Location")
        if isinstance(location, str):
            files[logical_id] = (template_dir / location).resolve()
    return files


def artifact_key(path: Path) -> str:
    """Return an S3 key for ``path`` that changes whenever its content changes.

    A changed key makes CloudFormation see a changed DefinitionS3Location and
    update the state machine.
    """
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:20]
    return f"stepfunctions/{path.stem}-{digest}{path.suffix}"


def with_definition_locations(
    template: Mapping[str, Any], locations: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """Return a copy of ``template`` whose state machines point at the uploaded definitions.

    Args:
        template: the parsed template.
        locations: ``{"Bucket": ..., "Key": ...}`` by logical id of the state machine.
    """
    packaged = copy.deepcopy(dict(template))
    for logical_id, location in locations.items():
        properties = packaged["Resources"][logical_id]["Properties"]
        properties["DefinitionS3Location"] = {"Bucket": location["Bucket"], "Key": location["Key"]}
    return packaged


def template_body(template: Mapping[str, Any]) -> str:
    """Serialise a parsed template as compact JSON.

    Raises:
        DeployError: the JSON is longer than CloudFormation accepts in a request.
    """
    body = json.dumps(template, separators=(",", ":"), sort_keys=False)
    size = len(body.encode())
    if size > MAX_TEMPLATE_BODY_BYTES:
        raise DeployError(
            f"the packaged template has {size} bytes; CloudFormation accepts at most "
            f"{MAX_TEMPLATE_BODY_BYTES} in the request. Shorten infra/template.yaml"
        )
    return body


def stack_parameters(overrides: Mapping[str, str], existing: Iterable[str]) -> list[dict[str, Any]]:
    """Return the Parameters of a change set.

    Args:
        overrides: values to set, by parameter name.
        existing: parameter names of the deployed stack (empty for a new stack).
            These keep their previous value unless ``overrides`` sets them.
    """
    parameters: list[dict[str, Any]] = [
        {"ParameterKey": key, "ParameterValue": str(value)} for key, value in overrides.items()
    ]
    for key in sorted(set(existing) - set(overrides)):
        parameters.append({"ParameterKey": key, "UsePreviousValue": True})
    return parameters


def is_no_change_reason(message: str) -> bool:
    """Return whether an UpdateStack error means that the stack is already up to date.

    CloudFormation rejects an update that changes nothing with "No updates are
    to be performed."
    """
    return "No updates are to be performed" in message


def outputs_by_key(stack: Mapping[str, Any]) -> dict[str, str]:
    """Return the Outputs of a ``describe_stacks`` stack as ``{OutputKey: OutputValue}``."""
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def check_dashboard_files(root: Path = ROOT) -> None:
    """Raise DeployError unless the chart library that ``make assets`` builds is in place.

    Chalice packages ``api/chalicelib/`` as it is, and git does not track the file.
    """
    path = root / CHART_LIBRARY_PATH
    if not path.is_file():
        raise DeployError(f"{CHART_LIBRARY_PATH} is missing; run `make assets` first")


def dashboard_url(api_url: str) -> str:
    """Return the dashboard's URL for an ``api_url`` that ``deploy`` printed: the URL with ``/``.

    The page's relative links and the hosted UI's callback URL both need the slash.
    """
    return api_url.rstrip("/") + "/"


def failed_events(events: Iterable[Mapping[str, Any]], limit: int = 10) -> list[str]:
    """Return ``logical id: status reason`` of the newest failed stack events, newest first."""
    reasons = []
    for event in events:
        if str(event.get("ResourceStatus", "")).endswith("_FAILED"):
            reason = event.get("ResourceStatusReason", "no reason given")
            reasons.append(f"{event.get('LogicalResourceId', '?')}: {reason}")
        if len(reasons) >= limit:
            break
    return reasons


def lambda_environment(outputs: Mapping[str, str]) -> dict[str, str]:
    """Return the environment variables of the API and launcher Lambdas from the stack outputs.

    Both functions share one ``app.py``, whose import reads the user pool ARN and
    the launch queue ARN, so every function gets every variable. AWS_REGION and
    AWS_DEFAULT_REGION are reserved: Lambda sets them itself.
    """
    return {
        "PAROPT_STAGE": outputs["Stage"],
        "PAROPT_EXPERIMENTS_TABLE": outputs["ExperimentsTableName"],
        "PAROPT_TRIALS_TABLE": outputs["TrialsTableName"],
        "PAROPT_JOBS_TABLE": outputs["JobsTableName"],
        "PAROPT_STATE_MACHINE_ARN": outputs["StateMachineArn"],
        "PAROPT_HEARTBEAT_SECONDS": outputs["HeartbeatSeconds"],
        "PAROPT_JOB_TIMEOUT_SECONDS": outputs["JobTimeoutSeconds"],
        "PAROPT_AUTH_MODE": "gateway",
        "PAROPT_USER_POOL_ARN": outputs["UserPoolArn"],
        "PAROPT_CLUSTER_ARN": outputs["ClusterArn"],
        "PAROPT_TASK_DEFINITION_ARN": outputs["TaskDefinitionArn"],
        "PAROPT_SUBNETS": outputs["SubnetIds"],
        "PAROPT_SECURITY_GROUPS": outputs["SecurityGroupId"],
        "PAROPT_ASSIGN_PUBLIC_IP": outputs["AssignPublicIp"],
        "PAROPT_RUNNER_CONTAINER": outputs["RunnerContainerName"],
        "PAROPT_LAUNCH_QUEUE_ARN": outputs["LaunchQueueArn"],
        "PAROPT_AUTH_DOMAIN": outputs["AuthDomain"],
        "PAROPT_DASHBOARD_CLIENT_ID": outputs["DashboardClientId"],
    }


def chalice_stage_config(
    outputs: Mapping[str, str], *, launcher_functions: Iterable[str]
) -> dict[str, Any]:
    """Return the ``stages.<stage>`` entry of ``api/.chalice/config.json``.

    Chalice creates no IAM roles. The API function gets the stack's ApiRole, and
    each SQS handler (the launcher) gets LauncherRole. A function not named here
    falls back to ApiRole.
    """
    functions: dict[str, dict[str, Any]] = {
        API_FUNCTION: {"lambda_timeout": API_TIMEOUT_SECONDS},
    }
    for name in [*launcher_functions, SWEEPER_FUNCTION]:
        functions[name] = {
            "manage_iam_role": False,
            "iam_role_arn": outputs["LauncherRoleArn"],
            "lambda_timeout": LAUNCHER_TIMEOUT_SECONDS,
        }
    return {
        "api_gateway_stage": "api",
        "manage_iam_role": False,
        "iam_role_arn": outputs["ApiRoleArn"],
        "lambda_memory_size": LAMBDA_MEMORY_MB,
        "log_retention_in_days": int(outputs["LogRetentionDays"]),
        "environment_variables": lambda_environment(outputs),
        "tags": {"paropt:stage": outputs["Stage"]},
        "lambda_functions": functions,
    }


def merge_chalice_config(
    config: Mapping[str, Any], stage: str, stage_config: Mapping[str, Any]
) -> dict[str, Any]:
    """Return ``config`` with ``stages.<stage>`` replaced and every other stage kept."""
    merged = copy.deepcopy(dict(config))
    merged.setdefault("version", "2.0")
    merged.setdefault("stages", {})[stage] = copy.deepcopy(dict(stage_config))
    return merged


def sqs_handler_names(app: Any) -> list[str]:
    """Return the function names of a Chalice app's ``@app.on_sqs_message`` handlers."""
    from chalice.app import SQSEventConfig

    return sorted(source.name for source in app.event_sources if isinstance(source, SQSEventConfig))


def lambda_requirements(requirements: str) -> str:
    """Return the Lambda's requirements.txt: ``requirements-api.txt`` without NOT_DEPLOYED.

    Comments and blank lines are dropped, and a header names the source file.
    """
    lines = ["# Written by infra/deploy.py from requirements-api.txt; do not edit."]
    for raw_line in requirements.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        name = re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0]
        if name.lower() in NOT_DEPLOYED:
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def _package_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def vendored_files(root: Path = ROOT) -> list[Path]:
    """Return the files of ``paropt`` that the Lambda package needs, relative to ``root``."""
    files = []
    for entry in VENDORED_PAROPT:
        path = root / "paropt" / entry
        if path.is_dir():
            files.extend(file.relative_to(root) for file in _package_files(path))
        else:
            files.append(path.relative_to(root))
    return files


def vendor_paropt(vendor_dir: Path, root: Path = ROOT) -> list[Path]:
    """Copy the vendored part of ``paropt`` into ``vendor_dir/paropt``, replacing what was there.

    Chalice puts the contents of ``api/vendor`` at the top of the deployment
    package, so the Lambda imports ``paropt`` as the tests do. Returns the
    copied files, relative to ``vendor_dir``.
    """
    target = vendor_dir / "paropt"
    if target.exists():
        shutil.rmtree(target)
    copied = []
    for relative in vendored_files(root):
        destination = vendor_dir / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, destination)
        copied.append(relative)
    return copied


def runner_build_files(root: Path = ROOT) -> list[Path]:
    """Return the runner image's build inputs, relative to ``root``."""
    files = []
    for entry in RUNNER_BUILD_INPUTS:
        path = root / entry
        if path.is_dir():
            files.extend(file.relative_to(root) for file in _package_files(path))
        else:
            files.append(path.relative_to(root))
    return files


def runner_image_tag(root: Path = ROOT) -> str:
    """Return an image tag derived from the runner's build inputs (paths, modes, bytes).

    The same sources give the same tag, so a deploy without runner changes skips
    the image build and keeps the task definition.
    """
    digest = hashlib.sha256()
    for relative in runner_build_files(root):
        path = root / relative
        executable = "x" if path.stat().st_mode & 0o111 else "-"
        digest.update(f"{relative.as_posix()}\0{executable}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "src-" + digest.hexdigest()[:20]


def rest_api_url(deployed: Mapping[str, Any]) -> str:
    """Return the REST API URL from Chalice's ``.chalice/deployed/<stage>.json``."""
    for resource in deployed.get("resources", []):
        if resource.get("resource_type") == "rest_api" and resource.get("rest_api_url"):
            return resource["rest_api_url"]
    raise DeployError("the Chalice deployment record has no REST API URL")


# --- AWS, Docker and Chalice steps ---


def discover_sqs_handlers(
    api_dir: Path, environment: Mapping[str, str], *, root: Path = ROOT
) -> list[str]:
    """Import ``api_dir/app.py`` in a child process and return its SQS handler names.

    The child gets ``environment``, because app.py reads settings when it is
    imported, and this process keeps its own modules and variables.
    """
    code = (
        "import json, sys; sys.path[:0] = sys.argv[1:3]; import app; "
        "from infra.deploy import sqs_handler_names; "
        "print(json.dumps(sqs_handler_names(app.app)))"
    )
    output = _run(
        [sys.executable, "-c", code, str(api_dir), str(root)],
        env=environment,
        cwd=api_dir,
        capture=True,
    )
    return json.loads(output.strip().splitlines()[-1])


class StageDeployer:
    """Deploys and removes one stage with the credentials of the default boto3 session."""

    def __init__(self, stage: str, *, region: str | None = None, root: Path = ROOT) -> None:
        import boto3

        self.stage = validate_stage(stage)
        self.root = root
        self.api_dir = root / "api"
        self.session = boto3.Session(region_name=region)
        if not self.session.region_name:
            raise DeployError(
                "no AWS region: pass --region (REGION=... for make) or run aws configure"
            )
        self.region = self.session.region_name
        self.stack_name = stack_name(stage)
        self.cloudformation = self.session.client("cloudformation")

    def account_id(self) -> str:
        """Return the AWS account of the session's credentials."""
        return self.session.client("sts").get_caller_identity()["Account"]

    # CloudFormation

    def stack(self) -> dict[str, Any] | None:
        """Return the stage's stack as ``describe_stacks`` returns it, or None if there is none."""
        from botocore.exceptions import ClientError

        try:
            stacks = self.cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise
        return stacks[0] if stacks else None

    def _failure_summary(self) -> str:
        events = self.cloudformation.describe_stack_events(StackName=self.stack_name)
        reasons = failed_events(events.get("StackEvents", []))
        return "; ".join(reasons) or "no failed resource reported"

    def _wait(self, waiter_name: str) -> None:
        from botocore.exceptions import WaiterError

        waiter = self.cloudformation.get_waiter(waiter_name)
        delay = 10
        try:
            waiter.wait(
                StackName=self.stack_name,
                WaiterConfig={"Delay": delay, "MaxAttempts": STACK_WAIT_SECONDS // delay},
            )
        except WaiterError as exc:
            raise DeployError(
                f"stack {self.stack_name}: {waiter_name} failed ({exc}). "
                f"Failed resources: {self._failure_summary()}"
            ) from exc

    def deploy_stack(self, body: str, overrides: Mapping[str, str]) -> dict[str, str]:
        """Create or update the stack, wait until CloudFormation is done, and return its outputs."""
        from botocore.exceptions import ClientError

        stack = self.stack()
        status = stack["StackStatus"] if stack else None
        # ROLLBACK_COMPLETE: the creation failed. REVIEW_IN_PROGRESS: a change set
        # was created but never run. Both stacks have no resources and can only
        # be deleted.
        if status in ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"):
            logger.info("deleting stack %s, which is %s", self.stack_name, status)
            self.cloudformation.delete_stack(StackName=self.stack_name)
            self._wait("stack_delete_complete")
            stack, status = None, None
        if status and status.endswith("_IN_PROGRESS"):
            raise DeployError(
                f"stack {self.stack_name} is {status}; wait until it finishes and deploy again"
            )
        # A parameter that the new template no longer declares cannot keep its value.
        declared = set(json.loads(body).get("Parameters", {}))
        existing = [p["ParameterKey"] for p in stack.get("Parameters", [])] if stack else []
        arguments: dict[str, Any] = {
            "StackName": self.stack_name,
            "TemplateBody": body,
            "Parameters": stack_parameters(overrides, [key for key in existing if key in declared]),
            "Capabilities": ["CAPABILITY_IAM"],
            "Tags": [{"Key": "paropt:stage", "Value": self.stage}],
        }
        if stack is None:
            logger.info("creating stack %s", self.stack_name)
            self.cloudformation.create_stack(**arguments)
            self._wait("stack_create_complete")
        else:
            logger.info("updating stack %s", self.stack_name)
            try:
                self.cloudformation.update_stack(**arguments)
            except ClientError as exc:
                if not is_no_change_reason(str(exc)):
                    raise
                logger.info("stack %s is up to date", self.stack_name)
                return outputs_by_key(self.stack() or {})
            self._wait("stack_update_complete")
        return outputs_by_key(self.stack() or {})

    def ensure_artifacts_bucket(self) -> str:
        """Create the stage's private artifacts bucket unless it exists, and return its name."""
        from botocore.exceptions import ClientError

        s3 = self.session.client("s3")
        bucket = artifacts_bucket_name(self.stage, self.account_id(), self.region)
        try:
            s3.head_bucket(Bucket=bucket)
            return bucket
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
        arguments: dict[str, Any] = {"Bucket": bucket}
        # us-east-1 rejects a LocationConstraint naming itself.
        if self.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        s3.create_bucket(**arguments)
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        logger.info("created artifacts bucket %s", bucket)
        return bucket

    def package(self) -> str:
        """Upload the state machine definitions and return the packaged template as JSON."""
        template = load_template(self.root / "infra" / "template.yaml")
        files = local_definition_files(template, self.root / "infra")
        bucket = self.ensure_artifacts_bucket()
        s3 = self.session.client("s3")
        locations = {}
        for logical_id, path in files.items():
            key = artifact_key(path)
            s3.upload_file(str(path), bucket, key)
            locations[logical_id] = {"Bucket": bucket, "Key": key}
            logger.info("uploaded %s to s3://%s/%s", path.name, bucket, key)
        return template_body(with_definition_locations(template, locations))

    # Runner image

    def image_exists(self, repository: str, tag: str) -> bool:
        """Return whether the ECR repository has an image with ``tag``."""
        ecr = self.session.client("ecr")
        try:
            ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
        except ecr.exceptions.ImageNotFoundException:
            return False
        return True

    def push_runner_image(self, repository: str, repository_uri: str, tag: str) -> None:
        """Build the runner image for linux/amd64 and push it, unless ``tag`` is already there."""
        if self.image_exists(repository, tag):
            logger.info("runner image %s:%s exists, so it is not rebuilt", repository_uri, tag)
            return
        docker = shutil.which("docker")
        if docker is None:
            raise DeployError("docker is not on PATH; install Docker to build the runner image")
        token = self.session.client("ecr").get_authorization_token()["authorizationData"][0]
        username, password = base64.b64decode(token["authorizationToken"]).decode().split(":", 1)
        _run(
            [docker, "login", "--username", username, "--password-stdin", token["proxyEndpoint"]],
            input_text=password,
        )
        image = f"{repository_uri}:{tag}"
        with tempfile.TemporaryDirectory(prefix="paropt-runner-build-") as context:
            # Only the build inputs go to Docker, not .venv or .git.
            for relative in runner_build_files(self.root):
                destination = Path(context) / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.root / relative, destination)
            _run(
                [
                    docker,
                    "build",
                    "--platform",
                    "linux/amd64",
                    "--file",
                    str(Path(context) / "runner_image" / "Dockerfile"),
                    "--tag",
                    image,
                    context,
                ]
            )
        _run([docker, "push", image])

    # Chalice

    def chalice_environment(self, outputs: Mapping[str, str] | None) -> dict[str, str]:
        """Return the environment for ``chalice``: the Lambda variables and the region.

        ``chalice deploy`` imports app.py, whose decorators read the user pool ARN
        and the launch queue ARN at import time. Other PAROPT_* variables of the
        shell (a local stack's endpoint, say) are left out. Without ``outputs``
        (the stack is gone) only the region is added.
        """
        environment = {
            name: value for name, value in os.environ.items() if not name.startswith("PAROPT_")
        }
        if outputs:
            environment.update(lambda_environment(outputs))
        environment["AWS_DEFAULT_REGION"] = self.region
        environment["AWS_REGION"] = self.region
        return environment

    def write_chalice_files(
        self, outputs: Mapping[str, str], launcher_functions: list[str]
    ) -> None:
        """Write the stage config, api/requirements.txt and api/vendor/paropt."""
        config_path = self.api_dir / ".chalice" / "config.json"
        config = json.loads(config_path.read_text())
        stage_config = chalice_stage_config(outputs, launcher_functions=launcher_functions)
        merged = merge_chalice_config(config, self.stage, stage_config)
        config_path.write_text(json.dumps(merged, indent=2) + "\n")
        requirements = (self.root / "requirements-api.txt").read_text()
        (self.api_dir / "requirements.txt").write_text(lambda_requirements(requirements))
        vendor_paropt(self.api_dir / "vendor", self.root)

    def chalice(self, command: str, environment: Mapping[str, str]) -> None:
        """Run ``chalice <command> --stage <stage>`` in api/."""
        chalice = Path(sys.executable).with_name("chalice")
        _run([str(chalice), command, "--stage", self.stage], env=environment, cwd=self.api_dir)

    def deployed_record(self) -> dict[str, Any] | None:
        """Return Chalice's record of the stage's deployment, or None before the first deploy."""
        path = self.api_dir / ".chalice" / "deployed" / f"{self.stage}.json"
        return json.loads(path.read_text()) if path.exists() else None

    # The two commands

    def deploy(self, overrides: Mapping[str, str], *, build_image: bool) -> dict[str, str]:
        """Deploy the stack, the runner image and the Chalice app; return the client settings.

        Args:
            overrides: template parameters to set; the others keep their values.
            build_image: whether to build and push the runner image.
        """
        check_dashboard_files(self.root)
        tag = runner_image_tag(self.root)
        parameters = {"Stage": self.stage, **overrides}
        # Without a build the stack keeps its image tag (the template's default
        # on a first deploy), so the task definition never names an unpushed image.
        if build_image:
            parameters["RunnerImageTag"] = tag
        previous = self.stack()
        previous_outputs = outputs_by_key(previous) if previous else {}
        pushed = False
        # With the repository in place, push first, so the new task definition
        # never points at a missing image.
        if build_image and "RunnerRepositoryUri" in previous_outputs:
            self.push_runner_image(
                previous_outputs["RunnerRepositoryName"],
                previous_outputs["RunnerRepositoryUri"],
                tag,
            )
            pushed = True

        outputs = self.deploy_stack(self.package(), parameters)
        if build_image and not pushed:
            self.push_runner_image(
                outputs["RunnerRepositoryName"], outputs["RunnerRepositoryUri"], tag
            )

        environment = self.chalice_environment(outputs)
        launcher_functions = discover_sqs_handlers(self.api_dir, environment, root=self.root)
        if not launcher_functions:
            logger.warning("api/app.py has no SQS handler: nothing will start runner tasks")
        self.write_chalice_files(outputs, launcher_functions)
        self.chalice("deploy", environment)

        record = self.deployed_record()
        if record is None:
            raise DeployError("chalice deploy wrote no deployment record")
        # Like api_url of the local stack: the routes are under <api_url>/api/v1.
        api_url = rest_api_url(record).rstrip("/")
        return {
            "api_url": api_url,
            "dashboard_url": self.register_dashboard_url(api_url),
            "region": self.region,
            "user_pool_id": outputs["UserPoolId"],
            "client_id": outputs["UserPoolClientId"],
        }

    def register_dashboard_url(self, api_url: str) -> str:
        """Set the stack's DashboardUrl, the hosted UI's callback URL, and return the URL.

        The API's URL exists only after ``chalice deploy``, so a first deploy updates
        the stack a second time. Later deploys keep the URL and skip the update.
        """
        url = dashboard_url(api_url)
        stack = self.stack() or {}
        current = {
            item["ParameterKey"]: item.get("ParameterValue") for item in stack.get("Parameters", [])
        }
        if current.get("DashboardUrl") != url:
            logger.info("setting the dashboard URL %s as the hosted UI's callback URL", url)
            self.deploy_stack(self.package(), {"DashboardUrl": url})
        return url

    def destroy(self) -> None:
        """Delete the Chalice app, the stack, the image repository's images and the artifacts."""
        from botocore.exceptions import ClientError

        stack = self.stack()
        outputs = outputs_by_key(stack) if stack else {}
        if self.deployed_record() is not None:
            self.chalice("delete", self.chalice_environment(outputs or None))
        else:
            logger.info("no Chalice deployment of stage %s to delete", self.stage)
        self._delete_lambda_log_groups()
        if stack is not None:
            repository = outputs.get("RunnerRepositoryName")
            if repository:
                self._empty_repository(repository)
            logger.info("deleting stack %s", self.stack_name)
            self.cloudformation.delete_stack(StackName=self.stack_name)
            self._wait("stack_delete_complete")
        else:
            logger.info("stack %s does not exist", self.stack_name)
        self._deregister_task_definitions()
        try:
            self._delete_artifacts_bucket()
        except ClientError as exc:
            raise DeployError(f"deleting the artifacts bucket failed: {exc}") from exc

    def _delete_lambda_log_groups(self) -> None:
        # `chalice delete` (1.34) removes only the retention setting of the log
        # groups that it created, not the groups.
        config = json.loads((self.api_dir / ".chalice" / "config.json").read_text())
        prefix = f"/aws/lambda/{config['app_name']}-{self.stage}-"
        logs = self.session.client("logs")
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            for group in page["logGroups"]:
                logs.delete_log_group(logGroupName=group["logGroupName"])
                logger.info("deleted log group %s", group["logGroupName"])

    def _empty_repository(self, repository: str) -> None:
        ecr = self.session.client("ecr")
        try:
            pages = ecr.get_paginator("list_images").paginate(repositoryName=repository)
            image_ids = [image for page in pages for image in page["imageIds"]]
        except ecr.exceptions.RepositoryNotFoundException:
            return
        # batch_delete_image takes at most 100 images per call.
        for start in range(0, len(image_ids), 100):
            ecr.batch_delete_image(
                repositoryName=repository, imageIds=image_ids[start : start + 100]
            )
        logger.info("deleted %d images from %s", len(image_ids), repository)

    def _deregister_task_definitions(self) -> None:
        # The template keeps replaced revisions (UpdateReplacePolicy: Retain).
        ecs = self.session.client("ecs")
        family = f"paropt-{self.stage}-runner"
        pages = ecs.get_paginator("list_task_definitions").paginate(
            familyPrefix=family, status="ACTIVE"
        )
        for page in pages:
            for arn in page["taskDefinitionArns"]:
                # familyPrefix also matches longer family names.
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family:
                    ecs.deregister_task_definition(taskDefinition=arn)
                    logger.info("deregistered %s", arn)

    def _delete_artifacts_bucket(self) -> None:
        from botocore.exceptions import ClientError

        s3 = self.session.client("s3")
        bucket = artifacts_bucket_name(self.stage, self.account_id(), self.region)
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            return
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)
        logger.info("deleted artifacts bucket %s", bucket)


def _run(
    command: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    input_text: str | None = None,
    capture: bool = False,
) -> str:
    """Run a command and return its output if ``capture``; raise DeployError if it fails."""
    # Never log the input: for docker login it is the registry password.
    logger.info("running %s", " ".join(command[:3]))
    result = subprocess.run(
        command,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        input=input_text,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        check=False,
    )
    if result.returncode != 0:
        raise DeployError(f"{' '.join(command[:3])} failed with exit status {result.returncode}")
    return result.stdout or ""


def _parameter_overrides(arguments: argparse.Namespace) -> dict[str, str]:
    names = {
        "runner_cpu": "RunnerCpu",
        "runner_memory": "RunnerMemory",
        "heartbeat_seconds": "HeartbeatSeconds",
        "job_timeout_seconds": "JobTimeoutSeconds",
        "log_retention_days": "LogRetentionDays",
    }
    return {
        parameter: str(getattr(arguments, option))
        for option, parameter in names.items()
        if getattr(arguments, option) is not None
    }


def _confirm_destroy(stage: str) -> None:
    if not sys.stdin.isatty():
        raise DeployError(
            "destroy deletes every table of the stage and needs a confirmation: "
            "pass --yes when standard input is not a terminal"
        )
    answer = input(
        f"This deletes stage {stage!r} with all its experiments, trials and jobs. "
        "Type the stage name to continue: "
    )
    if answer.strip() != stage:
        raise DeployError("destroy cancelled")


def main(argv: list[str] | None = None) -> int:
    """Run the deploy or destroy command."""
    parser = argparse.ArgumentParser(
        prog="python -m infra.deploy",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    deploy_parser = commands.add_parser("deploy", help="create or update a stage")
    destroy_parser = commands.add_parser("destroy", help="delete a stage and its data")
    for command in (deploy_parser, destroy_parser):
        command.add_argument("--stage", default="dev", help="stage name (default: dev)")
        command.add_argument("--region", help="AWS region (default: the AWS CLI's region)")

    deploy_parser.add_argument(
        "--skip-image",
        action="store_true",
        help="do not build and push the runner image; the stack keeps its image tag",
    )
    deploy_parser.add_argument("--runner-cpu", help="CPU units of a runner task, such as 1024")
    deploy_parser.add_argument("--runner-memory", help="memory of a runner task in MiB")
    deploy_parser.add_argument(
        "--heartbeat-seconds", type=int, help="seconds without a runner heartbeat that fail a job"
    )
    deploy_parser.add_argument(
        "--job-timeout-seconds", type=int, help="seconds a job may run in total"
    )
    deploy_parser.add_argument("--log-retention-days", type=int, help="days logs are kept")

    destroy_parser.add_argument(
        "--yes", action="store_true", help="do not ask before deleting the stage's data"
    )
    arguments = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        deployer = StageDeployer(arguments.stage, region=arguments.region)
        if arguments.command == "deploy":
            client = deployer.deploy(
                _parameter_overrides(arguments), build_image=not arguments.skip_image
            )
            print(f"\nparopt stage {arguments.stage} is deployed.")
            for name, value in client.items():
                print(f"  {name}: {value}")
        else:
            if not arguments.yes:
                _confirm_destroy(arguments.stage)
            deployer.destroy()
            print(f"paropt stage {arguments.stage} is deleted.")
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
