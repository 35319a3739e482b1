"""The OpenAPI paths and schema of the dashboard's public routes, for ``api/openapi_build.py``.

These routes serve the static page, its files and its login settings. They carry
no user data, so each operation has an empty ``security`` list.
"""

from __future__ import annotations

from typing import Any

from api.chalicelib.dashboard import ASSET_NAME_PATTERN, CONTENT_TYPES, LOGIN_SETTINGS_PATH

SECURITY_HEADERS = {
    "Content-Security-Policy": {
        "description": "Scripts, styles and images from this origin only; connections to "
        "this origin and to the Cognito endpoints that the login uses.",
        "required": True,
        "schema": {"type": "string"},
    },
    "X-Content-Type-Options": {"required": True, "schema": {"const": "nosniff"}},
}
ETAG_HEADER = {
    "ETag": {
        "description": "A hash of the file. Sent back as If-None-Match, it gets 304 while "
        "the file is unchanged.",
        "required": True,
        "schema": {"type": "string"},
    }
}
NOT_MODIFIED = {
    "description": "The file is unchanged since the client's copy (If-None-Match).",
    "headers": ETAG_HEADER,
}
MISSING = {"$ref": "#/components/responses/Missing"}


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0]


def login_settings_schema() -> dict[str, Any]:
    """Return the schema of GET /login-settings, as ``dashboard.login_settings`` builds it."""
    text = {"type": "string"}
    return {
        "type": "object",
        "description": "How the dashboard logs a user in. None of it is secret.",
        "properties": {
            "api_path": {
                "type": "string",
                "description": "The API's path relative to the page.",
            },
            "local_key_header": {
                "anyOf": [{"const": "X-Paropt-Local-Key"}, {"type": "null"}],
                "description": "Set on the local stack, whose requests need the local key.",
            },
            "password_login": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {"endpoint": text, "region": text, "client_id": text},
                        "required": ["endpoint", "region", "client_id"],
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ],
                "description": "Cognito's endpoint and app client for USER_PASSWORD_AUTH; set "
                "where the app verifies tokens itself (the local stack).",
            },
            "hosted_ui": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {"domain": text, "client_id": text},
                        "required": ["domain", "client_id"],
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ],
                "description": "The user pool's hosted UI domain and the dashboard's app "
                "client; set on a deployed stage.",
            },
        },
        "required": ["api_path", "local_key_header", "password_login", "hosted_ui"],
        "additionalProperties": False,
    }


def dashboard_paths() -> dict[str, Any]:
    """Return the paths of the dashboard's page, files and login settings."""
    asset_types = sorted({_media_type(value) for value in CONTENT_TYPES.values()} - {"text/html"})
    return {
        "/": {
            "get": {
                "operationId": "getDashboard",
                "tags": ["dashboard"],
                "summary": "Get the dashboard page.",
                "description": "A static page without data. It calls the /api/v1 routes "
                "with the user's token.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The page.",
                        "headers": {**SECURITY_HEADERS, **ETAG_HEADER},
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "304": NOT_MODIFIED,
                    "308": {
                        "description": "Behind API Gateway only: the stage's URL without its "
                        "trailing slash is redirected to the URL with it.",
                        "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
                    },
                },
            },
        },
        "/static/{name}": {
            "get": {
                "operationId": "getDashboardFile",
                "tags": ["dashboard"],
                "summary": "Get a script, style sheet or image of the dashboard.",
                "security": [],
                "parameters": [
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "description": "The file's name, such as main.js.",
                        "schema": {"type": "string", "pattern": ASSET_NAME_PATTERN},
                        "example": "main.js",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The file.",
                        "headers": {**SECURITY_HEADERS, **ETAG_HEADER},
                        "content": {
                            media_type: {"schema": {"type": "string"}} for media_type in asset_types
                        },
                    },
                    "304": NOT_MODIFIED,
                    "404": MISSING,
                },
            },
        },
        LOGIN_SETTINGS_PATH: {
            "get": {
                "operationId": "getLoginSettings",
                "tags": ["dashboard"],
                "summary": "Get the settings of the dashboard's login.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The login settings.",
                        "headers": SECURITY_HEADERS,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/LoginSettings"}
                            }
                        },
                    },
                },
            },
        },
    }
