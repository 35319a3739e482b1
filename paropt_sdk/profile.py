"""Choosing the service to talk to: an API URL with its Cognito app client, or the local stack."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from paropt_sdk.client import api_root
from paropt_sdk.credentials import CognitoSettings, CredentialsFile
from paropt_sdk.errors import ParoptError

API_URL_VARIABLE = "PAROPT_API_URL"
CLIENT_ID_VARIABLE = "PAROPT_CLIENT_ID"
REGION_VARIABLE = "PAROPT_REGION"
LOCAL_FILE_VARIABLE = "PAROPT_LOCAL_FILE"
DEFAULT_LOCAL_FILE = Path(".paropt") / "local-stack.json"
LOCAL_FILE_KEYS = (
    "api_url",
    "aws_endpoint_url",
    "region",
    "client_id",
    "username",
    "password",
    "local_key",
)


class ProfileError(ParoptError):
    """The service, its app client or the local stack file is not set or invalid."""


@dataclass(frozen=True)
class ServiceProfile:
    """The service's URL and the settings needed to log in to it.

    Attributes:
        api_url: The API's root URL, ending in ``/api/v1``; it keys the cached session.
        cognito: The app client and region of the user pool, if known.
        local_key: The local stack's key, sent as ``X-Paropt-Local-Key``.
        local_user: The local stack's user name and password, for automatic login.
    """

    api_url: str
    cognito: CognitoSettings | None = None
    local_key: str | None = None
    local_user: tuple[str, str] | None = None


def local_file_path(option: str | None) -> Path:
    """Return the local stack's file: ``option``, ``$PAROPT_LOCAL_FILE`` or the default.

    The default, ``.paropt/local-stack.json``, is relative to the current folder,
    where ``make local`` writes it when run in the repository.
    """
    if option:
        return Path(option)
    configured = os.environ.get(LOCAL_FILE_VARIABLE)
    return Path(configured) if configured else DEFAULT_LOCAL_FILE


def load_local_profile(path: Path) -> ServiceProfile:
    """Read the file that ``make local`` writes and return the local stack's profile.

    Raises:
        ProfileError: The file is missing or lacks a field.
    """
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError:
        raise ProfileError(
            f"{path} does not exist; start the local stack with `make local`, or pass "
            "--local-file with the path of its local-stack.json"
        ) from None
    except (OSError, ValueError) as exc:
        raise ProfileError(f"cannot read the local stack file {path}: {exc}") from None
    missing = [key for key in LOCAL_FILE_KEYS if not isinstance(info.get(key), str)]
    if missing:
        raise ProfileError(f"the local stack file {path} has no {missing[0]!r}")
    return ServiceProfile(
        api_url=api_root(info["api_url"]),
        cognito=CognitoSettings(
            client_id=info["client_id"],
            region=info["region"],
            endpoint_url=info["aws_endpoint_url"],
        ),
        local_key=info["local_key"],
        local_user=(info["username"], info["password"]),
    )


def remote_profile(
    api_url: str | None,
    *,
    client_id: str | None,
    region: str | None,
    credentials: CredentialsFile,
) -> ServiceProfile:
    """Build the profile of a deployed service from options, environment and cached session.

    The API URL comes from ``api_url`` or ``$PAROPT_API_URL``. The app client and
    region come from the arguments, then ``$PAROPT_CLIENT_ID`` and
    ``$PAROPT_REGION`` (or ``$AWS_REGION``, ``$AWS_DEFAULT_REGION``), then the
    cached session of that URL.

    Raises:
        ProfileError: No API URL is given, or it is not an http(s) URL.
    """
    url = api_url or os.environ.get(API_URL_VARIABLE)
    if not url:
        raise ProfileError(
            "no service chosen: pass --api-url URL, set PAROPT_API_URL, or use --local "
            "for the local stack"
        )
    try:
        root = api_root(url)
    except ValueError as exc:
        raise ProfileError(str(exc)) from None
    client_id = client_id or os.environ.get(CLIENT_ID_VARIABLE)
    region = (
        region
        or os.environ.get(REGION_VARIABLE)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    cached = credentials.load(root)
    if cached is not None:
        client_id = client_id or cached.cognito.client_id
        region = region or cached.cognito.region
    cognito = None
    if client_id and region:
        # A deployed service's user pool is at the regional Cognito endpoint.
        cognito = CognitoSettings(client_id=client_id, region=region)
    return ServiceProfile(api_url=root, cognito=cognito)
