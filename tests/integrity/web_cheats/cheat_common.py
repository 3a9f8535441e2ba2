"""What both web cheat agents share: the web contract loop around one cheat, and /proc reading.

A cheat agent tampers on the first observation, reports on stderr what it found and did, then
answers one harmless action (a scroll, so the harness reads the page's reward once more) and
gives up. It is copied into each cheat's directory as `cheat_common.py` by the test."""

import json
import os
import sys


def processes():
    """(pid, argv) of every process this agent can see."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
        except OSError:
            continue
        yield int(pid), argv


def play(cheat):
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("type") != "observation":
            break
        if message["step"] == 0:
            for note in cheat():
                print(f"cheat: {note}", file=sys.stderr, flush=True)
            print(json.dumps({"action": "scroll", "dy": 0}), flush=True)
        else:
            print(json.dumps({"action": "done"}), flush=True)
