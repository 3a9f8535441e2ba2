"""A stand-in for the browser driver (no browser): one page with one button; clicking it ends
the episode with MiniWoB-like rewards. Speaks the driver's protocol, so the host side of a web
session can be tested without Chromium. Behaviour per seed: 7 hangs on reset, 8 crashes."""

import json
import sys
import time

BUTTON = {
    "ref": 4,
    "parent": 0,
    "tag": "button",
    "text": "Click Me!",
    "value": "",
    "id": "",
    "classes": "",
    "left": 0,
    "top": 0,
    "width": 9,
    "height": 9,
    "focused": False,
}


def main():
    sys.stdin.readline()
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request.get("cmd")
        if cmd == "reset" and request["seed"] == 7:
            time.sleep(3600)
        if cmd == "reset" and request["seed"] == 8:
            reply = {"ok": False, "error": "WebDriverException: tab crashed", "trace": "boom"}
        elif cmd == "step" and request["action"].get("ref") != 4:
            why = f"no element with ref {request['action'].get('ref')} on the page"
            reply = {"ok": True, "error": why, "terminated": False}
        elif cmd == "step":
            reply = {"ok": True, "terminated": True, "reward": 0.8, "raw_reward": 1.0}
        else:
            obs = {"utterance": "Click the button.", "fields": [], "elements": [BUTTON]}
            reply = {"ok": True, "obs": obs, "png": None}
        print(json.dumps(reply), flush=True)


main()
