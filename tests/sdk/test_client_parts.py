"""Parts of the client that need no server: files, credentials, output formats, waiting, plots."""

from __future__ import annotations

import csv
import io
import json
import stat
import time
from pathlib import Path

import jwt
import pytest

from paropt_sdk import formatting
from paropt_sdk.cognito import token_expiry
from paropt_sdk.credentials import CognitoSettings, CredentialsFile, Session, config_dir
from paropt_sdk.errors import AuthenticationFailed, JobFailed, JobStopped, WaitTimedOut
from paropt_sdk.files import InvalidInputFile, load_experiment, load_run
from paropt_sdk.plot import plot_trials, running_best
from paropt_sdk.progress import BarProgress, LineProgress, NoProgress, job_progress
from paropt_sdk.wait import wait_for_job
from tests.conftest import ROOT

PREVIOUS_SDK = ROOT / "examples" / "previous_sdk"


def test_previous_sdk_files_load() -> None:
    experiment = load_experiment(PREVIOUS_SDK / "experiment.yaml")
    assert experiment["compute"] == {"type": "local", "max_threads": 7}
    for field in ("setup_template_string", "command_template_string", "finish_template_string"):
        assert "input.txt" in experiment[field]
    grid = load_run(PREVIOUS_SDK / "grid.yaml")
    assert grid == {"optimizer": {"type": "grid", "num_configs_per_param": 2}}
    bayesopt = load_run(PREVIOUS_SDK / "bayesopt.yaml")
    assert bayesopt == {"optimizer": {"type": "bayesopt", "n_init": 1, "n_iter": 1}}


def test_run_file_forms(tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("type: random\nn_trials: 3\n")
    assert load_run(bare) == {"optimizer": {"type": "random", "n_trials": 3}}
    with_rules = tmp_path / "rules.json"
    with_rules.write_text('{"optimizer": {"type": "tpe"}, "budget": 60}')
    assert load_run(with_rules) == {"optimizer": {"type": "tpe"}, "budget": 60}
    neither = tmp_path / "neither.yaml"
    neither.write_text("budget: 60\n")
    with pytest.raises(InvalidInputFile, match="optimizer"):
        load_run(neither)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("broken.yaml", "tool_name: [unclosed\n", "not valid YAML"),
        ("broken.json", "{", "not valid JSON"),
        ("list.yaml", "- 1\n- 2\n", "mapping at the top level"),
        ("date.yaml", "tool_name: x\ncreated: 2024-01-01\n", "JSON cannot represent"),
        ("nan.yaml", "tool_name: x\nvalue: .nan\n", "JSON cannot represent"),
    ],
)
def test_invalid_files_rejected(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidInputFile, match=message):
        load_experiment(path)


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputFile, match="No such file"):
        load_experiment(tmp_path / "absent.yaml")


def _session(api_url: str = "http://127.0.0.1:1/api/v1") -> Session:
    return Session(
        api_url=api_url,
        cognito=CognitoSettings(client_id="client", region="us-east-1"),
        username="alice",
        id_token="id",
        access_token="access",
        refresh_token="refresh",
        expires_at=123.0,
    )


def test_credentials_file_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAROPT_CONFIG_DIR", str(tmp_path / "config"))
    assert config_dir() == tmp_path / "config"
    credentials = CredentialsFile()
    credentials.save(_session())
    path = tmp_path / "config" / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert credentials.load("http://127.0.0.1:1/api/v1") == _session()
    assert credentials.load("http://127.0.0.1:2/api/v1") is None
    assert list(path.parent.iterdir()) == [path]


def test_credentials_delete_removes_file(tmp_path: Path) -> None:
    credentials = CredentialsFile(tmp_path / "credentials")
    credentials.save(_session("http://a/api/v1"))
    credentials.save(_session("http://b/api/v1"))
    assert credentials.delete("http://a/api/v1")
    assert credentials.load("http://b/api/v1") is not None
    assert not credentials.delete("http://a/api/v1")
    assert credentials.delete("http://b/api/v1")
    assert not (tmp_path / "credentials").exists()


