"""The paropt service REST API (Chalice).

Routes live under ``/api/v1`` and keep the request bodies and responses of the
previous paropt service. This module imports nothing of the optimiser stack
(bayes_opt, scikit-learn, SciPy, NumPy, Parsl), so a cold start stays short.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from chalice import Chalice, CognitoUserPoolAuthorizer, Rate, Response
from chalicelib.auth import Caller, TokenVerifier, Unauthorized, authenticate
from chalicelib.bodies import InvalidBody, parse_json, validate
from chalicelib.contract import (
    API_PREFIX,
    ID_PATTERN,
    MAX_GRID_SIZE,
    NEXT_TOKEN_HEADER,
)
from chalicelib.dashboard import PUBLIC_ROUTES, dashboard_blueprint
from chalicelib.jobs import JobConflict, LaunchFailed, start_job, stop_job
from chalicelib.launcher import LauncherSettings, launch
from chalicelib.openapi import document_text
from chalicelib.trial_pages import read_trial_page
from chalicelib.views import experiment_view, job_view
from pynamodb.exceptions import DoesNotExist, PutError

from paropt.settings import Settings
from paropt.storage import (
    JOB_STATUSES,
    ExperimentModel,
    JobModel,
    bind_models,
    utc_now,
)

if TYPE_CHECKING:
    from paropt.specs import ExperimentSpec, RunRequest

# paropt.specs (pydantic and the request models) is imported inside the routes that
# validate a body or a stored spec, because loading it took about 40 % of this
# module's import time, and the other routes never need it.

ID_REGEX = re.compile(ID_PATTERN)

app = Chalice(app_name="paropt-service")
logger = Logger(service="paropt-api")
settings = Settings.from_environment()
bind_models(settings)
verifier = TokenVerifier(settings) if settings.auth_mode == "jwks" else None
# API Gateway verifies the Cognito token for every route in AWS. The pool ARN is
# read when `chalice deploy` imports this module.
authorizer = CognitoUserPoolAuthorizer(
    "paropt-users",
    provider_arns=[
        os.environ.get(
            "PAROPT_USER_POOL_ARN",
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_local",
        )
    ],
)
_clients: dict[str, Any] = {}
# The dashboard's page and files; its routes need no authentication.
app.register_blueprint(dashboard_blueprint(settings))


def sfn():  # noqa: ANN201 - a boto3 Step Functions client
    if "stepfunctions" not in _clients:
        _clients["stepfunctions"] = settings.boto3_client("stepfunctions")
    return _clients["stepfunctions"]


def _json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, default=str),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _missing(what: str, identifier: str) -> Response:
    return _json_response({"status": "missing", "message": f"no {what} with id {identifier}"}, 404)


@app.middleware("http")
def guard(event, get_response):  # noqa: ANN001, ANN201 - Chalice middleware signature
    """Authenticate each request outside the dashboard's public routes; return 401 if it fails."""
    logger.remove_keys(["experiment_id", "job_id", "caller"])
    if event.path in PUBLIC_ROUTES:
        return get_response(event)
    try:
        caller = authenticate(
            settings=settings, headers=event.headers, context=event.context, verifier=verifier
        )
    except Unauthorized as exc:
        logger.info("request rejected as unauthorized", reason=str(exc), path=event.path)
        return _json_response({"message": f"unauthorized: {exc}"}, 401)
    event.context["paropt_caller"] = caller
    logger.append_keys(caller=caller.sub)
    return get_response(event)


