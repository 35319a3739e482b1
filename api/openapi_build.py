"""Generate the API's OpenAPI document: ``python -m api.openapi_build`` (``--check`` compares).

The request body schemas come from the pydantic models (ExperimentSpec and
RunRequest), and the response schemas describe the views in
``api/chalicelib/views.py`` and the error bodies of ``api/app.py`` and
``infra/api_server.py``. The document is written to
``api/chalicelib/openapi.json``, where Chalice packages it with the Lambda and
``GET /api/v1/openapi.json`` serves it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from api.chalicelib.bodies import MAX_BODY_BYTES, MAX_INT_DIGITS, MAX_NESTING
from api.chalicelib.contract import (
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    ID_PATTERN,
    MAX_GRID_SIZE,
    MAX_NEXT_TOKEN_CHARS,
    MAX_PAGE_BYTES,
    MAX_PAGE_SIZE,
    MAX_RUN_NUMBER,
    NEXT_TOKEN_HEADER,
)
from api.chalicelib.openapi import DOCUMENT_PATH
from api.openapi_dashboard import dashboard_paths, login_settings_schema
from infra.api_server import MAX_REQUEST_BYTES
from paropt.specs import ExperimentSpec, RunRequest
from paropt.storage import JOB_STATUSES, TRIAL_STATUSES

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = "#/components/schemas/"
JSON = "application/json"
# Component names of the pydantic models. Pydantic appends -Input and -Output to
# a model whose validation and serialization schemas differ.
EXPERIMENT_REQUEST = "ExperimentSpec-Input"
EXPERIMENT_STORED = "ExperimentSpec-Output"
RUN_REQUEST = "RunRequest"
# Fields that every stored experiment has: experiment_view copies the spec's
# model_dump(exclude_none=True), and these fields are never None.
STORED_SPEC_FIELDS = (
    "tool_name",
    "parameters",
    "command_template_string",
    "compute",
    "objective",
    "repeats",
    "allow_shared_node",
)
EXPERIMENT_EXAMPLES = (
    "examples/xz_experiment.json",
    "examples/experiments/xz_mixed_space.json",
    "examples/experiments/gzip_ratio_regex.json",
    "examples/experiments/json_metric.json",
)
RUN_EXAMPLES = (
    "examples/optimizers/grid.json",
    "examples/optimizers/random.json",
    "examples/optimizers/bayesopt.json",
    "examples/optimizers/tpe.json",
    "examples/optimizers/coordinate.json",
    "examples/optimizers/auto.json",
)


def schema_ref(name: str) -> dict[str, str]:
    """Return a ``$ref`` to the component schema ``name``."""
    return {"$ref": SCHEMAS + name}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a schema that accepts what ``schema`` accepts and null."""
    return {"anyOf": [schema, {"type": "null"}]}


