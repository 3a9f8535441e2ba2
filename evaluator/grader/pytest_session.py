"""Run pytest with godelbox's reporter: `python3 -I -B pytest_session.py PYTEST_ARGS...`.

The reporter is handed to pytest as an object (never imported by name, so nothing on the
repository's path can stand in for it) and writes one JSON record per line to the event pipe the
supervisor opened as fd 3: the collected node ids, every test report, collection errors, and
finally the session's own end with its exit status, the finish marker. The code under test runs
in this process and could write records too; that is why the host trusts these records only
together with the control run (docs/integrity.md).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

EVENTS_FD = 3


class Reporter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _send(self, record: dict) -> None:
        self._stream.write(json.dumps(record) + "\n")
        self._stream.flush()

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self._send({"collect_error": report.nodeid})

    def pytest_collection_finish(self, session: Any) -> None:
        self._send({"collected": [item.nodeid for item in session.items]})

    def pytest_runtest_logreport(self, report: Any) -> None:
        record = {"test": report.nodeid, "when": report.when, "outcome": report.outcome}
        if hasattr(report, "wasxfail"):
            record["xfail"] = True
        self._send(record)

    def pytest_sessionfinish(self, session: Any, exitstatus: int) -> None:
        self._send({"finished": int(exitstatus)})


def main() -> int:
    stream = os.fdopen(EVENTS_FD, "w", encoding="utf-8", errors="replace")
    import pytest

    return int(pytest.main(sys.argv[1:], plugins=[Reporter(stream)]))


if __name__ == "__main__":
    sys.exit(main())
