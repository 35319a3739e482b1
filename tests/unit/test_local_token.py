"""The command that prints the local stack's token, key or dashboard login."""

from __future__ import annotations

import pytest

from infra import local_token


def test_unknown_option_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        local_token.main(["--bogus"])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_help_prints_usage_not_token(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        local_token.main(["--help"])
    assert stopped.value.code == 0
    assert "--dashboard" in capsys.readouterr().out