def closed_object(
    properties: dict[str, Any], required: list[str], description: str
) -> dict[str, Any]:
    """Return an object schema that rejects properties it does not list."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def model_schemas() -> dict[str, Any]:
    """Generate the schemas of the request bodies and the stored experiment from pydantic."""
    _, top = models_json_schema(
        [
            (ExperimentSpec, "validation"),
            (ExperimentSpec, "serialization"),
            (RunRequest, "validation"),
        ],
        ref_template=SCHEMAS + "{model}",
    )
    return top["$defs"]


def error_schemas() -> dict[str, Any]:
    """Return the schemas of the error bodies."""
    message = {"type": "string"}
    return {
        "Error": closed_object(
            {"message": message},
            ["message"],
            "An error: 401 from the authentication check, 413 from the local stack's "
            "HTTP server, 503 when Step Functions did not start a job.",
        ),
        "Problem": closed_object(
            {
                "field": {
                    "type": "string",
                    "description": "Location of the problem, such as parameters[0].minimum, "
                    "or body for the body as a whole.",
                },
                "message": message,
                "value": {"description": "The rejected value; long values are cut."},
            },
            ["field", "message"],
            "One problem of an invalid request body.",
        ),
        "InvalidRequest": closed_object(
            {
                "message": {
                    "type": "string",
                    "description": "The first problem: the field, what is wrong and the value.",
                },
                "errors": {
                    "type": "array",
                    "items": schema_ref("Problem"),
                    "description": "Each problem that validating the body against its schema "
                    "found; empty when the request failed another check.",
                },
            },
            ["message"],
            "A rejected request. The app always sends errors; the local stack's HTTP "
            "server sends message only, for an invalid Content-Length header.",
        ),
        "UnsupportedMediaType": closed_object(
            {"Code": {"const": "UnsupportedMediaType"}, "Message": message},
            ["Code", "Message"],
            "Chalice's answer to a Content-Type other than application/json.",
        ),
        "Missing": closed_object(
            {"status": {"const": "missing"}, "message": message},
            ["status", "message"],
            "The item does not exist or belongs to another user; the two cases look the same.",
        ),
        "Conflict": closed_object(
            {
                "status": {"const": "conflict"},
                "message": message,
                "job_id": {"type": "string", "description": "The experiment's active job."},
            },
            ["status", "message", "job_id"],
            "The experiment already has a queued or running job.",
        ),
    }


def experiment_schema(stored_spec: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of an experiment as the API returns it: its stored spec and its state."""
    properties = dict(stored_spec["properties"])
    properties.update(
        id={"type": "string", "description": "The same as experiment_id."},
        experiment_id={"type": "string", "pattern": ID_PATTERN},
        content_hash={
            "type": "string",
            "description": "SHA-256 of the canonical JSON of the spec.",
        },
        created_at={"type": "string", "description": "ISO 8601 time in UTC."},
        active_job_id=nullable({"type": "string"}),
        status={"enum": ["running", "not running"]},
    )
    extra = ["id", "experiment_id", "content_hash", "created_at", "active_job_id", "status"]
    return closed_object(
        properties,
        [*STORED_SPEC_FIELDS, *extra],
        "A registered experiment: the spec with its defaults filled in, and its state.",
    )


NUMBER = {"type": "number"}
INTEGER = {"type": "integer"}
TEXT = {"type": "string"}
TIME = {"type": "string", "description": "ISO 8601 time in UTC with milliseconds."}
CONFIGURATION = {
    "type": "object",
    "description": "A value for each parameter, by name.",
    "additionalProperties": {"type": ["boolean", "number", "string"]},
}


def trial_schema() -> dict[str, Any]:
    """Return the schema of a trial as trial_view returns it."""
    properties = {
        "experiment_id": TEXT,
        "trial_number": INTEGER,
        "job_id": TEXT,
        "run_number": INTEGER,
        "parameters": CONFIGURATION,
        "status": {"enum": list(TRIAL_STATUSES)},
        "outcome": nullable(NUMBER),
        "exit_code": nullable(INTEGER),
        "reason": nullable(TEXT),
        "output_tail": {"type": "string", "description": "The last 4 KB of the output."},
        "started_at": TIME,
        "ended_at": TIME,
        "samples": nullable({"type": "array", "items": NUMBER}),
        "spread": nullable(NUMBER),
        "metrics": nullable({"type": "object", "additionalProperties": NUMBER}),
        "tool_seconds": nullable(NUMBER),
    }
    return closed_object(properties, list(properties), "One measured configuration.")


