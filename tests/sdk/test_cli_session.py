"""The paropt command on a real local stack: a whole session, token refresh, login errors."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import time
from dataclasses import replace
from pathlib import Path

import jwt
import pytest

from paropt_sdk import CognitoAuth, CognitoLogin, NotLoggedIn, ParoptClient
from paropt_sdk.credentials import CredentialsFile
from paropt_sdk.profile import load_local_profile
from tests.conftest import ROOT
from tests.sdk.conftest import LocalStackProcess, assert_one_error_line, paropt

EXAMPLES = ROOT / "examples" / "previous_sdk"


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client's config folder, shared by the tests of the module."""
    return tmp_path_factory.mktemp("config")


def credentials_path(config_dir: Path) -> Path:
    return config_dir / "credentials"


def test_cli_full_session(local_stack: LocalStackProcess, config_dir: Path, tmp_path: Path) -> None:
    login = paropt(local_stack, config_dir, "--local", "login")
    assert login.returncode == 0, login.stderr
    assert "as paropt-user" in login.stdout
    path = credentials_path(config_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    grid = paropt(
        local_stack,
        config_dir,
        "--local",
        "run",
        str(EXAMPLES / "experiment.yaml"),
        str(EXAMPLES / "grid.yaml"),
        "--wait",
    )
    assert grid.returncode == 0, grid.stderr
    match = re.search(r"^experiment ([0-9a-f]{32}) \(xz\)$", grid.stdout, re.MULTILINE)
    assert match, grid.stdout
    experiment_id = match.group(1)
    assert "finished: 4 trials, 0 failed" in grid.stdout
    # Standard error is not a terminal here, so progress comes as lines, not a bar.
    assert "4/4 trials" in grid.stderr

    bayesopt = paropt(
        local_stack,
        config_dir,
        "--local",
        "run",
        str(EXAMPLES / "experiment.yaml"),
        str(EXAMPLES / "bayesopt.yaml"),
        "--wait",
        "--json",
        "--no-progress",
    )
    assert bayesopt.returncode == 0, bayesopt.stderr
    assert bayesopt.stderr == ""
    job = json.loads(bayesopt.stdout)
    assert job["experiment_id"] == experiment_id
    assert job["status"] == "finished"
    assert job["run_number"] == 2
    assert job["progress"]["trials_done"] == 2

    as_json = paropt(
        local_stack, config_dir, "--local", "trials", experiment_id, "--format", "json"
    )
    assert as_json.returncode == 0, as_json.stderr
    trials = json.loads(as_json.stdout)
    assert [trial["trial_number"] for trial in trials] == [1, 2, 3, 4, 5, 6]
    assert {trial["status"] for trial in trials} == {"succeeded"}
    assert len({json.dumps(trial["parameters"], sort_keys=True) for trial in trials}) == 6

    table = paropt(local_stack, config_dir, "--local", "trials", experiment_id)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:6] == ["#", "run", "threads", "level", "status", "outcome"]
    assert len(lines) == 7

    as_csv = paropt(local_stack, config_dir, "--local", "trials", experiment_id, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 6
    assert {row["parameters.threads"] for row in rows} == {"1", "2"}
    assert [float(row["outcome"]) for row in rows] == [trial["outcome"] for trial in trials]

    only_run_two = paropt(
        local_stack,
        config_dir,
        "--local",
        "trials",
        experiment_id,
        "--run",
        "2",
        "--format",
        "json",
    )
    assert [trial["run_number"] for trial in json.loads(only_run_two.stdout)] == [2, 2]

    best = paropt(local_stack, config_dir, "--local", "best", experiment_id, "--json")
    assert best.returncode == 0, best.stderr
    best_result = json.loads(best.stdout)
    assert best_result["outcome"] == min(trial["outcome"] for trial in trials)
    best_text = paropt(local_stack, config_dir, "--local", "best", experiment_id)
    assert f"trial {best_result['trial_number']}" in best_text.stdout

    jobs = paropt(local_stack, config_dir, "--local", "jobs")
    assert jobs.returncode == 0, jobs.stderr
    assert job["job_id"] in jobs.stdout
    finished = paropt(local_stack, config_dir, "--local", "jobs", "finished", "--json")
    finished_ids = {item["job_id"] for item in json.loads(finished.stdout)}
    assert job["job_id"] in finished_ids
    assert len(finished_ids) == 2
    assert (
        json.loads(paropt(local_stack, config_dir, "--local", "jobs", "running", "--json").stdout)
        == []
    )

    job_text = paropt(local_stack, config_dir, "--local", "job", job["job_id"])
    assert job_text.returncode == 0, job_text.stderr
    assert re.search(r"^status:\s+finished$", job_text.stdout, re.MULTILINE)
    assert re.search(r"^trials:\s+2 of 2 done, 0 failed$", job_text.stdout, re.MULTILINE)

    listed = paropt(local_stack, config_dir, "--local", "experiments", "--json")
    assert experiment_id in {item["experiment_id"] for item in json.loads(listed.stdout)}
    got = paropt(local_stack, config_dir, "--local", "experiment", "get", experiment_id)
    assert got.returncode == 0, got.stderr
    assert "threads (int): 1..2" in got.stdout

    image = tmp_path / "trials.png"
    plotted = paropt(local_stack, config_dir, "--local", "plot", experiment_id, "-o", str(image))
    assert plotted.returncode == 0, plotted.stderr
    data = image.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000

    logout = paropt(local_stack, config_dir, "--local", "logout")
    assert logout.returncode == 0, logout.stderr
    assert "Traceback" not in logout.stderr
    assert not path.exists()


def test_cli_logs_in_automatically(local_stack: LocalStackProcess, tmp_path: Path) -> None:
    config_dir = tmp_path / "fresh"
    listed = paropt(local_stack, config_dir, "--local", "experiments")
    assert listed.returncode == 0, listed.stderr
    session = CredentialsFile(credentials_path(config_dir)).load(
        load_local_profile(local_stack.info_path).api_url
    )
    assert session is not None
    assert session.username == "paropt-user"


def test_cli_refreshes_expired_token(local_stack: LocalStackProcess, tmp_path: Path) -> None:
    config_dir = tmp_path / "refresh"
    assert paropt(local_stack, config_dir, "--local", "login").returncode == 0
    path = credentials_path(config_dir)
    content = json.loads(path.read_text())
    ((api_url, session),) = content["sessions"].items()
    refresh_token = session["refresh_token"]
    # An expired token that the API would reject: it is signed with a key of the
    # test's own, so only a refreshed token lets the request through.
    expired = jwt.encode(
        {"exp": int(time.time()) - 60, "sub": "nobody"},
        "a-test-key-that-is-32-bytes-long",
        algorithm="HS256",
    )
    session.update(id_token=expired, expires_at=time.time() - 60)
    path.write_text(json.dumps(content))

    listed = paropt(local_stack, config_dir, "--local", "experiments", "--json")
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)
    refreshed = json.loads(path.read_text())["sessions"][api_url]
    assert refreshed["refresh_token"] == refresh_token
    assert refreshed["id_token"] != expired
    assert jwt.get_unverified_header(refreshed["id_token"])["alg"] == "RS256"
    assert refreshed["expires_at"] > time.time() + 600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_client_refreshes_short_lived_token(local_stack: LocalStackProcess, tmp_path: Path) -> None:
    profile = load_local_profile(local_stack.info_path)
    credentials = CredentialsFile(tmp_path / "credentials")
    login = CognitoLogin(profile.api_url, profile.cognito, credentials=credentials)
    first = login.login(*profile.local_user)
    # The local stack's Cognito (moto) issues ID tokens that live an hour, so a
    # margin of two hours makes every token short-lived: each request refreshes.
    auth = CognitoAuth(login, refresh_margin=7200)
    with ParoptClient(profile.api_url, auth=auth, local_key=profile.local_key) as client:
        assert isinstance(client.list_experiments(), list)
        second = credentials.load(profile.api_url)
        assert isinstance(client.list_jobs("running"), list)
        third = credentials.load(profile.api_url)
    assert second.id_token != first.id_token
    assert third.id_token != second.id_token
    assert third.refresh_token == first.refresh_token


