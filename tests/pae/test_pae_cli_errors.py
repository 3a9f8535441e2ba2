"""Bad input to the PAE/SELF commands and exports: one clear error saying what to do."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.cli.pae_cmd import MissingModelError
from godelbox.config import Config, dump_toml
from godelbox.errors import UserError
from godelbox.proposer.pae.export import NothingToExportError


def _run_dir(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    Archive.create(run_dir, dump_toml(Config())).close()
    return run_dir


def test_pae_and_self_without_models_name_the_missing_settings(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    pae = CliRunner().invoke(app, ["pae", str(run_dir)])
    assert isinstance(pae.exception, MissingModelError)
    assert "models.task_proposer, models.agent, models.judge" in str(pae.exception)
    refine = CliRunner().invoke(app, ["self", str(run_dir)])
    assert isinstance(refine.exception, MissingModelError)
    assert "models.agent" in str(refine.exception)


def test_exports_of_an_empty_run(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    sft = CliRunner().invoke(app, ["export", str(run_dir), "--format", "sft"])
    assert isinstance(sft.exception, NothingToExportError)
    assert "no successful trajectory" in str(sft.exception) and sft.stdout == ""
    no_output = CliRunner().invoke(app, ["export", str(run_dir), "--format", "swebench"])
    assert isinstance(no_output.exception, UserError)
    assert "--output" in str(no_output.exception)
    out = tmp_path / "tasks.jsonl"
    empty = CliRunner().invoke(
        app, ["export", str(run_dir), "--format", "swebench", "--output", str(out)]
    )
    assert isinstance(empty.exception, NothingToExportError)
    assert "run `godelbox pae` first" in str(empty.exception)
    assert not out.exists()
