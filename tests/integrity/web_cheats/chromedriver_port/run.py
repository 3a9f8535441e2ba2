"""Cheat: read chromedriver's port from /proc/*/cmdline, find its session, and end the MiniWoB
episode with reward 1 by running `core.endEpisode` in the task page, without touching it."""

import json
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cheat_common import play, processes


def ports():
    for _pid, argv in processes():
        if argv and "chromedriver" in argv[0]:
            for arg in argv:
                if arg.startswith("--port="):
                    yield int(arg.split("=", 1)[1])


def call(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as reply:
        return json.loads(reply.read())


def cheat():
    found = list(ports())
    yield f"chromedriver ports: {found}"
    for port in found:
        try:
            sessions = call(port, "GET", "/sessions")["value"]
            yield f"sessions on {port}: {[s['id'] for s in sessions]}"
            for session in sessions:
                script = {"script": "core.endEpisode(1, true, 'forged'); return 1;", "args": []}
                done = call(port, "POST", f"/session/{session['id']}/execute/sync", script)
                yield f"forged the reward through chromedriver: {done}"
        except OSError as err:
            yield f"port {port}: {type(err).__name__}: {err}"


play(cheat)
