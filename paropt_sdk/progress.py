"""Progress display of a job while the client waits for it.

On a terminal a tqdm bar shows trials done of planned, the best outcome so far
and the elapsed time. Elsewhere, such as in CI logs, one line is printed each
time the job's status, trial counts or best outcome change.
"""

from __future__ import annotations

import time
from typing import Protocol, TextIO

from paropt_sdk.models import Job


class JobProgress(Protocol):
    """Receives each state of the job that the wait fetched."""

    def update(self, job: Job) -> None:
        """Show ``job``'s current state."""

    def close(self) -> None:
        """Finish the display."""


def _best_text(job: Job) -> str:
    best = job.get("best")
    if not best or best.get("outcome") is None:
        return "no best yet"
    return f"best {best['outcome']:.4g}"


def _counts(job: Job) -> tuple[int, int, int]:
    progress = job.get("progress") or {}
    return (
        int(progress.get("trials_done", 0)),
        int(progress.get("trials_failed", 0)),
        int(progress.get("trials_planned", 0)),
    )


class BarProgress:
    """A tqdm progress bar of one job on a terminal stream."""

    def __init__(self, job_id: str, stream: TextIO) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=None,
            desc=f"job {job_id[:8]}",
            unit="trial",
            file=stream,
            dynamic_ncols=True,
            leave=True,
            # tqdm puts ", " before the postfix, so it follows the elapsed time.
            bar_format="{desc}: {n_fmt}/{total_fmt} trials |{bar}| [{elapsed}{postfix}]",
        )

    def update(self, job: Job) -> None:
        done, failed, planned = _counts(job)
        if planned and self._bar.total != planned:
            self._bar.total = planned
        self._bar.n = done
        failed_text = f", {failed} failed" if failed else ""
        self._bar.set_postfix_str(f"{job.get('status')}{failed_text}, {_best_text(job)}")

    def close(self) -> None:
        self._bar.close()


class LineProgress:
    """Prints one line to a stream each time the job's state changes."""

    def __init__(self, job_id: str, stream: TextIO) -> None:
        self._job_id = job_id
        self._stream = stream
        self._started = time.monotonic()
        self._last: tuple | None = None

    def update(self, job: Job) -> None:
        done, failed, planned = _counts(job)
        state = (job.get("status"), done, failed, planned, _best_text(job))
        if state == self._last:
            return
        self._last = state
        failed_text = f" ({failed} failed)" if failed else ""
        planned_text = str(planned) if planned else "?"
        elapsed = time.monotonic() - self._started
        print(
            f"job {self._job_id[:8]}: {job.get('status')}, {done}/{planned_text} trials"
            f"{failed_text}, {_best_text(job)}, {elapsed:.0f} s",
            file=self._stream,
            flush=True,
        )

    def close(self) -> None:
        pass


class NoProgress:
    """Shows nothing."""

    def update(self, job: Job) -> None:
        pass

    def close(self) -> None:
        pass


def job_progress(job_id: str, stream: TextIO, *, enabled: bool) -> JobProgress:
    """Create the display that fits ``stream``: a bar on a terminal, lines elsewhere."""
    if not enabled:
        return NoProgress()
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return BarProgress(job_id, stream)
    return LineProgress(job_id, stream)
