"""The parts of infra/deploy.py that need no AWS account, Docker engine or network.

Chalice's own configuration reader and application graph builder check the
stage configuration, so these tests see the roles and settings that
``chalice deploy`` would use. No test creates a boto3 client for a real endpoint.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from chalice import Chalice
from chalice.config import Config
from chalice.deploy import models
from chalice.deploy.appgraph import ApplicationGraphBuilder
from chalice.deploy.validate import validate_configuration

from infra import deploy
from infra.deploy import ROOT, DeployError

# Variables that only the local stack and the tests set; a deployed stage uses
# the defaults of paropt/settings.py for them.
LOCAL_ONLY_VARIABLES = {
    "PAROPT_AWS_ENDPOINT_URL",
    "PAROPT_JWKS_URL",
    "PAROPT_TOKEN_ISSUER",
    "PAROPT_CLIENT_ID",
    "PAROPT_LOCAL_KEY",
    "PAROPT_STOP_WAIT_SECONDS",
}
# Names the launcher writes into the runner's container overrides; no Lambda reads them.
RUNNER_OVERRIDE_VARIABLES = {"PAROPT_JOB_ID", "PAROPT_TASK_TOKEN"}
# Names of EC2 compute that the runner's task definition sets; no Lambda reads them.
RUNNER_TASK_VARIABLES = {
    "PAROPT_EC2_SUBNET_IDS",
    "PAROPT_EC2_SECURITY_GROUP_ID",
    "PAROPT_WORKER_PORT",
}
HEAVY_MODULES = ("numpy", "scipy", "sklearn", "parsl", "optuna", "bayes_opt")


@pytest.fixture(scope="module")
def template() -> dict:
    return deploy.load_template()


@pytest.fixture(scope="module")
def outputs(template: dict) -> dict[str, str]:
    """Return stack outputs with every output key of the template and made-up values."""
    values = {key: f"value-of-{key}" for key in template["Outputs"]}
    values.update(
        {
            "Stage": "dev",
            "ApiRoleArn": "arn:aws:iam::123456789012:role/paropt-dev-ApiRole-X",
            "LauncherRoleArn": "arn:aws:iam::123456789012:role/paropt-dev-LauncherRole-Y",
            "LogRetentionDays": "30",
            "HeartbeatSeconds": "300",
            "JobTimeoutSeconds": "86400",
            "AssignPublicIp": "ENABLED",
            "RunnerContainerName": "runner",
        }
    )
    return values


def _tiny_app(handler_name: str = "launcher") -> Chalice:
    app = Chalice(app_name="paropt-service")

    @app.route("/ping")
    def ping() -> dict:
        return {}

    @app.on_sqs_message(queue_arn="arn:aws:sqs:us-east-1:123456789012:q", name=handler_name)
    def launch(event) -> None:  # noqa: ANN001
        return None

    return app


# --- Names ---


@pytest.mark.parametrize("stage", ["dev", "prod2", "a", "abcdefghijkl"])
def test_validate_stage_accepts(stage: str) -> None:
    assert deploy.validate_stage(stage) == stage


@pytest.mark.parametrize("stage", ["", "Dev", "dev-x", "2dev", "abcdefghijklm", "dev_x"])
def test_validate_stage_rejects(stage: str) -> None:
    with pytest.raises(DeployError, match="invalid stage"):
        deploy.validate_stage(stage)


def test_stage_pattern_matches_template(template: dict) -> None:
    assert template["Parameters"]["Stage"]["AllowedPattern"] == deploy.STAGE_PATTERN.pattern


def test_names_of_stage() -> None:
    assert deploy.stack_name("dev") == "paropt-dev"
    bucket = deploy.artifacts_bucket_name("abcdefghijkl", "123456789012", "ap-southeast-2")
    assert bucket == "paropt-abcdefghijkl-artifacts-123456789012-ap-southeast-2"
    # S3 bucket names have at most 63 characters.
    assert len(bucket) <= 63


# --- Template packaging ---


def test_load_template_long_forms(template: dict) -> None:
    properties = template["Resources"]["RunJobStateMachine"]["Properties"]
    assert properties["DefinitionSubstitutions"] == {
        "JobsTable": {"Ref": "JobsTable"},
        "ExperimentsTable": {"Ref": "ExperimentsTable"},
        "LaunchQueueUrl": {"Ref": "LaunchQueue"},
    }
    assert properties["RoleArn"] == {"Fn::GetAtt": ["StateMachineRole", "Arn"]}
    assert type(properties) is dict
    assert type(properties["DefinitionS3Location"]) is str


def test_definition_substitutions_cover_slots(template: dict) -> None:
    definition = (ROOT / "stepfunctions" / "run_job.asl.json").read_text()
    slots = set(re.findall(r"\$\{(\w+)\}", definition))
    substitutions = template["Resources"]["RunJobStateMachine"]["Properties"][
        "DefinitionSubstitutions"
    ]
    assert slots == set(substitutions)


def test_local_definition_files(template: dict) -> None:
    files = deploy.local_definition_files(template, ROOT / "infra")
    assert files == {"RunJobStateMachine": ROOT / "stepfunctions" / "run_job.asl.json"}
    assert files["RunJobStateMachine"].is_file()


def test_artifact_key_follows_content(tmp_path: Path) -> None:
    first = tmp_path / "a" / "run_job.asl.json"
    second = tmp_path / "b" / "run_job.asl.json"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text('{"StartAt": "A"}')
    second.write_text('{"StartAt": "A"}')
    assert deploy.artifact_key(first) == deploy.artifact_key(second)
    assert re.fullmatch(
        r"stepfunctions/run_job\.asl-[0-9a-f]{20}\.json", deploy.artifact_key(first)
    )
    second.write_text('{"StartAt": "B"}')
    assert deploy.artifact_key(first) != deploy.artifact_key(second)


def test_with_definition_locations_copies(template: dict) -> None:
    location = {"Bucket": "artifacts", "Key": "stepfunctions/run_job.asl-0.json"}
    packaged = deploy.with_definition_locations(template, {"RunJobStateMachine": location})
    packaged_properties = packaged["Resources"]["RunJobStateMachine"]["Properties"]
    assert packaged_properties["DefinitionS3Location"] == location
    original = template["Resources"]["RunJobStateMachine"]["Properties"]
    assert original["DefinitionS3Location"] == "../stepfunctions/run_job.asl.json"


def test_template_body_round_trip(template: dict) -> None:
    location = {"Bucket": "artifacts", "Key": "k"}
    packaged = deploy.with_definition_locations(template, {"RunJobStateMachine": location})
    body = deploy.template_body(packaged)
    assert json.loads(body) == packaged
    assert len(body.encode()) <= deploy.MAX_TEMPLATE_BODY_BYTES


def test_template_body_too_large() -> None:
    huge = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Metadata": {"x": "y" * 60_000}}}}
    with pytest.raises(DeployError, match="at most 51200"):
        deploy.template_body(huge)


def test_stack_parameters_for_new_stack() -> None:
    parameters = deploy.stack_parameters({"Stage": "dev", "RunnerImageTag": "src-1"}, [])
    assert parameters == [
        {"ParameterKey": "Stage", "ParameterValue": "dev"},
        {"ParameterKey": "RunnerImageTag", "ParameterValue": "src-1"},
    ]


def test_stack_parameters_keep_previous() -> None:
    existing = ["Stage", "RunnerImageTag", "RunnerCpu", "HeartbeatSeconds"]
    parameters = deploy.stack_parameters({"Stage": "dev", "RunnerImageTag": "src-2"}, existing)
    assert parameters == [
        {"ParameterKey": "Stage", "ParameterValue": "dev"},
        {"ParameterKey": "RunnerImageTag", "ParameterValue": "src-2"},
        {"ParameterKey": "HeartbeatSeconds", "UsePreviousValue": True},
        {"ParameterKey": "RunnerCpu", "UsePreviousValue": True},
    ]


def test_outputs_by_key() -> None:
    stack = {
        "Outputs": [{"OutputKey": "A", "OutputValue": "1"}, {"OutputKey": "B", "OutputValue": "2"}]
    }
    assert deploy.outputs_by_key(stack) == {"A": "1", "B": "2"}
    assert deploy.outputs_by_key({}) == {}


def test_failed_events_newest_first() -> None:
    events = [
        {"LogicalResourceId": "paropt-dev", "ResourceStatus": "ROLLBACK_IN_PROGRESS"},
        {
            "LogicalResourceId": "Cluster",
            "ResourceStatus": "CREATE_FAILED",
            "ResourceStatusReason": "Resource creation cancelled",
        },
        {
            "LogicalResourceId": "RunnerTaskDefinition",
            "ResourceStatus": "CREATE_FAILED",
            "ResourceStatusReason": "Invalid CPU or memory value",
        },
    ]
    assert deploy.failed_events(events) == [
        "Cluster: Resource creation cancelled",
        "RunnerTaskDefinition: Invalid CPU or memory value",
    ]
    assert deploy.failed_events(events, limit=1) == ["Cluster: Resource creation cancelled"]


# --- Chalice configuration ---


def test_lambda_environment_reads_only_outputs(template: dict, outputs: dict) -> None:
    environment = deploy.lambda_environment(outputs)
    assert environment["PAROPT_AUTH_MODE"] == "gateway"
    assert environment["PAROPT_TASK_DEFINITION_ARN"] == outputs["TaskDefinitionArn"]
    assert environment["PAROPT_SUBNETS"] == outputs["SubnetIds"]
    assert environment["PAROPT_LAUNCH_QUEUE_ARN"] == outputs["LaunchQueueArn"]
    assert not any(name.startswith("AWS_") for name in environment)
    # Every value comes from an output the template has (or is a constant).
    template_values = {outputs[key] for key in template["Outputs"]}
    constants = {"gateway"}
    assert set(environment.values()) <= template_values | constants


def test_lambda_environment_covers_api_variables(outputs: dict, template: dict) -> None:
    """Every PAROPT_* variable that api/ and paropt/settings.py read is set or local-only."""
    sources = [*(ROOT / "api").rglob("*.py"), ROOT / "paropt" / "settings.py"]
    read = set()
    for path in sources:
        if "vendor" in path.parts:
            continue
        read |= set(re.findall(r"[\"'](PAROPT_[A-Z0-9_]+)[\"']", path.read_text()))
    environment = deploy.lambda_environment(outputs)
    runner_only = RUNNER_OVERRIDE_VARIABLES | RUNNER_TASK_VARIABLES
    unset = read - LOCAL_ONLY_VARIABLES - runner_only - set(environment)
    assert unset == set()
    (container,) = template["Resources"]["RunnerTaskDefinition"]["Properties"][
        "ContainerDefinitions"
    ]
    assert RUNNER_TASK_VARIABLES <= {item["Name"] for item in container["Environment"]}
    for name in (
        "PAROPT_CLUSTER_ARN",
        "PAROPT_TASK_DEFINITION_ARN",
        "PAROPT_SUBNETS",
        "PAROPT_SECURITY_GROUPS",
        "PAROPT_ASSIGN_PUBLIC_IP",
        "PAROPT_RUNNER_CONTAINER",
        "PAROPT_LAUNCH_QUEUE_ARN",
        "PAROPT_STATE_MACHINE_ARN",
        "PAROPT_HEARTBEAT_SECONDS",
        "PAROPT_JOB_TIMEOUT_SECONDS",
        "PAROPT_USER_POOL_ARN",
        "PAROPT_AUTH_DOMAIN",
        "PAROPT_DASHBOARD_CLIENT_ID",
    ):
        assert name in environment, name


def test_check_dashboard_files_needs_chart_library(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="make assets"):
        deploy.check_dashboard_files(tmp_path)
    library = tmp_path / deploy.CHART_LIBRARY_PATH
    library.parent.mkdir(parents=True)
    library.write_text("window.Chart = function () {};")
    deploy.check_dashboard_files(tmp_path)


@pytest.mark.parametrize("suffix", ["", "/"])
def test_dashboard_url_ends_in_slash(suffix: str) -> None:
    api_url = "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
    assert deploy.dashboard_url(api_url + suffix) == api_url + "/"


def _chalice_config(outputs: dict, app: Chalice, stage: str = "dev") -> Config:
    config_on_disk = json.loads((ROOT / "api" / ".chalice" / "config.json").read_text())
    stage_config = deploy.chalice_stage_config(
        outputs, launcher_functions=deploy.sqs_handler_names(app)
    )
    merged = deploy.merge_chalice_config(config_on_disk, stage, stage_config)
    return Config(
        chalice_stage=stage,
        user_provided_params={"chalice_app": app, "project_dir": str(ROOT / "api")},
        config_from_disk=merged,
    )


def _functions(graph: models.Model) -> dict[str, models.LambdaFunction]:
    found = {}
    for resource in graph.dependencies():
        if isinstance(resource, models.LambdaFunction):
            found[resource.resource_name] = resource
        found.update(_functions(resource))
    return found


def test_chalice_stage_roles(outputs: dict) -> None:
    config = _chalice_config(outputs, _tiny_app())
    validate_configuration(config)
    functions = _functions(ApplicationGraphBuilder().build(config, "dev"))
    assert set(functions) == {"api_handler", "launcher"}
    api, launcher = functions["api_handler"], functions["launcher"]
    assert isinstance(api.role, models.PreCreatedIAMRole)
    assert api.role.role_arn == outputs["ApiRoleArn"]
    assert isinstance(launcher.role, models.PreCreatedIAMRole)
    assert launcher.role.role_arn == outputs["LauncherRoleArn"]


def test_chalice_stage_settings(outputs: dict) -> None:
    functions = _functions(
        ApplicationGraphBuilder().build(_chalice_config(outputs, _tiny_app()), "dev")
    )
    api, launcher = functions["api_handler"], functions["launcher"]
    assert api.timeout == deploy.API_TIMEOUT_SECONDS
    assert launcher.timeout == deploy.LAUNCHER_TIMEOUT_SECONDS
    assert api.memory_size == deploy.LAMBDA_MEMORY_MB
    assert api.environment_variables == deploy.lambda_environment(outputs)
    assert launcher.environment_variables == deploy.lambda_environment(outputs)
    assert api.log_group is not None
    assert api.log_group.log_group_name == "/aws/lambda/paropt-service-dev-api_handler"
    assert api.log_group.retention_in_days == 30


def test_launcher_timeout_fits_queue(template: dict) -> None:
    queue = template["Resources"]["LaunchQueue"]["Properties"]
    assert deploy.LAUNCHER_TIMEOUT_SECONDS <= queue["VisibilityTimeout"]


def test_app_name_matches_chalice_config(template: dict) -> None:
    """The Lambda roles may write the log groups Chalice names <app>-<stage>-<function>."""
    config = json.loads((ROOT / "api" / ".chalice" / "config.json").read_text())
    assert template["Parameters"]["ChaliceAppName"]["Default"] == config["app_name"]


def test_merge_chalice_config_keeps_stages(outputs: dict) -> None:
    config = {"version": "2.0", "app_name": "paropt-service", "stages": {"local": {"x": 1}}}
    stage_config = deploy.chalice_stage_config(outputs, launcher_functions=["launcher"])
    merged = deploy.merge_chalice_config(config, "dev", stage_config)
    assert merged["stages"]["local"] == {"x": 1}
    assert merged["stages"]["dev"] == stage_config
    assert merged["app_name"] == "paropt-service"
    assert "dev" not in config["stages"]
    replaced = deploy.merge_chalice_config(merged, "dev", {"api_gateway_stage": "api"})
    assert replaced["stages"]["dev"] == {"api_gateway_stage": "api"}


def test_sqs_handler_names() -> None:
    assert deploy.sqs_handler_names(_tiny_app("start_runner")) == ["start_runner"]
    assert deploy.sqs_handler_names(Chalice(app_name="empty")) == []


def test_discover_sqs_handlers_in_child(tmp_path: Path) -> None:
    api_dir = tmp_path / "api"
    api_dir.mkdir()
    (api_dir / "app.py").write_text(
        "import os\n"
        "from chalice import Chalice\n"
        "app = Chalice(app_name='probe')\n"
        "@app.on_sqs_message(queue_arn=os.environ['PROBE_QUEUE_ARN'], name='probe_launcher')\n"
        "def launch(event):\n"
        "    return None\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PROBE_QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:probe",
    }
    assert deploy.discover_sqs_handlers(api_dir, environment) == ["probe_launcher"]


def test_lambda_requirements_drop_chalice() -> None:
    text = "# comment\nchalice==1.34.0\nboto3==1.44.8  # pinned\n\nPyJWT[crypto]==2.15.1\n"
    assert deploy.lambda_requirements(text).splitlines()[1:] == [
        "boto3==1.44.8",
        "PyJWT[crypto]==2.15.1",
    ]


def test_lambda_requirements_of_api() -> None:
    requirements = deploy.lambda_requirements((ROOT / "requirements-api.txt").read_text())
    names = {re.split(r"[\[=]", line)[0].lower() for line in requirements.splitlines()[1:]}
    assert "chalice" not in names
    assert {"pynamodb", "pydantic", "pyjwt", "aws-lambda-powertools"} <= names


def test_rest_api_url() -> None:
    record = {
        "schema_version": "2.0",
        "resources": [
            {"name": "api_handler", "resource_type": "lambda_function", "lambda_arn": "arn"},
            {
                "name": "rest_api",
                "resource_type": "rest_api",
                "rest_api_id": "abc123",
                "rest_api_url": "https://abc123.execute-api.eu-west-1.amazonaws.com/api/",
            },
        ],
    }
    assert deploy.rest_api_url(record) == "https://abc123.execute-api.eu-west-1.amazonaws.com/api/"
    with pytest.raises(DeployError, match="no REST API URL"):
        deploy.rest_api_url({"resources": []})


# --- Vendoring and the runner image ---


def test_vendored_files_exclude_optimizers() -> None:
    files = {path.as_posix() for path in deploy.vendored_files()}
    assert {"paropt/__init__.py", "paropt/settings.py", "paropt/templates.py"} <= files
    assert "paropt/specs/__init__.py" in files
    assert "paropt/storage/models.py" in files
    assert not any(name.startswith(("paropt/optimizers", "paropt/runner")) for name in files)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in files)


def test_vendored_paropt_runs_the_api(tmp_path: Path) -> None:
    """api/app.py imports with only the vendored paropt and none of the optimiser stack."""
    vendor_dir = tmp_path / "vendor"
    copied = deploy.vendor_paropt(vendor_dir)
    assert sorted(copied) == sorted(deploy.vendored_files())

    probe = (
        "import json, sys\n"
        "import app\n"
        "import paropt.specs  # the routes that validate import it on their first request\n"
        "files = {name: getattr(module, '__file__', None)\n"
        "         for name, module in sys.modules.items()}\n"
        "print(json.dumps(files))\n"
    )
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "api"), str(vendor_dir)]),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "paropt-test",
        "AWS_SECRET_ACCESS_KEY": "paropt-test",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PAROPT_AUTH_MODE": "gateway",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    modules = json.loads(result.stdout.strip().splitlines()[-1])
    paropt_files = {name: file for name, file in modules.items() if name.split(".")[0] == "paropt"}
    assert "paropt.settings" in paropt_files
    assert "paropt.specs.experiment" in paropt_files
    outside = {
        name: file
        for name, file in paropt_files.items()
        if file and not file.startswith(str(vendor_dir))
    }
    assert outside == {}
    assert not any(name.startswith(HEAVY_MODULES) for name in modules)


def test_vendor_paropt_replaces_old_copy(tmp_path: Path) -> None:
    stale = tmp_path / "paropt" / "runner" / "__main__.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("stale")
    deploy.vendor_paropt(tmp_path)
    assert not stale.exists()
    assert (tmp_path / "paropt" / "settings.py").is_file()


def test_runner_build_files_cover_dockerfile() -> None:
    files = {path.as_posix() for path in deploy.runner_build_files()}
    dockerfile = (ROOT / "runner_image" / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                source = source.rstrip("/")
                assert any(name == source or name.startswith(source + "/") for name in files), (
                    source
                )
    assert "paropt/runner/__main__.py" in files
    assert not any("__pycache__" in name for name in files)


def _copy_build_tree(destination: Path) -> None:
    for relative in deploy.runner_build_files():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)


def test_runner_image_tag_follows_sources(tmp_path: Path, template: dict) -> None:
    _copy_build_tree(tmp_path)
    tag = deploy.runner_image_tag(tmp_path)
    assert tag == deploy.runner_image_tag(ROOT)
    assert re.fullmatch(template["Parameters"]["RunnerImageTag"]["AllowedPattern"], tag)
    (tmp_path / "paropt" / "__pycache__").mkdir(exist_ok=True)
    (tmp_path / "paropt" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert deploy.runner_image_tag(tmp_path) == tag
    entrypoint = tmp_path / "runner_image" / "entrypoint.sh"
    entrypoint.chmod(0o644)
    assert deploy.runner_image_tag(tmp_path) != tag
    entrypoint.chmod(0o755)
    assert deploy.runner_image_tag(tmp_path) == tag
    with open(tmp_path / "paropt" / "settings.py", "a") as settings_file:
        settings_file.write("\n")
    assert deploy.runner_image_tag(tmp_path) != tag


# --- Command line ---


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give boto3 made-up credentials so that creating a client looks nothing up."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "paropt-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "paropt-test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_main_rejects_invalid_stage(offline_aws: None, capsys: pytest.CaptureFixture) -> None:
    assert deploy.main(["deploy", "--stage", "Dev", "--region", "us-east-1"]) == 1
    assert "invalid stage 'Dev'" in capsys.readouterr().err


def test_destroy_needs_confirmation(
    offline_aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def fail_destroy(self: deploy.StageDeployer) -> None:
        raise AssertionError("destroy ran without confirmation")

    monkeypatch.setattr(deploy.StageDeployer, "destroy", fail_destroy)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert deploy.main(["destroy", "--stage", "dev", "--region", "us-east-1"]) == 1
    assert "pass --yes" in capsys.readouterr().err


def test_make_targets_pass_stage_and_region() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    for target in ("deploy", "destroy"):
        result = subprocess.run(
            [make, "-n", target, "STAGE=prod", "REGION=eu-west-1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert f"-m infra.deploy {target} --stage prod --region eu-west-1" in result.stdout
    lint = subprocess.run(
        [make, "-n", "lint"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "cfn-lint infra/template.yaml" in lint.stdout
