"""Exceptions of the paropt client: API errors by HTTP status, login errors and job outcomes."""

from __future__ import annotations

from typing import Any


class ParoptError(Exception):
    """Base class of every error that the paropt client raises."""


class ApiError(ParoptError):
    """The service responded with an HTTP error status.

    Attributes:
        status: The HTTP status code.
        message: The server's ``message`` field, or the start of a non-JSON body.
        body: The decoded JSON body, or ``None`` when the body was not JSON.
    """

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.body = body


class ValidationFailed(ApiError):
    """The service rejected the request body or a query argument (HTTP 400)."""

    @property
    def errors(self) -> list[Any]:
        """Every problem that the server found, as it listed them."""
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), list):
            return self.body["errors"]
        return []


class Unauthorized(ApiError):
    """The request carried no valid ID token or local key (HTTP 401)."""


class NotFound(ApiError):
    """The experiment or job does not exist or belongs to another user (HTTP 404)."""


class Conflict(ApiError):
    """Another job of the experiment is queued or running (HTTP 409)."""

    @property
    def active_job_id(self) -> str | None:
        """The id of the job that is queued or running, as the server sent it."""
        if isinstance(self.body, dict):
            return self.body.get("job_id")
        return None


class ServerError(ApiError):
    """The service failed or was unavailable (HTTP 5xx) after the client's retries."""


_ERRORS_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
}


def api_error(status: int, message: str, body: Any = None) -> ApiError:
    """Create the :class:`ApiError` subclass that matches an HTTP status."""
    if status >= 500:
        return ServerError(status, message, body)
    return _ERRORS_BY_STATUS.get(status, ApiError)(status, message, body)


class ServiceUnreachable(ParoptError):
    """The service could not be reached, or did not respond in time, after the retries."""


class AuthenticationFailed(ParoptError):
    """Cognito rejected the user name and password, or the login could not complete."""


class NotLoggedIn(ParoptError):
    """No usable session is cached for the service, so the user has to log in."""


class JobEnded(ParoptError):
    """A job ended without finishing.

    Attributes:
        job: The job as the service returned it last.
    """

    def __init__(self, job: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.job = job

    @property
    def error(self) -> str | None:
        """The error name that the runner or the state machine recorded."""
        return self.job.get("error")

    @property
    def cause(self) -> str | None:
        """The cause that the runner or the state machine recorded."""
        return self.job.get("cause")


class JobFailed(JobEnded):
    """The job failed: no trial succeeded, or the runner broke or died."""


class JobStopped(JobEnded):
    """The job was stopped before it finished."""


class WaitTimedOut(ParoptError, TimeoutError):
    """The job was still queued or running when the wait timed out.

    Attributes:
        job: The job as the service returned it last.
    """

    def __init__(self, job: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.job = job
