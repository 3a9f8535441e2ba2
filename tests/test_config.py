"""Configuration: layering, provenance, and one clear error naming the key."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from godelbox.cli import app
from godelbox.config import Config, ConfigError, dump_toml, load_config


def test_defaults_are_offline_and_sourced_as_default() -> None:
    loaded = load_config(None, env={})
    assert loaded.config.models.any_configured() is False
    assert loaded.config.selection.policy == "dgm"
    assert loaded.sources["selection.policy"] == "default"


def test_layers_file_then_env_then_cli(tmp_path: Path) -> None:
    file = tmp_path / "godelbox.toml"
    file.write_text('[selection]\npolicy = "random"\n[evaluation]\nworkers = 3\n')
    loaded = load_config(
        file,
        env={"GODELBOX_EVALUATION__WORKERS": "5", "GODELBOX_MODELS__AGENT": "gpt-4o"},
        overrides={"selection.policy": "hgm"},
    )
    cfg = loaded.config
    assert (cfg.selection.policy, cfg.evaluation.workers, cfg.models.agent) == ("hgm", 5, "gpt-4o")
    assert loaded.sources["selection.policy"] == "cli"
    assert loaded.sources["evaluation.workers"] == "env:GODELBOX_EVALUATION__WORKERS"


def test_stages_from_toml_tables(tmp_path: Path) -> None:
    file = tmp_path / "g.toml"
    file.write_text(
        "[[evaluation.stages]]\ntasks = 3\nmin_score_to_continue = 0.5\n"
        "[[evaluation.stages]]\nmin_score_to_continue = 0.0\n"
    )
    stages = load_config(file, env={}).config.evaluation.stages
    assert [(s.tasks, s.min_score_to_continue) for s in stages] == [(3, 0.5), (None, 0.0)]


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"selection.policy": "nope"}, "'selection.policy' (from cli)"),
        ({"sandbox.memory_mb": "1"}, "'sandbox.memory_mb'"),
        ({"selection.polcy": "dgm"}, "unknown config key 'selection.polcy'"),
        ({"sandbox.backend": "none"}, "unsafe_no_sandbox"),
    ],
)
def test_invalid_values_name_the_key(overrides: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={}, overrides=overrides)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_toml_and_missing_file_are_user_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[selection\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml", env={})


def test_dump_round_trips(tmp_path: Path) -> None:
    cfg = load_config(None, env={}, overrides={"budget.iterations": "7", "run.name": 'a "q"'})
    file = tmp_path / "snap.toml"
    file.write_text(dump_toml(cfg.config))
    assert load_config(file, env={}).config == cfg.config
    assert isinstance(cfg.config, Config)


def test_cli_config_show_reports_origin_and_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["config", "show", "--set", "loop.eval_workers=2"])
    assert result.exit_code == 0, result.output
    assert "loop.eval_workers" in result.output and "cli" in result.output
    bad = runner.invoke(app, ["config", "show", "--set", "selection.policy=worst"])
    assert bad.exit_code != 0
