"""Jobs on a local stack in a temporary folder, for the benchmarks that measure the runner."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from infra.demo import ApiClient
from infra.local_stack import LocalStack

# Seconds a benchmark job may take before the benchmark gives up.
JOB_TIMEOUT_SECONDS = 3600


@contextmanager
def local_stack() -> Iterator[tuple[LocalStack, ApiClient]]:
    """Start a local stack with its own state folder, and stop it afterwards."""
    with tempfile.TemporaryDirectory(prefix="paropt-bench-") as state_dir:
        stack = LocalStack(heartbeat_seconds=30, state_dir=Path(state_dir))
        try:
            client = ApiClient(stack.start())
            yield stack, client
        finally:
            stack.stop()


def run_job(client: ApiClient, experiment_id: str, run: dict) -> dict:
    """Start a run of the experiment, wait for its job to end, and return the job.

    Raises:
        RuntimeError: the job ended in another status than ``finished``.
    """
    answer = client.expect("POST", f"/experiments/{experiment_id}/trials", run, {202})
    job = client.wait_for_job(answer["job"]["job_id"], timeout=JOB_TIMEOUT_SECONDS)
    if job["status"] != "finished":
        raise RuntimeError(f"the job ended {job['status']}: {job['error']}: {job['cause']}")
    return job


def list_trials(client: ApiClient, experiment_id: str) -> list[dict]:
    """Return every trial of the experiment, following the pages' next tokens."""
    trials: list[dict] = []
    path = f"/experiments/{experiment_id}/trials"
    response = client.session.get(client.base + path, timeout=60)
    while True:
        response.raise_for_status()
        trials += response.json()
        token = response.headers.get("X-Paropt-Next-Token")
        if not token:
            return trials
        response = client.session.get(client.base + path, params={"next_token": token}, timeout=60)


def seconds(timestamp: str) -> float:
    """Return an API timestamp such as ``2026-12-04T15:47:21.902Z`` as POSIX seconds."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
