"""Signal tricks: the code under test sends SIGTERM, then SIGKILL, to its parent (the process
that would report its result) and to that parent's process group."""

from plant import args, plant

PAYLOAD = """
import os as _os
import signal as _signal

for _sig in (_signal.SIGTERM, _signal.SIGKILL):
    try:
        _os.kill(_os.getppid(), _sig)
        _os.killpg(_os.getpgid(_os.getppid()), _sig)
    except OSError:
        pass
"""

a = args()
plant(a.workspace, PAYLOAD, a.log_dir, "kill the parent")
