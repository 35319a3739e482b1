"""Cognito login for the paropt API: password login, token refresh, logout and request auth.

The login uses the ``USER_PASSWORD_AUTH`` flow of ``InitiateAuth``, so the password
goes to Cognito over TLS. SRP is not offered, because moto 5.2, which replaces
Cognito in the local stack and the tests, accepts any SRP proof, so an SRP login
could not be tested there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import jwt
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from paropt_sdk.credentials import CognitoSettings, CredentialsFile, Session
from paropt_sdk.errors import AuthenticationFailed, NotLoggedIn

# An ID token is refreshed when it expires within this many seconds, so that no
# request carries a token that expires on its way.
REFRESH_MARGIN_SECONDS = 300
# Cognito errors that mean the refresh token is expired, revoked or unknown.
SESSION_ENDED_ERRORS = frozenset({"NotAuthorizedException", "ResourceNotFoundException"})


def cognito_client(settings: CognitoSettings):  # noqa: ANN201 - boto3 clients have no static type
    """Create an unsigned Cognito client.

    InitiateAuth and RevokeToken take no AWS credentials, so the client never
    looks for any and never queries an instance metadata endpoint.
    """
    return boto3.client(
        "cognito-idp",
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=Config(
            signature_version=UNSIGNED,
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=10,
            read_timeout=30,
        ),
    )


def token_expiry(id_token: str) -> float:
    """Return the ``exp`` claim of a JWT in seconds since the epoch, without verifying it.

    The client reads ``exp`` only to decide when to refresh; the API verifies
    every token's signature itself.
    """
    try:
        claims = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed(
            f"Cognito returned an ID token that is not a JWT: {exc}"
        ) from None
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float):
        raise AuthenticationFailed("Cognito returned an ID token without an exp claim")
    return float(expiry)


def _error_message(error: ClientError) -> str:
    details = error.response.get("Error", {})
    message = " ".join(str(details.get("Message") or "").split())
    if not message or message.startswith("<"):
        # An HTML error page, as a proxy or moto's server sends for a 5xx.
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        operation = getattr(error, "operation_name", "the request")
        return f"Cognito responded to {operation} with HTTP {status or details.get('Code')}"
    return message[:300]


class CognitoLogin:
    """Logs users in to one service's user pool and keeps their session in the credentials file.

    Args:
        api_url: The service whose session this is, the key in the credentials file.
        settings: The app client and region of the user pool.
        credentials: The credentials file (``~/.paropt/credentials`` if unset).
        client: A Cognito client; one is created from ``settings`` if unset.
    """

    def __init__(
        self,
        api_url: str,
        settings: CognitoSettings,
        *,
        credentials: CredentialsFile | None = None,
        client: Any = None,
    ) -> None:
        self.api_url = api_url
        self.settings = settings
        self.credentials = credentials if credentials is not None else CredentialsFile()
        self._client = client

    @property
    def client(self):  # noqa: ANN201 - a boto3 Cognito client
        """The Cognito client, created on first use."""
        if self._client is None:
            self._client = cognito_client(self.settings)
        return self._client

    def cached_session(self) -> Session | None:
        """Return the cached session if it belongs to this service's app client."""
        session = self.credentials.load(self.api_url)
        if session is None or session.cognito != self.settings:
            return None
        return session

    def login(self, username: str, password: str) -> Session:
        """Log in with ``USER_PASSWORD_AUTH``, cache the session and return it.

        Raises:
            AuthenticationFailed: Cognito rejected the credentials, asked for a
                challenge such as a new password or MFA, or could not be reached.
        """
        try:
            response = self.client.initiate_auth(
                ClientId=self.settings.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as exc:
            raise AuthenticationFailed(f"login failed: {_error_message(exc)}") from None
        except BotoCoreError as exc:
            raise AuthenticationFailed(f"login failed: {exc}") from None
        if "AuthenticationResult" not in response:
            challenge = response.get("ChallengeName", "an unknown challenge")
            raise AuthenticationFailed(
                f"login failed: Cognito requires {challenge}, which this client does not "
                "support; complete it with the AWS CLI or console first"
            )
        result = response["AuthenticationResult"]
        session = Session(
            api_url=self.api_url,
            cognito=self.settings,
            username=username,
            id_token=result["IdToken"],
            access_token=result["AccessToken"],
            refresh_token=result["RefreshToken"],
            expires_at=token_expiry(result["IdToken"]),
        )
        self.credentials.save(session)
        return session

    def refresh(self, session: Session) -> Session:
        """Get new tokens with ``REFRESH_TOKEN_AUTH``, cache the session and return it.

        Raises:
            NotLoggedIn: Cognito rejected the refresh token; the cached session is deleted.
            AuthenticationFailed: Cognito could not be reached.
        """
        try:
            response = self.client.initiate_auth(
                ClientId=self.settings.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": session.refresh_token},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in SESSION_ENDED_ERRORS:
                self.credentials.delete(self.api_url)
                raise NotLoggedIn(
                    f"the session of {session.username} at {self.api_url} has ended "
                    f"({_error_message(exc)}); run `paropt login` again"
                ) from None
            raise AuthenticationFailed(f"token refresh failed: {_error_message(exc)}") from None
        except BotoCoreError as exc:
            raise AuthenticationFailed(f"token refresh failed: {exc}") from None
        result = response["AuthenticationResult"]
        refreshed = Session(
            api_url=session.api_url,
            cognito=session.cognito,
            username=session.username,
            id_token=result["IdToken"],
            access_token=result.get("AccessToken", session.access_token),
            # Cognito returns a new refresh token only when refresh token rotation is on.
            refresh_token=result.get("RefreshToken") or session.refresh_token,
            expires_at=token_expiry(result["IdToken"]),
        )
        self.credentials.save(refreshed)
        return refreshed

    def logout(self) -> str | None:
        """Revoke the cached refresh token and delete the cached session.

        The session is deleted even when the revocation fails.

        Returns:
            ``None`` when the token was revoked or nothing was cached, otherwise the
            reason why the revocation failed.
        """
        session = self.credentials.load(self.api_url)
        if session is None:
            return None
        # A session cached by an earlier local stack names that stack's endpoint.
        client = (
            self.client if session.cognito == self.settings else cognito_client(session.cognito)
        )
        problem = None
        try:
            client.revoke_token(Token=session.refresh_token, ClientId=session.cognito.client_id)
        except ClientError as exc:
            problem = _error_message(exc)
        except BotoCoreError as exc:
            problem = str(exc)
        finally:
            self.credentials.delete(self.api_url)
        return problem


class CognitoAuth(requests.auth.AuthBase):
    """Sets the Authorization header to a current ID token, refreshing it shortly before expiry.

    Args:
        login: The login of the service, with its credentials file.
        password_login: A function that returns a user name and password, used
            when no session is cached or the cached one has ended. Without it such
            requests raise :class:`NotLoggedIn`.
        refresh_margin: Seconds before expiry at which the ID token is refreshed.
    """

    def __init__(
        self,
        login: CognitoLogin,
        *,
        password_login: Callable[[], tuple[str, str]] | None = None,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self.login = login
        self.password_login = password_login
        self.refresh_margin = refresh_margin
        self._session: Session | None = None
        self._lock = threading.Lock()

    def _log_in_with_password(self, reason: str) -> Session:
        if self.password_login is None:
            raise NotLoggedIn(f"{reason}; run `paropt login` first")
        username, password = self.password_login()
        return self.login.login(username, password)

    def id_token(self, *, force_refresh: bool = False) -> str:
        """Refresh the ID token if it expires within ``refresh_margin`` seconds, and return it.

        Without a cached session, or when Cognito rejects the refresh token, the
        user is logged in with ``password_login``.

        Raises:
            NotLoggedIn: No session can be had without a password.
            AuthenticationFailed: Cognito rejected the login or could not be reached.
        """
        with self._lock:
            if self._session is None:
                self._session = self.login.cached_session()
            if self._session is None:
                self._session = self._log_in_with_password(f"not logged in to {self.login.api_url}")
            if force_refresh or self._session.expires_at - time.time() < self.refresh_margin:
                try:
                    self._session = self.login.refresh(self._session)
                except NotLoggedIn:
                    if self.password_login is None:
                        raise
                    self._session = self._log_in_with_password("the session has ended")
            return self._session.id_token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The raw token without "Bearer ", as the README's AWS example sends it to
        # API Gateway's Cognito authoriser. The local stack's app accepts both forms.
        request.headers["Authorization"] = self.id_token()
        return request
