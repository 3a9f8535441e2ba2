"""Per-role endpoints: `models.<role>` as a name or a table, each role's own base URL and key
variable, local models free, and a dollar budget refused while a non-local model has no price."""

from __future__ import annotations

import pytest

from godelbox.config import Config, ConfigError, dump_toml, load_config
from godelbox.llm.endpoints import (
    EndpointError,
    api_key_of,
    check_budget_can_be_enforced,
    is_local,
    unpriced_roles,
)
from godelbox.proposer.llm import LLMCallRecord, LLMClient, LLMConfigError


def never_priced(_model: str) -> bool:
    return False


def test_a_role_takes_a_name_or_a_table_and_the_table_survives_the_snapshot(tmp_path) -> None:
    config_file = tmp_path / "godelbox.toml"
    config_file.write_text(
        '[models]\ndiagnose = "openai/gpt-4o"\n'
        '[models.agent]\nmodel = "openai/local"\napi_base = "http://127.0.0.1:8079/v1"\n'
        "context_window = 8192\n",
        encoding="utf-8",
    )
    config = load_config(config_file, env={}).config
    assert (config.models.diagnose, config.models.agent) == ("openai/gpt-4o", "openai/local")
    assert config.models.endpoints["agent"].context_window == 8192
    assert "diagnose" not in config.models.endpoints

    snapshot = tmp_path / "snapshot.toml"
    snapshot.write_text(dump_toml(config), encoding="utf-8")
    assert load_config(snapshot, env={}).config == config


def test_a_table_can_come_from_the_command_line() -> None:
    loaded = load_config(
        overrides={
            "models.judge": '{model = "ollama/llama3", api_base = "http://localhost:11434"}'
        },
        env={},
    )
    assert loaded.config.models.judge == "ollama/llama3"
    assert is_local(loaded.config.models, "judge")


def test_an_endpoint_table_that_contradicts_its_role_is_refused() -> None:
    with pytest.raises(ConfigError, match="set the role once"):
        load_config(
            overrides={"models.agent": "a", "models.endpoints": '{agent = {model = "b"}}'}, env={}
        )


def test_local_means_a_loopback_table_or_the_flag_never_the_global_base() -> None:
    models = Config.model_validate(
        {
            "models": {
                "agent": {"model": "openai/local", "api_base": "http://[::1]:8079/v1"},
                "judge": {
                    "model": "openai/vllm",
                    "api_base": "http://10.1.2.3:8000/v1",
                    "local": True,
                },
                "implement": {
                    "model": "openai/x",
                    "api_base": "http://127.0.0.1:1/v1",
                    "local": False,
                },
                "diagnose": "openai/gpt-4o",
                "api_base": "http://127.0.0.1:4000",
            }
        }
    ).models
    assert [is_local(models, r) for r in ("agent", "judge", "implement", "diagnose")] == [
        True,
        True,
        False,
        False,
    ]


def test_a_key_variable_is_read_on_the_host_and_a_missing_one_says_which() -> None:
    models = Config.model_validate(
        {"models": {"agent": {"model": "openai/m", "api_key_env": "MY_PROVIDER_KEY"}}}
    ).models
    assert api_key_of(models, "agent", {"MY_PROVIDER_KEY": "sk-1"}) == "sk-1"
    with pytest.raises(EndpointError, match="MY_PROVIDER_KEY, which is not set"):
        api_key_of(models, "agent", {})


def test_a_dollar_budget_refuses_an_unpriced_remote_model_but_not_a_local_one() -> None:
    data = {
        "models": {
            "agent": {"model": "openai/local", "api_base": "http://127.0.0.1:8079/v1"},
            "diagnose": "openai/mystery",
            "judge": {
                "model": "openai/priced",
                "input_usd_per_token": 1e-6,
                "output_usd_per_token": 2e-6,
            },
        },
        "llm": {"run_budget_usd": 5.0},
    }
    config = Config.model_validate(data)
    assert unpriced_roles(config, never_priced) == ["diagnose"]
    with pytest.raises(EndpointError) as info:
        check_budget_can_be_enforced(config, never_priced, "godelbox run")
    message = str(info.value)
    assert message.startswith("godelbox run: ") and "models.diagnose = openai/mystery" in message
    assert "input_usd_per_token" in message and "local = true" in message
    # No budget, or a price for it: accepted.
    check_budget_can_be_enforced(
        Config.model_validate({**data, "llm": {}}), never_priced, "godelbox run"
    )
    priced = {**data, "llm": {"run_budget_usd": 5.0, "prices": [_price("openai/mystery")]}}
    check_budget_can_be_enforced(Config.model_validate(priced), never_priced, "godelbox run")


def test_the_loop_refuses_the_same_run_eval_refuses(tmp_path) -> None:
    """The loop's setup applies the rule before anything starts (no sandbox, no call)."""
    from godelbox.loop.setup import check_models

    config = Config.model_validate(
        {
            "models": {"diagnose": "openai/mystery", "implement": "openai/mystery"},
            "llm": {"run_budget_usd": 1.0},
        }
    )
    with pytest.raises(EndpointError, match=r"godelbox run: llm.run_budget_usd is \$1"):
        check_models(config)


def test_each_role_calls_its_own_endpoint_with_its_own_key(fake_llm, monkeypatch) -> None:
    monkeypatch.setenv("JUDGE_KEY", "sk-judge-only")
    models = Config.model_validate(
        {
            "models": {
                "agent": {"model": "openai/fake-agent", "api_base": fake_llm.url},
                "judge": {
                    "model": "openai/fake-judge",
                    "api_base": fake_llm.url + "/",
                    "api_key_env": "JUDGE_KEY",
                    "local": False,
                    "input_usd_per_token": 1e-3,
                    "output_usd_per_token": 2e-3,
                },
            }
        }
    ).models
    records: list[LLMCallRecord] = []
    client = LLMClient(models, fake_llm.llm_section(prices=[]), records.append)
    fake_llm.script(fake_llm.text("a", tokens=(10, 5)), fake_llm.text("j", tokens=(10, 5)))

    client.complete("agent", [{"role": "user", "content": "hi"}])
    client.complete("judge", [{"role": "user", "content": "hi"}])

    agent_request, judge_request = fake_llm.requests
    assert agent_request.headers["authorization"] == "Bearer godelbox-local"
    assert judge_request.headers["authorization"] == "Bearer sk-judge-only"
    # Every call is bounded even when the caller asks for no cap.
    assert agent_request.body["max_tokens"] == fake_llm.llm_section().max_output_tokens
    agent, judge = records
    assert (agent.cost_usd, agent.cost_known) == (0.0, True)  # local: free, and known to be
    assert judge.cost_usd == pytest.approx(10 * 1e-3 + 5 * 2e-3)


def test_a_missing_key_variable_is_a_config_error_before_any_request(fake_llm) -> None:
    models = Config.model_validate(
        {"models": {"agent": {"model": "openai/fake-agent", "api_key_env": "NOT_SET_ANYWHERE"}}}
    ).models
    client = LLMClient(models, fake_llm.llm_section(), lambda _r: None)
    with pytest.raises(LLMConfigError, match="NOT_SET_ANYWHERE"):
        client.complete("agent", [{"role": "user", "content": "hi"}])
    assert fake_llm.requests == []


def _price(model: str) -> dict[str, object]:
    return {"model": model, "input_usd_per_token": 1e-6, "output_usd_per_token": 1e-6}
