"""The dashboard's public routes and the auth middleware around them, through chalice.test."""

from __future__ import annotations

import json
import re

import pytest
from chalice import Chalice

from api.chalicelib import dashboard
from api.chalicelib.contract import API_PREFIX
from api.chalicelib.openapi import DOCUMENT_PATH
from paropt.settings import Settings
from tests.conftest import Deployment

STATIC_DIR = dashboard.STATIC_DIR
SERVED_FILES = sorted(
    path.name
    for path in STATIC_DIR.iterdir()
    if path.suffix in (".js", ".css", ".svg") and path.name != dashboard.CHART_LIBRARY
)


@pytest.fixture(scope="module")
def app(chalice_client) -> Chalice:  # noqa: ANN001
    """Return the Chalice app that ``chalice_client`` serves."""
    from infra.api_server import load_app

    return load_app()


def _get(chalice_client, path: str, headers: dict[str, str] | None = None):  # noqa: ANN001, ANN202
    return chalice_client.http.get(path, headers=headers or {})


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "region": "eu-west-1",
        "aws_endpoint_url": None,
        "experiments_table": "",
        "trials_table": "",
        "jobs_table": "",
        "state_machine_arn": "",
        "heartbeat_seconds": 60,
        "job_timeout_seconds": 3600,
        "auth_mode": "gateway",
        "jwks_url": None,
        "token_issuer": None,
        "client_id": None,
        "local_key": None,
    }
    values.update(overrides)
    return Settings(**values)


def test_page_served_without_credentials(chalice_client) -> None:  # noqa: ANN001
    response = _get(chalice_client, "/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<script type="module" src="static/main.js">' in response.body


def test_page_has_content_security_policy(chalice_client, deployment: Deployment) -> None:  # noqa: ANN001
    policy = _get(chalice_client, "/").headers["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == f"'self' {deployment.moto_url}"


@pytest.mark.parametrize("name", SERVED_FILES)
def test_static_file_served_with_type(chalice_client, name: str) -> None:  # noqa: ANN001
    response = _get(chalice_client, f"/static/{name}")
    assert response.status_code == 200
    suffix = name.rsplit(".", 1)[1]
    assert response.headers["Content-Type"] == dashboard.CONTENT_TYPES["." + suffix]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.body == (STATIC_DIR / name).read_bytes()


def test_static_file_not_modified_for_etag(chalice_client) -> None:  # noqa: ANN001
    etag = _get(chalice_client, "/static/main.js").headers["ETag"]
    response = _get(chalice_client, "/static/main.js", {"If-None-Match": etag})
    assert response.status_code == 304
    assert response.body == b""
    stale = _get(chalice_client, "/static/main.js", {"If-None-Match": '"old"'})
    assert stale.status_code == 200


@pytest.mark.parametrize("name", ["nothing.js", "index.html", "app.py", "..", "%2e%2e%2fapp.py"])
def test_static_file_unknown_is_404(chalice_client, name: str) -> None:  # noqa: ANN001
    response = _get(chalice_client, f"/static/{name}")
    assert response.status_code == 404
    assert json.loads(response.body)["status"] == "missing"


def test_chart_library_missing_names_make_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "_files", lambda: {})
    response = dashboard.file_response(_settings(), dashboard.CHART_LIBRARY, None)
    assert response.status_code == 404
    assert "make assets" in json.loads(response.body)["message"]


def test_login_settings_of_local_stack(chalice_client, deployment: Deployment) -> None:  # noqa: ANN001
    response = _get(chalice_client, "/login-settings")
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["api_path"] == API_PREFIX.lstrip("/")
    assert body["local_key_header"] == "X-Paropt-Local-Key"
    assert body["password_login"] == {
        "endpoint": deployment.moto_url,
        "region": deployment.settings.region,
        "client_id": deployment.client_id,
    }
    assert body["hosted_ui"] is None
    assert deployment.local_key not in response.body.decode()


def test_login_settings_of_deployed_stage() -> None:
    settings = _settings(
        auth_domain="paropt-dev-1.auth.eu-west-1.amazoncognito.com",
        dashboard_client_id="dashboard-client",
    )
    body = dashboard.login_settings(settings)
    assert body["local_key_header"] is None
    assert body["password_login"] is None
    assert body["hosted_ui"] == {
        "domain": "https://paropt-dev-1.auth.eu-west-1.amazoncognito.com",
        "client_id": "dashboard-client",
    }
    policy = dashboard.content_security_policy(settings)
    assert "connect-src 'self' https://paropt-dev-1.auth.eu-west-1.amazoncognito.com;" in policy


def test_login_settings_without_login_options() -> None:
    body = dashboard.login_settings(_settings())
    assert body["password_login"] is None
    assert body["hosted_ui"] is None
    assert "connect-src 'self';" in dashboard.content_security_policy(_settings())


def test_api_routes_still_need_credentials(chalice_client) -> None:  # noqa: ANN001
    for path in ("/experiments", "/jobs/running", "/openapi.json"):
        response = _get(chalice_client, API_PREFIX + path)
        assert response.status_code == 401, path


def test_stage_root_redirects_to_trailing_slash(app: Chalice) -> None:
    # The event of API Gateway's REST API for https://<host>/api, the stage without "/".
    event = {
        "resource": "/",
        "path": "/",
        "httpMethod": "GET",
        "headers": {},
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/",
            "httpMethod": "GET",
            "path": "/api",
            "stage": "api",
        },
        "body": None,
        "isBase64Encoded": False,
    }
    answer = app(event, None)
    assert answer["statusCode"] == 308
    assert answer["headers"]["Location"] == "/api/"


def test_routes_match_openapi_document(app: Chalice) -> None:
    routes = {(path, method) for path, views in app.routes.items() for method in views}
    document = json.loads(DOCUMENT_PATH.read_text())
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }
    assert routes == documented
    public = {path for path, views in app.routes.items() if path in dashboard.PUBLIC_ROUTES}
    assert public == set(dashboard.PUBLIC_ROUTES)
    for path, views in app.routes.items():
        for method, view in views.items():
            if path in dashboard.PUBLIC_ROUTES:
                assert view.authorizer is None, (path, method)
            else:
                assert view.authorizer is not None, (path, method)


# Calls that parse a string as HTML or code. The page builds every node with
# document.createElement and text nodes, so none of them may appear.
UNSAFE_SINKS = re.compile(
    r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval|Function)\s*[=(]"
)


@pytest.mark.parametrize("name", [name for name in SERVED_FILES if name.endswith(".js")])
def test_scripts_avoid_html_parsing(name: str) -> None:
    source = (STATIC_DIR / name).read_text()
    assert UNSAFE_SINKS.search(source) is None


def test_page_has_no_inline_scripts_or_handlers() -> None:
    page = (STATIC_DIR / dashboard.PAGE_NAME).read_text()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert re.search(r"\son[a-z]+\s*=", page) is None
    assert "style=" not in page
