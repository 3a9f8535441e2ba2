"""Bad input: corrupt or foreign database files, missing run dirs, a newer schema, unknown
policies. Each is one line on stderr, a non-zero exit, and not a byte written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from godelbox.archive.db import (
    MIGRATIONS,
    SCHEMA_VERSION,
    NewerSchemaError,
    NotAnArchiveError,
    make_engine,
    migrate,
    sqlite_url,
    stored_version,
)
from godelbox.archive.store import DB_FILE, Archive, RunDirError
from godelbox.config import CONFIG_FILE_NAME, Config, dump_toml
from tests.archive.cli_runner import run_cli


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def fake_run_dir(tmp_path: Path, db_bytes: bytes | None) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / CONFIG_FILE_NAME).write_text(dump_toml(Config()))
    if db_bytes is not None:
        (run_dir / DB_FILE).write_bytes(db_bytes)
    return run_dir


def foreign_sqlite_bytes(tmp_path: Path) -> bytes:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('ada')")
    conn.close()
    return other.read_bytes()


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("garbage", "not a readable database"),
        ("foreign", "not a godelbox archive"),
        ("empty", "empty, not a godelbox archive"),
        ("no-db", f"has no {DB_FILE}"),
    ],
)
def test_unusable_database_is_one_line_and_writes_nothing(
    case: str, needle: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    db_bytes = {
        "garbage": b"this is not sqlite at all\n" * 200,
        "foreign": foreign_sqlite_bytes(tmp_path),
        "empty": b"",
        "no-db": None,
    }[case]
    run_dir = fake_run_dir(tmp_path, db_bytes)
    before = snapshot(run_dir)
    for args in (["archive", "ls", str(run_dir)], ["export", str(run_dir), "--format", "json"]):
        code, out, err = run_cli(args, monkeypatch, capsys)
        assert code != 0 and out == ""
        assert err.count("\n") == 1 and err.startswith("error:") and needle in err, err
    with pytest.raises((NotAnArchiveError, RunDirError)):
        Archive.open(run_dir)
    assert snapshot(run_dir) == before


def test_missing_run_dir_is_one_line_and_creates_nothing(tmp_path: Path, monkeypatch, capsys):
    missing = tmp_path / "nope"
    code, _, err = run_cli(["archive", "ls", str(missing)], monkeypatch, capsys)
    assert code != 0 and err.count("\n") == 1 and "does not exist" in err
    assert "godelbox init" in err
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_newer_schema_is_refused_without_writing(archive: Archive, monkeypatch, capsys) -> None:
    archive.close()
    db = archive.run_dir / DB_FILE
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE godelbox_meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    before = snapshot(archive.run_dir)
    with pytest.raises(NewerSchemaError, match="v99"):
        Archive.open(archive.run_dir)
    code, _, err = run_cli(["archive", "ls", str(archive.run_dir)], monkeypatch, capsys)
    assert code != 0 and err.count("\n") == 1 and "upgrade godelbox" in err
    assert snapshot(archive.run_dir) == before


def test_migrations_run_in_order_and_stamp_the_version(archive: Archive) -> None:
    archive.close()
    engine = make_engine(sqlite_url(archive.run_dir / DB_FILE))
    applied: list[int] = []

    def add_tag_column(conn) -> None:
        conn.execute(text("ALTER TABLE agent_node ADD COLUMN tag VARCHAR(32)"))
        applied.append(SCHEMA_VERSION + 1)

    def backfill(conn) -> None:
        conn.execute(text("UPDATE agent_node SET tag = 'seed'"))
        applied.append(SCHEMA_VERSION + 2)

    # Two steps after the current schema's own migrations (a new archive is already current).
    steps = [*MIGRATIONS, add_tag_column, backfill]
    assert migrate(engine, steps) == SCHEMA_VERSION + 2
    assert applied == [SCHEMA_VERSION + 1, SCHEMA_VERSION + 2]
    assert "tag" in {c["name"] for c in inspect(engine).get_columns("agent_node")}
    assert migrate(engine, steps) == SCHEMA_VERSION + 2 and len(applied) == 2
    with pytest.raises(NewerSchemaError):
        stored_version(engine, "this db")
    engine.dispose()


def test_init_refuses_a_non_empty_run_dir(tmp_path: Path, monkeypatch, capsys) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "notes.txt").write_text("mine")
    code, _, err = run_cli(["init", str(run_dir)], monkeypatch, capsys)
    assert code != 0 and err.count("\n") == 1 and "not empty" in err
    assert snapshot(run_dir) == {"notes.txt": b"mine"}


def test_unknown_policy_is_one_line_and_writes_nothing(
    archive: Archive, tmp_path: Path, monkeypatch, capsys
) -> None:
    archive.close()
    before = snapshot(archive.run_dir)
    code, out, err = run_cli(
        ["archive", "select", str(archive.run_dir), "--policy", "worst"], monkeypatch, capsys
    )
    assert code != 0 and out == "" and err.count("\n") == 1
    assert "unknown selection policy 'worst'" in err and "shinka_weighted" in err
    assert snapshot(archive.run_dir) == before

    fresh = tmp_path / "fresh"
    code, _, err = run_cli(
        ["init", str(fresh), "--set", "selection.policy=worst"], monkeypatch, capsys
    )
    assert code != 0 and err.count("\n") == 1 and "selection.policy" in err
    assert not fresh.exists()