def job_schemas() -> dict[str, Any]:
    """Return the schemas of a job as job_view returns it, and of the bodies that contain one."""
    job_properties = {
        "id": {"type": "string", "description": "The same as job_id."},
        "job_id": {"type": "string", "pattern": ID_PATTERN},
        "experiment_id": TEXT,
        "status": {"enum": list(JOB_STATUSES)},
        "optimizer": {
            "type": "object",
            "description": "The run request's optimizer, with its defaults filled in.",
        },
        "optimizer_used": nullable(TEXT),
        "run_settings": {
            "type": "object",
            "description": "The rest of the run request: stopping rules and parallelism.",
        },
        "run_number": INTEGER,
        "created_at": TIME,
        "started_at": nullable(TIME),
        "ended_at": nullable(TIME),
        "error": nullable(TEXT),
        "cause": nullable(TEXT),
        "stop_reason": nullable(TEXT),
        "progress": schema_ref("JobProgress"),
        "best": nullable(schema_ref("JobBest")),
    }
    progress = {"trials_done": INTEGER, "trials_failed": INTEGER, "trials_planned": INTEGER}
    best = {
        "outcome": NUMBER,
        "parameters": nullable(CONFIGURATION),
        "trial_number": nullable(INTEGER),
    }
    stopped_status = {
        "enum": list(JOB_STATUSES),
        "description": "stopped, or the job's status if it ended before the stop.",
    }
    return {
        "Job": closed_object(job_properties, list(job_properties), "One run of an optimiser."),
        "JobProgress": closed_object(progress, list(progress), "Counts of the run's trials."),
        "JobBest": closed_object(best, list(best), "The best trial of this run."),
        "JobSubmitted": closed_object(
            {"status": {"const": "submitted"}, "job": schema_ref("Job")},
            ["status", "job"],
            "The queued job of a new run.",
        ),
        "JobStopped": closed_object(
            {"status": stopped_status, "job": schema_ref("Job")},
            ["status", "job"],
            "The job after the stop request.",
        ),
    }


