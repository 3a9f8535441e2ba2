"""Runs the real `godelbox` entry point in process, for tests that check exit codes and stderr."""

from __future__ import annotations

import sys

import pytest

from godelbox.cli import main


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[int, str, str]:
    """`godelbox ARGS...` through `main()` (which turns user errors into one line): returns the
    exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["godelbox", *args])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err
