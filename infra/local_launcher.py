"""The local launcher: consumes the launch queue and starts runners as child processes.

In AWS a Lambda consumes the same queue and starts a Fargate task. Here the runner
entry point runs as a child process, with the job id and task token in its
environment.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

logger = logging.getLogger("paropt.launcher")


class LocalLauncher:
    """Receives launch messages and keeps at most ``max_runners`` runners alive."""

    def __init__(
        self,
        *,
        sqs,  # noqa: ANN001 - a boto3 SQS client
        queue_url: str,
        runner_env: dict[str, str],
        log_dir: Path,
        max_runners: int = 2,
        ec2=None,  # noqa: ANN001 - a boto3 EC2 client for cleaning up after crashed runners
    ) -> None:
        self._sqs = sqs
        self._ec2 = ec2
        self._queue_url = queue_url
        self._runner_env = runner_env
        self._log_dir = log_dir
        self._max_runners = max_runners
        self._runners: dict[str, subprocess.Popen] = {}
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="paropt-launcher", daemon=True)

    def start(self) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def runner_pids(self) -> dict[str, int]:
        """Return the process id of each live runner by job id."""
        self._reap()
        return {job_id: process.pid for job_id, process in self._runners.items()}

    def _reap(self) -> None:
        for job_id, process in list(self._runners.items()):
            if process.poll() is not None:
                logger.info("runner of job %s exited with status %s", job_id, process.returncode)
                del self._runners[job_id]
                if process.returncode != 0:
                    self._terminate_instances(job_id)

    def _terminate_instances(self, job_id: str) -> None:
        """Terminate EC2 instances a failed runner may have left behind."""
        if self._ec2 is None:
            return
        from paropt.cleanup import terminate_job_instances

        try:
            terminate_job_instances(self._ec2, job_id)
        except Exception:  # noqa: BLE001 - the instance sweep finds them later
            logger.exception("terminating the instances of job %s failed", job_id)

    def _loop(self) -> None:
        while not self._closing.is_set():
            self._reap()
            if len(self._runners) >= self._max_runners:
                time.sleep(0.2)
                continue
            try:
                answer = self._sqs.receive_message(
                    QueueUrl=self._queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1
                )
            except Exception:  # noqa: BLE001 - keep consuming after a passing fault
                logger.exception("receiving from the launch queue failed; retrying")
                time.sleep(1)
                continue
            for message in answer.get("Messages", []):
                self._launch(message)

    def _launch(self, message: dict) -> None:
        try:
            body = json.loads(message["Body"])
            job_id = body["job_id"]
            task_token = body["task_token"]
        except (ValueError, KeyError, TypeError):
            logger.error("dropping a malformed launch message: %.200s", message.get("Body"))
            self._delete(message)
            return
        env = {**os.environ, **self._runner_env}
        env["PAROPT_JOB_ID"] = job_id
        env["PAROPT_TASK_TOKEN"] = task_token
        log_path = self._log_dir / f"runner-{job_id}.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "paropt.runner"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._runners[job_id] = process
        logger.info("runner started for job %s (pid %d, log %s)", job_id, process.pid, log_path)
        self._delete(message)

    def _delete(self, message: dict) -> None:
        try:
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        except Exception:  # noqa: BLE001 - the message becomes visible again and is retried
            logger.exception("deleting a launch message failed")

    def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop consuming, ask every runner to end, and kill those still alive after the grace."""
        self._closing.set()
        self._thread.join(timeout=5)
        for process in self._runners.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for process in self._runners.values():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self._runners.clear()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