def api_route(path: str, methods: list[str]):  # noqa: ANN201 - a decorator
    """Register a view under ``/api/v1`` with the Cognito authoriser and JSON error responses.

    Chalice turns exceptions from views into its own 500 response before middleware
    sees them, so each view is wrapped here instead.
    """

    def register(view):  # noqa: ANN001, ANN202
        @functools.wraps(view)
        def answer(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            try:
                return view(*args, **kwargs)
            except InvalidBody as exc:
                return _json_response({"message": exc.message, "errors": exc.errors}, 400)
            except Exception:
                request = app.current_request
                logger.exception("request failed", path=request.path, method=request.method)
                body = {"message": "internal error; the service log has the details"}
                return _json_response(body, 500)

        return app.route(API_PREFIX + path, methods=methods, authorizer=authorizer)(answer)

    return register


def caller() -> Caller:
    return app.current_request.context["paropt_caller"]


def _check_id(kind: str, identifier: str) -> None:
    if not ID_REGEX.match(identifier):
        raise InvalidBody(f"invalid {kind} id {identifier[:80]!r}: expected 32 hexadecimal digits")


def _owned_experiment(experiment_id: str) -> ExperimentModel | None:
    _check_id("experiment", experiment_id)
    logger.append_keys(experiment_id=experiment_id)
    try:
        experiment = ExperimentModel.get(experiment_id, consistent_read=True)
    except DoesNotExist:
        return None
    # Another user's experiment is indistinguishable from one that does not exist.
    return experiment if experiment.owner == caller().sub else None


def _owned_job(job_id: str) -> JobModel | None:
    _check_id("job", job_id)
    logger.append_keys(job_id=job_id)
    try:
        job = JobModel.get(job_id, consistent_read=True)
    except DoesNotExist:
        return None
    return job if job.owner == caller().sub else None


@api_route("/experiments", ["POST"])
def create_experiment() -> Response:
    """Get or create an experiment; an identical body from the same user gets the stored one."""
    from paropt.specs import ExperimentSpec

    body = parse_json(app.current_request.raw_body, required=True)
    spec = validate(ExperimentSpec, body)
    owner = caller().sub
    content_hash = spec.content_hash()
    experiment_id = _experiment_id(owner, content_hash)
    logger.append_keys(experiment_id=experiment_id)
    experiment = ExperimentModel(
        experiment_id,
        owner=owner,
        content_hash=content_hash,
        tool_name=spec.tool_name,
        spec=spec.model_dump(mode="json", exclude_none=True),
        created_at=utc_now(),
        runs_started=0,
    )
    try:
        experiment.save(condition=ExperimentModel.experiment_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = ExperimentModel.get(experiment_id, consistent_read=True)
        return _json_response(experiment_view(existing), 200)
    logger.info("experiment created", tool_name=spec.tool_name)
    return _json_response(experiment_view(experiment), 201)


def _experiment_id(owner: str, content_hash: str) -> str:
    return hashlib.sha256(f"{owner}\n{content_hash}".encode()).hexdigest()[:32]


@api_route("/experiments", ["GET"])
def list_experiments() -> Response:
    """List the caller's experiments, oldest first."""
    experiments = ExperimentModel.owner_index.query(caller().sub)
    return _json_response([experiment_view(item) for item in experiments], 200)


@api_route("/experiments/{experiment_id}", ["GET"])
def get_experiment(experiment_id: str) -> Response:
    experiment = _owned_experiment(experiment_id)
    if experiment is None:
        return _missing("experiment", experiment_id)
    return _json_response(experiment_view(experiment), 200)


@api_route("/experiments/{experiment_id}/trials", ["GET"])
def list_trials(experiment_id: str) -> Response:
    """List an experiment's trials in order, one Query per page.

    The body is a JSON list as in the previous service; when more trials follow,
    the ``X-Paropt-Next-Token`` header carries the token for the next page.
    """
    experiment = _owned_experiment(experiment_id)
    if experiment is None:
        return _missing("experiment", experiment_id)
    page = read_trial_page(experiment_id, app.current_request.query_params or {})
    headers = {"Content-Type": "application/json"}
    if page.next_token is not None:
        headers[NEXT_TOKEN_HEADER] = page.next_token
    return Response(body=page.body, status_code=200, headers=headers)


@api_route("/experiments/{experiment_id}/trials", ["POST"])
def start_run(experiment_id: str) -> Response:
    """Start a run of an optimiser on the experiment; 409 while another job is active."""
    experiment = _owned_experiment(experiment_id)
    if experiment is None:
        return _missing("experiment", experiment_id)
    from paropt.specs import ExperimentSpec, RunRequest

    body = parse_json(app.current_request.raw_body, required=False)
    request = validate(RunRequest, body if body is not None else {})
    spec = ExperimentSpec.model_validate(experiment.spec)
    _check_run(spec, request)
    try:
        job = start_job(
            experiment,
            request.optimizer.model_dump(mode="json", exclude_none=True),
            request.model_dump(mode="json", exclude={"optimizer"}, exclude_none=True),
            settings=settings,
            sfn=sfn(),
            logger=logger,
        )
    except JobConflict as exc:
        body = {"status": "conflict", "message": str(exc), "job_id": exc.active_job_id}
        return _json_response(body, 409)
    except LaunchFailed as exc:
        return _json_response({"message": f"the job could not be started: {exc}"}, 503)
    logger.append_keys(job_id=job.job_id)
    logger.info("job submitted", optimizer=job.optimizer)
    return _json_response({"status": "submitted", "job": job_view(job)}, 202)


def _check_run(spec: ExperimentSpec, request: RunRequest) -> None:
    """Reject a run that cannot be measured as requested."""
    from paropt.specs import GridOptimizer, grid_size

    if isinstance(request.optimizer, GridOptimizer):
        counts = request.optimizer.num_configs_per_param
        names = {parameter.name for parameter in spec.parameters}
        if isinstance(counts, dict) and set(counts) - names:
            unknown = sorted(set(counts) - names)[0]
            raise InvalidBody(
                f"invalid optimizer.num_configs_per_param: {unknown!r} names no parameter; "
                f"parameters: {sorted(names)}"
            )
        size = grid_size(spec, request.optimizer)
        limit = MAX_GRID_SIZE
        rules = request.stopping()
        if rules.max_trials is not None:
            limit = min(limit, rules.max_trials)
        if size > limit:
            raise InvalidBody(
                "invalid optimizer.num_configs_per_param "
                f"{request.optimizer.num_configs_per_param}: the grid has {size} "
                f"configurations, more than the limit of {limit} (max_trials or "
                f"{MAX_GRID_SIZE}); use fewer values per parameter or another optimiser"
            )
    if request.parallelism > 1 and spec.objective.type == "runtime" and not spec.allow_shared_node:
        raise InvalidBody(
            f"invalid parallelism {request.parallelism}: concurrent trials on one node "
            "distort each other's runtimes; set allow_shared_node: true in the experiment "
            "to accept that, or use parallelism 1"
        )


@api_route("/experiments/{experiment_id}/best", ["GET"])
def get_best(experiment_id: str) -> Response:
    """Return the experiment's best configuration over all runs, its outcome and spread."""
    experiment = _owned_experiment(experiment_id)
    if experiment is None:
        return _missing("experiment", experiment_id)
    if experiment.best_outcome is None:
        return _missing("successful trial for experiment", experiment_id)
    from paropt.specs import ExperimentSpec

    spec = ExperimentSpec.model_validate(experiment.spec)
    body = {
        "experiment_id": experiment_id,
        "parameters": experiment.best_parameters,
        "outcome": experiment.best_outcome,
        "spread": experiment.best_spread,
        "trial_number": int(experiment.best_trial_number),
        "objective": spec.objective.model_dump(mode="json"),
    }
    return _json_response(body, 200)


@api_route("/experiments/{experiment_id}/job", ["GET"])
def get_active_job(experiment_id: str) -> Response:
    """Return the experiment's queued or running job."""
    experiment = _owned_experiment(experiment_id)
    if experiment is None or not experiment.active_job_id:
        return _missing("active job for experiment", experiment_id)
    job = _owned_job(experiment.active_job_id)
    if job is None:
        return _missing("active job for experiment", experiment_id)
    return _json_response(job_view(job), 200)


@api_route("/experiments/{experiment_id}/stop", ["POST"])
def stop_experiment(experiment_id: str) -> Response:
    """Stop the experiment's active job: its execution, its runner and the running trial."""
    experiment = _owned_experiment(experiment_id)
    if experiment is None or not experiment.active_job_id:
        return _missing("active job for experiment", experiment_id)
    job = _owned_job(experiment.active_job_id)
    if job is None:
        return _missing("active job for experiment", experiment_id)
    stopped = stop_job(
        job, experiment, sfn=sfn(), logger=logger, wait_seconds=settings.stop_wait_seconds
    )
    logger.info("job stop requested", stopped=stopped, status=job.status)
    job.refresh(consistent_read=True)
    return _json_response({"status": job.status, "job": job_view(job)}, 200)


@api_route("/openapi.json", ["GET"])
def get_openapi_document() -> Response:
    """Return this API's OpenAPI document.

    It needs the same authentication as every other route: the middleware checks
    the local stack's key and token, and API Gateway's authoriser the token.
    """
    return Response(
        body=document_text(), status_code=200, headers={"Content-Type": "application/json"}
    )


@api_route("/jobs/{job_id}", ["GET"])
def get_job(job_id: str) -> Response:
    """Return one job, or for a status name such as ``running`` the caller's jobs in it."""
    if job_id in JOB_STATUSES:
        jobs = JobModel.owner_status_index.query(caller().sub, JobModel.status == job_id)
        return _json_response([job_view(job) for job in jobs], 200)
    job = _owned_job(job_id)
    if job is None:
        return _missing("job", job_id)
    return _json_response(job_view(job), 200)


@app.on_sqs_message(
    queue_arn=os.environ.get(
        "PAROPT_LAUNCH_QUEUE_ARN", "arn:aws:sqs:us-east-1:123456789012:paropt-local-launch"
    ),
    batch_size=1,
    name="launcher",
)
def launch_runners(event) -> None:  # noqa: ANN001 - a Chalice SQSEvent
    """Start a Fargate runner task for each launch message of the state machine."""
    launcher_settings = LauncherSettings.from_environment()
    ecs = _clients.get("ecs") or _clients.setdefault("ecs", settings.boto3_client("ecs"))
    for record in event:
        logger.remove_keys(["experiment_id", "job_id"])
        launch(record.body, ecs=ecs, sfn=sfn(), settings=launcher_settings, logger=logger)


@app.schedule(Rate(10, unit=Rate.MINUTES), name="instance-sweeper")
def sweep_instances(event) -> None:  # noqa: ANN001 - a Chalice CloudWatchEvent
    """Terminate EC2 instances whose job has ended; runners that died leave them behind."""
    from paropt.cleanup import job_is_active, terminate_orphaned_instances

    ec2 = _clients.get("ec2") or _clients.setdefault("ec2", settings.boto3_client("ec2"))
    terminated = terminate_orphaned_instances(ec2, job_is_active)
    if terminated:
        logger.warning("terminated instances of ended jobs", instance_ids=terminated)
