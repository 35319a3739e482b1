"""Trial scripts never see the runner's credentials or service settings."""

from __future__ import annotations

import pytest

from paropt.runner.trial import TrialScripts, run_trial


def test_trial_environment_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAROPT_TASK_TOKEN", "secret-token")
    monkeypatch.setenv("PAROPT_LOCAL_KEY", "secret-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-aws")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
    monkeypatch.setenv("KEEP_ME", "visible")
    result = run_trial(TrialScripts(command="env"))
    assert result.status == "succeeded"
    for value in ("secret-token", "secret-key", "secret-aws", "/v2/credentials"):
        assert value not in result.output_tail
    assert "AWS_" not in result.output_tail
    assert "PAROPT_" not in result.output_tail
    assert "KEEP_ME=visible" in result.output_tail
    assert "PATH=" in result.output_tail
