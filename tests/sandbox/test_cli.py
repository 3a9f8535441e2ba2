"""`godelbox doctor` and `godelbox sandbox sweep|build` on this machine."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from godelbox.cli import app

pytestmark = pytest.mark.docker


def test_doctor_reports_every_part(agent_image):
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    for part in ("docker engine", "agent image", "bubblewrap", "chromium", "models"):
        assert part in result.output
    assert agent_image in result.output


def test_build_is_a_cache_hit_and_sweep_runs(agent_image):
    build = CliRunner().invoke(app, ["sandbox", "build"])
    assert build.exit_code == 0 and "up to date" in build.output, build.output
    sweep = CliRunner().invoke(app, ["sandbox", "sweep"])
    assert sweep.exit_code == 0 and "leftover" in sweep.output