def test_credentials_ignore_broken_entry(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(json.dumps({"version": 1, "sessions": {"http://a/api/v1": {"x": 1}}}))
    assert CredentialsFile(path).load("http://a/api/v1") is None
    path.write_text("{not json")
    with pytest.raises(ValueError, match="delete it"):
        CredentialsFile(path).load("http://a/api/v1")


def test_token_expiry_read_without_key() -> None:
    token = jwt.encode(
        {"exp": 1_900_000_000}, "secret-key-of-32-bytes-or-more!!", algorithm="HS256"
    )
    assert token_expiry(token) == 1_900_000_000
    no_exp = jwt.encode({"sub": "x"}, "secret-key-of-32-bytes-or-more!!", algorithm="HS256")
    with pytest.raises(AuthenticationFailed, match="exp"):
        token_expiry(no_exp)
    with pytest.raises(AuthenticationFailed, match="not a JWT"):
        token_expiry("not-a-token")


TRIALS = [
    {
        "trial_number": 1,
        "run_number": 1,
        "parameters": {"level": 0, "fast": True},
        "status": "succeeded",
        "outcome": 0.5,
        "metrics": {"runtime": 0.5},
        "job_id": "j1",
    },
    {
        "trial_number": 2,
        "run_number": 1,
        "parameters": {"level": 6, "fast": False},
        "status": "failed",
        "outcome": None,
        "reason": "command script exited with status 1",
        "exit_code": 1,
        "job_id": "j1",
    },
    {
        "trial_number": 3,
        "run_number": 2,
        "parameters": {"level": 3, "fast": False},
        "status": "succeeded",
        "outcome": 0.25,
        "metrics": {"runtime": 0.25, "ratio": 3.5},
        "job_id": "j2",
    },
]
EXPERIMENT = {
    "experiment_id": "e" * 32,
    "tool_name": "tool",
    "parameters": [
        {"name": "level", "type": "int", "minimum": 0, "maximum": 6},
        {"name": "fast", "type": "bool"},
        {"name": "mode", "type": "constant", "value": "x"},
    ],
    "objective": {"type": "runtime"},
}


def test_trials_table_lists_every_trial() -> None:
    names = formatting.parameter_names(EXPERIMENT, TRIALS)
    assert names == ["level", "fast", "mode"]
    lines = formatting.trials_table(TRIALS, names).splitlines()
    assert lines[0].split() == ["#", "run", "level", "fast", "mode", "status", "outcome", "reason"]
    assert len(lines) == 4
    assert lines[1].split()[:7] == ["1", "1", "0", "true", "-", "succeeded", "0.5"]
    assert "exited with status 1" in lines[2]


def test_trials_csv_flattens_parameters_and_metrics() -> None:
    stream = io.StringIO()
    formatting.write_trials_csv(TRIALS, ["level", "fast"], stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert len(rows) == 3
    assert rows[0]["parameters.level"] == "0"
    assert rows[0]["parameters.fast"] == "true"
    assert rows[1]["status"] == "failed"
    assert rows[1]["outcome"] == ""
    assert rows[2]["metrics.ratio"] == "3.5"
    assert rows[0]["metrics.ratio"] == ""


def test_running_best_both_directions() -> None:
    outcomes = [None, 3.0, 4.0, 1.0, None, 2.0]
    assert running_best(outcomes, maximize=False) == [None, 3.0, 3.0, 1.0, 1.0, 1.0]
    assert running_best(outcomes, maximize=True) == [None, 3.0, 4.0, 4.0, 4.0, 4.0]


def test_plot_writes_png_with_failed_trials(tmp_path: Path) -> None:
    path = plot_trials(EXPERIMENT, TRIALS, tmp_path / "trials.png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


def test_plot_rejects_no_trials(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no trials"):
        plot_trials(EXPERIMENT, [], tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()


class FakeJobs:
    """Returns a scripted sequence of job states, then repeats the last one."""

    def __init__(self, states: list[dict]) -> None:
        self.states = states
        self.calls = 0

    def get_job(self, job_id: str) -> dict:
        state = self.states[min(self.calls, len(self.states) - 1)]
        self.calls += 1
        return {"job_id": job_id, "experiment_id": "e" * 32, **state}


def _job(status: str, done: int = 0, planned: int = 4, best: float | None = None, **extra) -> dict:  # noqa: ANN003
    return {
        "status": status,
        "progress": {"trials_done": done, "trials_failed": 0, "trials_planned": planned},
        "best": None if best is None else {"outcome": best, "parameters": {}, "trial_number": 1},
        **extra,
    }


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits between polls instead of sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


def test_wait_returns_finished_job(sleeps: list[float]) -> None:
    states = [
        _job("queued"),
        _job("running"),
        _job("running"),
        _job("running"),
        _job("running", done=2, best=0.5),
        _job("finished", done=4, best=0.25),
    ]
    stream = io.StringIO()
    job = wait_for_job(FakeJobs(states), "a" * 32, stream=stream)
    assert job["status"] == "finished"
    assert sleeps == [1.0, 1.0, 1.5, 2.25, 1.0]
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("job aaaaaaaa: finished, 4/4 trials, best 0.25")


def test_wait_interval_capped(sleeps: list[float]) -> None:
    states = [_job("running")] * 8 + [_job("finished", done=4, best=1.0)]
    wait_for_job(FakeJobs(states), "a" * 32, progress=False)
    assert max(sleeps) == 5.0
    assert sleeps[-1] == 5.0


def test_wait_raises_job_failed(sleeps: list[float]) -> None:
    failed = _job(
        "failed", done=2, error="NoSuccessfulTrial", cause="none of the 2 trials succeeded"
    )
    with pytest.raises(JobFailed) as caught:
        wait_for_job(FakeJobs([_job("running"), failed]), "a" * 32, progress=False)
    assert caught.value.error == "NoSuccessfulTrial"
    assert caught.value.cause == "none of the 2 trials succeeded"
    assert "none of the 2 trials succeeded" in str(caught.value)


def test_wait_raises_job_stopped(sleeps: list[float]) -> None:
    stopped = _job("stopped", stop_reason="stopped by user")
    with pytest.raises(JobStopped, match="stopped by user"):
        wait_for_job(FakeJobs([stopped]), "a" * 32, progress=False)


def test_wait_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    with pytest.raises(WaitTimedOut, match="still running after 7 s"):
        wait_for_job(FakeJobs([_job("running")]), "a" * 32, timeout=7, progress=False)
    assert clock[0] == 7.0


def test_progress_display_fits_stream() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    assert isinstance(job_progress("a" * 32, terminal, enabled=True), BarProgress)
    assert isinstance(job_progress("a" * 32, io.StringIO(), enabled=True), LineProgress)
    assert isinstance(job_progress("a" * 32, terminal, enabled=False), NoProgress)
    bar = job_progress("a" * 32, terminal, enabled=True)
    bar.update(_job("running", done=1, planned=4, best=0.5))
    bar.close()
    assert "1/4 trials" in terminal.getvalue()
    assert "best 0.5" in terminal.getvalue()
