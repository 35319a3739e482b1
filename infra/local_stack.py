"""Run the whole service on one machine: ``python -m infra.local_stack`` (``make local``).

Everything listens on 127.0.0.1 only. It starts a moto server with state-machine
execution on. In it, it creates the tables, the launch queue, the state machine
(from the same ASL file that is deployed) and a Cognito user pool with one user.
Then it serves the Chalice app and runs the local launcher. It writes
``.paropt/local-stack.json`` (mode 0600) with what a client needs, and shuts
everything down on Ctrl-C or SIGTERM, runners included.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from infra.local_data import fail_interrupted_jobs, load_tables, save_tables, seed_moto, stack_seed
from infra.provision import (
    create_user,
    enable_state_machine_execution,
    provision_storage_and_workflow,
    provision_user_pool,
)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
NAME_PREFIX = "paropt-local"
LOCAL_USERNAME = "paropt-user"
logger = logging.getLogger("paropt.local_stack")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it responds; raise RuntimeError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with status {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not respond within {timeout:g} s")


def wait_for_port(host: str, port: int, *, timeout: float) -> None:
    """Wait until ``host:port`` accepts a TCP connection; raise RuntimeError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{host}:{port} accepted no connection within {timeout:g} s")


class LocalStack:
    """The moto server, the API and the launcher of one local deployment."""

    def __init__(
        self,
        root: Path = ROOT,
        *,
        state_dir: Path | None = None,
        api_port: int = 0,
        moto_port: int = 0,
        heartbeat_seconds: int = 10,
        job_timeout_seconds: int = 6 * 3600,
        max_runners: int = 2,
    ) -> None:
        self.root = root
        self.state_dir = state_dir or root / ".paropt"
        self.api_port = api_port or free_port()
        self.moto_port = moto_port or free_port()
        self.heartbeat_seconds = heartbeat_seconds
        self.job_timeout_seconds = job_timeout_seconds
        self.max_runners = max_runners
        self.moto: subprocess.Popen | None = None
        self.api = None
        self.launcher = None
        self.info: dict[str, object] = {}

    @property
    def moto_url(self) -> str:
        return f"http://{HOST}:{self.moto_port}"

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    def _start_moto(self) -> None:
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {**os.environ, "MOTO_PORT": str(self.moto_port)}
        log = open(self.state_dir / "moto.log", "ab")  # noqa: SIM115 - lives as long as moto
        # moto's state-machine interpreter calls the other services at
        # http://localhost:$MOTO_PORT, so the two ports must be the same.
        self.moto = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.moto_port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_http(f"{self.moto_url}/moto-api/", timeout=60, process=self.moto)
        enable_state_machine_execution(self.moto_url)

    def start(self) -> dict[str, object]:
        """Start every part and return what ``.paropt/local-stack.json`` contains."""
        from paropt.settings import Settings

        region = "us-east-1"
        base_env = {
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "paropt-local",
            "AWS_SECRET_ACCESS_KEY": "paropt-local",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PAROPT_STAGE": "local",
            "PAROPT_AWS_ENDPOINT_URL": self.moto_url,
        }
        for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
            os.environ.pop(variable, None)
        os.environ.update(base_env)
        self._start_moto()
        data_dir = self.state_dir / "data"
        # Seeded before anything is created, so ids, the user's sub included, repeat.
        seed_moto(self.moto_url, stack_seed(data_dir))
        settings = Settings.from_environment()
        queue_url, state_machine_arn = provision_storage_and_workflow(
            settings, name_prefix=NAME_PREFIX
        )
        pool_id, client_id = provision_user_pool(settings, name_prefix=NAME_PREFIX)
        # The pool's default policy needs an upper-case letter, a lower-case letter,
        # a digit and a symbol. The fixed prefix contains all four.
        password = "Pw-9" + secrets.token_urlsafe(18)
        create_user(settings, pool_id=pool_id, username=LOCAL_USERNAME, password=password)
        loaded = load_tables(data_dir)
        interrupted = fail_interrupted_jobs()
        logger.info(
            "loaded %d saved items; %d interrupted jobs marked failed", loaded, len(interrupted)
        )
        local_key = secrets.token_urlsafe(32)
        service_env = {
            **base_env,
            "PAROPT_STATE_MACHINE_ARN": state_machine_arn,
            "PAROPT_HEARTBEAT_SECONDS": str(self.heartbeat_seconds),
            "PAROPT_JOB_TIMEOUT_SECONDS": str(self.job_timeout_seconds),
            "PAROPT_AUTH_MODE": "jwks",
            "PAROPT_JWKS_URL": f"{self.moto_url}/{pool_id}/.well-known/jwks.json",
            "PAROPT_TOKEN_ISSUER": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
            "PAROPT_CLIENT_ID": client_id,
            "PAROPT_LOCAL_KEY": local_key,
        }
        os.environ.update(service_env)

        from infra.api_server import ApiServer, load_app
        from infra.local_launcher import LocalLauncher

        self.api = ApiServer(load_app(), HOST, self.api_port)
        self.api.start()
        wait_for_port(HOST, self.api_port, timeout=30)
        runner_env = {key: value for key, value in service_env.items() if key != "PAROPT_LOCAL_KEY"}
        self.launcher = LocalLauncher(
            sqs=settings.boto3_client("sqs"),
            queue_url=queue_url,
            runner_env=runner_env,
            log_dir=self.state_dir / "runners",
            max_runners=self.max_runners,
            ec2=settings.boto3_client("ec2"),
        )
        self.launcher.start()
        self.info = {
            "api_url": self.api_url,
            "aws_endpoint_url": self.moto_url,
            "region": region,
            "user_pool_id": pool_id,
            "client_id": client_id,
            "username": LOCAL_USERNAME,
            "password": password,
            "local_key": local_key,
            "state_machine_arn": state_machine_arn,
            "launch_queue_url": queue_url,
            "pid": os.getpid(),
        }
        self._write_info()
        return self.info

    def _write_info(self) -> None:
        path = self.state_dir / "local-stack.json"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(self.info, handle, indent=2)
        os.chmod(path, 0o600)

    def stop(self) -> None:
        """Stop the launcher and its runners, the API and the moto server."""
        if self.launcher is not None:
            self.launcher.stop()
        if self.api is not None:
            self.api.stop()
        if self.moto is not None and self.moto.poll() is None and self.info:
            try:
                saved = save_tables(self.state_dir / "data")
                logger.info("saved %d items to %s", saved, self.state_dir / "data")
            except Exception:  # noqa: BLE001 - stopping must go on; the log says what was lost
                logger.exception("saving the tables failed; this session's data is lost")
        if self.moto is not None and self.moto.poll() is None:
            self.moto.terminate()
            try:
                self.moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.moto.kill()
                self.moto.wait()
        info_path = self.state_dir / "local-stack.json"
        if info_path.exists():
            info_path.unlink()


