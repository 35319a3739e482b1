"""Tokens that are valid JSON Web Tokens but must not be accepted."""

from __future__ import annotations

import time

import jwt
import pytest

from infra.provision import create_user, login, provision_user_pool
from tests.conftest import PASSWORD, ApiCaller


def _caller_with(alice: ApiCaller, token: str) -> ApiCaller:
    return ApiCaller(alice._client, {**alice.headers, "Authorization": f"Bearer {token}"})


def _moto_private_key():  # noqa: ANN202
    # moto signs every ID token with this key pair, which ships inside moto.
    from joserfc import jwk
    from moto.utilities.utils import load_resource

    key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return key.as_pem(private=True)


def _resigned(alice: ApiCaller, **changes) -> str:  # noqa: ANN003
    token = alice.headers["Authorization"].removeprefix("Bearer ")
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, _moto_private_key(), algorithm="RS256", headers={"kid": "dummy"})


def test_resigned_token_is_accepted(alice) -> None:
    # The control case: the re-signing itself produces tokens the app accepts.
    status, _ = _caller_with(alice, _resigned(alice)).request("GET", "/experiments")
    assert status == 200


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, "issuer"),
        ({"aud": "another-client"}, "Audience"),
        ({"token_use": "access"}, "not an ID token"),
        ({"cognito:username": None}, "cognito:username"),
        ({"sub": None}, "sub"),
    ],
)
def test_invalid_claims_are_401(alice, changes: dict, reason: str) -> None:
    status, answer = _caller_with(alice, _resigned(alice, **changes)).request("GET", "/experiments")
    assert status == 401
    assert reason in answer["message"]


def test_token_from_another_pool_is_401(alice, deployment) -> None:
    pool_id, client_id = provision_user_pool(deployment.settings, name_prefix="paropt-other")
    create_user(deployment.settings, pool_id=pool_id, username="eve", password=PASSWORD)
    token = login(deployment.settings, client_id=client_id, username="eve", password=PASSWORD)
    status, _ = _caller_with(alice, token["IdToken"]).request("GET", "/experiments")
    assert status == 401


def test_access_token_is_401(alice, deployment) -> None:
    tokens = login(
        deployment.settings, client_id=deployment.client_id, username="alice", password=PASSWORD
    )
    status, _ = _caller_with(alice, tokens["AccessToken"]).request("GET", "/experiments")
    assert status == 401
