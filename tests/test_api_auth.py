"""Requests without a verified identity get 401 and no data."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import ApiCaller


def _with_headers(caller: ApiCaller, **headers: str) -> ApiCaller:
    return ApiCaller(caller._client, {**caller.headers, **headers})


def test_no_token_is_401(alice) -> None:
    caller = ApiCaller(alice._client, {"X-Paropt-Local-Key": alice.headers["X-Paropt-Local-Key"]})
    status, answer = caller.request("GET", "/experiments")
    assert status == 401
    assert "Authorization" in answer["message"]


def test_missing_local_key_is_401(alice) -> None:
    caller = ApiCaller(alice._client, {"Authorization": alice.headers["Authorization"]})
    status, _ = caller.request("GET", "/experiments")
    assert status == 401


def test_wrong_local_key_is_401(alice) -> None:
    status, answer = _with_headers(alice, **{"X-Paropt-Local-Key": "guess"}).request(
        "GET", "/experiments"
    )
    assert status == 401
    assert "x-paropt-local-key" in answer["message"]


def _claims_of(caller: ApiCaller) -> dict:
    token = caller.headers["Authorization"].removeprefix("Bearer ")
    return jwt.decode(token, options={"verify_signature": False})


def test_forged_signature_is_401(alice) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims_of(alice), key, algorithm="RS256", headers={"kid": "dummy"})
    status, _ = _with_headers(alice, Authorization=f"Bearer {forged}").request(
        "GET", "/experiments"
    )
    assert status == 401


def test_alg_none_is_401(alice) -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(_claims_of(alice)).encode()).rstrip(b"=")
    token = f"{header.decode()}.{payload.decode()}."
    status, _ = _with_headers(alice, Authorization=f"Bearer {token}").request("GET", "/experiments")
    assert status == 401


@pytest.mark.parametrize("value", ["Bearer", "Bearer x.y", "Basic abc", "Bearer ...."])
def test_malformed_authorization_is_401(alice, value: str) -> None:
    status, _ = _with_headers(alice, Authorization=value).request("GET", "/experiments")
    assert status == 401
