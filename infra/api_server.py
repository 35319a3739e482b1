"""Serving the Chalice app over HTTP on one machine.

``chalice local`` decodes a Cognito JWT without checking its signature and admits
requests without one. The gateway here skips that simulation entirely, and the
app verifies every token itself (``PAROPT_AUTH_MODE=jwks``).
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    LocalGateway,
    LocalGatewayAuthorizer,
    create_local_server,
)

API_DIR = Path(__file__).resolve().parent.parent / "api"


class AppVerifiedAuthorizer(LocalGatewayAuthorizer):
    """Passes every request on unchanged; the app's own check decides."""

    def authorize(self, raw_path, lambda_event, lambda_context):  # noqa: ANN001, ANN201
        return lambda_event, lambda_context


def use_app_verification(gateway: LocalGateway) -> None:
    """Replace the gateway's Cognito simulation with :class:`AppVerifiedAuthorizer`."""
    gateway._authorizer = AppVerifiedAuthorizer(gateway._app_object)


class AppVerifiedRequestHandler(ChaliceRequestHandler):
    def __init__(self, request, client_address, server, app_object, config) -> None:  # noqa: ANN001
        super().__init__(request, client_address, server, app_object=app_object, config=config)

    def setup(self) -> None:
        super().setup()
        use_app_verification(self.local_gateway)


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
        self._server = create_local_server(app, local_config(), host, port)
        self._server.server.RequestHandlerClass = _handler_for(app)
        self._thread = threading.Thread(target=self._server.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=5)


def _handler_for(app: Chalice):  # noqa: ANN202
    config = local_config()

    def handler(request, client_address, server):  # noqa: ANN001, ANN202
        return AppVerifiedRequestHandler(
            request, client_address, server, app_object=app, config=config
        )

    return handler
