"""Serving the Chalice app over HTTP on one machine.

``chalice local`` decodes a Cognito JWT without checking its signature and admits
requests without one. The gateway here skips that simulation entirely, and the
app verifies every token itself (``PAROPT_AUTH_MODE=jwks``).
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
from pathlib import Path

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    LocalDevServer,
    LocalGateway,
    LocalGatewayAuthorizer,
    LocalGatewayException,
    ThreadedHTTPServer,
    create_local_server,
)

API_DIR = Path(__file__).resolve().parent.parent / "api"
# Bodies above the API's own limit are rejected before they are read.
MAX_REQUEST_BYTES = 256 * 1024 + 1024
# Seconds a connection may stay silent, so a client that sends less than its
# Content-Length does not hold a thread forever.
SOCKET_TIMEOUT_SECONDS = 30


class AppVerifiedAuthorizer(LocalGatewayAuthorizer):
    """Passes every request on unchanged; the app's own check decides."""

    def authorize(self, raw_path, lambda_event, lambda_context):  # noqa: ANN001, ANN201
        return lambda_event, lambda_context


def use_app_verification(gateway: LocalGateway) -> None:
    """Replace the gateway's Cognito simulation with :class:`AppVerifiedAuthorizer`."""
    gateway._authorizer = AppVerifiedAuthorizer(gateway._app_object)


class AppVerifiedRequestHandler(ChaliceRequestHandler):
    """Chalice's request handler with app-side token checks and bounded request reading."""

    timeout = SOCKET_TIMEOUT_SECONDS

    def setup(self) -> None:
        super().setup()
        use_app_verification(self.local_gateway)

    def _send_json(self, code: int, message: str) -> None:
        body = json.dumps({"message": message}).encode()
        self._send_http_response(code, {"Content-Type": "application/json"}, body)

    def _generic_handle(self) -> None:
        try:
            length = int(self.headers.get("content-length", "0"))
        except ValueError:
            self._send_json(400, "invalid Content-Length header")
            return
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._send_json(413, f"the body has {length} bytes; the limit is 262144")
            return
        super()._generic_handle()

    # The base class binds every do_* method to its own _generic_handle. TRACE and
    # QUERY are bound too, so they get the gateway's JSON 405 like any other method
    # that a route lacks, not http.server's HTML 501.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle
    do_TRACE = do_QUERY = _generic_handle

    def _send_error_response(self, error: LocalGatewayException) -> None:
        # The local gateway reports an unknown route as 403 with a message that
        # repeats the Authorization header, so this returns 404 without echoing anything.
        if isinstance(error, ForbiddenError):
            self._send_json(404, f"no route {self.command} {self.path.split('?')[0][:200]}")
            return
        super()._send_error_response(error)


class _Server(ThreadedHTTPServer):
    # socketserver's default backlog of 5 resets connections under a burst of
    # concurrent requests.
    request_queue_size = 128
    daemon_threads = True


def load_app() -> Chalice:
    """Import ``api/app.py`` with the current environment and return its Chalice app."""
    if str(API_DIR) not in sys.path:
        sys.path.insert(0, str(API_DIR))
    module = importlib.import_module("app")
    return module.app


def local_config() -> Config:
    return Config(chalice_stage="local", config_from_disk={"app_name": "paropt-service"})


class ApiServer:
    """The Chalice app on a threaded HTTP server at ``host:port``."""

    def __init__(self, app: Chalice, host: str, port: int) -> None:
        config = local_config()
        # create_local_server makes the app thread-safe for a threaded server; its
        # own listening socket is replaced by one with a larger backlog.
        probe = create_local_server(app, config, host, port)
        probe.server.server_close()
        self._server = LocalDevServer(
            app,
            config,
            host,
            port,
            handler_cls=AppVerifiedRequestHandler,
            server_cls=_Server,
        )
        self._thread = threading.Thread(target=self._server.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=5)