def best_schema(stored_spec: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of the best configuration over all runs of an experiment."""
    objective = {
        key: value
        for key, value in stored_spec["properties"]["objective"].items()
        if key != "default"
    }
    properties = {
        "experiment_id": TEXT,
        "parameters": CONFIGURATION,
        "outcome": NUMBER,
        "spread": nullable(NUMBER),
        "trial_number": INTEGER,
        "objective": objective,
    }
    return closed_object(
        properties, list(properties), "The best configuration over all runs of the experiment."
    )


def json_content(schema: dict[str, Any], examples: dict[str, Any] | None = None) -> dict:
    """Return an OpenAPI content map with one JSON media type."""
    media: dict[str, Any] = {"schema": schema}
    if examples:
        media["examples"] = examples
    return {JSON: media}


def response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Return an OpenAPI response object with a JSON body."""
    return {"description": description, "content": json_content(schema)}


def file_examples(paths: tuple[str, ...]) -> dict[str, Any]:
    """Load request body examples from the repository's example files."""
    examples = {}
    for relative in paths:
        path = ROOT / relative
        examples[path.stem] = {"summary": relative, "value": json.loads(path.read_text())}
    return examples


def components() -> dict[str, Any]:
    """Return the document's components: schemas, parameters, responses and security."""
    schemas = model_schemas()
    stored_spec = schemas[EXPERIMENT_STORED]
    schemas.update(error_schemas())
    schemas["Experiment"] = experiment_schema(stored_spec)
    # Only Experiment uses the stored spec, as the base of its own properties.
    del schemas[EXPERIMENT_STORED]
    schemas["Trial"] = trial_schema()
    schemas.update(job_schemas())
    schemas["Best"] = best_schema(stored_spec)
    schemas["LoginSettings"] = login_settings_schema()
    id_schema = {"type": "string", "pattern": ID_PATTERN}
    return {
        "schemas": dict(sorted(schemas.items())),
        "parameters": {
            "ExperimentId": {
                "name": "experiment_id",
                "in": "path",
                "required": True,
                "description": "The experiment's id: 32 hexadecimal digits.",
                "schema": id_schema,
            },
            "JobIdOrStatus": {
                "name": "job_id",
                "in": "path",
                "required": True,
                "description": "A job id (32 hexadecimal digits), or a job status to list "
                "the caller's jobs in that status.",
                "schema": {"anyOf": [id_schema, {"enum": list(JOB_STATUSES)}]},
            },
        },
        "responses": {
            "InvalidRequest": response(
                "Invalid id, query parameter or body.", schema_ref("InvalidRequest")
            ),
            "Unauthorized": response(
                "Missing or invalid token, or, on the local stack, a missing or wrong "
                "X-Paropt-Local-Key header.",
                schema_ref("Error"),
            ),
            "Missing": response(
                "No such item for the caller: it does not exist or belongs to another user.",
                schema_ref("Missing"),
            ),
            "UnsupportedMediaType": response(
                "The request's Content-Type is not application/json.",
                schema_ref("UnsupportedMediaType"),
            ),
            "BodyTooLarge": response(
                f"The local stack's HTTP server rejects a body of more than "
                f"{MAX_REQUEST_BYTES} bytes before reading it.",
                schema_ref("Error"),
            ),
        },
        "headers": {
            "NextToken": {
                "description": "Present when more trials follow: pass it as next_token to get "
                "the next page.",
                "schema": {"type": "string", "maxLength": MAX_NEXT_TOKEN_CHARS},
            },
        },
        "securitySchemes": {
            "cognitoIdToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A Cognito ID token of the stage's user pool, in the "
                "Authorization header. API Gateway's Cognito authoriser verifies it on a "
                "deployed stage, and the app verifies it against the pool's keys on the "
                "local stack.",
            },
            "localKey": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Paropt-Local-Key",
                "description": "The local stack's local_key from .paropt/local-stack.json. "
                "The local stack rejects requests without it, because moto signs tokens "
                "with a key pair that ships inside the moto package. Deployed stages "
                "ignore it.",
            },
        },
    }


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def experiment_paths() -> dict[str, Any]:
    """Return the paths of the experiment routes."""
    experiment = schema_ref("Experiment")
    experiment_id = _ref("parameters", "ExperimentId")
    invalid = _ref("responses", "InvalidRequest")
    unauthorized = _ref("responses", "Unauthorized")
    missing = _ref("responses", "Missing")
    return {
        f"{API_PREFIX}/experiments": {
            "post": {
                "operationId": "createExperiment",
                "tags": ["experiments"],
                "summary": "Register an experiment, or get the stored identical one.",
                "description": f"Bodies are limited to {MAX_BODY_BYTES} bytes, "
                f"{MAX_NESTING} levels of nesting and integers of {MAX_INT_DIGITS} digits. "
                "Numbers must be JSON numbers, and NaN and Infinity are rejected. The body "
                "schema does not state every check. For example, parameter names must be "
                "unique, a minimum may not exceed its maximum, every parameter must appear "
                "in a template, and a regex objective needs exactly one group. A failed "
                "check gets 400 with the field and the value.",
                "requestBody": {
                    "required": True,
                    "content": json_content(
                        schema_ref(EXPERIMENT_REQUEST), file_examples(EXPERIMENT_EXAMPLES)
                    ),
                },
                "responses": {
                    "200": response(
                        "The caller's stored experiment with the same spec.", experiment
                    ),
                    "201": response("The new experiment.", experiment),
                    "400": invalid,
                    "401": unauthorized,
                    "413": _ref("responses", "BodyTooLarge"),
                    "415": _ref("responses", "UnsupportedMediaType"),
                },
            },
            "get": {
                "operationId": "listExperiments",
                "tags": ["experiments"],
                "summary": "List the caller's experiments, oldest first, in one page.",
                "responses": {
                    "200": response(
                        "The caller's experiments.", {"type": "array", "items": experiment}
                    ),
                    "401": unauthorized,
                },
            },
        },
        f"{API_PREFIX}/experiments/{{experiment_id}}": {
            "parameters": [experiment_id],
            "get": {
                "operationId": "getExperiment",
                "tags": ["experiments"],
                "summary": "Get one experiment.",
                "responses": {
                    "200": response("The experiment.", experiment),
                    "400": invalid,
                    "401": unauthorized,
                    "404": missing,
                },
            },
        },
        f"{API_PREFIX}/experiments/{{experiment_id}}/best": {
            "parameters": [experiment_id],
            "get": {
                "operationId": "getBest",
                "tags": ["results"],
                "summary": "Get the best configuration over all runs of the experiment.",
                "responses": {
                    "200": response("The best configuration.", schema_ref("Best")),
                    "400": invalid,
                    "401": unauthorized,
                    "404": _ref("responses", "Missing"),
                },
            },
        },
    }


