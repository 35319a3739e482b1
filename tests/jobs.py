"""Helpers for tests that drive jobs through the state machine."""

from __future__ import annotations

import json
import time

from paropt.storage import JobModel


def wait_for_status(job_id: str, statuses: set[str], timeout: float = 30) -> JobModel:
    """Poll the job until its status is in ``statuses``; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        job = JobModel.get(job_id, consistent_read=True)
        if job.status in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job.status}, expected one of {statuses}")
        time.sleep(0.2)


def receive_launch(sqs, queue_url: str, job_id: str, timeout: float = 20) -> dict:  # noqa: ANN001
    """Take the launch message of ``job_id`` off the queue and return its body.

    Messages of other jobs are deleted: tests run one at a time, and the jobs that
    API tests start are never launched.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            body = json.loads(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            if body["job_id"] == job_id:
                return body
    raise AssertionError(f"no launch message for job {job_id} within {timeout:g} s")
