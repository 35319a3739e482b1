"""Identity of the caller of a request, verified from its token or its authoriser claims."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from paropt.settings import Settings

LOCAL_KEY_HEADER = "x-paropt-local-key"


class Unauthorized(Exception):
    """The request carries no valid identity."""


@dataclass(frozen=True)
class Caller:
    """The user a request acts for. ``sub`` owns everything the user creates."""

    sub: str
    username: str


def _header(headers: Any, name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    return value


class TokenVerifier:
    """Verifies Cognito ID tokens against the user pool's published keys."""

    def __init__(self, settings: Settings) -> None:
        if not (settings.jwks_url and settings.token_issuer and settings.client_id):
            raise ValueError(
                "PAROPT_AUTH_MODE=jwks needs PAROPT_JWKS_URL, PAROPT_TOKEN_ISSUER and "
                "PAROPT_CLIENT_ID"
            )
        # PyJWT and cryptography load only where the app verifies tokens itself;
        # behind API Gateway they would add about 45 ms to every cold start.
        import jwt

        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=3600)

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of ``token`` or raise :class:`Unauthorized`."""
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise Unauthorized(f"token algorithm {header.get('alg')!r} is not RS256")
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._settings.client_id,
                issuer=self._settings.token_issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized("the user pool's signing keys could not be fetched") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        if claims.get("token_use") != "id":
            raise Unauthorized("the token is not an ID token")
        if not claims.get("cognito:username"):
            raise Unauthorized("the token has no cognito:username claim")
        return claims


def authenticate(
    *, settings: Settings, headers: Any, context: dict, verifier: TokenVerifier | None
) -> Caller:
    """Return the caller of a request or raise :class:`Unauthorized`.

    Behind API Gateway the Cognito authoriser has verified the token, and the claims
    are read from the request context only. In ``jwks`` mode nothing verified the
    token before the app, so the app verifies it itself and ignores any claims in
    the context.
    """
    if settings.local_key is not None:
        sent = _header(headers, LOCAL_KEY_HEADER) or ""
        if not hmac.compare_digest(sent.encode(), settings.local_key.encode()):
            raise Unauthorized(f"missing or wrong {LOCAL_KEY_HEADER} header")
    if settings.auth_mode == "jwks":
        assert verifier is not None
        authorization = _header(headers, "authorization")
        if not authorization:
            raise Unauthorized("missing Authorization header")
        token = authorization.removeprefix("Bearer ").strip()
        claims = verifier.verify(token)
    else:
        claims = (context.get("authorizer") or {}).get("claims") or {}
        if not claims.get("sub"):
            raise Unauthorized("the request carries no verified identity")
    return Caller(sub=claims["sub"], username=claims.get("cognito:username", ""))
