"""ParoptClient against a scripted HTTP server on 127.0.0.1: retries, errors and paging."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from paropt_sdk import (
    ApiError,
    Conflict,
    NotFound,
    ParoptClient,
    ServerError,
    ServiceUnreachable,
    Unauthorized,
    ValidationFailed,
)
from paropt_sdk.http import default_retry

EXPERIMENT_ID = "0" * 32


class ScriptedServer:
    """Responds to each request with the next scripted response of its method and path.

    The last response of a path repeats once the script is used up. Every request
    is recorded as (method, path with query, headers, body).
    """

    def __init__(self) -> None:
        self.script: dict[tuple[str, str], list[tuple[int, dict, bytes]]] = {}
        self.requests: list[tuple[str, str, dict, bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((self.command, self.path, dict(self.headers), body))
                key = (self.command, self.path.split("?")[0])
                responses = server.script.get(key) or [(404, {}, b'{"message": "no route"}')]
                status, headers, payload = responses.pop(0) if len(responses) > 1 else responses[0]
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _respond

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def add(self, method: str, path: str, *responses: tuple[int, dict, object]) -> None:
        encoded = []
        for status, headers, body in responses:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            encoded.append((status, headers, payload))
        self.script[(method, "/api/v1" + path)] = encoded

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _, _ in self.requests if m == method and p.split("?")[0] == path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


@pytest.fixture
def server(shared_server: ScriptedServer) -> ScriptedServer:
    """The module's server with an empty script and no recorded requests."""
    shared_server.script.clear()
    shared_server.requests.clear()
    return shared_server


def fast_client(url: str, **kwargs) -> ParoptClient:  # noqa: ANN003
    return ParoptClient(url, retry=default_retry(total=3, backoff_factor=0.01), **kwargs)


def test_get_retried_after_503_and_429(server: ScriptedServer) -> None:
    server.add(
        "GET",
        "/experiments",
        (503, {}, {"message": "busy"}),
        (429, {"Retry-After": "0"}, {"message": "slow down"}),
        (200, {}, [{"experiment_id": EXPERIMENT_ID}]),
    )
    with fast_client(server.url, auth="token-1", local_key="key-1") as client:
        experiments = client.list_experiments()
    assert experiments == [{"experiment_id": EXPERIMENT_ID}]
    assert server.count("GET", "/api/v1/experiments") == 3
    headers = server.requests[-1][2]
    assert headers["Authorization"] == "token-1"
    assert headers["X-Paropt-Local-Key"] == "key-1"


def test_get_gives_up_with_server_error(server: ScriptedServer) -> None:
    server.add("GET", "/experiments", (502, {"Content-Type": "text/html"}, b"<h1>Bad gateway</h1>"))
    with fast_client(server.url) as client, pytest.raises(ServerError) as caught:
        client.list_experiments()
    assert caught.value.status == 502
    assert "Bad gateway" in caught.value.message
    assert server.count("GET", "/api/v1/experiments") == 4


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/experiments", lambda client: client.create_experiment({"tool_name": "x"})),
        (f"/experiments/{EXPERIMENT_ID}/trials", lambda client: client.start_run(EXPERIMENT_ID)),
        (f"/experiments/{EXPERIMENT_ID}/stop", lambda client: client.stop(EXPERIMENT_ID)),
    ],
)
def test_post_never_retried(server: ScriptedServer, path: str, call) -> None:  # noqa: ANN001
    server.add("POST", path, (503, {}, {"message": "busy"}), (200, {}, {"job": {}}))
    with fast_client(server.url) as client, pytest.raises(ServerError):
        call(client)
    assert server.count("POST", "/api/v1" + path) == 1


def test_post_not_retried_after_dropped_connection() -> None:
    # A server that accepts each connection and closes it without a response.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)
            connection.recv(65536)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        with fast_client(url) as client:
            with pytest.raises(ServiceUnreachable):
                client.create_experiment({"tool_name": "x"})
            assert len(accepted) == 1
            with pytest.raises(ServiceUnreachable):
                client.list_experiments()
            assert len(accepted) == 5
    finally:
        listener.close()


def test_connection_refused_is_one_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        fast_client(f"http://127.0.0.1:{port}") as client,
        pytest.raises(ServiceUnreachable) as caught,
    ):
        client.list_experiments()
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "refused" in message.lower()


