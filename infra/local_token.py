"""Print an ID token of the local stack's user, or the stack's local key or dashboard login.

``python -m infra.local_token`` prints an ID token, ``--local-key`` the local key,
and ``--dashboard`` the dashboard's URL with the user name, password and local key
that its login form needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.provision import login
from paropt.settings import Settings

INFO_PATH = Path(__file__).resolve().parent.parent / ".paropt" / "local-stack.json"


def client_settings(info: dict) -> Settings:
    """Return settings that reach the stack's AWS endpoint, for clients of its Cognito."""
    return Settings(
        region=info["region"],
        aws_endpoint_url=info["aws_endpoint_url"],
        experiments_table="",
        trials_table="",
        jobs_table="",
        state_machine_arn="",
        heartbeat_seconds=0,
        job_timeout_seconds=0,
        auth_mode="jwks",
        jwks_url=None,
        token_issuer=None,
        client_id=info["client_id"],
        local_key=None,
    )


def local_id_token(info: dict) -> str:
    """Log in as the local user through the stack's Cognito and return the ID token."""
    settings = client_settings(info)
    result = login(
        settings, client_id=info["client_id"], username=info["username"], password=info["password"]
    )
    return result["IdToken"]


def dashboard_login_text(info: dict) -> str:
    """Return the dashboard's URL and the values of its login form, one per line."""
    return "\n".join(
        [
            f"dashboard: {info['api_url']}/",
            f"user name: {info['username']}",
            f"password:  {info['password']}",
            f"local key: {info['local_key']}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local_token",
        description="Print an ID token of the local stack's user (the default).",
    )
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--local-key", action="store_true", help="print the local key instead")
    choice.add_argument(
        "--dashboard",
        action="store_true",
        help="print the dashboard's URL and the values its login form needs",
    )
    arguments = parser.parse_args(argv)
    if not INFO_PATH.exists():
        print(
            f"{INFO_PATH} does not exist; start the local stack with `make local`", file=sys.stderr
        )
        return 1
    info = json.loads(INFO_PATH.read_text())
    if arguments.local_key:
        print(info["local_key"])
    elif arguments.dashboard:
        print(dashboard_login_text(info))
    else:
        print(local_id_token(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
