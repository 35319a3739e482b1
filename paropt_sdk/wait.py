"""Waiting for a job to end, with progress shown while it runs."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from paropt_sdk.errors import JobFailed, JobStopped, WaitTimedOut
from paropt_sdk.models import JOB_END_STATUSES, Job
from paropt_sdk.progress import job_progress

if TYPE_CHECKING:
    from paropt_sdk.client import ParoptClient

# After a poll that saw no change the interval grows by this factor.
POLL_GROWTH = 1.5


def _state(job: Job) -> tuple:
    best = job.get("best") or {}
    return job.get("status"), job.get("progress"), best.get("outcome")


def wait_for_job(
    client: ParoptClient,
    job_id: str,
    *,
    poll_interval: float = 1.0,
    max_poll_interval: float = 5.0,
    timeout: float | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
) -> Job:
    """Poll a job until it finishes, fails or is stopped, and return the finished job.

    The first poll is sent at once and the next one ``poll_interval`` seconds
    later. Each poll that finds no change in status, trial counts or best outcome
    makes the next wait 1.5 times longer, up to ``max_poll_interval``, and a
    change resets it to ``poll_interval``.

    Args:
        client: The client to poll with.
        job_id: The job to wait for.
        poll_interval: Seconds between polls at first and after a change.
        max_poll_interval: The maximum wait between polls, in seconds.
        timeout: Seconds after which to give up, or ``None`` to wait without a limit.
        progress: Whether to show progress on ``stream``: a bar on a terminal, one
            line per change elsewhere.
        stream: Where progress goes (standard error if unset).

    Raises:
        JobFailed: The job failed; ``error`` and ``cause`` say why.
        JobStopped: The job was stopped.
        WaitTimedOut: The job was still queued or running after ``timeout`` seconds.
    """
    if poll_interval <= 0 or max_poll_interval < poll_interval:
        raise ValueError(
            f"invalid poll intervals {poll_interval} and {max_poll_interval}: expected "
            "0 < poll_interval <= max_poll_interval"
        )
    started = time.monotonic()
    display = job_progress(job_id, stream or sys.stderr, enabled=progress)
    interval = poll_interval
    last_state = None
    try:
        while True:
            job = client.get_job(job_id)
            display.update(job)
            if job.get("status") in JOB_END_STATUSES:
                break
            state = _state(job)
            if state != last_state:
                interval = poll_interval
            else:
                interval = min(interval * POLL_GROWTH, max_poll_interval)
            last_state = state
            if timeout is not None:
                remaining = timeout - (time.monotonic() - started)
                if remaining <= 0:
                    raise WaitTimedOut(
                        job,
                        f"job {job_id} is still {job.get('status')} after {timeout:g} s",
                    )
                interval = min(interval, remaining)
            time.sleep(interval)
    finally:
        display.close()
    return _check_outcome(job)


def _check_outcome(job: Job) -> Job:
    job_id = job.get("job_id", "?")
    status = job.get("status")
    if status == "failed":
        error = job.get("error") or "unknown error"
        cause = job.get("cause") or "the service recorded no cause"
        raise JobFailed(job, f"job {job_id} failed: {error}: {cause}")
    if status == "stopped":
        reason = job.get("stop_reason") or job.get("cause") or "no reason recorded"
        raise JobStopped(job, f"job {job_id} was stopped: {reason}")
    return job
