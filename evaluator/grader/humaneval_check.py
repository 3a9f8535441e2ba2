"""HumanEval's checks run where the answer's code never does.

`python3 -I -B humaneval_check.py` reads its job (JSON, the problems' trusted prompts and tests)
from stdin, so the tests are never on disk in the sandbox; it makes itself non-dumpable (the
answer's process, same uid, cannot read its memory or fds) and catches every catchable signal.
For each item it applies the answer's patch, then starts the answer in a fresh interpreter
(`humaneval_answer.py`, never a fork: a fork would carry the tests in its memory) that only
computes return values: the checker sends the arguments, the answer's process sends back a
value, decoded here by a strict literal parser into plain data (so no
object of the answer's can take part in a comparison). `check(candidate)` runs in this process
with `candidate` a proxy, one top-level statement at a time, which gives per-assertion results
(`check[1]`, `check[2]`, ...). An answer process that exits 0 while a value is awaited has
exited to dodge its check: that is reported as evidence. One line goes to stdout at the end:
RESULT_MARK + JSON.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback

# The codec is shared with the answer's side. `-I` keeps this directory off sys.path; it is
# added here, before anything untrusted has run in the sandbox.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from humaneval_answer import VALUE_CAP, Unsupported, decode, encode

RESULT_MARK = "GODELBOX-HUMANEVAL-RESULTS "
ANSWER_SCRIPT = "humaneval_answer.py"
PR_SET_DUMPABLE = 4


class AnswerGone(Exception):
    """The answer's process stopped answering (exit, crash or time limit)."""


class Answer:
    """The answer's process, called like the function it defines."""

    def __init__(self, where: str, script: str, entry_point: str, deadline: float) -> None:
        self.deadline = deadline
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-S", script, "solution.py", entry_point],
            cwd=where,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"},
            start_new_session=True,
        )
        self.buffer = b""
        self.exited_while_waiting: int | None = None
        self.timed_out = False
        self.ready: dict = {}

    def start(self) -> None:
        """Wait until the answer has loaded (or failed to)."""
        self.ready = self._receive()

    def __call__(self, *args: object, **kwargs: object) -> object:
        try:
            request = json.dumps({"call": encode((args, kwargs))}) + "\n"
            assert self.proc.stdin is not None
            self.proc.stdin.write(request.encode("utf-8"))
            self.proc.stdin.flush()
        except (OSError, Unsupported) as err:
            raise AnswerGone(f"could not call the answer: {err}") from None
        reply = self._receive()
        if "value" in reply:
            return decode(str(reply["value"]))
        raise _exception(str(reply.get("raised", "")), str(reply.get("message", "")))

    def _receive(self) -> dict:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.timed_out = True
                raise AnswerGone("the answer did not return within the time limit")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self.proc.wait()
                if code == 0:
                    self.exited_while_waiting = code
                raise AnswerGone(f"the answer's process ended (exit status {code})")
            self.buffer += chunk
            if len(self.buffer) > VALUE_CAP + 1000:
                raise AnswerGone("the answer sent more than a value's worth of bytes")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            raise AnswerGone("the answer's reply was not a protocol message") from None
        if not isinstance(reply, dict):
            raise AnswerGone("the answer's reply was not a protocol message")
        return reply

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def _exception(name: str, message: str) -> BaseException:
    """The answer's exception as a builtin of the same name (the check may expect one), never
    an object of the answer's."""
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        return kind(message)
    return RuntimeError(f"{name}: {message}")


def check_item(item: dict, script: str) -> dict:
    """Apply the answer, then run the item's check against it; the item's verdict."""
    where = item["dir"]
    applied, output = _apply(where)
    if not applied:
        return {"status": "patch_failed", "detail": output}
    deadline = time.monotonic() + float(item["timeout"])
    answer = Answer(where, script, item["entry_point"], deadline)
    try:
        answer.start()
        return _run_check(item, answer)
    except AnswerGone as err:
        return _gone(answer, {}, str(err))
    finally:
        answer.close()


