"""How the grader runs pytest and reads per-test outcomes.

The grader never trusts the repository's own pytest configuration: it passes its own ini file
(`-c`), its own `--rootdir`, `-p no:cacheprovider`, disables plugin autoloading, and runs
`python3 -P` so the working directory is not put first on `sys.path` (a `pytest.py` in the
repository cannot shadow pytest). Outcomes come from a small reporting plugin of ours that writes
exact node ids to a JSON file, instead of parsing terminal output that wraps and truncates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from godelbox.evaluator.results import TestOutcome

PLUGIN_MODULE = "godelbox_grader_report"
REPORT_ENV = "GODELBOX_GRADER_REPORT"

PLUGIN_SOURCE = f'''\
"""godelbox grader: record each test's outcome by exact node id."""
import json
import os

_outcomes = {{}}


def pytest_runtest_logreport(report):
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            _outcomes[report.nodeid] = "passed" if report.skipped else "failed"
        else:
            _outcomes[report.nodeid] = report.outcome
    elif report.failed:
        _outcomes[report.nodeid] = "error"
    elif report.skipped:
        _outcomes.setdefault(report.nodeid, "skipped")


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["{REPORT_ENV}"], "w", encoding="utf-8") as fh:
        json.dump(_outcomes, fh)
'''

INI_TEMPLATE = """\
[pytest]
# The grader's own configuration: the repository's ini files are not read. Paths here are
# relative to this file, so the repository root (and a src/ layout) is given absolutely.
pythonpath = {rootdir} {rootdir}/src
"""


def grader_files(dest: Path, rootdir: str) -> None:
    """Write the plugin and ini file the grader runs pytest with into `dest`; `rootdir` is
    where the repository will be when pytest runs."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / f"{PLUGIN_MODULE}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    (dest / "pytest.ini").write_text(INI_TEMPLATE.format(rootdir=rootdir), encoding="utf-8")


def pytest_command(grader_dir: str, rootdir: str, targets: Iterable[str]) -> list[str]:
    return [
        "python3",
        "-P",
        "-m",
        "pytest",
        "-c",
        f"{grader_dir}/pytest.ini",
        f"--rootdir={rootdir}",
        "-p",
        "no:cacheprovider",
        "-p",
        PLUGIN_MODULE,
        "-q",
        "--no-header",
        "-rN",
        *targets,
    ]


def pytest_env(grader_dir: str) -> dict[str, str]:
    return {
        "PYTHONPATH": grader_dir,
        REPORT_ENV: f"{grader_dir}/report.json",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTEST_ADDOPTS": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def test_files(test_ids: Iterable[str]) -> list[str]:
    """The files holding `test_ids`, in first-seen order: running whole files means an id that
    no longer exists is reported missing instead of aborting the whole pytest run."""
    return list(dict.fromkeys(test_id.split("::", 1)[0] for test_id in test_ids))


def parse_report(text: str | None) -> dict[str, TestOutcome]:
    """The plugin's JSON report; an absent or unreadable report means no test reported."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    known = {"passed", "failed", "error", "skipped"}
    return {str(k): v for k, v in data.items() if v in known}


def outcomes_for(
    test_ids: Iterable[str], reported: Mapping[str, TestOutcome]
) -> dict[str, TestOutcome]:
    return {test_id: reported.get(test_id, "missing") for test_id in test_ids}
