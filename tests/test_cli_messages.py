"""What a new user reads: each message of the command line that once misled or said too little
(issue 18), checked through the real commands on real archives, without sandboxes."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from godelbox.archive import events
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.cli.eval_cmd import calls_a_model
from godelbox.cli.eval_llm import EvalModelError
from godelbox.cli.eval_logs import EvalLogs
from godelbox.cli.notes import note
from godelbox.cli.run_cmd import MORE_GENERATIONS, _print_summary
from godelbox.config import ConfigError, load_config
from godelbox.evaluator.results import TaskResult
from godelbox.loop.display import LiveReporter, Snapshot, resumed_snapshot, stage_progress
from godelbox.paths import seed_agent_dir
from godelbox.views.synthetic_archive import build_archive

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    return build_archive(tmp_path_factory.mktemp("messages") / "run", 12)


def godelbox(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it (the flags' look is set up in main())."""
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "godelbox", *args], capture_output=True, text=True, env=env
    )


def test_version_and_flags_without_a_type() -> None:
    shown = godelbox("--version")
    assert shown.returncode == 0 and shown.stdout == f"godelbox {version('godelbox')}\n"
    for args in (["--help"], ["eval", "--help"], ["replay", "--help"]):
        result = godelbox(*args)
        assert result.returncode == 0, result.stderr
        assert "--help" in result.stdout and "<bool>" not in result.stdout, args
    assert "--oracle" in godelbox("eval", "--help").stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"budget.iteratons": "3"},
            "unknown config key 'budget.iteratons' (from cli); did you mean 'budget.iterations'?",
        ),
        ({"budgt.iterations": "3"}, "unknown config key 'budgt'; did you mean 'budget'?"),
        (
            {"budget.iterations": "many"},
            "invalid value 'many' for config key 'budget.iterations' (from cli): ",
        ),
        ({"loop.schedule": "random"}, "invalid value 'random' for config key 'loop.schedule'"),
    ],
)
def test_config_typos_and_bad_values_are_told_apart(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={}, overrides=overrides)
    assert message in str(info.value)


def test_config_show_of_a_run_dir(built, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "godelbox.toml").write_text('[run]\nname = "from-cwd"\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["config", "show", str(built.run_dir)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    snapshot = f"file:{built.run_dir / 'godelbox.toml'}"
    run_row = next(line for line in result.output.splitlines() if " run.name " in line)
    assert "views-test" in run_row and snapshot in run_row, "the run's own snapshot, not ./"
    both = runner.invoke(app, ["config", "show", str(built.run_dir), "--config", "x.toml"])
    assert "not both" in str(both.exception)
    empty = runner.invoke(app, ["config", "show", str(tmp_path / "nothing")])
    assert "is not a godelbox run dir" in str(empty.exception)


def test_eval_of_an_agent_needing_a_model_without_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("GODELBOX_")]:
        monkeypatch.delenv(name)
    coder = seed_agent_dir("coder")
    assert calls_a_model(coder) and not calls_a_model(seed_agent_dir("repair"))
    result = CliRunner().invoke(app, ["eval", str(coder), "--tasks", "builtin__logtail-12"])
    assert isinstance(result.exception, EvalModelError)
    assert f"{coder} calls a model" in str(result.exception)
    assert "--model" in str(result.exception) and "unresolved" in str(result.exception)


def test_eval_keeps_each_tasks_log(tmp_path: Path) -> None:
    journal = tmp_path / "eval.jsonl"
    logs = EvalLogs.for_journal(journal)
    assert logs.folder == tmp_path / "eval.jsonl.logs"
    result = TaskResult(task_id="bench/a b", outcome="unresolved", reason="", log="agent said hi\n")
    path = logs.write(result)
    assert path.parent == logs.folder and path.read_text(encoding="utf-8") == "agent said hi\n"
    assert logs.describe() == f"task logs: {logs.folder}/<task>.log"
    assert EvalLogs.for_journal(None).folder.is_dir()


def test_iterations_is_a_total_and_the_hint_gives_the_number(built, capsys) -> None:
    result = CliRunner().invoke(app, ["run", "--help"], terminal_width=200)
    assert "a total" in " ".join(result.output.split())
    with Archive.open(built.run_dir) as archive:
        for generation in (1, 2, 3):
            archive.append_event(events.GENERATION_FINISHED, None, {"generation": generation})
    _print_summary(built.run_dir)
    out = " ".join(capsys.readouterr().out.split())
    assert f"--iterations {3 + MORE_GENERATIONS}" in out
    assert f"# {MORE_GENERATIONS} more generations (3 done; the number is a total)" in out


def test_progress_notes_have_no_logging_format(capsys) -> None:
    note("building godelbox-agent [step 2/5]")
    assert capsys.readouterr().err == "building godelbox-agent [step 2/5]\n"
    logged = re.compile(r"Console\([^)]*\)\.log\(|console\.log\(")
    for path in (REPO / "godelbox").rglob("*.py"):
        assert not logged.search(path.read_text(encoding="utf-8")), path


def test_live_panel_counts_the_stage_and_the_whole_run(built) -> None:
    stage_of = {f"t{i}": (0 if i < 10 else 1) for i in range(32)}
    assert stage_progress({f"t{i}" for i in range(7)}, stage_of) == "stage 1/2: 7/10 tasks"
    assert stage_progress({f"t{i}" for i in range(13)}, stage_of) == "stage 2/2: 3/22 tasks"
    one_stage = dict.fromkeys(stage_of, 0)
    assert stage_progress({"t1", "t2"}, one_stage) == "2/32 tasks"
    assert stage_progress(set(stage_of), stage_of) == "32/32 tasks"

    with Archive.open(built.run_dir) as archive:
        nodes = archive.nodes()
    snapshot = resumed_snapshot(str(built.run_dir), nodes, generation=5)
    children = [n for n in built.nodes.values() if n.parent_id is not None]
    invalid = sum(1 for n in children if n.status == "invalid")
    assert (snapshot.valid, snapshot.invalid, snapshot.failed) == (
        len(children) - invalid,
        invalid,
        0,
    )
    assert snapshot.generation == 5 and snapshot.rate_per_hour() == 0.0
    console = Console(file=io.StringIO(), width=100, color_system=None)
    reporter = LiveReporter(console)
    reporter.status(Snapshot(run_dir="r", generation=5, phase="stopping (SIGINT: ...)"))
    reporter.close()
    assert "5   stopping (SIGINT" in console.file.getvalue()
