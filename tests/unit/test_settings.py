"""Settings read from the environment."""

from __future__ import annotations

import pytest

from paropt.settings import Settings


def test_ec2_network_settings_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAROPT_EC2_SUBNET_IDS", "subnet-a, subnet-b,")
    monkeypatch.setenv("PAROPT_EC2_SECURITY_GROUP_ID", "sg-1")
    monkeypatch.setenv("PAROPT_WORKER_PORT", "54000")
    settings = Settings.from_environment()
    assert settings.ec2_subnet_ids == ("subnet-a", "subnet-b")
    assert settings.ec2_security_group_id == "sg-1"
    assert settings.worker_port == 54000


def test_ec2_network_settings_default_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAROPT_EC2_SUBNET_IDS", "PAROPT_EC2_SECURITY_GROUP_ID", "PAROPT_WORKER_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_environment()
    assert settings.ec2_subnet_ids == ()
    assert settings.ec2_security_group_id is None
    assert settings.worker_port is None
