"""The demo: optimise xz on generated input through the local service's HTTP API.

``make demo`` starts the local stack, logs in as the local user through Cognito,
registers ``examples/xz_experiment.json``, runs a grid search and then Bayesian
optimisation on it, prints the best configuration of each run and every trial,
and stops the stack.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import requests

from infra.local_stack import LocalStack
from infra.local_token import local_id_token

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
JOB_END_STATUSES = {"finished", "failed", "stopped"}


class ApiClient:
    """A few calls of the paropt HTTP API with the local stack's credentials."""

    def __init__(self, info: dict) -> None:
        self.base = f"{info['api_url']}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {local_id_token(info)}"
        self.session.headers["X-Paropt-Local-Key"] = info["local_key"]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        response = self.session.request(method, self.base + path, json=body, timeout=30)
        return response.status_code, response.json()

    def expect(self, method: str, path: str, body: dict | None, statuses: set[int]) -> object:
        status, answer = self.call(method, path, body)
        if status not in statuses:
            raise RuntimeError(f"{method} {path} returned {status}: {answer}")
        return answer

    def wait_for_job(self, job_id: str, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        last_done = -1
        while time.monotonic() < deadline:
            job = self.expect("GET", f"/jobs/{job_id}", None, {200})
            done = job["progress"]["trials_done"]
            if done != last_done:
                planned = job["progress"]["trials_planned"]
                print(f"  job {job_id[:8]}: {job['status']}, {done}/{planned} trials", flush=True)
                last_done = done
            if job["status"] in JOB_END_STATUSES:
                return job
            time.sleep(0.5)
        raise RuntimeError(f"job {job_id} did not end within {timeout:g} s")


def print_trials(trials: list[dict], parameter_names: list[str]) -> None:
    header = ["#", "run", *parameter_names, "status", "seconds"]
    rows = []
    for trial in trials:
        outcome = trial["outcome"]
        rows.append(
            [
                str(trial["trial_number"]),
                str(trial["run_number"]),
                *[str(trial["parameters"][name]) for name in parameter_names],
                trial["status"],
                "-" if outcome is None else f"{outcome:.3f}",
            ]
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


class DemoRunFailed(RuntimeError):
    """A run of the demo did not finish; the message names the job and its error."""


def run_demo_optimisers(client: ApiClient) -> tuple[str, dict[str, dict]]:
    """Register the xz experiment and run the grid search, then Bayesian optimisation.

    Returns:
        The experiment id, and the best trial of each run by optimiser type.

    Raises:
        DemoRunFailed: a run failed or was stopped.
    """
    experiment_body = json.loads((EXAMPLES / "xz_experiment.json").read_text())
    experiment = client.expect("POST", "/experiments", experiment_body, {200, 201})
    experiment_id = experiment["experiment_id"]
    print(f"experiment {experiment_id} registered for {experiment['tool_name']}", flush=True)

    best_by_run = {}
    for optimizer_file in ("grid.json", "bayesopt.json"):
        optimizer = json.loads((EXAMPLES / optimizer_file).read_text())
        print(f"run with {json.dumps(optimizer['optimizer'])}", flush=True)
        answer = client.expect("POST", f"/experiments/{experiment_id}/trials", optimizer, {202})
        job = client.wait_for_job(answer["job"]["job_id"])
        if job["status"] != "finished":
            raise DemoRunFailed(
                f"job {job['job_id']} {job['status']}: {job['error']}: {job['cause']}"
            )
        best_by_run[optimizer["optimizer"]["type"]] = job["best"]
    return experiment_id, best_by_run


def run_demo(stack: LocalStack) -> int:
    started = time.monotonic()
    info = stack.start()
    print(f"local stack up: API {info['api_url']}, moto {info['aws_endpoint_url']}", flush=True)
    client = ApiClient(info)
    experiment_body = json.loads((EXAMPLES / "xz_experiment.json").read_text())
    names = [parameter["name"] for parameter in experiment_body["parameters"]]
    try:
        experiment_id, best_by_run = run_demo_optimisers(client)
    except DemoRunFailed as exc:
        print(exc)
        return 1

    trials = client.expect("GET", f"/experiments/{experiment_id}/trials", None, {200})
    print(f"\nall {len(trials)} trials of experiment {experiment_id}:")
    print_trials(trials, names)
    print()
    for optimizer_type, best in best_by_run.items():
        settings = ", ".join(f"{name}={best['parameters'][name]}" for name in names)
        print(f"best of the {optimizer_type} run: {settings} ({best['outcome']:.3f} s)")
    print(f"total time {time.monotonic() - started:.1f} s")
    return 0


def main() -> int:
    # A fresh state folder each time, so every demo starts from empty tables
    # instead of continuing the previous demo's experiment.
    with tempfile.TemporaryDirectory(prefix="paropt-demo-") as state_dir:
        stack = LocalStack(heartbeat_seconds=20, state_dir=Path(state_dir))
        try:
            return run_demo(stack)
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
