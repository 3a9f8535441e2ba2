"""The LLM path with a real model: what the gateway costs, and the loop's own overhead.

1. Gateway overhead. The same chat request (greedy, fixed answer length, so both sides generate
   the same tokens) goes alternately straight to the local llama.cpp server and through a godelbox
   gateway (unix socket -> gateway -> LLMClient -> litellm -> server), after one warm-up each.
   Printed: completion tokens per second each way (median of the rounds) and the gateway ratio
   direct/gateway (goal <= 1.05).
2. Loop overhead with the real model. A real `Evolution` (as bench/loop_overhead.py builds it,
   with its timing proxies) runs generations with every role on the local model, in docker: the
   share and the seconds per iteration spent outside model calls and sandbox operations.

The server is started here on a free loopback port with the bundled SmolLM2-135M (or --model-path)
and stopped at the end. Baselines are measured in the same process; on a loaded machine both
sides slow down together, but say so next to any figure.

    .venv/bin/python bench/llm_path.py                  # 8 rounds, 2 loop iterations
    .venv/bin/python bench/llm_path.py --rounds 20 --iterations 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "bench"))  # reuse loop_overhead's timing proxies
sys.path.insert(0, str(REPO_ROOT / "sandbox" / "agent_client"))  # the agents' own client

import godelbox_llm  # noqa: E402
import loop_overhead  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: E402

from godelbox.archive.store import Archive  # noqa: E402
from godelbox.config import MODEL_ROLES, Config, dump_toml  # noqa: E402
from godelbox.llm.local import (  # noqa: E402
    BUNDLED_CONTEXT,
    LocalServer,
    ServerInfo,
    ServerSpec,
    fetch_bundled_model,
    free_port,
)
from godelbox.loop.evolution import Evolution  # noqa: E402
from godelbox.proposer.llm import LLMClient  # noqa: E402
from godelbox.sandbox.gateway import Gateway  # noqa: E402

PROMPT = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Explain in a few sentences what a unit test is."},
]
ANSWER_TOKENS = 64


def direct(base_url: str) -> tuple[float, int]:
    """(seconds, completion tokens) of one request straight to the server."""
    body = {
        "model": "local",
        "messages": PROMPT,
        "max_tokens": ANSWER_TOKENS,
        "temperature": 0.0,
        "seed": 0,
    }
    request = urllib.request.Request(
        f"{base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        data = json.load(response)
    return time.perf_counter() - started, int(data["usage"]["completion_tokens"])


def through_gateway(socket_path: Path) -> tuple[float, int]:
    """(seconds, completion tokens) of the same request through the gateway's socket."""
    os.environ["GODELBOX_LLM_SOCKET"] = str(socket_path)
    started = time.perf_counter()
    data = godelbox_llm.chat(
        PROMPT, role="agent", timeout=600, max_tokens=ANSWER_TOKENS, temperature=0.0, seed=0
    )
    return time.perf_counter() - started, int(data["usage"]["completion_tokens"])


def models_on(info: ServerInfo) -> dict[str, Any]:
    return {role: info.endpoint_table() for role in MODEL_ROLES}


def gateway_overhead(console: Console, info: ServerInfo, rounds: int) -> None:
    config = Config.model_validate({"models": models_on(info)})
    client = LLMClient(config.models, config.llm, lambda _record: None)
    with Gateway(client, on_call=lambda _r: None, budget_usd=1.0, budget_tokens=10**9) as gw:
        direct(info.base_url)  # warm-up: model pages, prompt cache, litellm's import
        through_gateway(gw.socket_path)
        rates: dict[str, list[float]] = {"direct": [], "gateway": []}
        for _ in range(rounds):
            for name, call in (
                ("direct", lambda: direct(info.base_url)),
                ("gateway", lambda: through_gateway(gw.socket_path)),
            ):
                seconds, tokens = call()
                rates[name].append(tokens / seconds)
    med = {name: statistics.median(values) for name, values in rates.items()}
    ratio = med["direct"] / med["gateway"]
    verdict = "met" if ratio <= 1.05 else "NOT met"
    console.print(
        f"tokens/s, median of {rounds} alternating rounds ({ANSWER_TOKENS}-token answers): "
        f"direct {med['direct']:.1f}, through the gateway {med['gateway']:.1f}; "
        f"gateway overhead ratio {ratio:.3f} (goal <= 1.05: {verdict})"
    )


def loop_config(info: ServerInfo, iterations: int, seed: int) -> Config:
    return Config.model_validate(
        {
            "run": {"seed": seed},
            "models": models_on(info),
            "llm": {"max_output_tokens": 160, "timeout_s": 300.0, "max_retries": 1},
            "sandbox": {"backend": "docker"},
            "evaluation": {
                "bench": "builtin:dev",
                "workers": 1,
                "task_timeout_s": 60.0,
                "stages": [{"tasks": 1, "min_score_to_continue": 0.0}],
            },
            "loop": {"children_per_generation": 1, "proposal_workers": 1, "eval_workers": 1},
            "proposer": {"mode": "llm", "implement_timeout_s": 60.0, "self_test_timeout_s": 120},
            "budget": {"iterations": iterations},
        }
    )


def loop_overhead_with_model(
    console: Console, info: ServerInfo, iterations: int, seed: int
) -> None:
    sandbox_spans, llm_spans = loop_overhead.Intervals(), loop_overhead.Intervals()
    with tempfile.TemporaryDirectory(prefix="godelbox-llm-path-") as tmp:
        config = loop_config(info, iterations, seed)
        archive = Archive.create(Path(tmp) / "run", dump_toml(config))
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        )
        reporter = loop_overhead.ProgressReporter(
            progress, progress.add_task("starting", total=iterations), {iterations}
        )
        try:
            parts, _backend = loop_overhead.build_parts(
                archive, config, reporter, sandbox_spans, llm_spans, full_self_tests=False
            )
            with progress:
                started = reporter.started = time.monotonic()
                reason = Evolution(parts).run()
                if reporter.finished:
                    reporter.checkpoint()
            calls = archive.llm_calls()
        finally:
            archive.close()
    answered = [c for c in calls if c.error is None]
    console.print(
        f"loop with the real model: {reason}; {len(calls)} model calls ({len(answered)} "
        f"answered, {sum(c.tokens_in + c.tokens_out for c in answered)} tokens, "
        f"${sum(c.cost_usd for c in calls):.4f})"
    )
    taken = sorted(reporter.taken, key=lambda c: c.iteration)
    rows = loop_overhead.segments(started, taken, sandbox_spans.spans(), llm_spans.spans())
    loop_overhead.report(console, rows, taken)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="alternating request pairs")
    parser.add_argument("--iterations", type=int, default=2, help="loop generations (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model-path", type=Path, help="a GGUF (default: the bundled one)")
    args = parser.parse_args(argv)
    console = Console()
    model = args.model_path or fetch_bundled_model(log=console.log)
    spec = ServerSpec(model_path=model, port=free_port(), context_window=BUNDLED_CONTEXT)
    with (
        tempfile.TemporaryDirectory(prefix="godelbox-llm-server-") as logs,
        LocalServer(spec, Path(logs) / "server.log") as server,
    ):
        info = server.info
        console.print(f"local model {model.name} at {info.base_url}")
        gateway_overhead(console, info, args.rounds)
        if args.iterations:
            loop_overhead_with_model(console, info, args.iterations, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
