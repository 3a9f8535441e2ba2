"""An LLM-free scripted policy for the web harness tests: NEVER an agent of the system.

Speaks the web agent contract (JSONL on stdin/stdout). `policy.json` next to this file maps an
episode id (`<task>-<seed>`, the name of the --log-dir) or a task name to a behaviour (default
"solve"):
- solve: click-test / click-button / enter-text style: type the target into an empty text
  input, then click the button whose text is the target, else Submit, else the only button;
- wrong: click a button whose text is NOT the target;
- bad-ref: first click a ref that is not on the page, then solve;
- hang: never answer (the driver must kill it at the episode limit);
- freeze-browser: SIGSTOP every Chromium and chromedriver process, then act (the browser hangs,
  the host must kill the batch);
- forge: try to write a fake result onto the driver's stdout and read its memory, report what
  happened on stderr, then give up.
"""

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

POLICY = json.loads((Path(__file__).parent / "policy.json").read_text())
EPISODE = Path(sys.argv[sys.argv.index("--log-dir") + 1]).name


def say(action):
    print(json.dumps(action), flush=True)


def solve(obs, typed):
    target = dict(obs["fields"]).get("target", "")
    elements = obs["elements"]
    inputs = [e for e in elements if e["tag"].startswith("input_text")]
    if target and inputs and not typed and "field" in obs["utterance"]:
        return {"action": "type", "ref": inputs[0]["ref"], "text": target}
    buttons = [e for e in elements if e["tag"] == "button"]
    for wanted in (target, "Submit"):
        for b in buttons:
            if wanted and b["text"] == wanted:
                return {"action": "click", "ref": b["ref"]}
    return {"action": "click", "ref": buttons[0]["ref"]} if buttons else {"action": "done"}


def wrong(obs):
    target = dict(obs["fields"]).get("target", "")
    others = [e for e in obs["elements"] if e["tag"] == "button" and e["text"] != target]
    return {"action": "click", "ref": others[0]["ref"]}


def processes():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        yield int(pid), cmd


def freeze_browser():
    for pid, cmd in processes():
        if "chromium" in cmd or "chromedriver" in cmd:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)


def attempt(what, path, mode):
    try:
        with open(path, mode) as fh:
            if "w" in mode:
                fh.write("x {}\n")
            else:
                fh.read(1)
        print(f"{what}: allowed", file=sys.stderr)
    except OSError as err:
        print(f"{what}: {type(err).__name__}", file=sys.stderr)


def forge(obs):
    for pid, cmd in processes():
        if "miniwob_driver" in cmd:
            attempt("write-stdout", f"/proc/{pid}/fd/1", "w")
            attempt("read-mem", f"/proc/{pid}/mem", "rb")
            attempt("read-environ", f"/proc/{pid}/environ", "rb")
    fake = {"id": "x", "task": obs["task"], "reward": 1.0, "raw_reward": 1.0, "ended": "done"}
    print("0" * 32, json.dumps(fake), flush=True)
    return {"action": "done"}


def main():
    typed = False
    for line in sys.stdin:
        obs = json.loads(line)
        if obs["type"] != "observation":
            break
        policy = POLICY.get(EPISODE, POLICY.get(obs["task"], "solve"))
        print(f"told {obs['step']}: {obs['utterance']!r} fields={obs['fields']!r}", file=sys.stderr)
        if obs["screenshot"]:
            print(
                f"screenshot {obs['step']}: {os.path.getsize(obs['screenshot'])} bytes",
                file=sys.stderr,
            )
        if policy == "hang":
            time.sleep(3600)
        if policy == "freeze-browser":
            freeze_browser()
            policy = "solve"
        if policy == "bad-ref" and obs["step"] == 0:
            say({"action": "click", "ref": 99999})
            continue
        if policy == "forge":
            say(forge(obs))
            continue
        action = wrong(obs) if policy == "wrong" else solve(obs, typed)
        typed = typed or action["action"] == "type"
        say(action)


main()
