"""Make the agent's modules importable however pytest is started (the sandbox runs
`python3 -m pytest -q -x tests` from the agent's directory)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