def _print_usage(info: dict[str, object]) -> None:
    print(
        f"""paropt local stack is running.
  API:          {info["api_url"]}/api/v1
  Dashboard:    {info["api_url"]}/
  AWS (moto):   {info["aws_endpoint_url"]}
  Settings:     .paropt/local-stack.json (user name, password, local key)

Log in to the dashboard with the values that this command prints:
  .venv/bin/python -m infra.local_token --dashboard

Get a token and call the API:
  TOKEN=$(.venv/bin/python -m infra.local_token)
  KEY=$(.venv/bin/python -m infra.local_token --local-key)
  curl -H "Authorization: Bearer $TOKEN" -H "X-Paropt-Local-Key: $KEY" \\
       {info["api_url"]}/api/v1/experiments

Stop with Ctrl-C.""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, default=0, help="API port (default: a free one)")
    parser.add_argument("--moto-port", type=int, default=0, help="moto port (default: a free one)")
    parser.add_argument(
        "--heartbeat-seconds",
        type=int,
        default=10,
        help="seconds without a runner heartbeat after which a job fails (default: 10)",
    )
    parser.add_argument(
        "--max-runners", type=int, default=2, help="jobs that run at the same time (default: 2)"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="folder for local-stack.json and logs (default: .paropt in the repository)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stack = LocalStack(
        api_port=args.api_port,
        moto_port=args.moto_port,
        heartbeat_seconds=args.heartbeat_seconds,
        max_runners=args.max_runners,
        state_dir=args.state_dir,
    )
    closing = threading.Event()

    def on_signal(signum: int, frame) -> None:  # noqa: ANN001
        closing.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        info = stack.start()
        _print_usage(info)
        closing.wait()
    finally:
        print("paropt local stack: stopping", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