def test_client_needs_login_after_rejected_refresh(
    local_stack: LocalStackProcess, tmp_path: Path
) -> None:
    profile = load_local_profile(local_stack.info_path)
    credentials = CredentialsFile(tmp_path / "credentials")
    login = CognitoLogin(profile.api_url, profile.cognito, credentials=credentials)
    session = login.login(*profile.local_user)
    credentials.save(replace(session, refresh_token="revoked", expires_at=time.time() - 1))
    client = ParoptClient(profile.api_url, auth=CognitoAuth(login), local_key=profile.local_key)
    with pytest.raises(NotLoggedIn, match="paropt login"):
        client.list_experiments()
    assert credentials.load(profile.api_url) is None

    credentials.save(replace(session, refresh_token="revoked", expires_at=time.time() - 1))
    relogin = CognitoAuth(login, password_login=lambda: profile.local_user)
    client = ParoptClient(profile.api_url, auth=relogin, local_key=profile.local_key)
    assert isinstance(client.list_experiments(), list)
    assert credentials.load(profile.api_url).refresh_token != "revoked"


def test_cli_wrong_password_fails(local_stack: LocalStackProcess, tmp_path: Path) -> None:
    config_dir = tmp_path / "wrong"
    result = paropt(
        local_stack, config_dir, "--local", "login", "--password-stdin", stdin="Wrong-password-1\n"
    )
    assert result.returncode == 1
    assert_one_error_line(result, "login failed: Incorrect username or password.")
    assert not credentials_path(config_dir).exists()

    unknown = paropt(
        local_stack,
        config_dir,
        "--local",
        "login",
        "--username",
        "nobody",
        "--password-stdin",
        stdin="Some-password-1\n",
    )
    assert unknown.returncode == 1
    assert_one_error_line(unknown, "login failed: User does not exist.")


