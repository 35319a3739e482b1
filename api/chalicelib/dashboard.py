"""The dashboard: one static page and its assets, served without authentication.

The files in ``static/`` contain no data. The page reads and changes everything
through the ``/api/v1`` routes with the user's token, so only those routes need
authentication. ``PUBLIC_ROUTES`` lists the routes that the auth middleware lets
through, and API Gateway gets no authoriser for them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalice import Blueprint, Response

from paropt.settings import Settings

STATIC_DIR = Path(__file__).with_name("static")
PAGE_NAME = "index.html"
# `make assets` copies it from the npm package, and git ignores it.
CHART_LIBRARY = "chart.umd.min.js"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
ASSET_NAME_PATTERN = r"^[a-z][a-z0-9.-]{0,63}\.(js|css|svg)$"
LOGIN_SETTINGS_PATH = "/login-settings"
PUBLIC_ROUTES = frozenset({"/", "/static/{name}", LOGIN_SETTINGS_PATH})
LOCAL_KEY_HEADER = "X-Paropt-Local-Key"


@functools.cache
def _files() -> dict[str, tuple[bytes, str, str]]:
    """Read every servable file once: name to content, content type and ETag.

    Only names found in this listing are served, so a request cannot name a path
    outside ``static/``.
    """
    files = {}
    for path in sorted(STATIC_DIR.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        content = path.read_bytes()
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        files[path.name] = (content, content_type, etag)
    return files


def cognito_endpoint(settings: Settings) -> str:
    """Return the Cognito API endpoint that the password login calls."""
    return settings.aws_endpoint_url or f"https://cognito-idp.{settings.region}.amazonaws.com"


def login_settings(settings: Settings) -> dict[str, Any]:
    """Return the settings that the page needs to log a user in. None of them is secret.

    ``password_login`` is set where the app verifies tokens itself against a known
    app client (the local stack). ``hosted_ui`` is set in AWS once the stack has a
    user pool domain. The page always offers a form for a pasted ID token too.
    """
    password_login = None
    if settings.client_id:
        password_login = {
            "endpoint": cognito_endpoint(settings),
            "region": settings.region,
            "client_id": settings.client_id,
        }
    hosted_ui = None
    if settings.auth_domain and settings.dashboard_client_id:
        hosted_ui = {
            "domain": f"https://{settings.auth_domain}",
            "client_id": settings.dashboard_client_id,
        }
    return {
        "api_path": "api/v1",
        "local_key_header": LOCAL_KEY_HEADER if settings.local_key else None,
        "password_login": password_login,
        "hosted_ui": hosted_ui,
    }


def content_security_policy(settings: Settings) -> str:
    """Return the page's Content-Security-Policy: its own files, and Cognito for the login."""
    connect = ["'self'"]
    login = login_settings(settings)
    if login["password_login"]:
        parts = urlsplit(login["password_login"]["endpoint"])
        connect.append(f"{parts.scheme}://{parts.netloc}")
    if login["hosted_ui"]:
        connect.append(login["hosted_ui"]["domain"])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src {' '.join(connect)}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _headers(settings: Settings, content_type: str) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # The browser revalidates with If-None-Match, so a deploy takes effect at once.
        "Cache-Control": "no-cache",
    }


def _missing(message: str) -> Response:
    body = json.dumps({"status": "missing", "message": message})
    return Response(body=body, status_code=404, headers={"Content-Type": "application/json"})


def file_response(settings: Settings, name: str, if_none_match: str | None) -> Response:
    """Return a file of ``static/``, 304 when the client's copy is current, or 404."""
    found = _files().get(name)
    if found is None:
        if name == CHART_LIBRARY:
            return _missing(
                f"{CHART_LIBRARY} was not built into this deployment; run `make assets`"
            )
        return _missing(f"no dashboard file named {name[:80]!r}")
    content, content_type, etag = found
    headers = {**_headers(settings, content_type), "ETag": etag}
    if if_none_match == etag:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=content.decode("utf-8"), status_code=200, headers=headers)


def dashboard_blueprint(settings: Settings) -> Blueprint:
    """Create the blueprint of the page, its files and its login settings."""
    blueprint = Blueprint(__name__)

    @blueprint.route("/", methods=["GET"])
    def page() -> Response:
        request = blueprint.current_request
        # API Gateway sends both <stage> and <stage>/ to this route. The page's
        # relative links need the trailing slash, so the first form is redirected.
        path = request.context.get("path") or "/"
        if not path.endswith("/"):
            return Response(body="", status_code=308, headers={"Location": path + "/"})
        return file_response(settings, PAGE_NAME, request.headers.get("if-none-match"))

    @blueprint.route("/static/{name}", methods=["GET"])
    def static_file(name: str) -> Response:
        if name == PAGE_NAME:
            return _missing(f"no dashboard file named {name!r}")
        request = blueprint.current_request
        return file_response(settings, name, request.headers.get("if-none-match"))

    @blueprint.route(LOGIN_SETTINGS_PATH, methods=["GET"])
    def get_login_settings() -> Response:
        body = json.dumps(login_settings(settings))
        return Response(body=body, status_code=200, headers=_headers(settings, "application/json"))

    return blueprint
