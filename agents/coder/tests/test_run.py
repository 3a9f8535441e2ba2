"""The entry point refuses unusable setups with one clear message instead of a traceback."""

from pathlib import Path

import pytest
from config import AgentConfig
from run import main


@pytest.fixture
def args(repo: Path) -> list[str]:
    problem = repo.parent / "problem.md"
    problem.write_text("Fix add.")
    return ["--workspace", str(repo), "--problem", str(problem), "--log-dir", str(repo.parent)]


def test_without_a_gateway_socket_it_says_a_model_is_needed(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GODELBOX_LLM_SOCKET", raising=False)
    assert main(args) == 2
    assert "GODELBOX_LLM_SOCKET is not set" in capsys.readouterr().err


def test_a_missing_workspace_or_a_bad_time_budget_is_a_usage_error(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--workspace", "/nonexistent", *args[2:]])
    assert exit_info.value.code == 2 and "is not a directory" in capsys.readouterr().err
    monkeypatch.setenv("GODELBOX_LLM_SOCKET", "/nonexistent.sock")
    monkeypatch.setenv("GODELBOX_TIME_BUDGET_S", "ten minutes")
    with pytest.raises(SystemExit):
        main(args)
    assert "must be a number of seconds" in capsys.readouterr().err


def test_the_time_budget_comes_from_the_contract_environment() -> None:
    assert AgentConfig().with_env({"GODELBOX_TIME_BUDGET_S": "90"}).time_budget_s == 90.0
    assert AgentConfig().with_env({}).time_budget_s == 0.0
