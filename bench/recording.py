"""What recording every gateway exchange costs: run time, and storage per call.

The seed coding agent runs on builtin:dev tasks in docker, each task behind its own gateway,
against the scripted fake OpenAI server (tests/fixtures/fake_llm.py) answering after
`--latency` seconds (a model's think time). Each call runs one deterministic command whose
output goes back to the model, so the conversation grows the way real ones do; after `--calls`
calls the agent submits. Rounds alternate without and with recording in this one process
(ABAB...), so load drifts hit both sides alike.

Printed:
- wall time per task without and with recording (median of the rounds) and their ratio (goal
  <= 1.05), plus the recorder's own time (measured inside its hooks) as a share of the run's wall
  time, which is the overhead without the sandbox noise;
- storage: what the agent sent per call (JSON bytes) against what the archive stores per call
  (compressed new blobs + the exchange rows), after writing the tapes to a real archive.

    .venv/bin/python bench/recording.py                       # 3 rounds x 4 tasks, 6 calls each
    .venv/bin/python bench/recording.py --rounds 6 --tasks 6 --latency 1.0
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

from godelbox.archive.store import DB_FILE, Archive  # noqa: E402
from godelbox.config import Config, dump_toml, load_config  # noqa: E402
from godelbox.evaluator.bench_spec import load_benchmark  # noqa: E402
from godelbox.evaluator.context import context_from_config  # noqa: E402
from godelbox.evaluator.evaluation import evaluate_tasks  # noqa: E402
from godelbox.llm.client import LLMClient  # noqa: E402
from godelbox.llm.fake_server import FAKE_API_KEY, FakeLLM, ScriptedReply  # noqa: E402
from godelbox.llm.recording import Recorder, Tape  # noqa: E402
from godelbox.loop import solvers  # noqa: E402
from godelbox.sandbox.select import backend_for  # noqa: E402

COMMANDS = ("ls -la", "cat README* 2>/dev/null | head -40", "git log --oneline | head", "find .")


class TimedRecorder(Recorder):
    """A recorder that adds up the time spent in its own hooks."""

    spent_s = 0.0

    def begin(self, body: Any) -> int:
        started = time.perf_counter()
        try:
            return super().begin(body)
        finally:
            TimedRecorder.spent_s += time.perf_counter() - started

    def end(self, seq: int, response: Any = None, refusal: Any = None) -> None:
        started = time.perf_counter()
        try:
            super().end(seq, response, refusal)
        finally:
            TimedRecorder.spent_s += time.perf_counter() - started


def scripted(calls: int, latency_s: float):
    def reply(body: dict[str, Any]) -> ScriptedReply:
        done = sum(1 for m in body["messages"] if m.get("role") == "tool")
        time.sleep(latency_s)
        if done + 1 >= calls:
            name, args = "submit", {}
        else:
            name, args = "bash", {"command": COMMANDS[done % len(COMMANDS)]}
        call = {"id": f"c{done}", "type": "function", "function": {"name": name}}
        call["function"]["arguments"] = json.dumps(args)
        return ScriptedReply(content=None, tool_calls=[call], finish_reason="tool_calls")

    return reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="Rounds per side (alternating).")
    parser.add_argument("--tasks", type=int, default=4, help="builtin:dev tasks per round.")
    parser.add_argument("--calls", type=int, default=6, help="Model calls per task.")
    parser.add_argument("--latency", type=float, default=0.5, help="Seconds per fake answer.")
    args = parser.parse_args()

    os.environ["OPENAI_API_KEY"] = FAKE_API_KEY
    fake = FakeLLM().start()
    fake.fallback = scripted(args.calls, args.latency)
    solvers.Recorder = TimedRecorder  # type: ignore[attr-defined,misc]
    try:
        config = load_config().config
        ctx = context_from_config(
            config, backend_for(config.sandbox), labels={"run": f"bench-{os.getpid()}"}
        )
        bench = load_benchmark("builtin:dev", ctx)
        tasks = bench.tasks()[: args.tasks]
        llm_cfg = Config(models=fake.models(), llm=fake.llm_section(timeout_s=60.0))
        client = LLMClient(llm_cfg.models, llm_cfg.llm, lambda _r: None)
        agent = REPO_ROOT / "agents" / "coder"
        tapes: list[Tape] = []

        def run(record: bool) -> float:
            def sink(record_or_tape: Any) -> None:
                if isinstance(record_or_tape, Tape):
                    tapes.append(record_or_tape)

            solver = solvers.GatewayAgentSolver(agent, client, sink, record=record)
            started = time.monotonic()
            evaluate_tasks(ctx, bench, tasks, solver)
            return (time.monotonic() - started) / len(tasks)

        run(False)  # warm-up: image, litellm import, page cache
        plain: list[float] = []
        recorded: list[float] = []
        wall_recorded = 0.0
        TimedRecorder.spent_s = 0.0
        sent_from = 0
        for index in range(args.rounds):
            plain.append(run(False))
            tapes.clear()  # the storage figures use the last round's tapes
            sent_from = len(fake.requests)
            per_task = run(True)
            recorded.append(per_task)
            wall_recorded += per_task * len(tasks)
            print(f"round {index + 1}: {plain[-1]:.2f} s/task plain, {per_task:.2f} recorded")
        a, b = statistics.median(plain), statistics.median(recorded)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"builtin:dev, {len(tasks)} tasks x {args.calls} calls, latency {args.latency} s, "
            f"{os.cpu_count()} cpus, load average {load}"
        )
        print(f"without recording: {a:.2f} s/task   with: {b:.2f} s/task   ratio {b / a:.3f}")
        print(
            f"recorder's own time: {TimedRecorder.spent_s * 1000:.1f} ms over "
            f"{wall_recorded:.1f} s of recorded runs = "
            f"{100 * TimedRecorder.spent_s / wall_recorded:.3f} % (goal <= 5 %)"
        )
        sent = sum(len(json.dumps(r.body)) for r in fake.requests[sent_from:])
        storage(tapes, sent)
    finally:
        fake.stop()


def storage(tapes: list[Tape], sent: int) -> None:
    """Bytes per call: sent by the agent (as forwarded), new blobs, database growth."""
    calls = sum(len(t.exchanges) for t in tapes)
    if not calls:
        raise SystemExit("no call was recorded: the harness is broken")
    with tempfile.TemporaryDirectory(prefix="godelbox-bench-rec-") as tmp:
        run_dir = Path(tmp) / "run"
        archive = Archive.create(run_dir, dump_toml(Config()))
        node = archive.add_node(parent_id=None, commit_sha="0" * 40)
        archive.close()  # sizes are compared with the WAL checkpointed into the file
        before = _size(run_dir / DB_FILE)
        archive = Archive.open(run_dir)
        for tape in tapes:
            archive.record_tape(node, tape)
        archive.close()
        grown = _size(run_dir / DB_FILE) - before
    blobs = sum(t.stored_bytes for t in tapes)
    raw = sum(t.raw_bytes for t in tapes)
    print(
        f"storage: {calls} calls in {len(tapes)} tapes; requests sent {sent / calls / 1024:.1f} "
        f"KiB per call; new blobs {blobs / calls / 1024:.2f} KiB per call compressed "
        f"({raw / calls / 1024:.2f} KiB uncompressed); database grew {grown / calls / 1024:.2f} "
        "KiB per call"
    )


def _size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


if __name__ == "__main__":
    main()
