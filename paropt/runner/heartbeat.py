"""The runner's heartbeat to Step Functions and its watch for a stopped job."""

from __future__ import annotations

import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from paropt.storage.models import JobModel

# Step Functions returns these errors when the execution no longer waits for the
# token, because it was stopped, timed out or already closed.
EXECUTION_GONE_ERRORS = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}
STATUS_POLL_SECONDS = 1.0


class Heartbeat:
    """Sends task heartbeats on a thread and sets ``stopped`` when the job must end."""

    def __init__(
        self,
        *,
        sfn,
        task_token: str,
        job_id: str,
        interval: float,
        logger,  # noqa: ANN001
    ) -> None:
        self._sfn = sfn
        self._task_token = task_token
        self._job_id = job_id
        self._interval = interval
        self._logger = logger
        self._done = threading.Event()
        self.stopped = threading.Event()
        self.stop_reason: str | None = None
        self._thread = threading.Thread(target=self._loop, name="paropt-heartbeat", daemon=True)
        self.on_stop: list = []

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._done.set()
        # The runner closes the heartbeat also when it failed before starting it.
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def request_stop(self, reason: str) -> None:
        if self.stopped.is_set():
            return
        self.stop_reason = reason
        self.stopped.set()
        for callback in self.on_stop:
            callback()

    def beat(self) -> None:
        """Send one heartbeat and check the job's status."""
        self.send()
        self.check_job()

    def send(self) -> None:
        """Send one task heartbeat; request a stop if the execution has ended."""
        try:
            self._sfn.send_task_heartbeat(taskToken=self._task_token)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in EXECUTION_GONE_ERRORS:
                self._logger.warning("execution no longer waits for this runner", error=code)
                self.request_stop(f"execution ended ({code})")
                return
            self._logger.warning("heartbeat failed; retrying at the next beat", error=str(exc))
        except BotoCoreError as exc:
            self._logger.warning("heartbeat failed; retrying at the next beat", error=str(exc))

    def check_job(self) -> None:
        """Read the job's status and request a stop if the user stopped it."""
        try:
            status = JobModel.get(self._job_id, attributes_to_get=["status"]).status
        except Exception as exc:  # noqa: BLE001 - a failed read is retried at the next poll
            self._logger.warning("reading the job status failed", error=str(exc))
            return
        if status == "stopped":
            self.request_stop("stopped by user")

    def _loop(self) -> None:
        # The job's status is read every STATUS_POLL_SECONDS, so a stop takes effect
        # within about a second; heartbeats go out every ``interval`` seconds.
        next_beat = time.monotonic() + self._interval
        while not self._done.wait(min(STATUS_POLL_SECONDS, self._interval)):
            self.check_job()
            if time.monotonic() >= next_beat:
                self.send()
                next_beat = time.monotonic() + self._interval
