"""Entry point of the runner: ``python -m paropt.runner``.

Reads ``PAROPT_JOB_ID`` and ``PAROPT_TASK_TOKEN`` from the environment, runs the
job's trials and reports to Step Functions with the task token.
"""

from __future__ import annotations

import os
import resource
import signal
import sys

from aws_lambda_powertools import Logger

from paropt.runner.heartbeat import Heartbeat
from paropt.runner.inspection import forbid_inspection
from paropt.runner.job import JobNotRunnable, JobRun
from paropt.settings import Settings
from paropt.storage import JobModel, bind_models, utc_now

# Step Functions limits the error name to 256 and the cause to 32,768 characters.
MAX_ERROR_CHARS = 256
MAX_CAUSE_CHARS = 32_768


def _send_failure(  # noqa: PLR0913
    sfn,  # noqa: ANN001
    task_token: str,
    error: str,
    cause: str,
    logger: Logger,
    job: JobModel | None = None,
) -> None:
    error, cause = error[:MAX_ERROR_CHARS], cause[:MAX_CAUSE_CHARS]
    if job is not None:
        # The job item gets the error and cause directly as well, because the state
        # machine's copy can lose the cause (moto 5.2 drops it from SendTaskFailure).
        try:
            job.update(actions=[JobModel.error.set(error), JobModel.cause.set(cause)])
        except Exception:  # noqa: BLE001 - the state machine still records the failure
            logger.exception("recording the failure on the job failed")
    try:
        sfn.send_task_failure(taskToken=task_token, error=error, cause=cause)
    except Exception:  # noqa: BLE001 - the heartbeat timeout fails the job anyway
        logger.exception("sending the task failure failed")


def _mark_runner_ended(job: JobModel | None, logger: Logger) -> None:
    if job is None:
        return
    try:
        job.update(actions=[JobModel.runner_ended_at.set(utc_now())])
    except Exception:  # noqa: BLE001 - a stop then waits its full time, nothing worse
        logger.exception("recording the runner's end failed")


def peak_rss_mib() -> float:
    """Return the peak resident set size of this process so far, in MiB."""
    # On Linux, ru_maxrss keeps the parent's resident size from before exec, so a
    # runner started by a large process would report that. VmHWM starts at exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # macOS reports ru_maxrss in bytes, Linux in KiB.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def main() -> int:
    """Run the job named in the environment; return the process exit status."""
    logger = Logger(service="paropt-runner")
    job_id = os.environ.get("PAROPT_JOB_ID", "")
    task_token = os.environ.get("PAROPT_TASK_TOKEN", "")
    if not job_id or not task_token:
        print("paropt.runner: PAROPT_JOB_ID and PAROPT_TASK_TOKEN must be set", file=sys.stderr)
        return 2
    logger.append_keys(job_id=job_id)
    if not forbid_inspection():
        logger.warning("trials can read the runner's environment: prctl is unavailable")
    settings = Settings.from_environment()
    bind_models(settings)
    sfn = settings.boto3_client("stepfunctions")
    heartbeat = Heartbeat(
        sfn=sfn,
        task_token=task_token,
        job_id=job_id,
        interval=max(1.0, settings.heartbeat_seconds / 4),
        logger=logger,
    )

    def on_terminate(signum: int, frame) -> None:  # noqa: ANN001
        heartbeat.request_stop(f"runner received signal {signum}")

    signal.signal(signal.SIGTERM, on_terminate)

    job: JobModel | None = None
    try:
        # Heartbeats start before the earlier trials are loaded, because loading 10,000
        # of them from a moto server took 11.6 s on a busy 2-core machine.
        heartbeat.start()
        job = JobModel.get(job_id)
        logger.append_keys(experiment_id=job.experiment_id)
        run = JobRun(job, heartbeat=heartbeat, logger=logger)
        run.mark_running()
        logger.info("job started", planned=run.optimizer.planned)
        summary = run.run()
    except JobNotRunnable as exc:
        logger.warning("job is not queued; nothing to run", error=str(exc))
        return 0
    except Exception as exc:
        logger.exception("runner failed")
        _send_failure(sfn, task_token, type(exc).__name__, str(exc) or repr(exc), logger, job)
        return 1
    finally:
        heartbeat.close()
        _mark_runner_ended(job, logger)

    logger.info("job ended", peak_rss_mib=peak_rss_mib(), **summary.__dict__)
    if heartbeat.stopped.is_set() and heartbeat.stop_reason == "stopped by user":
        # The API stopped the execution and marked the job, so no task waits for a result.
        return 0
    if heartbeat.stopped.is_set():
        _send_failure(sfn, task_token, "RunnerStopped", heartbeat.stop_reason or "", logger, job)
        return 1
    if summary.best_outcome is None and summary.trials_done > 0:
        cause = f"none of the {summary.trials_done} trials succeeded"
        _send_failure(sfn, task_token, "NoSuccessfulTrial", cause, logger, job)
        return 1
    sfn.send_task_success(taskToken=task_token, output=summary.as_output())
    return 0


if __name__ == "__main__":
    sys.exit(main())