def test_errors_carry_status_and_message(server: ScriptedServer) -> None:
    missing = {"status": "missing", "message": f"no experiment with id {EXPERIMENT_ID}"}
    server.add("GET", f"/experiments/{EXPERIMENT_ID}", (404, {}, missing))
    conflict = {"status": "conflict", "message": "already active", "job_id": "1" * 32}
    server.add("POST", f"/experiments/{EXPERIMENT_ID}/trials", (409, {}, conflict))
    invalid = {
        "message": "invalid tool_name: too long",
        "errors": [{"field": "tool_name", "message": "too long"}],
    }
    server.add("POST", "/experiments", (400, {}, invalid))
    server.add("GET", "/jobs/running", (401, {}, {"message": "unauthorized: missing header"}))
    with fast_client(server.url) as client:
        with pytest.raises(NotFound) as not_found:
            client.get_experiment(EXPERIMENT_ID)
        with pytest.raises(Conflict) as conflicted:
            client.start_run(EXPERIMENT_ID, {"optimizer": {"type": "grid"}})
        with pytest.raises(ValidationFailed) as rejected:
            client.create_experiment({"tool_name": "x" * 200})
        with pytest.raises(Unauthorized) as unauthorized:
            client.list_jobs("running")
    assert not_found.value.status == 404
    assert not_found.value.message == missing["message"]
    assert conflicted.value.active_job_id == "1" * 32
    assert rejected.value.errors == invalid["errors"]
    assert unauthorized.value.status == 401
    assert isinstance(unauthorized.value, ApiError)


def test_list_trials_follows_next_token(server: ScriptedServer) -> None:
    path = f"/experiments/{EXPERIMENT_ID}/trials"
    server.add(
        "GET",
        path,
        (200, {"X-Paropt-Next-Token": "page-2"}, [{"trial_number": 1}, {"trial_number": 2}]),
        (200, {"X-Paropt-Next-Token": "page-3"}, [{"trial_number": 3}]),
        (200, {}, [{"trial_number": 4}]),
    )
    with fast_client(server.url) as client:
        trials = client.list_trials(EXPERIMENT_ID, status="succeeded", run=2, page_size=2)
    assert [trial["trial_number"] for trial in trials] == [1, 2, 3, 4]
    queries = [p for m, p, _, _ in server.requests if m == "GET"]
    assert queries[0].endswith("?status=succeeded&run=2&limit=2")
    assert "next_token=page-2" in queries[1]
    assert "next_token=page-3" in queries[2]
    assert "status=succeeded" in queries[2]


def test_repeated_next_token_raises(server: ScriptedServer) -> None:
    path = f"/experiments/{EXPERIMENT_ID}/trials"
    server.add("GET", path, (200, {"X-Paropt-Next-Token": "same"}, [{"trial_number": 1}]))
    with fast_client(server.url) as client, pytest.raises(ApiError, match="repeated"):
        client.list_trials(EXPERIMENT_ID)


def test_invalid_arguments_raise_before_request(server: ScriptedServer) -> None:
    with fast_client(server.url) as client:
        with pytest.raises(ValueError, match="job status"):
            client.list_jobs("done")
        with pytest.raises(ValueError, match="trial status"):
            client.list_trials(EXPERIMENT_ID, status="ok")
        with pytest.raises(ValueError, match="list_jobs"):
            client.get_job("running")
    assert server.requests == []


def test_base_url_gets_api_prefix(server: ScriptedServer) -> None:
    server.add("GET", "/experiments", (200, {}, []))
    for base in (server.url, server.url + "/", server.url + "/api/v1", server.url + "/api/v1/"):
        with fast_client(base) as client:
            assert client.list_experiments() == []
    with pytest.raises(ValueError, match="http"):
        ParoptClient("127.0.0.1:8000")


class RefreshingAuth(requests.auth.AuthBase):
    """Sends token-1 until a forced refresh, then token-2, as CognitoAuth would."""

    def __init__(self) -> None:
        self.token = "token-1"
        self.refreshes = 0

    def id_token(self, *, force_refresh: bool = False) -> str:
        if force_refresh:
            self.refreshes += 1
            self.token = "token-2"
        return self.token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.id_token()
        return request


def test_401_resent_once_with_refreshed_token(server: ScriptedServer) -> None:
    path = f"/experiments/{EXPERIMENT_ID}/stop"
    server.add(
        "POST",
        path,
        (401, {}, {"message": "unauthorized: invalid token"}),
        (200, {}, {"status": "stopped", "job": {"job_id": "1" * 32}}),
    )
    auth = RefreshingAuth()
    with fast_client(server.url, auth=auth) as client:
        assert client.stop(EXPERIMENT_ID) == {"job_id": "1" * 32}
    sent = [headers["Authorization"] for method, _, headers, _ in server.requests]
    assert sent == ["token-1", "token-2"]
    assert auth.refreshes == 1


def test_401_after_refresh_raises(server: ScriptedServer) -> None:
    server.add("GET", "/experiments", (401, {}, {"message": "unauthorized: wrong local key"}))
    auth = RefreshingAuth()
    with fast_client(server.url, auth=auth) as client, pytest.raises(Unauthorized):
        client.list_experiments()
    assert server.count("GET", "/api/v1/experiments") == 2
    assert auth.refreshes == 1