def trial_paths() -> dict[str, Any]:
    """Return the path of the trials listing and of starting a run."""
    invalid = _ref("responses", "InvalidRequest")
    unauthorized = _ref("responses", "Unauthorized")
    missing = _ref("responses", "Missing")
    query = [
        {
            "name": "limit",
            "in": "query",
            "description": "Trials per page.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
        },
        {
            "name": "next_token",
            "in": "query",
            "description": f"The {NEXT_TOKEN_HEADER} header of the previous page.",
            "schema": {"type": "string", "maxLength": MAX_NEXT_TOKEN_CHARS},
        },
        {
            "name": "status",
            "in": "query",
            "description": "Only trials in this status.",
            "schema": {"enum": list(TRIAL_STATUSES)},
        },
        {
            "name": "run",
            "in": "query",
            "description": "Only trials of this run number.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_RUN_NUMBER},
        },
    ]
    return {
        f"{API_PREFIX}/experiments/{{experiment_id}}/trials": {
            "parameters": [_ref("parameters", "ExperimentId")],
            "get": {
                "operationId": "listTrials",
                "tags": ["results"],
                "summary": "List the experiment's trials in trial order, one page at a time.",
                "description": "A page may hold fewer trials than limit, even none, while "
                f"more follow, because the status and run filters apply after a page is "
                f"read, and a page ends before its JSON exceeds {MAX_PAGE_BYTES:,} bytes. "
                f"Follow {NEXT_TOKEN_HEADER} until it is absent to get every trial "
                "exactly once.",
                "parameters": query,
                "responses": {
                    "200": {
                        "description": "One page of trials.",
                        "headers": {NEXT_TOKEN_HEADER: _ref("headers", "NextToken")},
                        "content": json_content({"type": "array", "items": schema_ref("Trial")}),
                    },
                    "400": invalid,
                    "401": unauthorized,
                    "404": missing,
                },
            },
            "post": {
                "operationId": "startRun",
                "tags": ["runs"],
                "summary": "Start a run of an optimiser on the experiment.",
                "description": "Without a body the run uses bayesopt with n_init 2 and n_iter "
                f"2. A grid of more than {MAX_GRID_SIZE} configurations, or more than "
                "max_trials, is rejected, and so is parallelism above 1 with the runtime "
                "objective unless the experiment sets allow_shared_node.",
                "requestBody": {
                    "required": False,
                    "content": json_content(schema_ref(RUN_REQUEST), file_examples(RUN_EXAMPLES)),
                },
                "responses": {
                    "202": response("The run's queued job.", schema_ref("JobSubmitted")),
                    "400": invalid,
                    "401": unauthorized,
                    "404": missing,
                    "409": response(
                        "The experiment already has a queued or running job.",
                        schema_ref("Conflict"),
                    ),
                    "413": _ref("responses", "BodyTooLarge"),
                    "415": _ref("responses", "UnsupportedMediaType"),
                    "503": response(
                        "Step Functions did not start the job's execution; the job is "
                        "stored as failed.",
                        schema_ref("Error"),
                    ),
                },
            },
        },
    }


