"""The credentials file: cached Cognito sessions, one per service, readable by the user only.

The file is ``~/.paropt/credentials`` or ``$PAROPT_CONFIG_DIR/credentials``. It is
JSON, created with mode 0600 in a folder created with mode 0700, and replaced
atomically on every write.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

CONFIG_DIR_VARIABLE = "PAROPT_CONFIG_DIR"
FILE_VERSION = 1


def config_dir() -> Path:
    """Return the folder of the client's files: ``$PAROPT_CONFIG_DIR`` or ``~/.paropt``."""
    configured = os.environ.get(CONFIG_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".paropt"


@dataclass(frozen=True)
class CognitoSettings:
    """The Cognito app client that issues a service's tokens.

    Attributes:
        client_id: The user pool's app client id.
        region: The AWS region of the user pool.
        endpoint_url: The Cognito endpoint, set only for a local stack's moto server.
    """

    client_id: str
    region: str
    endpoint_url: str | None = None


@dataclass(frozen=True)
class Session:
    """A logged-in Cognito session of one service.

    Attributes:
        api_url: The service that the session belongs to.
        cognito: The app client that issued the tokens.
        username: The user name used at login.
        id_token: The ID token that the API expects in the Authorization header.
        access_token: The access token, used for nothing but kept with its session.
        refresh_token: The token that gets new ID tokens without the password.
        expires_at: The ``exp`` claim of the ID token, in seconds since the epoch.
    """

    api_url: str
    cognito: CognitoSettings
    username: str
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: float

    def to_json(self) -> dict[str, Any]:
        """Convert the session to the JSON object stored in the credentials file."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Session:
        """Create a session from its JSON object; raise ValueError when a field is missing."""
        names = {field.name for field in fields(cls)}
        missing = sorted(names - set(value))
        if missing:
            raise ValueError(f"the cached session has no {missing[0]!r}")
        return cls(
            api_url=value["api_url"],
            cognito=CognitoSettings(**value["cognito"]),
            username=value["username"],
            id_token=value["id_token"],
            access_token=value["access_token"],
            refresh_token=value["refresh_token"],
            expires_at=float(value["expires_at"]),
        )


class CredentialsFile:
    """Cached sessions keyed by API URL, in one JSON file readable by the user only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / "credentials"
        self._lock = threading.Lock()

    def _read_all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        try:
            content = json.loads(text)
        except ValueError as exc:
            raise ValueError(
                f"{self.path} is not valid JSON ({exc}); delete it and log in again"
            ) from None
        sessions = content.get("sessions") if isinstance(content, dict) else None
        return sessions if isinstance(sessions, dict) else {}

    def _write_all(self, sessions: dict[str, Any]) -> None:
        if not sessions:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = json.dumps({"version": FILE_VERSION, "sessions": sessions}, indent=2)
        # mkstemp creates the file with mode 0600, and os.replace swaps it in whole,
        # so neither another user nor a concurrent reader sees a partial file.
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".credentials.")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text + "\n")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def load(self, api_url: str) -> Session | None:
        """Return the cached session of ``api_url``, or ``None`` when there is none."""
        with self._lock:
            value = self._read_all().get(api_url)
        if not isinstance(value, dict):
            return None
        try:
            return Session.from_json(value)
        except (ValueError, TypeError, KeyError):
            return None

    def save(self, session: Session) -> None:
        """Store ``session`` in place of any earlier session of its service."""
        with self._lock:
            sessions = self._read_all()
            sessions[session.api_url] = session.to_json()
            self._write_all(sessions)

    def delete(self, api_url: str) -> bool:
        """Delete the session of ``api_url``; delete the file when no session is left.

        Returns:
            Whether a session was deleted.
        """
        with self._lock:
            sessions = self._read_all()
            found = sessions.pop(api_url, None) is not None
            if found:
                self._write_all(sessions)
            return found
