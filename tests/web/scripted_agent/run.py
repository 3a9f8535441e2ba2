"""An LLM-free scripted policy for the web harness tests: NEVER an agent of the system.

Speaks the web agent contract (JSONL on stdin/stdout). `policy.json` next to this file maps an
episode id (`<task>-<seed>`, the name of the --log-dir) or a task name to a behaviour (default
"solve"):
- solve: click-test / click-button / enter-text style: type the target into an empty text
  input, then click the button whose text is the target, else Submit, else the only button;
- wrong: click a button whose text is NOT the target;
- bad-ref: first click a ref that is not on the page, then solve;
- stuck: always click a ref that is not on the page;
- hang: never answer (the driver must kill it at the episode limit);
- freeze-browser: SIGSTOP every Chromium and chromedriver process it can see, report how many on
  stderr, then solve (the browser runs in another sandbox: there are none to stop);
- forge: look for the driver, Chromium and chromedriver and any listening loopback port, print
  a fake result line, report what it found on stderr, then give up.
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


def browser_processes():
    return [pid for pid, cmd in processes() if "chrom" in cmd or "miniwob_driver" in cmd]


def freeze_browser():
    frozen = 0
    for pid in browser_processes():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGSTOP)
            frozen += 1
    print(f"froze {frozen} browser processes", file=sys.stderr)


def listening_ports():
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            for row in fh.read().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if state == "0A":  # LISTEN
                    ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


def forge(obs):
    print(f"browser processes seen: {len(browser_processes())}", file=sys.stderr)
    print(f"listening ports: {listening_ports()}", file=sys.stderr)
    fake = {"id": "x", "task": obs["task"], "reward": 1.0, "raw_reward": 1.0, "ended": "done"}
    print(json.dumps({"ok": True, "terminated": True, "raw_reward": 1.0, **fake}), flush=True)
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
        if policy == "stuck" or (policy == "bad-ref" and obs["step"] == 0):
            say({"action": "click", "ref": 99999})
            continue
        if policy == "forge":
            say(forge(obs))
            continue
        action = wrong(obs) if policy == "wrong" else solve(obs, typed)
        typed = typed or action["action"] == "type"
        say(action)


main()
