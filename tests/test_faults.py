"""Injected faults: runners killed at random moments, huge output, DynamoDB throttling."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from botocore.awsrequest import AWSResponse

from paropt.storage import JobModel
from tests.conftest import HEARTBEAT_SECONDS, experiment_body
from tests.jobs import wait_for_status
from tests.test_runner import _launch_runner, _start, _trials

KILLS = 10


def _kill_batch(alice, deployment, rng: random.Random, first: int, count: int) -> list:  # noqa: ANN001
    """Start ``count`` runs, kill each runner at a random moment, and return their results."""
    runs = []
    for number in range(first, first + count):
        body = experiment_body(
            parameters=[{"name": "x", "type": "int", "minimum": 1, "maximum": 200}],
            command_template_string=f"sleep 0.2; : ${{x}} {number}",
        )
        # 200 trials of 0.2 s: no run can finish before its kill.
        optimizer = {"type": "grid", "num_configs_per_param": 200}
        experiment_id, job_id = _start(alice, body, optimizer)
        runs.append((experiment_id, job_id, _launch_runner(deployment, job_id)))
    results = []
    for experiment_id, job_id, runner in runs:
        # A random moment after the runner has recorded its first trial, so the
        # kill hits a runner in the middle of its work.
        deadline = time.monotonic() + 120
        while not _trials(experiment_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
        results.append((experiment_id, job_id, time.monotonic(), len(_trials(experiment_id))))
    return results


def test_runners_killed_at_random_moments(alice, deployment, record_property) -> None:
    rng = random.Random(20261204)
    slowest = 0.0
    kept_total = 0
    runs = []
    # Two batches of five runners at once keep a 2-core machine responsive.
    for first in (0, KILLS // 2):
        for experiment_id, job_id, killed_at, recorded in _kill_batch(
            alice, deployment, rng, first, KILLS // 2
        ):
            job = wait_for_status(job_id, {"failed"}, timeout=HEARTBEAT_SECONDS + 15)
            slowest = max(slowest, time.monotonic() - killed_at)
            trials = _trials(experiment_id)
            assert job.status == "failed"
            assert len(trials) >= recorded
            assert all(trial.status == "succeeded" for trial in trials)
            assert int(job.trials_done or 0) <= len(trials)
            kept_total += len(trials)
            runs.append((experiment_id, job_id))
    record_property("slowest_seconds_from_kill_to_failed", round(slowest, 2))
    record_property("trials_kept", kept_total)
    assert slowest < HEARTBEAT_SECONDS + 15
    assert kept_total >= KILLS

    # The next run of one of them continues from the trials that survived.
    experiment_id, _ = runs[0]
    kept = {trial.parameters["x"] for trial in _trials(experiment_id)}
    status, answer = alice.request(
        "POST",
        f"/experiments/{experiment_id}/trials",
        {"optimizer": {"type": "random", "n_trials": 3, "seed": 1}},
    )
    assert status == 202
    job_id = answer["job"]["job_id"]
    _launch_runner(deployment, job_id).communicate(timeout=120)
    assert wait_for_status(job_id, {"finished", "failed"}).status == "finished"
    new = [t.parameters["x"] for t in _trials(experiment_id) if t.job_id == job_id]
    assert len(new) == 3
    assert not kept & set(new)


def test_huge_output_keeps_runner_memory_bounded(tmp_path, record_property) -> None:
    script = textwrap.dedent(
        """
        import resource
        from paropt.runner.trial import TrialScripts, run_trial

        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        run_trial(TrialScripts(command="echo small"))
        before = peak()
        command = "head -c 100000000 /dev/zero | tr '\\\\0' 'x'; echo; echo last line"
        result = run_trial(TrialScripts(command=command))
        print(result.status, len(result.output_tail), result.output_tail.endswith("last line\\n"))
        print(before, peak())
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split("\n")
    status, tail_length, ends_with_last_line = output[0].split()
    before_kib, after_kib = (int(value) for value in output[1].split())
    record_property("runner_peak_rss_growth_mib", round((after_kib - before_kib) / 1024, 1))
    assert status == "succeeded"
    assert int(tail_length) <= 4096
    assert ends_with_last_line == "True"
    # 100 MB went through the tool's output; the runner's peak memory barely moves.
    assert after_kib - before_kib < 20 * 1024


class Throttle:
    """Returns a throttling error for the first ``count`` DynamoDB requests."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.sent = 0

    def __call__(self, request, **kwargs):  # noqa: ANN001, ANN003, ANN204
        self.sent += 1
        if self.left <= 0:
            return None
        self.left -= 1
        body = (
            b'{"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
        )
        body += b'"message": "injected throttling"}'
        return AWSResponse(
            request.url,
            400,
            {"x-amzn-ErrorType": "ProvisionedThroughputExceededException"},
            _Raw(body),
        )


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs):  # noqa: ANN003, ANN201
        yield self._body


@pytest.fixture
def dynamodb_events(deployment):  # noqa: ANN001, ANN201
    client = JobModel._get_connection().connection.client
    return client.meta.events


def test_throttled_reads_are_retried(dynamodb_events) -> None:  # noqa: ANN001
    throttle = Throttle(3)
    dynamodb_events.register("before-send.dynamodb", throttle)
    try:
        with pytest.raises(JobModel.DoesNotExist):
            JobModel.get("0" * 32)
    finally:
        dynamodb_events.unregister("before-send.dynamodb", throttle)
    # Three throttled attempts, then the one that reached moto.
    assert throttle.sent == 4
