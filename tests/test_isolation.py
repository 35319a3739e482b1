"""Two users: every endpoint treats the other user's ids as if they did not exist."""

from __future__ import annotations

import pytest

from tests.conftest import experiment_body


@pytest.fixture(scope="module")
def alices_job(alice) -> tuple[str, str]:  # noqa: ANN001
    _, experiment = alice.request("POST", "/experiments", experiment_body())
    status, answer = alice.request("POST", f"/experiments/{experiment['id']}/trials", {})
    assert status == 202
    return experiment["id"], answer["job"]["job_id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/experiments/{experiment}"),
        ("GET", "/experiments/{experiment}/trials"),
        ("POST", "/experiments/{experiment}/trials"),
        ("GET", "/experiments/{experiment}/job"),
        ("GET", "/experiments/{experiment}/best"),
        ("POST", "/experiments/{experiment}/stop"),
        ("GET", "/jobs/{job}"),
    ],
)
def test_other_users_ids_are_missing(alice, bob, alices_job, method: str, path: str) -> None:  # noqa: ANN001
    experiment_id, job_id = alices_job
    url = path.format(experiment=experiment_id, job=job_id)
    status, answer = bob.request(method, url, {} if method == "POST" else None)
    assert status == 404
    assert answer["status"] == "missing"
    assert set(answer) == {"status", "message"}


@pytest.mark.parametrize("status_name", ["queued", "running", "finished", "failed", "stopped"])
def test_other_users_jobs_absent_from_lists(alice, bob, alices_job, status_name: str) -> None:  # noqa: ANN001
    _, job_id = alices_job
    _, jobs = bob.request("GET", f"/jobs/{status_name}")
    assert job_id not in {job["job_id"] for job in jobs}


def test_other_users_experiments_absent_from_list(bob, alices_job) -> None:  # noqa: ANN001
    experiment_id, _ = alices_job
    _, experiments = bob.request("GET", "/experiments")
    assert experiment_id not in {experiment["experiment_id"] for experiment in experiments}


def test_other_users_attempts_change_nothing(alice, bob, alices_job) -> None:  # noqa: ANN001
    experiment_id, job_id = alices_job
    bob.request("POST", f"/experiments/{experiment_id}/stop")
    bob.request("POST", f"/experiments/{experiment_id}/trials", {})
    status, job = alice.request("GET", f"/jobs/{job_id}")
    assert status == 200
    assert job["status"] in {"queued", "running", "failed"}
    assert job["status"] != "stopped"
    _, experiment = alice.request("GET", f"/experiments/{experiment_id}")
    assert experiment["active_job_id"] in {job_id, None}