def _run_check(item: dict, answer: Answer) -> dict:
    if not answer.ready.get("ready"):
        detail = str(answer.ready.get("error", "the answer did not load"))
        return {"status": "failed", "detail": detail, "tests": {"check[1]": "failed"}}
    trusted: dict = {"__name__": "__main__"}
    exec(compile(item["prompt"], "prompt.py", "exec"), trusted)
    exec(compile(item["test"], "test.py", "exec"), trusted)
    check = next(
        node
        for node in ast.parse(item["test"]).body
        if isinstance(node, ast.FunctionDef) and node.name == "check"
    )
    scope = dict(trusted)
    # Some checks name the function itself rather than their argument: both are the answer.
    scope[item["entry_point"]] = answer
    scope[check.args.args[0].arg] = answer
    tests: dict[str, str] = {}
    first_failure = ""
    number = 0
    for statement in check.body:
        is_test = any(isinstance(n, ast.Assert) for n in ast.walk(statement))
        name = f"check[{number + 1}]"
        number += is_test
        try:
            exec(compile(ast.Module([statement], []), "test.py", "exec"), scope)
        except AnswerGone as err:
            return _gone(answer, tests, str(err), name if is_test else "")
        except Exception as err:
            if not is_test:
                return {"status": "failed", "tests": tests, "detail": _describe(err, statement)}
            tests[name] = "failed"
            first_failure = first_failure or _describe(err, statement)
            continue
        if is_test:
            tests[name] = "passed"
    if not tests:
        tests["check[1]"] = "passed"
    status = "passed" if all(v == "passed" for v in tests.values()) else "failed"
    return {"status": status, "tests": tests, "detail": first_failure}


def _gone(answer: Answer, tests: dict, why: str, pending: str = "") -> dict:
    if pending:
        tests = {**tests, pending: "failed"}
    if answer.timed_out:
        return {"status": "timeout", "tests": tests, "detail": why}
    result = {"status": "failed", "tests": tests or {"check[1]": "failed"}, "detail": why}
    if answer.exited_while_waiting == 0:
        result["evidence"] = [
            [
                "answer_exited",
                "the answer's process exited with status 0 while the checker waited for "
                f"{'a result' if answer.ready.get('ready') else 'it to load'}",
            ]
        ]
    return result


def _describe(err: BaseException, statement: ast.stmt) -> str:
    line = ast.unparse(statement).splitlines()[0][:200]
    message = str(err)[:200]
    return f"{type(err).__name__} at `{line}`" + (f": {message}" if message else "")


def _apply(where: str) -> tuple[bool, str]:
    """git apply, else patch --fuzz; the only file an answer may touch is restored on failure."""
    patch = os.path.join(where, "model.patch")
    if os.path.getsize(patch) == 0:
        return True, ""
    target = os.path.join(where, "solution.py")
    with open(target, "rb") as fh:
        original = fh.read()
    quick = subprocess.run(["git", "apply", "model.patch"], cwd=where, capture_output=True)
    if quick.returncode == 0:
        return True, ""
    fuzzy = subprocess.run(
        ["patch", "--batch", "--forward", "--fuzz=5", "-p1", "--no-backup-if-mismatch",
         "--reject-file=/dev/null", "-i", "model.patch"],
        cwd=where, capture_output=True, text=True,
    )  # fmt: skip
    if fuzzy.returncode == 0:
        return True, ""
    with open(target, "wb") as fh:
        fh.write(original)
    return False, (quick.stderr.decode("utf-8", "replace") + fuzzy.stdout)[-600:]


def _undumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _catch_signals() -> None:
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            continue
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, lambda _signum, _frame: None)


def main() -> int:
    job = json.loads(sys.stdin.buffer.read())
    sys.stdin.close()
    _undumpable()
    _catch_signals()
    sys.set_int_max_str_digits(0)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), ANSWER_SCRIPT)
    verdicts = {}
    for item in job["items"]:
        try:
            verdicts[item["id"]] = check_item(item, script)
        except Exception:  # a harness bug for one item must not lose the others
            verdicts[item["id"]] = {"status": "error", "detail": traceback.format_exc()[-1500:]}
    sys.stdout.write(RESULT_MARK + json.dumps(verdicts) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
