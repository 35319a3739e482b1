"""Client of the paropt service: the API client, Cognito login, job waiting and the CLI.

Example::

    from paropt_sdk import CognitoAuth, CognitoLogin, CognitoSettings, ParoptClient

    login = CognitoLogin(api_url, CognitoSettings(client_id=client_id, region=region))
    login.login("alice", password)  # once: the session is cached in ~/.paropt/credentials
    client = ParoptClient(api_url, auth=CognitoAuth(login))
    job = client.start_run(experiment_id, {"optimizer": {"type": "grid"}})
    finished = client.wait_for_job(job["job_id"])
"""

from paropt_sdk.client import BearerToken, ParoptClient
from paropt_sdk.cognito import CognitoAuth, CognitoLogin
from paropt_sdk.credentials import CognitoSettings, CredentialsFile, Session
from paropt_sdk.errors import (
    ApiError,
    AuthenticationFailed,
    Conflict,
    JobFailed,
    JobStopped,
    NotFound,
    NotLoggedIn,
    ParoptError,
    ServerError,
    ServiceUnreachable,
    Unauthorized,
    ValidationFailed,
    WaitTimedOut,
)
from paropt_sdk.wait import wait_for_job

__all__ = [
    "ApiError",
    "AuthenticationFailed",
    "BearerToken",
    "CognitoAuth",
    "CognitoLogin",
    "CognitoSettings",
    "Conflict",
    "CredentialsFile",
    "JobFailed",
    "JobStopped",
    "NotFound",
    "NotLoggedIn",
    "ParoptClient",
    "ParoptError",
    "ServerError",
    "ServiceUnreachable",
    "Session",
    "Unauthorized",
    "ValidationFailed",
    "WaitTimedOut",
    "wait_for_job",
]
