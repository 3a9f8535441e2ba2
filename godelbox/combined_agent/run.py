"""A combined agent: a coding agent (coding/) and a web agent (web/) in one lineage, so one run
can be scored on coding and web benchmarks at once.

Usage: the coding contract (`--workspace ... --problem ... --log-dir ...`) runs coding/run.py,
the web contract (`--web --log-dir ...`) runs web/run.py, each with the same arguments and
environment (the process is replaced, so stdin, stdout and signals are theirs). Stdlib only.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    part = "web" if "--web" in sys.argv[1:] else "coding"
    entry = HERE / part / "run.py"
    os.execv(sys.executable, [sys.executable, str(entry), *sys.argv[1:]])


if __name__ == "__main__":
    main()