def job_paths() -> dict[str, Any]:
    """Return the paths of the job routes."""
    job = schema_ref("Job")
    invalid = _ref("responses", "InvalidRequest")
    unauthorized = _ref("responses", "Unauthorized")
    missing = _ref("responses", "Missing")
    return {
        f"{API_PREFIX}/experiments/{{experiment_id}}/job": {
            "parameters": [_ref("parameters", "ExperimentId")],
            "get": {
                "operationId": "getActiveJob",
                "tags": ["runs"],
                "summary": "Get the experiment's queued or running job.",
                "responses": {
                    "200": response("The active job.", job),
                    "400": invalid,
                    "401": unauthorized,
                    "404": missing,
                },
            },
        },
        f"{API_PREFIX}/experiments/{{experiment_id}}/stop": {
            "parameters": [_ref("parameters", "ExperimentId")],
            "post": {
                "operationId": "stopRun",
                "tags": ["runs"],
                "summary": "Stop the experiment's queued or running job.",
                "description": "The response comes once the runner has killed its running "
                "trial, or after the stage's stop wait (10 s by default). The interrupted "
                "trial is not stored.",
                "responses": {
                    "200": response("The job after the stop.", schema_ref("JobStopped")),
                    "400": invalid,
                    "401": unauthorized,
                    "404": missing,
                    "415": _ref("responses", "UnsupportedMediaType"),
                },
            },
        },
        f"{API_PREFIX}/jobs/{{job_id}}": {
            "parameters": [_ref("parameters", "JobIdOrStatus")],
            "get": {
                "operationId": "getJob",
                "tags": ["runs"],
                "summary": "Get one job, or list the caller's jobs in one status.",
                "responses": {
                    "200": response(
                        "The job for a job id; a list of jobs, in one page, for a status.",
                        {"oneOf": [job, {"type": "array", "items": job}]},
                    ),
                    "400": invalid,
                    "401": unauthorized,
                    "404": missing,
                },
            },
        },
        f"{API_PREFIX}/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "tags": ["service"],
                "summary": "Get this document.",
                "description": "It needs the same authentication as every other route.",
                "responses": {
                    "200": response("The OpenAPI document.", {"type": "object"}),
                    "401": unauthorized,
                },
            },
        },
    }


def project_version() -> str:
    """Return the version in pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def build_document() -> dict[str, Any]:
    """Build the OpenAPI 3.1 document of the API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "paropt service",
            "version": project_version(),
            "description": "Register an experiment (a command-line tool, its parameters and "
            "the bash templates that run it), start runs of an optimiser on it, and read "
            "the trials and the best configuration. Every route under /api/v1, this "
            "document's included, needs a Cognito ID token, and on the local stack the "
            "X-Paropt-Local-Key header too. The dashboard's page, files and login settings "
            "contain no user data and need neither. Bodies are JSON: a request with another "
            "Content-Type gets 415. Another user's ids get the same 404 as ids that do not "
            "exist.",
        },
        "servers": [
            {
                "url": "http://127.0.0.1:{port}",
                "description": "The local stack (make local); api_url in "
                ".paropt/local-stack.json has its port.",
                "variables": {"port": {"default": "8000"}},
            },
            {
                "url": "https://{rest_api_id}.execute-api.{region}.amazonaws.com/api",
                "description": "A deployed stage; make deploy prints its api_url.",
                "variables": {
                    "rest_api_id": {"default": "rest-api-id"},
                    "region": {"default": "us-east-1"},
                },
            },
        ],
        "security": [{"cognitoIdToken": [], "localKey": []}, {"cognitoIdToken": []}],
        "tags": [
            {"name": "experiments", "description": "Register and read experiments."},
            {"name": "runs", "description": "Start, follow and stop runs (jobs)."},
            {"name": "results", "description": "Trials and the best configuration."},
            {"name": "service", "description": "The API itself."},
            {"name": "dashboard", "description": "The browser dashboard's page and files."},
        ],
        "paths": {**experiment_paths(), **trial_paths(), **job_paths(), **dashboard_paths()},
        "components": components(),
    }


def render(document: dict[str, Any]) -> str:
    """Return the document as the JSON text that is committed."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document, or with ``--check`` report whether the committed one is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 if the committed document differs from a fresh build",
    )
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.check:
        if DOCUMENT_PATH.read_text(encoding="utf-8") != text:
            print(
                f"{DOCUMENT_PATH} is out of date; run `python -m api.openapi_build`",
                file=sys.stderr,
            )
            return 1
        return 0
    DOCUMENT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