def test_cli_login_without_terminal_is_usage_error(
    local_stack: LocalStackProcess, tmp_path: Path
) -> None:
    result = paropt(local_stack, tmp_path / "none", "--local", "login", "--username", "someone")
    assert result.returncode == 2
    assert_one_error_line(result, "--password-stdin")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "required: COMMAND"),
        (("--local", "trials"), "required: ID"),
        (("--local", "trials", "0" * 32, "--format", "xml"), "invalid choice: 'xml'"),
        (("--local", "plot", "0" * 32), "-o/--output"),
        (("--local", "jobs", "done"), "invalid choice: 'done'"),
        (("experiments",), "no service chosen"),
        (("--local", "--api-url", "http://127.0.0.1:9", "experiments"), "choose different"),
        (
            ("--local", "--local-file", "/nonexistent/local-stack.json", "experiments"),
            "does not exist",
        ),
        (("--local", "run", "/nonexistent.yaml", "grid.yaml"), "cannot read /nonexistent.yaml"),
    ],
)
def test_cli_usage_errors_exit_2(
    local_stack: LocalStackProcess, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = paropt(local_stack, tmp_path / "usage", *args)
    assert result.returncode == 2
    assert_one_error_line(result, expected)
    assert result.stdout == ""


def test_cli_api_errors_exit_1(local_stack: LocalStackProcess, config_dir: Path) -> None:
    invalid = paropt(local_stack, config_dir, "--local", "trials", "not-an-id")
    assert invalid.returncode == 1
    assert_one_error_line(invalid, "invalid experiment id 'not-an-id'")
    missing = paropt(local_stack, config_dir, "--local", "best", "0" * 32)
    assert missing.returncode == 1
    assert_one_error_line(missing, "(HTTP 404)")


def test_cli_rejected_experiment_lists_problems(
    local_stack: LocalStackProcess, config_dir: Path, tmp_path: Path
) -> None:
    experiment = tmp_path / "bad.yaml"
    experiment.write_text(
        "tool_name: bad\n"
        "parameters:\n"
        '  - {name: x, type: int, minimum: 1, maximum: "2"}\n'
        "command_template_string: echo ${y}\n"
    )
    result = paropt(local_stack, config_dir, "--local", "experiment", "create", str(experiment))
    assert result.returncode == 1
    assert_one_error_line(result, "(HTTP 400)")
    assert "parameters[0].maximum" in result.stderr
