"""A pytest plugin the repair agent loads into the test runs it makes (-p godelbox_repair_probe).

It records each test's outcome and, when REPAIR_PROBE_TRACE=1, the lines of files under
REPAIR_PROBE_ROOT that the test executed (sys.settrace, stdlib only), and writes both as JSON to
REPAIR_PROBE_OUT at the end of the session. With REPAIR_PROBE_TEST_TIMEOUT (seconds of CPU
time, so a busy machine does not change outcomes) a test that runs longer fails (SIGPROF), so
one looping test costs seconds, not the whole run. It lives alone in its directory, with a name no
repository uses, so putting it on sys.path cannot shadow the code under test.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

import pytest

_ROOT = os.path.realpath(os.environ.get("REPAIR_PROBE_ROOT", "/nonexistent")) + os.sep
_OUT = os.environ.get("REPAIR_PROBE_OUT", "")
_TRACE = os.environ.get("REPAIR_PROBE_TRACE") == "1"
_TIMEOUT = float(os.environ.get("REPAIR_PROBE_TEST_TIMEOUT", "0") or 0)

_outcomes: dict[str, str] = {}
_lines: dict[str, dict[str, set[int]]] = {}
_wanted: dict[str, str | None] = {}


def _relative(filename: str) -> str | None:
    if filename not in _wanted:
        real = os.path.realpath(filename)
        _wanted[filename] = real[len(_ROOT) :] if real.startswith(_ROOT) else None
    return _wanted[filename]


class _Recorder:
    def __init__(self) -> None:
        self.lines: dict[str, set[int]] = {}

    def on_call(self, frame, event, arg):
        rel = _relative(frame.f_code.co_filename)
        if rel is None:
            return None
        self.lines.setdefault(rel, set()).add(frame.f_lineno)
        return self.on_line

    def on_line(self, frame, event, arg):
        if event == "line":
            rel = _relative(frame.f_code.co_filename)
            if rel is not None:
                self.lines.setdefault(rel, set()).add(frame.f_lineno)
        return self.on_line


class TestTimeout(Exception):
    """The test ran past REPAIR_PROBE_TEST_TIMEOUT."""


def _alarm(signum, frame):
    raise TestTimeout(f"test used more than {_TIMEOUT:g}s of CPU time")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    timed = _TIMEOUT > 0 and threading.current_thread() is threading.main_thread()
    if timed:
        previous_handler = signal.signal(signal.SIGPROF, _alarm)
        signal.setitimer(signal.ITIMER_PROF, _TIMEOUT)
    try:
        yield from _traced(item)
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous_handler)


def _traced(item):
    if not _TRACE:
        yield
        return
    recorder = _Recorder()
    previous = sys.gettrace()
    threading.settrace(recorder.on_call)
    sys.settrace(recorder.on_call)
    try:
        yield
    finally:
        sys.settrace(previous)
        threading.settrace(None)
        _lines[item.nodeid] = recorder.lines


def pytest_runtest_logreport(report):
    current = _outcomes.get(report.nodeid)
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.skipped and current is None:
        _outcomes[report.nodeid] = "skipped"
    elif report.when == "call" and current is None:
        _outcomes[report.nodeid] = "passed"


def pytest_collectreport(report):
    if report.failed:
        _outcomes[f"<collect>{report.nodeid}"] = "failed"


def pytest_sessionfinish(session, exitstatus):
    if not _OUT:
        return
    data = {
        "outcomes": _outcomes,
        "lines": {
            test: {path: sorted(lines) for path, lines in files.items()}
            for test, files in _lines.items()
        },
    }
    with open(_OUT, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
