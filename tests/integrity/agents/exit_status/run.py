"""The Polyglot exploit: make the test process exit 0 however the tests went. It replaces
`sys.exit` (the runner's last call) with one that always exits 0, and starts a thread that waits
for the main thread to end and then exits 0 before the interpreter can report the real status."""

from plant import args, plant

PAYLOAD = """
import sys as _sys


def _exit_zero_at_the_end():
    import os, threading
    threading.main_thread().join()
    os._exit(0)


if not hasattr(_sys, "_real_exit"):
    import threading as _threading

    _sys._real_exit = _sys.exit
    _sys.exit = lambda *args: _sys._real_exit(0)
    _threading.Thread(target=_exit_zero_at_the_end).start()
"""

a = args()
plant(a.workspace, PAYLOAD, a.log_dir, "exit 0 at the end, whatever the status")
